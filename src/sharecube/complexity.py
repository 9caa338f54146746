"""Economic complexity (Hidalgo and Hausmann 2009) over country x product x year cubes.

Presence ``M_cp`` (RCA >= a threshold, from the kernels), diversity and ubiquity, the economic
and product complexity indices (ECI, PCI) by the eigenvector method or the method of
reflections, product proximity, relatedness density, the complexity outlook index (COI) and
gain (COG). Every other axis (years) is kept: each slice is computed on its own, one at a time,
so that a product x product matrix never exists for every year at once.

Conventions follow py-ecomplexity (PyPI ``ecomplexity``, Harvard Growth Lab) unless stated:

- ``M_cp = 1`` where ``RCA_cp >= threshold`` (a missing RCA counts as 0), or ``M`` as given
  (``presence="given"``); diversity ``k_c = sum_p M_cp``, ubiquity ``k_p = sum_c M_cp``.
- ECI: the eigenvector of the second largest eigenvalue of ``M~ = D^-1 M U^-1 M^T`` (D, U the
  diagonal diversity and ubiquity), found on the small side (the symmetric country x country
  matrix ``D^-1/2 M U^-1 M^T D^-1/2``, ``numpy.linalg.eigh``); PCI through the transpose map
  ``kp = U^-1 M^T kc`` scaled to unit norm, then ``kc = D^-1 M kp``; the sign makes ECI
  correlate positively with diversity. Standardised as ``ecomplexity`` does: ECI by its own
  mean and standard deviation, PCI by ECI's (numpy's ``ddof=0``), so that a country's ECI is
  the mean PCI of its products. Countries with zero diversity and products with zero
  ubiquity get NaN and are left out of the eigenproblem and of the means (``ecomplexity``
  inserts the NaN before standardising, so one such country makes every ECI of that year NaN).
- ``method="reflections"``: the iterations of the method of reflections exactly as the
  ``economic-complexity`` package (Datawheel) runs them, standardised with ``ddof=1`` (pandas).
- Proximity ``phi_pq = C_pq / max(k_p, k_q)`` (``C`` the co-occurrence counts ``M^T M``), the
  symmetric form; ``asymmetric=True`` gives ``C_pq / k_p`` (row p).
- Density ``w_cp = sum_q M_cq phi_pq / sum_q phi_pq``; COI ``sum_p w_cp (1 - M_cp) PCI_p``
  (standardised); COG ``(1 - M_cp) sum_q (1 - M_cq) phi_qp PCI_q / sum_r phi_qr`` divided by
  the standard deviation of the raw ECI. COI and COG use the PCI before standardisation, as
  ``ecomplexity`` does. A product no country makes has NaN proximity, density, PCI and COG and
  is left out of every sum; a country without products has NaN ECI, density, COI and COG and
  is left out of the standardisations (``ecomplexity`` drops both from the year beforehand).
- ``continuous=True``: proximity ``(1 + corr(R_p, R_q)) / 2``, the Pearson correlation over
  countries of two products' RCA (missing RCA as 0), and density weighted by RCA instead of
  ``M``, as ``ecomplexity``'s ``continuous=True``. ``knn=k``: density over each product's k
  nearest products only (largest proximity, itself excluded, ties broken by product order),
  weighted by proximity, as ``ecomplexity``'s repository computes it.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sharecube import _dispatch as d
from sharecube._contracts import Options, Policy, pack_rows
from sharecube._declare import DECLARATIONS, Gather, declare, deliver, policy
from sharecube.indicators import rca

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["cog", "coi", "density", "eci", "pci", "proximity"]

Slice = dict[str, NDArray[np.float64]]


# ---- checks ------------------------------------------------------------------------------------


def _threshold(v: Any, name: str) -> float:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a positive number, got {v!r}")
    if not (math.isfinite(float(v)) and float(v) > 0):
        raise ValueError(f"{name} must be a positive number, got {v!r}")
    return float(v)


def _choice(*allowed: str) -> Any:
    def check(v: Any, name: str) -> str:
        if not isinstance(v, str) or v not in allowed:
            raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}, got {v!r}")
        return v

    return check


def _knn(v: Any, name: str) -> int | None:
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"{name} must be None or an int >= 1, got {v!r}")
    return int(v)


def _iterations(v: Any, name: str) -> int:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < 2:
        raise ValueError(f"{name} must be an int >= 2, got {v!r}")
    return int(v)


class CxOptions(Options, total=False):
    """The keyword arguments of the complexity functions."""

    presence: str
    threshold: float
    method: str
    iterations: int
    asymmetric: bool
    continuous: bool
    knn: int | None


_OPTIONS = (
    ("presence", "rca", "str"),
    ("threshold", 1.0, "float"),
    ("method", "eigenvector", "str"),
    ("iterations", 20, "int"),
    ("asymmetric", False, "bool"),
    ("continuous", False, "bool"),
    ("knn", None, "int | None"),
)

_CHECKS = {
    "presence": _choice("rca", "given"),
    "threshold": _threshold,
    "method": _choice("eigenvector", "reflections"),
    "iterations": _iterations,
    "asymmetric": lambda v, name: bool(v),
    "continuous": lambda v, name: bool(v),
    "knn": _knn,
}


# ---- one slice ---------------------------------------------------------------------------------


def _presence(arr: NDArray[Any], pol: Policy, axes: tuple[int, ...], opts: dict[str, Any]) -> Any:
    """(M, R, rest): M as float64 (C, P, N) (countries, products, then every other axis
    flattened); R the values presence was tested on, laid out alike (RCA with missing values
    as 0, or M itself when given), only with ``continuous=True`` (else None); rest the sizes
    of the other axes."""
    ca, pa = axes
    if opts["presence"] == "given":
        m = np.asarray(arr, dtype=np.float64)
        if np.isnan(m).any() or not np.isin(m, (0.0, 1.0)).all():
            raise ValueError("x must hold only 0 and 1 with presence='given' (a binary M_cp)")
        r = m
    else:
        r = np.nan_to_num(
            rca(arr, ca, pa, skipna=pol.skipna, dtype=np.float64, backend=pol.backend), nan=0.0
        )
        m = (r >= opts["threshold"]).astype(np.float64)
    rest = [a for a in range(arr.ndim) if a not in axes]
    shape = (arr.shape[ca], arr.shape[pa], -1)

    def lay(v: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.moveaxis(v, (ca, pa, *rest), range(arr.ndim)).reshape(shape)

    tested = lay(r) if opts["continuous"] else None
    return lay(m), tested, [arr.shape[a] for a in rest]


def _mean_sd(v: NDArray[np.float64], ddof: int) -> tuple[float, float]:
    """Mean and standard deviation of the non-NaN values (NaN, NaN where there are none)."""
    ok = v[~np.isnan(v)]
    if ok.size <= ddof:
        return math.nan, math.nan
    with np.errstate(all="ignore"):
        return float(ok.mean()), float(ok.std(ddof=ddof))


def _standardize(v: NDArray[np.float64], ddof: int) -> NDArray[np.float64]:
    mu, sd = _mean_sd(v, ddof)
    with np.errstate(all="ignore"):
        return (v - mu) / sd


def _eigenvector(m: NDArray[np.float64], where: str) -> tuple[Any, Any] | None:
    """Raw (kc, kp) of one slice by the eigenvector method, NaN where diversity or ubiquity is
    0; None where the eigenproblem is degenerate (warned)."""
    kc0, kp0 = m.sum(axis=1), m.sum(axis=0)
    vc, vp = kc0 > 0, kp0 > 0
    kc = np.full(m.shape[0], np.nan)
    kp = np.full(m.shape[1], np.nan)
    mv = m[vc][:, vp]
    d, u = kc0[vc], kp0[vp]
    if mv.shape[0] < 3:
        warnings.warn(f"{where}: fewer than 3 countries with products, no ECI", stacklevel=6)
        return None
    a = mv / np.sqrt(d)[:, None] / np.sqrt(u)[None, :]
    w, vecs = np.linalg.eigh(a @ a.T)
    if abs(w[-2] - w[-3]) <= 1e-10 * abs(w[-1]):
        warnings.warn(f"{where}: the second eigenvalue is repeated, no ECI", stacklevel=6)
        return None
    c = vecs[:, -2] / np.sqrt(d)
    p = (mv / u[None, :]).T @ c
    p /= np.linalg.norm(p)
    c = (mv / d[:, None]) @ p
    sign = np.sign(np.corrcoef(d, c)[0, 1]) or 1.0
    kc[vc], kp[vp] = sign * c, sign * p
    return kc, kp


def _reflections(m: NDArray[np.float64], iterations: int) -> tuple[Any, Any]:
    """(kc, kp) after the reflections, as ``economic_complexity.complexity`` iterates them."""
    # the same sums in the same order as pandas runs them (after many reflections the
    # deviations from the mean are tiny, and their rounding shows once standardised)
    # (pandas keeps the matrix column by column: M in Fortran order, its transpose in C order)
    mt, mf = np.ascontiguousarray(m.T), np.asfortranarray(m)
    kp0, kc0 = m.sum(axis=0), m.sum(axis=1)
    kp, kc = kp0.copy(), kc0.copy()
    with np.errstate(all="ignore"):
        for i in range(1, iterations):
            kc_prev, kp_prev = kc.copy(), kp.copy()
            kp = np.dot(mt, kc_prev) / kp0
            if i < iterations - 1:
                kc = np.dot(mf, kp_prev) / kc0
    return kc, kp


def default_policy(backend: str | None = None) -> Policy:
    """The policy of a call with the default options (for the drop-ins)."""
    a = {"skipna": True, "dtype": None, "out": None, "threads": None, "backend": backend}
    return policy(np.dtype(np.float64), a)


def _proximity(m: NDArray[np.float64], asymmetric: bool, pol: Policy) -> NDArray[np.float64]:
    """Co-occurrence proximity of one slice; NaN in the row and column of a product no country
    makes."""
    # the co-occurrence counts from presence packed a bit a country: integer work (AND,
    # popcount) in the kernels, not a float matrix product
    co = pol.impl.co_occurrence(pack_rows(m.T), pol)
    k = np.diag(co).copy()
    with np.errstate(all="ignore"):
        if asymmetric:
            co /= k[:, None]
        else:  # in blocks of rows: no product x product temporary
            step = max(1, (1 << 20) // max(1, k.size))
            for i in range(0, k.size, step):
                co[i : i + step] /= np.maximum(k[i : i + step, None], k[None, :])
    none = k == 0
    if none.any():
        co[none, :] = np.nan
        co[:, none] = np.nan
    return co


def _correlation_proximity(r: NDArray[np.float64]) -> NDArray[np.float64]:
    """``(1 + corr(R_p, R_q)) / 2``, the Pearson correlation over countries of two products'
    RCA (``ecomplexity``'s ``continuous=True``); NaN for a product whose values are constant."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return (1 + np.corrcoef(r.T)) / 2


def _nearest(phi: NDArray[np.float64], k: int, where: str) -> NDArray[np.float64]:
    """``phi`` with only each row's ``k`` largest entries besides the diagonal kept, the rest
    0: the k nearest neighbours of each product (distance ``1 - phi``; ties broken by product
    order; NaN never near)."""
    p = phi.shape[0]
    if k >= p:
        raise ValueError(f"knn must be smaller than the number of products ({p}) in {where}")
    dist = 1 - phi
    dist[np.isnan(dist)] = np.inf
    np.fill_diagonal(dist, np.inf)
    # the k-th smallest distance of each row (a partition, not a sort), then every product
    # nearer than it and, among those at it, the first ones in product order
    kth = np.partition(dist, k - 1, axis=1)[:, k - 1 : k]
    near = dist < kth
    at = dist == kth
    room = k - near.sum(axis=1)
    tied = np.flatnonzero(at.sum(axis=1) > room)  # rows with more ties than room: first ones
    if tied.size:
        rank = np.cumsum(at[tied], axis=1, dtype=np.int32)
        at[tied] &= rank <= room[tied, None]
    near |= at
    kept = np.zeros_like(phi)
    values = phi[near]
    values[~np.isfinite(values)] = 0.0
    kept[near] = values
    return kept


def _slice(
    m: NDArray[np.float64],
    opts: dict[str, Any],
    want: set[str],
    where: str,
    pol: Policy,
    r: NDArray[np.float64] | None = None,
    phi: NDArray[np.float64] | None = None,
) -> Slice:
    """What ``want`` names, for one (C, P) presence matrix ``m``; ``r`` the values presence
    was tested on (for ``continuous``), ``phi`` a proximity matrix given by the user."""
    out: Slice = {}
    if opts["method"] == "reflections":
        kc, kp = _reflections(m, opts["iterations"])
        out["eci"], out["pci"] = _standardize(kc, 1), _standardize(kp, 1)
        raw = (kc, kp)
    else:
        found = _eigenvector(m, where)
        nan_c, nan_p = np.full(m.shape[0], np.nan), np.full(m.shape[1], np.nan)
        kc, kp = found if found is not None else (nan_c, nan_p)
        mu, sd = _mean_sd(kc, 0)
        with np.errstate(all="ignore"):
            out["eci"], out["pci"] = (kc - mu) / sd, (kp - mu) / sd
        raw = (kc, kp)
    if want & {"proximity", "density", "coi", "cog"}:
        continuous = opts.get("continuous", False)
        if phi is None:
            phi = (
                _correlation_proximity(m if r is None else r)
                if continuous
                else _proximity(m, opts["asymmetric"], pol)
            )
        out["proximity"] = phi
        out.update(_around(m, phi, r if continuous and r is not None else m, raw, opts, where))
    return out


def _around(
    m: NDArray[np.float64],
    phi: NDArray[np.float64],
    weights: NDArray[np.float64],
    raw: tuple[Any, Any],
    opts: dict[str, Any],
    where: str,
) -> Slice:
    """Density, COI and COG of one slice from its proximity ``phi``. A product without a
    proximity (NaN on the diagonal: no country makes it, or its RCA is the same everywhere)
    gets NaN density and COG and is left out of the others' sums; a country without products
    gets NaN density, COI and COG and is left out of COI's standardisation."""
    ok = np.isfinite(np.diagonal(phi))
    if not ok.all():
        phi = phi.copy()
        phi[~ok, :] = 0
        phi[:, ~ok] = 0
    knn = opts.get("knn")
    near = phi if knn is None else _nearest(phi, knn, where)
    # the row sums divide after the matrix products (C x P), not before (P x P): no
    # product x product temporary besides phi itself
    rows = phi.sum(axis=1)
    with np.errstate(all="ignore"):
        dens = (weights @ near.T) / (rows if knn is None else near.sum(axis=1))[None, :]
        absent = 1 - m
        kp_raw = np.nan_to_num(raw[1])  # products without PCI add nothing
        outlook = (np.where(ok, dens, 0) * absent * kp_raw).sum(axis=1)
        none = m.sum(axis=1) == 0  # countries without products: NaN, as their ECI
        outlook[none] = np.nan
        coi = _standardize(outlook, 0)
        reach = np.where(ok, kp_raw / rows, 0)
        cog = absent * ((absent * reach) @ phi) / _mean_sd(raw[0], 0)[1]
    for v in (dens, cog):
        v[:, ~ok] = np.nan
        v[none, :] = np.nan
    return {"density": dens, "coi": coi, "cog": cog}


_LEAD = {"eci": "c", "coi": "c", "pci": "p", "density": "cp", "cog": "cp", "proximity": "pp"}


def _run(
    arr: NDArray[Any], pol: Policy, axes: tuple[int, ...], opts: dict[str, Any], want: set[str]
) -> dict[str, NDArray[np.float64]]:
    """Each result in ``want`` over the whole cube, from one pass over its slices: laid out as
    its public function gives it (x's axes, less those it drops; proximity (P, P, rest...))."""
    m, tested, rest = _presence(arr, pol, axes, opts)
    c, p, n = m.shape
    sizes = {"c": c, "p": p}
    stacks = {k: np.empty((*(sizes[ax] for ax in _LEAD[k]), n)) for k in want}
    for i in range(n):
        r = None if tested is None else tested[:, :, i]
        res = _slice(np.ascontiguousarray(m[:, :, i]), opts, want, f"slice {i}", pol, r)
        for k in want:
            stacks[k][..., i] = res[k]
    ca, pa = axes
    placed = {}
    for k, v in stacks.items():
        v = v.reshape(*v.shape[:-1], *rest)
        lead = _LEAD[k]
        if lead in ("c", "p"):
            dropped = pa if lead == "c" else ca
            kept = [a for a in range(arr.ndim) if a != dropped]
            v = np.moveaxis(v, 0, kept.index(ca if lead == "c" else pa))
        elif lead == "cp":
            v = np.moveaxis(v, (0, 1), (ca, pa))
        placed[k] = v
    return placed


def _compute(name: str) -> Any:
    def compute(
        arr: NDArray[Any], pol: Policy, axes: tuple[int, ...], opts: dict[str, Any], out: Any
    ) -> NDArray[Any]:
        return deliver(_run(arr, pol, axes, opts, {name})[name], out, pol, arr)

    return compute


def indices(
    x: ArrayLike,
    country_axis: int = 0,
    product_axis: int = 1,
    *,
    want: tuple[str, ...] = ("eci", "pci", "density", "coi", "cog"),
    presence: str = "rca",
    threshold: float = 1.0,
    method: str = "eigenvector",
    iterations: int = 20,
    asymmetric: bool = False,
    continuous: bool = False,
    knn: int | None = None,
    skipna: bool = True,
    backend: str | None = None,
) -> dict[str, NDArray[np.float64]]:
    """Several complexity results at once, from one pass over the slices (each slice's
    eigenproblem and proximity computed once): ``want`` names them among ``"eci"``, ``"pci"``,
    ``"proximity"``, ``"density"``, ``"coi"`` and ``"cog"``; each comes as its function gives
    it (:func:`eci` and the others, same arguments), in float64."""
    bad = [w for w in want if w not in _LEAD]
    if bad or not want:
        raise ValueError(f"want must name some of {', '.join(_LEAD)}, got {want!r}")
    decl = DECLARATIONS["eci"]
    a = {
        "country_axis": country_axis,
        "product_axis": product_axis,
        "presence": presence,
        "threshold": threshold,
        "method": method,
        "iterations": iterations,
        "asymmetric": asymmetric,
        "continuous": continuous,
        "knn": knn,
        "skipna": skipna,
        "dtype": np.float64,
        "out": None,
        "backend": backend,
        "threads": None,
    }
    arr = d.as_input(x)
    pol = policy(arr.dtype, a)
    return _run(arr, pol, decl.axes(a, arr.ndim), decl.opts(a), set(want))


def _declared(name: str, result: str, keeps: tuple[str, ...] = (), pair: int = 0) -> Any:
    return declare(
        roles=("country_axis", "product_axis"),
        dims=(("country", "country"), ("product", "product")),
        result=result,  # type: ignore[arg-type]
        keeps=keeps,
        pair=pair,
        compute=_compute(name),
        checks=_CHECKS,
        split=Gather(),
        options=_OPTIONS,
    )


_PARAMS = """
    Parameters
    ----------
    x : array_like
        Exports (or output) by country x product (x year ...): any dtype the kernels read; or
        a binary presence matrix with ``presence="given"``.
    country_axis, product_axis : int
        The two axes (different); every other axis (years) is kept, each slice on its own.
    presence : {"rca", "given"}
        ``"rca"``: ``M_cp = RCA_cp >= threshold`` (Balassa RCA from the kernels; missing values
        count as 0). ``"given"``: ``x`` is ``M`` itself (only 0 and 1).
    threshold : float
        The RCA threshold (> 0).
    method : {"eigenvector", "reflections"}
        How ECI and PCI are found (see the module's notes).
    iterations : int
        Reflections to run with ``method="reflections"`` (as ``economic-complexity``).
    asymmetric : bool
        Proximity ``C_pq / k_p`` instead of the symmetric ``C_pq / max(k_p, k_q)``.
    continuous : bool
        Proximity from correlations instead of co-occurrence: ``(1 + corr(R_p, R_q)) / 2``,
        the Pearson correlation over countries of the two products' RCA (of ``x`` with
        ``presence="given"``), and density weighted by RCA instead of ``M``
        (``ecomplexity``'s ``continuous=True``).
    knn : int or None
        Density over each product's ``knn`` nearest products only (largest proximity, itself
        excluded, ties broken by product order) instead of all of them.
    skipna, dtype, out, backend, threads
        As in :func:`sharecube.rca` (``zero_total`` is not used).

    Returns
    -------
    ndarray
"""


@_declared("eci", "reduce", keeps=("country_axis",))
def eci(
    x: ArrayLike, country_axis: int = 0, product_axis: int = 1, **options: Unpack[CxOptions]
) -> NDArray[np.floating[Any]]:
    """Economic complexity index of each country.
    {params}
        x's shape without ``product_axis``; NaN for a country with no product (zero
        diversity), and for every country of a slice whose eigenproblem is degenerate (with a
        warning naming the slice).

    Notes
    -----
    Standardised to mean 0 and standard deviation 1 (``ddof=0``; ``ddof=1`` with
    ``method="reflections"``) over the countries with products; see :mod:`sharecube.complexity`.

    Examples
    --------
    >>> import numpy as np, sharecube as sc
    >>> m = np.array([[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0]])
    >>> sc.eci(m, presence="given").round(6)
    array([ 1.341641,  0.447214, -0.447214, -1.341641])
    """


@_declared("pci", "reduce", keeps=("product_axis",))
def pci(
    x: ArrayLike, country_axis: int = 0, product_axis: int = 1, **options: Unpack[CxOptions]
) -> NDArray[np.floating[Any]]:
    """Product complexity index of each product.
    {params}
        x's shape without ``country_axis``; NaN for a product no country makes (zero
        ubiquity).

    Notes
    -----
    With the eigenvector method standardised by ECI's mean and standard deviation (as
    ``ecomplexity``), so that a country's ECI is the mean PCI of the products it makes; with
    ``method="reflections"`` by its own (``ddof=1``, as ``economic-complexity``).

    Examples
    --------
    >>> import numpy as np, sharecube as sc
    >>> m = np.array([[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0]])
    >>> sc.pci(m, presence="given").round(6)
    array([-1.341641,  0.447214,  2.236068,  4.024922])
    """


@_declared("proximity", "pairs", pair=1)
def proximity(
    x: ArrayLike, country_axis: int = 0, product_axis: int = 1, **options: Unpack[CxOptions]
) -> NDArray[np.floating[Any]]:
    """Product proximity: how often two products are made by the same countries.
    {params}
        Shape ``(P, P, *other axes)``; NaN in the row and column of a product no country makes.

    Notes
    -----
    ``phi_pq = C_pq / max(k_p, k_q)`` with ``C_pq`` the number of countries making both and
    ``k_p`` the ubiquity: the smaller of the two conditional probabilities. Asked for alone,
    one slice's matrix exists at a time besides the result; pass ``dtype=np.float32`` to halve
    the result.

    Examples
    --------
    >>> import numpy as np, sharecube as sc
    >>> m = np.array([[1, 1, 0], [1, 0, 1], [1, 1, 1]])
    >>> sc.proximity(m, presence="given")
    array([[1.        , 0.66666667, 0.66666667],
           [0.66666667, 1.        , 0.5       ],
           [0.66666667, 0.5       , 1.        ]])
    """


@_declared("density", "same")
def density(
    x: ArrayLike, country_axis: int = 0, product_axis: int = 1, **options: Unpack[CxOptions]
) -> NDArray[np.floating[Any]]:
    """Relatedness density: how close each product is to what each country already makes.
    {params}
        x's shape; NaN for a product no country makes and for a country without products.

    Notes
    -----
    ``w_cp = sum_q M_cq phi_pq / sum_q phi_pq`` (Hidalgo et al. 2007), in [0, 1]; with
    ``continuous=True`` RCA takes the place of ``M``, with ``knn`` the sums run over the
    nearest products.

    Examples
    --------
    >>> import numpy as np, sharecube as sc
    >>> m = np.array([[1, 1, 0], [1, 0, 1], [1, 1, 1]])
    >>> sc.density(m, presence="given").round(4)
    array([[0.7143, 0.7692, 0.5385],
           [0.7143, 0.5385, 0.7692],
           [1.    , 1.    , 1.    ]])
    """


@_declared("coi", "reduce", keeps=("country_axis",))
def coi(
    x: ArrayLike, country_axis: int = 0, product_axis: int = 1, **options: Unpack[CxOptions]
) -> NDArray[np.floating[Any]]:
    """Complexity outlook index: how many complex products lie near a country's own.
    {params}
        x's shape without ``product_axis``.

    Notes
    -----
    ``sum_p w_cp (1 - M_cp) PCI_p`` over the products the country does not make, with the PCI
    before standardisation, then standardised over the countries (``ddof=0``).

    Examples
    --------
    >>> import numpy as np, sharecube as sc
    >>> m = np.array([[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0]])
    >>> sc.coi(m, presence="given").shape
    (4,)
    """


@_declared("cog", "same")
def cog(
    x: ArrayLike, country_axis: int = 0, product_axis: int = 1, **options: Unpack[CxOptions]
) -> NDArray[np.floating[Any]]:
    """Complexity outlook gain: what starting each product would add to a country's outlook.
    {params}
        x's shape; 0 where the country already makes the product.

    Notes
    -----
    ``(1 - M_cp) sum_q (1 - M_cq) phi_qp PCI_q / sum_r phi_qr``, PCI before standardisation,
    divided by the standard deviation of the raw ECI (as ``ecomplexity``).

    Examples
    --------
    >>> import numpy as np, sharecube as sc
    >>> m = np.array([[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0]])
    >>> float(sc.cog(m, presence="given")[0, 0])
    0.0
    """


for _f in (eci, pci, proximity, density, coi, cog):
    _f.__doc__ = (_f.__doc__ or "").replace(
        "    {params}\n", _PARAMS.lstrip("\n").replace("\n    Parameters", "    Parameters", 1)
    )
