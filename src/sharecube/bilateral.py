r"""Bilateral trade and cooperation indicators on exporter x importer x product (x year) cubes.

Every function takes the cube ``x[i, j, k, ...]``: the value of exporter ``i``'s exports to
importer ``j`` of product ``k`` (any further axes, years say, are kept), with the roles given by
``exporter_axis``, ``importer_axis`` and ``product_axis`` (default 0, 1, 2). Exporters and
importers are the same countries in the same order, so that ``x[i, j]`` and ``x[j, i]`` are the
two directions of one pair. Sums are compensated (the kernels' totals), each ratio is one IEEE
division, and results are bit for bit the same for any thread count; dask arrays run year by
year (every role axis in one chunk).

Notation: :math:`x_{ij} = \sum_k x_{ijk}` (i's exports to j), :math:`X_i = \sum_j x_{ij}` (i's
exports), :math:`M_j = \sum_i x_{ij}` (j's imports), :math:`W = \sum_{ij} x_{ij}` (world trade);
:math:`X_{ik} = \sum_j x_{ijk}`, :math:`M_{jk} = \sum_i x_{ijk}`.

Self-pairs (``i == j``): trade data have none (BACI and Comtrade record no country's trade with
itself); a value there is left out of every total and the pair's result is NaN
(``self_pairs="exclude"``, the default), or kept as any other pair (``"include"``).
Missing values (NaN) are skipped in the totals (``skipna=True``) and a result that divides by a
zero total takes ``zero_total``'s value (NaN by default), as everywhere in sharecube.

The indicators:

- :func:`market_share_total`: exporter i's share of j's imports, :math:`x_{ij} / M_j`; per
  product it is :func:`sharecube.shares` along the exporter axis,
  ``sc.shares(x, exporter_axis)`` (:math:`x_{ijk} / M_{jk}`);
- :func:`trade_intensity` (TII; Brown 1949, Kojima 1964, as WITS computes it):
  :math:`(x_{ij} / X_i) / (M_j / W)`: above 1, i exports more to j than j's weight in world
  imports suggests;
- :func:`complementarity` (TCI; Michaely 1996): :math:`1 - \sum_k |m_{jk} - e_{ik}| / 2` with
  :math:`e_{ik} = X_{ik} / X_i` i's export mix and :math:`m_{jk} = M_{jk} / M_j` j's import mix,
  for every ordered pair: 1 when what i sells is what j buys, 0 when they do not overlap;
- export similarity (Finger and Kreinin 1979) of two exporters in market j is
  :func:`sharecube.similarity` along the exporter and product axes,
  ``sc.similarity(x, exporter_axis, product_axis)``, with the importer axis kept; in the world,
  of the cube summed over importers;
- :func:`intra_industry` (Grubel-Lloyd, per pair and product):
  :math:`1 - |x_{ijk} - x_{jik}| / (x_{ijk} + x_{jik})`; :func:`intra_industry_total` over the
  products, :math:`\sum_k (x_{ijk} + x_{jik} - |x_{ijk} - x_{jik}|) / \sum_k (x_{ijk} + x_{jik})`,
  or adjusted for the pair's trade imbalance (Grubel and Lloyd 1975), dividing by
  :math:`\sum_k (x_{ijk} + x_{jik}) - |x_{ij} - x_{ji}|`;
- :func:`trade_balance` (trade competitiveness or specialisation coefficient):
  :math:`(X_{ik} - M_{ik}) / (X_{ik} + M_{ik})` per country and product, in [-1, 1];
- bilateral RCA of i in product k on market j, :math:`(x_{ijk} / x_{ij}) / (M_{jk} / M_j)`, is
  :func:`sharecube.rca` along the exporter and product axes, ``sc.rca(x, exporter_axis,
  product_axis)``, with the importer axis kept;
- blocs (:func:`bloc_trade`): each bloc's intra-bloc trade share :math:`x_{bb} / X_b`, its
  intra-bloc intensity (Anderson and Norheim 1993) :math:`(x_{bb} / X_b) / (M_b / W)`, and its
  share of each partner's imports :math:`x_{bj} / M_j`, with membership year by year.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sharecube import _dispatch as d
from sharecube._arith import divide, neumaier
from sharecube._contracts import Options, Policy
from sharecube._declare import Gather, declare, deliver
from sharecube.share import group_sums

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "bloc_trade",
    "complementarity",
    "intra_industry",
    "intra_industry_total",
    "market_share_total",
    "trade_balance",
    "trade_intensity",
]

SelfPairs = Literal["exclude", "include"]
_DIMS = (("exporter", "exporter"), ("importer", "importer"), ("product", "product"))
_ROLES = ("exporter_axis", "importer_axis", "product_axis")
_SELF = (("self_pairs", "exclude", "SelfPairs"),)


def _declare(
    compute: Any,
    result: Any = "reduce",
    keeps: tuple[str, ...] = ("exporter_axis", "importer_axis"),
    **checks: Any,
) -> Any:
    """The declaration of a bilateral indicator: the three roles, every role axis whole in a
    block (year by year on dask), ``self_pairs`` checked."""
    return declare(
        roles=_ROLES,
        dims=_DIMS,
        result=result,
        keeps=keeps if result == "reduce" else (),
        compute=compute,
        checks={"self_pairs": _check_self, **checks},
        split=Gather(),
    )


def _check_self(v: Any, name: str) -> str:
    if v not in ("exclude", "include"):
        raise ValueError(f"{name} must be 'exclude' or 'include', got {v!r}")
    return str(v)


def _canon(arr: NDArray[Any], axes: tuple[int, ...], square: bool = True) -> NDArray[Any]:
    """A view with the exporter, importer and product axes first (the others after, in
    order); checks that exporters and importers match."""
    ea, ia, pa = axes
    x = np.moveaxis(arr, (ea, ia, pa), (0, 1, 2))
    if square and x.shape[0] != x.shape[1]:
        raise ValueError(
            f"exporter and importer axes must have the same length (the same countries in the "
            f"same order), got {x.shape[0]} exporters and {x.shape[1]} importers"
        )
    return x


def _sum(x: NDArray[Any], axes: tuple[int, ...], pol: Policy) -> NDArray[np.float64]:
    """Compensated float64 sums over ``axes`` (NaN skipped with ``skipna``)."""
    return pol.impl.stats(x, axes, pol, frozenset({"sum"}))["sum"]


def _flows(x: NDArray[Any], pol: Policy, self_pairs: str) -> NDArray[np.float64]:
    """``x_ij`` (exporter, importer, *rest) summed over products, self-pairs zeroed."""
    f = _sum(x, (2,), pol)
    if self_pairs == "exclude":
        n = f.shape[0]
        f[np.arange(n), np.arange(n)] = 0.0
    return f


def _diagonal_nan(res: NDArray[np.float64], self_pairs: str) -> NDArray[np.float64]:
    if self_pairs == "exclude":
        n = res.shape[0]
        res[np.arange(n), np.arange(n)] = np.nan
    return res


def _place(res: NDArray[Any], arr: NDArray[Any], axes: tuple[int, ...]) -> NDArray[Any]:
    """A (exporter, importer, *rest) result back in the input's order, the product axis gone."""
    ea, ia, pa = axes
    pos = [a - (a > pa) for a in (ea, ia)]
    return np.moveaxis(res, (0, 1), pos)


def _no_self(x: NDArray[Any], self_pairs: str) -> NDArray[Any]:
    """``x`` (canonical) with self-pair cells zeroed: a copy in x's own dtype, made only when
    there are any."""
    if self_pairs != "exclude":
        return x
    n = x.shape[0]
    diag = x[np.arange(n), np.arange(n)]
    if not np.any(diag != 0):
        return x
    y = np.array(x)
    y[np.arange(n), np.arange(n)] = 0
    return y


# ---- pair totals -------------------------------------------------------------------------


def _market_share_total(
    arr: NDArray[Any], pol: Policy, axes: tuple[int, ...], opts: dict[str, Any], out: Any
) -> NDArray[Any]:
    f = _flows(_canon(arr, axes), pol, opts["self_pairs"])
    m = _sum(f, (0,), pol)[None]
    res = _diagonal_nan(divide(f, m, pol.fill), opts["self_pairs"])
    return deliver(_place(res, arr, axes), out, pol, arr)


@_declare(_market_share_total)
def market_share_total(
    x: ArrayLike,
    exporter_axis: int = 0,
    importer_axis: int = 1,
    product_axis: int = 2,
    *,
    self_pairs: SelfPairs = "exclude",
    **options: Unpack[Options],
) -> NDArray[np.floating[Any]]:
    """Each exporter's share of each importer's imports, all products together.

    ``x_ij / M_j`` (see :mod:`sharecube.bilateral`); per product, use
    ``sharecube.shares(x, exporter_axis)``.

    Returns
    -------
    ndarray
        x's shape without the product axis; each importer's column sums to 1.

    Examples
    --------
    >>> import numpy as np
    >>> from sharecube import bilateral
    >>> x = np.array([[[0.0], [3.0]], [[1.0], [0.0]]])  # 2 countries, 1 product
    >>> bilateral.market_share_total(x)[:, :, ...]
    array([[nan,  1.],
           [ 1., nan]])
    """


def _trade_intensity(
    arr: NDArray[Any], pol: Policy, axes: tuple[int, ...], opts: dict[str, Any], out: Any
) -> NDArray[Any]:
    f = _flows(_canon(arr, axes), pol, opts["self_pairs"])
    xi = _sum(f, (1,), pol)[:, None]  # i's exports
    mj = _sum(f, (0,), pol)[None]  # j's imports
    w = _sum(xi, (0,), pol)[None]  # world trade
    with np.errstate(all="ignore"):
        res = (f / xi) / (mj / w)
    bad = (xi == 0) | (mj == 0)
    res = np.where(bad, pol.fill, res)
    res = _diagonal_nan(res, opts["self_pairs"])
    return deliver(_place(res, arr, axes), out, pol, arr)


@_declare(_trade_intensity)
def trade_intensity(
    x: ArrayLike,
    exporter_axis: int = 0,
    importer_axis: int = 1,
    product_axis: int = 2,
    *,
    self_pairs: SelfPairs = "exclude",
    **options: Unpack[Options],
) -> NDArray[np.floating[Any]]:
    """Trade intensity index of every ordered pair (exporter, importer).

    ``TII_ij = (x_ij / X_i) / (M_j / W)``: 1 when i's exports go to j in proportion to j's
    share of world imports, above 1 over-traded, below 1 under-traded (see
    :mod:`sharecube.bilateral`). An exporter without exports or an importer without imports
    gets ``zero_total``'s value.

    Returns
    -------
    ndarray
        x's shape without the product axis.

    Examples
    --------
    >>> import numpy as np
    >>> from sharecube import bilateral
    >>> x = np.zeros((3, 3, 1)); x[0, 1] = 2; x[0, 2] = 2; x[1, 2] = 4; x[2, 0] = 4
    >>> bilateral.trade_intensity(x)[0]  # 0 sends half its exports to 1, which takes 1/6
    array([nan,  3.,  1.])
    """


def _complementarity(
    arr: NDArray[Any], pol: Policy, axes: tuple[int, ...], opts: dict[str, Any], out: Any
) -> NDArray[Any]:
    x = _no_self(_canon(arr, axes), opts["self_pairs"])
    n, _, k = x.shape[:3]
    rest = x.shape[3:]
    xk = _sum(x, (1,), pol)  # (i, k, *rest): i's exports of k
    mk = _sum(x, (0,), pol)  # (j, k, *rest): j's imports of k
    mix = np.empty((2 * n, *rest, k))  # the pair kernel's layout: (unit, rest, product)
    for part, tot in ((slice(0, n), xk), (slice(n, 2 * n), mk)):
        total = _sum(tot, (1,), pol)[:, None]
        np.moveaxis(mix[part], -1, 1)[...] = divide(tot, total, np.nan)
    r = int(np.prod(rest, dtype=np.int64))
    pairs = pol.impl.min_sum_pairs(mix.reshape(2 * n, r, k), pol)
    res = pairs[:n, n:].reshape((n, n, *rest))
    empty = np.isnan(mix[..., 0]).reshape(2 * n, *rest)  # no exports (or imports) at all
    res = np.where(empty[:n, None] | empty[None, n:], pol.fill, res)
    res = _diagonal_nan(res, opts["self_pairs"])
    return deliver(_place(res, arr, axes), out, pol, arr)


@_declare(_complementarity)
def complementarity(
    x: ArrayLike,
    exporter_axis: int = 0,
    importer_axis: int = 1,
    product_axis: int = 2,
    *,
    self_pairs: SelfPairs = "exclude",
    **options: Unpack[Options],
) -> NDArray[np.floating[Any]]:
    """Trade complementarity index (Michaely) of every ordered pair (exporter, importer).

    ``TCI_ij = 1 - sum_k |m_jk - e_ik| / 2 = sum_k min(m_jk, e_ik)``, e_i the exporter's
    export mix and m_j the importer's import mix over products (see
    :mod:`sharecube.bilateral`): 1 when i exports exactly what j imports, 0 when nothing
    overlaps. Computed as the Finger-Kreinin overlap of the two mixes on the pair kernel. A
    country without exports (as exporter) or imports (as importer) gets ``zero_total``'s
    value.

    Returns
    -------
    ndarray
        x's shape without the product axis.

    Examples
    --------
    >>> import numpy as np
    >>> from sharecube import bilateral
    >>> x = np.zeros((3, 3, 2))
    >>> x[0, 1] = [3, 1]; x[0, 2] = [1, 1]; x[1, 2] = [0, 2]; x[2, 0] = [2, 0]
    >>> bilateral.complementarity(x).round(4)
    array([[   nan, 0.9167, 0.5833],
           [0.    ,    nan, 0.75  ],
           [1.    , 0.75  ,    nan]])
    """


# ---- intra-industry trade and specialisation -----------------------------------------------


#: products per step of the Grubel-Lloyd passes: their float64 temporaries stay small
_GL_STEP = 64


def _gl_parts(
    x: NDArray[Any], ks: slice, pol: Policy
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``x_ijk + x_jik`` and ``|x_ijk - x_jik|`` for the products ``ks`` (canonical layout,
    float64)."""
    a = x[:, :, ks].astype(np.float64)
    b = np.swapaxes(x[:, :, ks], 0, 1).astype(np.float64)
    if pol.skipna:
        np.nan_to_num(a, copy=False, nan=0.0)
        np.nan_to_num(b, copy=False, nan=0.0)
    both = a + b
    np.subtract(a, b, out=a)
    return both, np.abs(a, out=a)


def _intra_industry(
    arr: NDArray[Any], pol: Policy, axes: tuple[int, ...], opts: dict[str, Any], out: Any
) -> NDArray[Any]:
    x = _canon(arr, axes)
    ea, ia, pa = axes
    target, result = d.prepare_out(out, arr.shape, pol.dtype, arr, inplace_ok=False)
    view = np.moveaxis(target, (ea, ia, pa), (0, 1, 2))
    missing = pol.skipna and x.dtype.kind == "f"
    for k0 in range(0, x.shape[2], _GL_STEP):
        ks = slice(k0, k0 + _GL_STEP)
        both, gap = _gl_parts(x, ks, pol)
        with np.errstate(all="ignore"):
            res = 1.0 - gap / both
        res[both == 0] = pol.fill
        if missing:  # a missing flow either way: no index
            xs = x[:, :, ks]
            res[np.isnan(xs) | np.isnan(np.swapaxes(xs, 0, 1))] = np.nan
        np.copyto(view[:, :, ks], _diagonal_nan(res, opts["self_pairs"]), casting="unsafe")
    return result()


@_declare(_intra_industry, result="same")
def intra_industry(
    x: ArrayLike,
    exporter_axis: int = 0,
    importer_axis: int = 1,
    product_axis: int = 2,
    *,
    self_pairs: SelfPairs = "exclude",
    **options: Unpack[Options],
) -> NDArray[np.floating[Any]]:
    """Grubel-Lloyd intra-industry trade index per pair and product.

    ``GL_ijk = 1 - |x_ijk - x_jik| / (x_ijk + x_jik)``: 1 when the two countries trade the
    product equally both ways, 0 when only one way. No trade either way: ``zero_total``'s
    value; a missing flow either way: NaN.

    Returns
    -------
    ndarray
        x's shape; symmetric in exporter and importer.

    Examples
    --------
    >>> import numpy as np
    >>> from sharecube import bilateral
    >>> x = np.zeros((2, 2, 2)); x[0, 1] = [3.0, 2.0]; x[1, 0] = [1.0, 0.0]
    >>> bilateral.intra_industry(x)[0, 1]
    array([0.5, 0. ])
    """


def _intra_industry_total(
    arr: NDArray[Any], pol: Policy, axes: tuple[int, ...], opts: dict[str, Any], out: Any
) -> NDArray[Any]:
    x = _canon(arr, axes)
    tots, overlaps = [], []
    for k0 in range(0, x.shape[2], _GL_STEP):  # per step of products, then combined
        both, gap = _gl_parts(x, slice(k0, k0 + _GL_STEP), pol)
        tots.append(_sum(both, (2,), pol))
        overlaps.append(_sum(np.subtract(both, gap, out=gap), (2,), pol))  # 2 min(...)
    tot, overlap = neumaier(tots), neumaier(overlaps)
    den = tot
    if opts["adjusted"]:
        f = _sum(x, (2,), pol)
        den = tot - np.abs(f - np.swapaxes(f, 0, 1))
    with np.errstate(all="ignore"):
        res = overlap / den
    res = np.where(den == 0, pol.fill, res)
    res = _diagonal_nan(res, opts["self_pairs"])
    return deliver(_place(res, arr, axes), out, pol, arr)


@_declare(_intra_industry_total, adjusted=d.check_flag)
def intra_industry_total(
    x: ArrayLike,
    exporter_axis: int = 0,
    importer_axis: int = 1,
    product_axis: int = 2,
    *,
    adjusted: bool = False,
    self_pairs: SelfPairs = "exclude",
    **options: Unpack[Options],
) -> NDArray[np.floating[Any]]:
    """Grubel-Lloyd intra-industry trade of every pair, over all products.

    ``GL_ij = sum_k (x_ijk + x_jik - |x_ijk - x_jik|) / sum_k (x_ijk + x_jik)``; with
    ``adjusted=True`` the denominator is reduced by the pair's trade imbalance
    ``|x_ij - x_ji|`` (Grubel and Lloyd's correction), so that an unbalanced pair is not
    counted as inter-industry for its imbalance alone.

    Returns
    -------
    ndarray
        x's shape without the product axis; symmetric.

    Examples
    --------
    >>> import numpy as np
    >>> from sharecube import bilateral
    >>> x = np.zeros((2, 2, 2)); x[0, 1] = [3.0, 2.0]; x[1, 0] = [1.0, 0.0]
    >>> float(bilateral.intra_industry_total(x)[0, 1])
    0.3333333333333333
    >>> float(bilateral.intra_industry_total(x, adjusted=True)[0, 1])  # all of it is imbalance
    1.0
    """


def _trade_balance(
    arr: NDArray[Any], pol: Policy, axes: tuple[int, ...], opts: dict[str, Any], out: Any
) -> NDArray[Any]:
    x = _no_self(_canon(arr, axes), opts["self_pairs"])
    xk = _sum(x, (1,), pol)  # (i, k, *rest): exports
    mk = _sum(x, (0,), pol)  # (i, k, *rest): imports
    with np.errstate(all="ignore"):
        res = (xk - mk) / (xk + mk)
    res = np.where(xk + mk == 0, pol.fill, res)
    ea, ia, pa = axes
    pos = [a - (a > ia) for a in (ea, pa)]
    return deliver(np.moveaxis(res, (0, 1), pos), out, pol, arr)


@_declare(_trade_balance, keeps=("exporter_axis", "product_axis"))
def trade_balance(
    x: ArrayLike,
    exporter_axis: int = 0,
    importer_axis: int = 1,
    product_axis: int = 2,
    *,
    self_pairs: SelfPairs = "exclude",
    **options: Unpack[Options],
) -> NDArray[np.floating[Any]]:
    """Trade competitiveness (specialisation) coefficient per country and product.

    ``TC_ik = (X_ik - M_ik) / (X_ik + M_ik)`` with ``X_ik`` the country's exports and ``M_ik``
    its imports of the product (from the same cube, the country as exporter and as
    importer): 1 only exported, -1 only imported. Neither: ``zero_total``'s value.

    Returns
    -------
    ndarray
        x's shape without the importer axis (the exporter axis stands for the country).

    Examples
    --------
    >>> import numpy as np
    >>> from sharecube import bilateral
    >>> x = np.zeros((2, 2, 2)); x[0, 1] = [3.0, 2.0]; x[1, 0] = [1.0, 0.0]
    >>> bilateral.trade_balance(x)
    array([[ 0.5,  1. ],
           [-0.5, -1. ]])
    """


# ---- blocs -----------------------------------------------------------------------------------


def bloc_trade(
    x: ArrayLike,
    groups: ArrayLike,
    exporter_axis: int = 0,
    importer_axis: int = 1,
    product_axis: int = 2,
    *,
    self_pairs: SelfPairs = "exclude",
    zero_total: Any = "nan",
    skipna: bool = True,
    backend: str | None = None,
    threads: int | None = None,
) -> dict[str, NDArray[np.float64]]:
    """Bloc indicators from a trade cube and a country x bloc membership matrix.

    ``groups``: boolean (C, B), or (C, B, *rest) where membership changes along the other
    axes (years). Returns a dict of float64 arrays:

    - ``"intra_share"`` (B, *rest): ``x_bb / X_b``, the share of the bloc's exports that go
      to its own members;
    - ``"intensity"`` (B, *rest): ``(x_bb / X_b) / (M_b / W)``, Anderson and Norheim's
      intra-bloc trade intensity (above 1: the members trade more with each other than the
      bloc's weight in world imports suggests);
    - ``"import_share"`` (B, C, *rest): ``x_bj / M_j``, the bloc's share of each country's
      imports;
    - ``"members"`` (B, *rest): the number of members.

    A bloc without members (before it existed) is NaN. Sums are compensated: the bloc totals
    are group sums of the pair totals on the kernels.
    """
    arr = d.as_input(x)
    given = (exporter_axis, importer_axis, product_axis)
    axes = tuple(d.normalize_axis(a, arr.ndim, n) for a, n in zip(given, _ROLES, strict=True))
    if len(set(axes)) != 3:
        raise ValueError(f"exporter_axis, importer_axis and product_axis must differ, got {axes}")
    opts = {"skipna": skipna, "backend": backend, "threads": threads}
    _check_self(self_pairs, "self_pairs")
    fill = d.fill_value(zero_total)
    f = market_flows(
        arr, *axes, self_pairs=self_pairs, skipna=skipna, backend=backend, threads=threads
    )  # (C, C, *rest)
    n = f.shape[0]
    rest = f.shape[2:]
    g = np.asarray(groups)
    if g.dtype != bool or g.shape[0] != n or g.shape[2:] not in ((), rest):
        raise ValueError(
            f"groups must be a boolean (countries, blocs) or (countries, blocs, *{rest}) "
            f"matrix, got {g.dtype} {g.shape}"
        )
    nb = g.shape[1]
    shape = (n, nb, *((1,) * len(rest))) if g.ndim == 2 else g.shape
    gr = np.broadcast_to(g.reshape(shape), (n, nb, *rest)).reshape(n, nb, -1)
    fr = f.reshape(n, n, -1)
    r = fr.shape[2]
    m_j = group_sums(fr, axis=0, **opts)  # (C, R): each country's imports
    w = group_sums(m_j, axis=0, **opts)  # (R,): world trade
    xb_j = np.empty((nb, n, r))
    x_bb, x_b, m_b = np.empty((nb, r)), np.empty((nb, r)), np.empty((nb, r))
    for t in range(r):  # membership may change from slice to slice (year to year)
        member = np.ascontiguousarray(gr[:, :, t])
        xb_j[:, :, t] = group_sums(fr[:, :, t], member, axis=0, **opts)  # bloc -> country
        x_bb[:, t] = np.diagonal(group_sums(xb_j[:, :, t].T, member, axis=0, **opts))
        x_b[:, t] = group_sums(xb_j[:, :, t], axis=1, **opts)
        m_b[:, t] = group_sums(m_j[:, t], member, axis=0, **opts)
    members = gr.sum(axis=0).astype(np.float64)
    intra = divide(x_bb, x_b, fill)
    with np.errstate(all="ignore"):
        intensity = intra / (m_b / w[None])
    intensity = np.where((x_b == 0) | (m_b == 0), fill, intensity)
    share = divide(xb_j, m_j[None], fill)
    none = members == 0
    intra[none] = intensity[none] = np.nan
    share[np.broadcast_to(none[:, None, :], share.shape)] = np.nan
    return {
        "intra_share": intra.reshape(nb, *rest),
        "intensity": intensity.reshape(nb, *rest),
        "import_share": share.reshape(nb, n, *rest),
        "members": members.reshape(nb, *rest),
    }


def market_flows(
    x: ArrayLike,
    exporter_axis: int = 0,
    importer_axis: int = 1,
    product_axis: int = 2,
    *,
    self_pairs: SelfPairs = "exclude",
    skipna: bool = True,
    backend: str | None = None,
    threads: int | None = None,
) -> NDArray[np.float64]:
    """The pair totals ``x_ij`` (exporter, importer, *other axes), compensated sums over the
    products; self-pairs 0 with ``self_pairs="exclude"``."""
    from sharecube._declare import policy

    arr = d.as_input(x)
    a = {
        "skipna": skipna,
        "dtype": np.float64,
        "out": None,
        "backend": backend,
        "threads": threads,
    }
    pol = policy(arr.dtype, a)
    given = (exporter_axis, importer_axis, product_axis)
    axes = tuple(d.normalize_axis(v, arr.ndim, n) for v, n in zip(given, _ROLES, strict=True))
    return _flows(_canon(arr, axes), pol, _check_self(self_pairs, "self_pairs"))
