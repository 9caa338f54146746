"""Indicators built on shares, over whole cubes in one call: RCA, HHI, entropy, share change and
export similarity. Every other axis (years, say) is kept; conventions as in
:func:`sharecube.shares` (dtype, NaN, zero totals, ``out``, ``backend``, ``threads``).

Every backend computes each from one pass over the cube (HHI: sum and sum of squares
together; entropy: sum and sum of x log x together; RCA: the two totals, then one pass writing
the result); the cpp and numba backends with compensated sums, the numpy backend with numpy's
own. The tests check them against the published definitions written literally
(``tests/oracles.py``).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sharecube import _dispatch as d
from sharecube import _extreme
from sharecube._arith import rca_block, rca_finish
from sharecube._contracts import Options, Policy
from sharecube._declare import (
    Difference,
    Gather,
    Stats,
    Totals,
    chunk_step,
    declare,
    deliver,
    policy_args,
)
from sharecube._parallel import in_parts
from sharecube.share import shares

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["entropy", "hhi", "rca", "share_change", "similarity"]

_COMMON = """
    skipna : bool
        True: NaN is missing data, left out of every sum (its own result NaN where the result
        has x's shape). False: a NaN makes its whole slice NaN.
    zero_total : {"nan", "zero"}
        The result where a total it divides by is 0.
    dtype : float32 or float64, optional
        The result's dtype; default float32 for float32 data, else float64. Sums always
        accumulate in float64.
    out : ndarray, optional
        Where to write the result (checked for shape and dtype).
    backend : {"cpp", "numba", "numpy"}, optional
        Default: ``$SHARECUBE_BACKEND``, else the fastest available (``sharecube.backends()``).
    threads : int, optional
        Cap on the threads; default (and at most) every core this process may use. The result
        is bit-for-bit the same for any number.
"""

_TINY_SQUARES = float(np.finfo(np.float64).tiny) * 2.0**53


def finish_hhi(
    st: dict[str, NDArray[np.float64]], opts: dict[str, Any], pol: Policy, size: int
) -> NDArray[np.float64]:
    """HHI from the statistics over the axis: ``sumsq / sum**2`` (normalised if asked)."""
    tot, sq = st["sum"], st["sumsq"]
    with np.errstate(all="ignore"):
        t2 = tot * tot
        # where the squared total leaves the range (values near 1e154 or 1e-154) the two
        # divisions in turn keep it finite: an ulp more rounding, not 0 or inf
        h = np.where((t2 == np.inf) | (t2 < _TINY_SQUARES), (sq / tot) / tot, sq / t2)
        if opts["normalized"]:
            n = st["count"] if pol.skipna else np.full(h.shape, float(size))
            h = np.where(n > 1, (h - 1.0 / n) / (1.0 - 1.0 / n), np.nan)
    return np.where(tot == 0, pol.fill, h)


def finish_entropy(
    st: dict[str, NDArray[np.float64]], opts: dict[str, Any], pol: Policy, size: int
) -> NDArray[np.float64]:
    """Entropy from the statistics over the axis: ``log T - (sum x log x) / T``."""
    tot, xl = st["sum"], st["xlogx"]
    base = opts["base"]
    with np.errstate(all="ignore"):
        h = np.log(tot) - xl / tot
        h = np.where(h < 0, 0.0, h)  # only rounding makes it negative
        if base is not None:
            h = h / math.log(base)
    return np.where(tot == 0, pol.fill, h)


def check_base(base: Any, name: str = "base") -> Any:
    ok = (
        isinstance(base, numbers.Real)
        and not isinstance(base, (bool, np.bool_))
        and math.isfinite(float(base))
        and float(base) > 0
        and float(base) != 1
    )
    if base is not None and not ok:
        raise ValueError(f"{name} must be a positive number other than 1, or None, got {base!r}")
    return base


def check_lag(lag: Any, name: str = "lag") -> int:
    if isinstance(lag, (bool, np.bool_)) or not isinstance(lag, (int, np.integer)):
        raise TypeError(f"{name} must be a positive int, got {lag!r}")
    if lag < 1:
        raise ValueError(f"{name} must be a positive int, got {lag}")
    return int(lag)


def _hhi_stats(opts: dict[str, Any]) -> frozenset[str]:
    return frozenset({"sum", "sumsq", "count"} if opts["normalized"] else {"sum", "sumsq"})


@declare(
    roles=("axis",),
    dims=(("dim", "country"),),
    result="reduce",
    checks={"normalized": d.check_flag},
    split=Stats(want=_hhi_stats, finish=finish_hhi, tiny=("sumsq",)),
)
def hhi(
    x: ArrayLike, axis: int = 0, *, normalized: bool = False, **options: Unpack[Options]
) -> NDArray[np.floating[Any]]:
    """Herfindahl-Hirschman concentration index along ``axis``.

    Parameters
    ----------
    x : array_like
        float64, float32, integer or bool data of any shape and layout (a masked array's
        masked entries are missing).
    axis : int
        The axis whose entries compete (countries, for each sector and year); removed from the
        result.
    normalized : bool
        Give ``(H - 1/n) / (1 - 1/n)`` in [0, 1] instead of ``H``, ``n`` counting the
        non-missing entries (NaN where ``n <= 1``).
    {common}
    {reduced}

    Notes
    -----
    ``H = sum_i s_i**2`` with ``s_i = x_i / sum_j x_j`` the shares along ``axis``: 1 when one
    entry holds everything, ``1/n`` when ``n`` entries hold equal shares. Computed as
    ``sum x**2 / (sum x)**2`` from one pass (slices whose squares leave the float64 range are
    computed again scaled by a power of two). A zero total gives ``zero_total``'s value.

    Examples
    --------
    >>> import sharecube as sc
    >>> sc.hhi([[50.0, 10.0], [50.0, 10.0], [0.0, 80.0]], axis=0)
    array([0.5 , 0.66])
    """


@declare(
    roles=("axis",),
    dims=(("dim", "country"),),
    result="reduce",
    checks={"base": check_base},
    split=Stats(
        want=lambda opts: frozenset({"sum", "xlogx"}), finish=finish_entropy, tiny=("sum",)
    ),
)
def entropy(
    x: ArrayLike, axis: int = 0, *, base: float | None = None, **options: Unpack[Options]
) -> NDArray[np.floating[Any]]:
    """Shannon entropy of the shares along ``axis``.

    Parameters
    ----------
    x : array_like
        As in :func:`hhi`.
    axis : int
        The axis whose shares are measured; removed from the result.
    base : float, optional
        The logarithm's base; default the natural logarithm.
    {common}
    {reduced}

    Notes
    -----
    ``H = -sum_i s_i log s_i`` (0 log 0 = 0) with ``s_i`` the shares along ``axis``: 0 when
    one entry holds everything, ``log n`` for ``n`` equal shares. A slice with a negative value
    has no entropy (NaN). Computed from one pass as ``log T - (sum x log x) / T`` with
    ``T = sum x``; the absolute error is a few ulp of ``log T``.

    Examples
    --------
    >>> import sharecube as sc
    >>> sc.entropy([[1.0, 5.0], [1.0, 0.0]], axis=0, base=2)
    array([1., 0.])
    """


def _rca_fill(opts: dict[str, Any], pol: Policy) -> float:
    return pol.fill if not opts["symmetric"] else (pol.fill - 1.0) / (pol.fill + 1.0)


def _rca_block(
    xb: NDArray[Any],
    xc: NDArray[np.float64],
    xs: NDArray[np.float64],
    xall: NDArray[np.float64],
    *,
    axes: tuple[int, ...],
    opts: dict[str, Any],
    policy: Policy,
) -> NDArray[np.float64]:
    """RCA of a block from its country totals ``xc``, sector totals ``xs`` and world ``xall``."""
    with np.errstate(all="ignore"):
        world = xs / xall
    bad = (xc == 0) | (xs == 0)
    return rca_block(xb, xc, world, bad, opts["symmetric"], _rca_fill(opts, policy))


_PARALLEL_ABOVE = 1 << 20  # elements: RCA's final pass shared among the cores from this size


def _reciprocal(t: NDArray[np.float64]) -> NDArray[np.float64]:
    """``1 / t`` where ``|t|`` lies in [2**-400, 2**400] (where the kernels' corrected
    reciprocal division is exact), NaN elsewhere (they divide plainly there)."""
    with np.errstate(all="ignore"):
        r = np.divide(1.0, t)
        a = np.abs(t)
        r[~((a >= 2.0**-400) & (a <= 2.0**400))] = np.nan
    return r


def _quotients(
    arr: NDArray[Any],
    xc: NDArray[np.float64],
    world: NDArray[np.float64],
    target: NDArray[Any],
    pol: Policy,
    symmetric: bool,
) -> bool:
    """``target = (arr / xc) / world`` by the C++ kernel, where the backend is C++ and the
    layout one it takes; False (nothing written) otherwise. A float32 target with the symmetric
    form is left to numpy: there (r - 1) / (r + 1) is computed from float64 r."""
    if pol.impl.__name__ != "sharecube._cpp" or (symmetric and target.dtype != np.float64):
        return False
    core = d.cpp_core()
    if core is None or arr.ndim == 0:
        return False
    shape = arr.shape
    parts = [np.broadcast_to(v, shape) for v in (xc, _reciprocal(xc), world, _reciprocal(world))]
    return bool(core.quotients(arr, *parts, target, pol.threads))


def _rca(
    arr: NDArray[Any], pol: Policy, axes: tuple[int, ...], opts: dict[str, Any], out: Any
) -> NDArray[Any]:
    ca, sa = axes
    impl, total = pol.impl, frozenset({"sum"})
    xc = np.expand_dims(impl.stats(arr, (sa,), pol, total)["sum"], sa)
    xs = np.expand_dims(impl.stats(arr, (ca,), pol, total)["sum"], ca)
    # the world total from the country totals (small), not from another pass over the cube
    xall = np.expand_dims(impl.stats(xc, (ca,), replace(pol, skipna=False), total)["sum"], ca)
    with np.errstate(all="ignore"):
        world = xs / xall
    target, result = d.prepare_out(out, arr.shape, pol.dtype, arr, inplace_ok=True)
    # A (country, sector) plane whose totals overflowed is computed again scaled; in place, the
    # planes that could overflow are copied before the pass below overwrites them.
    with np.errstate(invalid="ignore"):
        overflow = np.squeeze(
            ~np.isfinite(xall)
            | np.any(~np.isfinite(xc), axis=ca, keepdims=True)
            | np.any(~np.isfinite(xs), axis=sa, keepdims=True),
            axis=axes,
        )
    found = None
    if overflow.any() and _extreme.is_float64(arr):
        found = _extreme.scaled_slices(arr, axes, pol.skipna, overflow)
    # The final pass in cache-sized chunks along axis 0, shared among the cores (numpy's
    # divisions release the GIL), written straight into the result where it is float64.
    step = chunk_step(arr)
    starts = range(0, arr.shape[0], step)
    zero_c, zero_s = xc == 0, xs == 0
    any_zero = bool(zero_c.any() or zero_s.any())

    # (x / xc) / world in one C++ pass where the backend is C++ (the same two IEEE divisions:
    # at multiply speed, numpy's vdivpd bound the pass); the rest below, chunk by chunk.
    divided = _quotients(arr, xc, world, target, pol, opts["symmetric"])

    def chunks(lo: int, hi: int) -> None:
        for start in starts[lo:hi]:
            sl = slice(start, start + step)
            xc_, world_ = (a if a.shape[0] == 1 else a[sl] for a in (xc, world))
            zc, zs = (a if a.shape[0] == 1 else a[sl] for a in (zero_c, zero_s))
            into = target[sl] if target.dtype == np.float64 else None
            bad = np.logical_or(zc, zs) if any_zero else np.zeros((), dtype=bool)
            if divided:
                rca_finish(arr[sl], target[sl], bad, opts["symmetric"], _rca_fill(opts, pol))
                continue
            r = rca_block(arr[sl], xc_, world_, bad, opts["symmetric"], _rca_fill(opts, pol), into)
            if into is None:
                np.copyto(target[sl], r, casting="unsafe")

    # threads only where each gets enough work to pay for handing it over (measured: below
    # about a million elements one thread is faster)
    workers = (pol.threads or d.available_cores()) if arr.size >= _PARALLEL_ABOVE else 1
    in_parts(len(starts), workers, chunks)
    if found is not None:
        mask, sub, _ = found
        nested = {**policy_args(pol), "dtype": np.float64}
        again = rca(sub, 1, 2, symmetric=opts["symmetric"], **nested)
        _extreme.put(target, axes, mask, again)
    return result()


@declare(
    roles=("country_axis", "sector_axis"),
    dims=(("country", "country"), ("sector", "sector")),
    result="same",
    compute=_rca,
    checks={"symmetric": d.check_flag},
    split=Totals(
        over=(("sector_axis",), ("country_axis",)),
        then=((0, ("country_axis",)),),
        finish=_rca_block,
    ),
)
def rca(
    x: ArrayLike,
    country_axis: int = 0,
    sector_axis: int = 1,
    *,
    symmetric: bool = False,
    **options: Unpack[Options],
) -> NDArray[np.floating[Any]]:
    """Balassa revealed comparative advantage for every country, sector and remaining index.

    Parameters
    ----------
    x : array_like
        As in :func:`hhi`; typically country x sector x year exports.
    country_axis, sector_axis : int
        The two axes (different); every other axis (years) is kept.
    symmetric : bool
        Give ``(RCA - 1) / (RCA + 1)`` in [-1, 1].
    {common}
    Returns
    -------
    ndarray
        x's shape.

    Notes
    -----
    ``RCA_cs = (x_cs / x_c.) / (x_.s / x_..)``: a country's share of sector s in its own total,
    over the world's (the world being the countries in the data). Above 1: the country is
    specialised in the sector. Where the country's or the sector's total is 0 the RCA takes
    ``zero_total``'s value (and the symmetric form that of it: NaN, or -1 for ``"zero"``); NaN
    entries stay NaN. Computed from the two totals and one pass writing the result: no
    temporary of the cube's size.

    Examples
    --------
    >>> import sharecube as sc
    >>> sc.rca([[20.0, 80.0], [60.0, 40.0]])   # 2 countries x 2 sectors
    array([[0.5       , 1.33333333],
           [1.5       , 0.66666667]])
    """


@declare(
    roles=("axis", "time_axis"),
    dims=(("dim", "country"), ("time", "year")),
    result="same",
    checks={"lag": check_lag},
    split=Difference(of="shares", role="time_axis"),
)
def share_change(
    x: ArrayLike, axis: int = 0, time_axis: int = -1, *, lag: int = 1, **options: Unpack[Options]
) -> NDArray[np.floating[Any]]:
    """Change of each share between a period and ``lag`` periods before.

    Parameters
    ----------
    x : array_like
        As in :func:`hhi`, with a time axis (years).
    axis : int
        The axis the shares are taken along (countries).
    time_axis : int
        The periods (years); different from ``axis``.
    lag : int
        Periods between the two shares compared (>= 1).
    {common}
    Returns
    -------
    ndarray
        x's shape; the first ``lag`` periods are NaN.

    Notes
    -----
    ``out[..., t] = s[..., t] - s[..., t - lag]`` along ``time_axis`` with ``s`` the shares
    along ``axis`` (:func:`sharecube.shares`). Computed in the result dtype, in place in the
    output (no temporary of the cube's size).

    Examples
    --------
    >>> import sharecube as sc
    >>> sc.share_change([[1.0, 1.0, 3.0], [1.0, 3.0, 1.0]], axis=0, time_axis=1)
    array([[  nan, -0.25,  0.5 ],
           [  nan,  0.25, -0.5 ]])
    """


def _similarity(
    arr: NDArray[Any], pol: Policy, axes: tuple[int, ...], opts: dict[str, Any], out: Any
) -> NDArray[np.floating[Any]]:
    ca, sa = axes
    rest = [a for a in range(arr.ndim) if a not in (ca, sa)]
    n_c, n_s = arr.shape[ca], arr.shape[sa]
    rest_shape = tuple(arr.shape[a] for a in rest)
    n_r = int(np.prod(rest_shape, dtype=np.int64))
    # Shares written straight into the (C, R, S) layout the pair kernel reads.
    mix = np.empty((n_c, *rest_shape, n_s))
    view = np.moveaxis(mix, [0, mix.ndim - 1, *range(1, mix.ndim - 1)], [ca, sa, *rest])
    shares(arr, sa, **{**policy_args(pol), "dtype": np.float64}, out=view)
    res = pol.impl.min_sum_pairs(mix.reshape(n_c, n_r, n_s), pol)
    # A country with a zero total has no mix: its row and column take the fill value.
    tot = pol.impl.stats(arr, (sa,), pol, frozenset({"sum"}))["sum"]
    empty = np.moveaxis(tot, ca if ca < sa else ca - 1, 0).reshape(n_c, n_r) == 0
    res[empty[:, None, :] | empty[None, :, :]] = pol.fill
    return deliver(res.reshape((n_c, n_c, *rest_shape)), out, pol, arr)


@declare(
    roles=("country_axis", "sector_axis"),
    dims=(("country", "country"), ("sector", "sector")),
    result="pairs",
    compute=_similarity,
    split=Gather(),
)
def similarity(
    x: ArrayLike, country_axis: int = 0, sector_axis: int = 1, **options: Unpack[Options]
) -> NDArray[np.floating[Any]]:
    """Finger-Kreinin export similarity between every pair of countries.

    Parameters
    ----------
    x : array_like
        As in :func:`hhi`.
    country_axis, sector_axis : int
        The two axes (different); every other axis is kept.
    {common}
    Returns
    -------
    ndarray
        Shape ``(C, C, *other axes)``: symmetric, 1 on the diagonal.

    Notes
    -----
    ``FK_ij = sum_s min(w_is, w_js)`` with ``w_is = x_is / sum_s x_is`` each country's sector
    mix: 1 for identical mixes, 0 for disjoint ones; ``1 - FK`` is their complementarity. A
    country with a zero total gets ``zero_total``'s value in its row and column; with
    ``skipna`` a sector missing (NaN) for either country of a pair is left out of that pair.

    Examples
    --------
    >>> import sharecube as sc
    >>> sc.similarity([[5.0, 5.0, 0.0], [5.0, 0.0, 5.0], [0.0, 1.0, 1.0]])
    array([[1. , 0.5, 0.5],
           [0.5, 1. , 0.5],
           [0.5, 0.5, 1. ]])
    """


_REDUCED = """Returns
    -------
    ndarray
        x's shape without ``axis``.
"""
for _f in (hhi, entropy, rca, share_change, similarity):
    _f.__doc__ = (
        (_f.__doc__ or "")
        .replace("    {common}\n", _COMMON.lstrip("\n") + "\n")
        .replace("{reduced}\n", _REDUCED)
    )
