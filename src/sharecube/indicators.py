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
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from sharecube import _dispatch as d
from sharecube import _extreme
from sharecube._dispatch import ZeroTotal
from sharecube.share import shares

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

_CHUNK_ELEMENTS = 1 << 16  # temporaries of the final passes stay this small (in L2)
_TINY_SQUARES = float(np.finfo(np.float64).tiny) * 2.0**53


def _common(
    x: ArrayLike, skipna: Any, zero_total: Any, dtype: Any, out: Any, threads: Any, backend: Any
) -> tuple[NDArray[Any], bool, float, np.dtype[Any], int, Any]:
    arr = d.as_input(x)
    return (
        arr,
        d.check_flag(skipna, "skipna"),
        d.fill_value(zero_total),
        d.result_dtype(arr.dtype, dtype, out),
        d.normalize_threads(threads),
        d.resolve_backend(backend),
    )


def _deliver(res: NDArray[Any], out: Any, dtype: np.dtype[Any], x: NDArray[Any]) -> NDArray[Any]:
    target, result = d.prepare_out(out, res.shape, dtype, x, inplace_ok=False)
    np.copyto(target, res, casting="unsafe")
    return result()


def two_axes(arr: Any, country_axis: Any, sector_axis: Any) -> tuple[int, int]:
    ca = d.normalize_axis(country_axis, arr.ndim, "country_axis")
    sa = d.normalize_axis(sector_axis, arr.ndim, "sector_axis")
    if ca == sa:
        raise ValueError(
            f"country_axis and sector_axis must differ, both are axis {ca} "
            f"(from country_axis={country_axis!r}, sector_axis={sector_axis!r})"
        )
    return ca, sa


def finish_hhi(
    st: dict[str, NDArray[np.float64]], normalized: bool, skipna: bool, fill: float, size: int
) -> NDArray[np.float64]:
    """HHI from the statistics over the axis: ``sumsq / sum**2`` (normalised if asked)."""
    tot, sq = st["sum"], st["sumsq"]
    with np.errstate(all="ignore"):
        t2 = tot * tot
        # where the squared total leaves the range (values near 1e154 or 1e-154) the two
        # divisions in turn keep it finite: an ulp more rounding, not 0 or inf
        h = np.where((t2 == np.inf) | (t2 < _TINY_SQUARES), (sq / tot) / tot, sq / t2)
        if normalized:
            n = st["count"] if skipna else np.full(h.shape, float(size))
            h = np.where(n > 1, (h - 1.0 / n) / (1.0 - 1.0 / n), np.nan)
    return np.where(tot == 0, fill, h)


def finish_entropy(
    st: dict[str, NDArray[np.float64]], base: float | None, fill: float
) -> NDArray[np.float64]:
    """Entropy from the statistics over the axis: ``log T - (sum x log x) / T``."""
    tot, xl = st["sum"], st["xlogx"]
    with np.errstate(all="ignore"):
        h = np.log(tot) - xl / tot
        h = np.where(h < 0, 0.0, h)  # only rounding makes it negative
        if base is not None:
            h = h / math.log(base)
    return np.where(tot == 0, fill, h)


def check_base(base: Any) -> None:
    ok = (
        isinstance(base, numbers.Real)
        and not isinstance(base, (bool, np.bool_))
        and math.isfinite(float(base))
        and float(base) > 0
        and float(base) != 1
    )
    if base is not None and not ok:
        raise ValueError(f"base must be a positive number other than 1, or None, got {base!r}")


def check_lag(ax: int, tax: int, lag: Any) -> None:
    if ax == tax:
        raise ValueError(f"axis and time_axis must differ, both are axis {ax}")
    if isinstance(lag, (bool, np.bool_)) or not isinstance(lag, (int, np.integer)):
        raise TypeError(f"lag must be a positive int, got {lag!r}")
    if lag < 1:
        raise ValueError(f"lag must be a positive int, got {lag}")


def hhi(
    x: ArrayLike,
    axis: int = 0,
    *,
    normalized: bool = False,
    skipna: bool = True,
    zero_total: ZeroTotal = "nan",
    dtype: DTypeLike | None = None,
    out: NDArray[Any] | None = None,
    backend: str | None = None,
    threads: int | None = None,
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
    Returns
    -------
    ndarray
        x's shape without ``axis``.

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
    if d.is_dask(x):
        return d.engine("dask", "hhi")(**locals())
    arr, skip, fill, rdt, nthreads, impl = _common(
        x, skipna, zero_total, dtype, out, threads, backend
    )
    ax = d.normalize_axis(axis, arr.ndim)
    d.check_flag(normalized, "normalized")
    want = frozenset({"sum", "sumsq", "count"} if normalized else {"sum", "sumsq"})
    st = impl.stats(arr, (ax,), skip, nthreads, want)
    tot, sq = st["sum"], st["sumsq"]
    finish = partial(finish_hhi, normalized=bool(normalized), skipna=skip, fill=fill)
    h = finish(st, size=arr.shape[ax])
    # Squares of values beyond ~1e154 overflow and of values below ~1e-146 lose precision, and
    # sums of values near the top of the range overflow: those slices are computed again scaled.
    with np.errstate(all="ignore"):
        # (a zero total is zero at any scale: such slices, common in sparse cubes, stay)
        tiny = (np.abs(sq) < _TINY_SQUARES) & (tot != 0)
        redo = ~np.isfinite(sq) | ~np.isfinite(tot) | tiny
    _rescue_stats(impl, arr, ax, skip, nthreads, want, redo, h, finish)
    return _deliver(h, out, rdt, arr)


def _rescue_stats(
    impl: d.Backend,
    arr: NDArray[Any],
    ax: int,
    skipna: bool,
    threads: int,
    want: frozenset[str],
    redo: NDArray[np.bool_],
    res: NDArray[np.float64],
    finish: Any,
) -> None:
    """Computes the slices in ``redo`` again from scaled copies (see :mod:`_extreme`)."""
    if not redo.any() or not _extreme.is_float64(arr):
        return
    found = _extreme.scaled_slices(arr, (ax,), skipna, redo)
    if found is None:
        return
    mask, sub, _ = found
    st = impl.stats(sub, (1,), skipna, threads, want)
    _extreme.put(res, (), mask, finish(st, size=arr.shape[ax]))


def entropy(
    x: ArrayLike,
    axis: int = 0,
    *,
    base: float | None = None,
    skipna: bool = True,
    zero_total: ZeroTotal = "nan",
    dtype: DTypeLike | None = None,
    out: NDArray[Any] | None = None,
    backend: str | None = None,
    threads: int | None = None,
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
    Returns
    -------
    ndarray
        x's shape without ``axis``.

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
    if d.is_dask(x):
        return d.engine("dask", "entropy")(**locals())
    arr, skip, fill, rdt, nthreads, impl = _common(
        x, skipna, zero_total, dtype, out, threads, backend
    )
    ax = d.normalize_axis(axis, arr.ndim)
    check_base(base)
    want = frozenset({"sum", "xlogx"})
    st = impl.stats(arr, (ax,), skip, nthreads, want)
    tot, xl = st["sum"], st["xlogx"]
    h = finish_entropy(st, base, fill)
    # x log x overflowed (x > ~1e305), the total did, or the values are so small (subnormal)
    # that x log x lost precision: computed again scaled
    with np.errstate(all="ignore"):
        tiny = (np.abs(tot) < _TINY_SQUARES) & (tot != 0)
        redo = ~np.isfinite(xl) | ~np.isfinite(tot) | tiny

    def finish(st: dict[str, NDArray[np.float64]], size: int) -> NDArray[np.float64]:
        return finish_entropy(st, base, fill)

    _rescue_stats(impl, arr, ax, skip, nthreads, want, redo, h, finish)
    return _deliver(h, out, rdt, arr)


def rca(
    x: ArrayLike,
    country_axis: int = 0,
    sector_axis: int = 1,
    *,
    symmetric: bool = False,
    skipna: bool = True,
    zero_total: ZeroTotal = "nan",
    dtype: DTypeLike | None = None,
    out: NDArray[Any] | None = None,
    backend: str | None = None,
    threads: int | None = None,
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
    if d.is_dask(x):
        return d.engine("dask", "rca")(**locals())
    arr, skip, fill, rdt, nthreads, impl = _common(
        x, skipna, zero_total, dtype, out, threads, backend
    )
    ca, sa = two_axes(arr, country_axis, sector_axis)
    sym = d.check_flag(symmetric, "symmetric")
    fill_value = fill if not sym else (fill - 1.0) / (fill + 1.0)
    total = frozenset({"sum"})
    xc = np.expand_dims(impl.stats(arr, (sa,), skip, nthreads, total)["sum"], sa)
    xs = np.expand_dims(impl.stats(arr, (ca,), skip, nthreads, total)["sum"], ca)
    # the world total from the country totals (small), not from another pass over the cube
    xall = np.expand_dims(impl.stats(xc, (ca,), False, nthreads, total)["sum"], ca)
    with np.errstate(all="ignore"):
        world = xs / xall
    bad = (xc == 0) | (xs == 0)
    target, result = d.prepare_out(out, arr.shape, rdt, arr, inplace_ok=True)
    # A (country, sector) plane whose totals overflowed is computed again scaled; in place, the
    # planes that could overflow are copied before the pass below overwrites them.
    plane_axes = (ca, sa)
    with np.errstate(invalid="ignore"):
        overflow = np.squeeze(
            ~np.isfinite(xall)
            | np.any(~np.isfinite(xc), axis=ca, keepdims=True)
            | np.any(~np.isfinite(xs), axis=sa, keepdims=True),
            axis=plane_axes,
        )
    found = None
    if overflow.any() and _extreme.is_float64(arr):
        found = _extreme.scaled_slices(arr, plane_axes, skip, overflow)
    # The final pass in chunks along axis 0, so that temporaries stay small.
    step = max(1, _CHUNK_ELEMENTS // max(1, arr[:1].size))
    for start in range(0, arr.shape[0], step):
        sl = slice(start, start + step)
        part = [a if a.shape[0] == 1 else a[sl] for a in (xc, world, bad)]
        xv = arr[sl]
        with np.errstate(all="ignore"):
            r = np.divide(xv, part[0], dtype=np.float64)
            np.divide(r, part[1], out=r)
            if sym:
                r = (r - 1.0) / (r + 1.0)
        keep = ~np.isnan(xv) if xv.dtype.kind == "f" else True  # missing values stay NaN
        if part[2].any():
            np.copyto(r, fill_value, where=part[2] & keep)
        np.copyto(target[sl], r, casting="unsafe")
    if found is not None:
        mask, sub, _ = found
        again = rca(
            sub,
            1,
            2,
            symmetric=sym,
            skipna=skip,
            zero_total=zero_total,
            dtype=np.float64,
            backend=backend,
            threads=threads,
        )
        _extreme.put(target, plane_axes, mask, again)
    return result()


def share_change(
    x: ArrayLike,
    axis: int = 0,
    time_axis: int = -1,
    *,
    lag: int = 1,
    skipna: bool = True,
    zero_total: ZeroTotal = "nan",
    dtype: DTypeLike | None = None,
    out: NDArray[Any] | None = None,
    backend: str | None = None,
    threads: int | None = None,
) -> NDArray[np.floating[Any]]:
    """Change of each share between a period and ``lag`` periods before.

    Parameters
    ----------
    x : array_like
        As in :func:`hhi`.
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
    if d.is_dask(x):
        return d.engine("dask", "share_change")(**locals())
    arr = d.as_input(x)
    ax = d.normalize_axis(axis, arr.ndim)
    tax = d.normalize_axis(time_axis, arr.ndim, "time_axis")
    check_lag(ax, tax, lag)
    res = shares(
        arr,
        ax,
        skipna=skipna,
        zero_total=zero_total,
        dtype=dtype,
        out=out,
        backend=backend,
        threads=threads,
    )
    n = arr.shape[tax]
    if res.size == 0:
        return res
    # In chunks along another axis: each chunk's shares are copied (small), then differenced.
    moved = np.moveaxis(res, (tax, ax), (-1, 0))
    lead = moved.reshape(-1, n) if moved.flags.c_contiguous else None
    blocks = lead if lead is not None else moved
    step = max(1, _CHUNK_ELEMENTS // max(1, blocks[:1].size))
    for start in range(0, blocks.shape[0], step):
        block = blocks[start : start + step]
        before = block.copy()
        block[..., lag:] = before[..., lag:] - before[..., : max(0, n - lag)]
        block[..., : min(lag, n)] = np.nan
    return res


def similarity(
    x: ArrayLike,
    country_axis: int = 0,
    sector_axis: int = 1,
    *,
    skipna: bool = True,
    zero_total: ZeroTotal = "nan",
    dtype: DTypeLike | None = None,
    out: NDArray[Any] | None = None,
    backend: str | None = None,
    threads: int | None = None,
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
    if d.is_dask(x):
        return d.engine("dask", "similarity")(**locals())
    arr, skip, fill, rdt, nthreads, impl = _common(
        x, skipna, zero_total, dtype, out, threads, backend
    )
    ca, sa = two_axes(arr, country_axis, sector_axis)
    rest = [a for a in range(arr.ndim) if a not in (ca, sa)]
    n_c, n_s = arr.shape[ca], arr.shape[sa]
    rest_shape = tuple(arr.shape[a] for a in rest)
    n_r = int(np.prod(rest_shape, dtype=np.int64))
    # Shares written straight into the (C, R, S) layout the pair kernel reads.
    mix = np.empty((n_c, *rest_shape, n_s))
    view = np.moveaxis(mix, [0, mix.ndim - 1, *range(1, mix.ndim - 1)], [ca, sa, *rest])
    shares(
        arr,
        sa,
        skipna=skip,
        zero_total=zero_total,
        dtype=np.float64,
        out=view,
        backend=backend,
        threads=threads,
    )
    res = impl.min_sum_pairs(mix.reshape(n_c, n_r, n_s), skip, nthreads)
    # A country with a zero total has no mix: its row and column take the fill value.
    tot = impl.stats(arr, (sa,), skip, nthreads, frozenset({"sum"}))["sum"]
    empty = np.moveaxis(tot, ca if ca < sa else ca - 1, 0).reshape(n_c, n_r) == 0
    res[empty[:, None, :] | empty[None, :, :]] = fill
    return _deliver(res.reshape((n_c, n_c, *rest_shape)), out, rdt, arr)


for _f in (hhi, entropy, rca, share_change, similarity):
    _f.__doc__ = (_f.__doc__ or "").replace("    {common}\n", _COMMON.lstrip("\n") + "\n")
