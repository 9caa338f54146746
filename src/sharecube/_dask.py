"""dask arrays: every function returns a lazy dask array computed chunk by chunk by the kernels.

Imported only when an input is a dask array. Two plans per function:

- the reduced axes lie in one chunk each (the usual layout: all countries of a block of
  sectors and years together): each block goes straight to the numpy-level function, so the
  result is bit-for-bit the in-memory one;
- the reduced axes are split into several chunks: each chunk's partial sums come from the
  kernels (compensated, float64) as two words, the sum and what its rounding left out (see
  ``_residual``), the words are combined with Neumaier's compensated sum and rounded once, and
  one more blockwise pass divides. The totals then differ from the in-memory ones by at
  most an ulp or two (the same accuracy promise); nothing gathers the whole axis into one
  chunk. ``similarity``, which needs every country and sector of a slice together, is the
  exception: it rechunks those two axes and says so with a ``PerformanceWarning``. On this
  path ``hhi`` and ``entropy`` come from the combined one-pass statistics; a chunk's slices
  whose sums or squares leave the float64 range are summed again scaled by a power of two,
  and the combination brings every chunk to one scale.

Each chunk runs its kernel on one thread unless ``threads`` is given: dask's scheduler already
runs one task per core.
"""

from __future__ import annotations

import inspect
import math
import warnings
from functools import partial
from typing import Any

import dask.array as da
import numpy as np
from dask.array.core import PerformanceWarning

from sharecube import _dispatch as d
from sharecube import _extreme
from sharecube import indicators as ind
from sharecube import share as sc_share


def _args(fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
    """The arguments of a call as the in-memory function ``fn`` takes them (its signature, the
    one source of names and defaults), in its order."""
    bound = inspect.signature(fn).bind(*args, **kwargs)
    bound.apply_defaults()
    return list(bound.arguments.values())


def _threads(threads: Any) -> int:
    return 1 if threads is None else d.normalize_threads(threads)


def _check(x: da.Array, out: Any) -> None:
    if out is not None:
        raise TypeError(
            "out= cannot be used with a dask array input: the result is lazy; "
            "store it with dask (da.store, to_zarr) instead"
        )
    if x.dtype.kind not in "biuf" or x.dtype.itemsize > 8:
        raise TypeError(f"x must hold float64, float32, integers or bools, got dtype {x.dtype}")


def _common(
    x: Any, out: Any, skipna: Any, zero_total: Any, dtype: Any, backend: Any, threads: Any
) -> tuple[bool, float, np.dtype[Any], int]:
    """The checks every function makes (as the in-memory functions do): skipna, fill value,
    result dtype, threads per chunk; and that ``out`` is not given."""
    _check(x, out)
    skip = d.check_flag(skipna, "skipna")
    fill = d.fill_value(zero_total)
    rdt = d.result_dtype(x.dtype, dtype, None)
    d.resolve_backend(backend)
    return skip, fill, rdt, _threads(threads)


def _single(x: da.Array, axes: tuple[int, ...]) -> bool:
    return all(len(x.chunks[a]) == 1 for a in axes)


def neumaier2(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Compensated sum of equally shaped float64 arrays (Neumaier's variant of Kahan's) as two
    words: the rounded sum and what rounding left out (0 where the sum is inf or NaN)."""
    s = np.array(parts[0], dtype=np.float64, copy=True)
    c = np.zeros_like(s)
    with np.errstate(all="ignore"):
        for v in parts[1:]:
            t = s + v
            c += np.where(np.abs(s) >= np.abs(v), (s - t) + v, (v - t) + s)
            s = t
        hi = s + c
        lo = c - (hi - s)  # exact: |s| >= |c|
    finite = np.isfinite(s) & np.isfinite(hi)
    return np.where(finite, hi, s), np.where(finite, lo, 0.0)


def neumaier(parts: list[np.ndarray]) -> np.ndarray:
    """Compensated sum of equally shaped float64 arrays, rounded once."""
    return neumaier2(parts)[0]


def _residual(
    b: np.ndarray,
    hi: np.ndarray,
    axis: int,
    member: np.ndarray,
    skipna: bool,
    backend: Any,
    threads: int,
) -> np.ndarray:
    """``sum over members of b - hi`` for each group: the part of each group's sum that
    rounding ``hi`` left out, itself from a compensated sum (the chunk and ``-hi`` together).
    Carried to the combination, so that splitting an axis into chunks loses nothing."""
    g = member.shape[1]
    with np.errstate(all="ignore"):
        both = np.concatenate([b.astype(np.float64), -hi], axis=axis)
    aug = np.concatenate([member, np.eye(g, dtype=bool)], axis=0)
    lo = sc_share.group_sums(
        both, aug, axis=axis, skipna=skipna, dtype=np.float64, backend=backend, threads=threads
    )
    return np.where(np.isfinite(hi), lo, 0.0)


def _sum_partials(b: Any, axis: tuple[int, ...], keepdims: bool, two: bool = False) -> np.ndarray:
    """Combine (``two``) or aggregate step: ``b`` holds the chunks' partial sums, two words
    each along ``axis[0]``, side by side along ``axis``; the combination keeps two words, the
    aggregate rounds once."""
    moved = np.moveaxis(b, axis, tuple(range(len(axis))))
    flat = moved.reshape(-1, *moved.shape[len(axis) :])
    hi, lo = neumaier2(list(flat))
    if not two:
        return np.expand_dims(hi, axis) if keepdims else hi
    return np.concatenate([np.expand_dims(w, axis) for w in (hi, lo)], axis=axis[0])


def _chunk_totals(
    b: np.ndarray, axis: tuple[int, ...], keepdims: bool, skipna: bool, backend: Any, threads: int
) -> np.ndarray:
    """A chunk's totals over ``axis`` as two words (sum, residual) along ``axis[0]``."""
    hi = sc_share.group_sums(
        b, None, axis=axis, skipna=skipna, dtype=np.float64, backend=backend, threads=threads
    )
    if b.size == 0:
        lo = np.zeros_like(hi)
    else:
        flat = np.moveaxis(b, axis, tuple(range(b.ndim - len(axis), b.ndim)))
        flat = flat.reshape(*hi.shape, -1)
        ones = np.ones((flat.shape[-1], 1), dtype=bool)
        lo = _residual(flat, hi[..., None], -1, ones, skipna, backend, threads)[..., 0]
    return np.concatenate([np.expand_dims(w, axis) for w in (hi, lo)], axis=axis[0])


def totals(x: da.Array, axes: tuple[int, ...], skipna: bool, backend: Any, threads: int) -> Any:
    """float64 totals over ``axes`` (kept with length 1), combined accurately across chunks."""
    return da.reduction(
        x,
        partial(_chunk_totals, skipna=skipna, backend=backend, threads=threads),
        _sum_partials,
        combine=partial(_sum_partials, two=True),
        axis=axes,
        keepdims=True,
        dtype=np.float64,
        concatenate=True,
    )


def _divide_block(
    xb: np.ndarray, tb: np.ndarray, fill: float, skipna: bool, rdt: np.dtype[Any]
) -> np.ndarray:
    xf = xb.astype(np.float64)
    with np.errstate(all="ignore"):
        q = xf / tb
    q = np.where(tb == 0, fill, q)
    if skipna:
        q = np.where(np.isnan(xf), np.nan, q)
    return q.astype(rdt, copy=False)


def _self_ratio(t: np.ndarray, fill: float) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.where(t == 0, fill, t / t)


def _quiet_divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return a / b


def shares(*args: Any, **kwargs: Any) -> Any:
    """:func:`sharecube.shares` on a dask array (arguments as there)."""
    (
        x,
        axis,
        skipna,
        zero_total,
        dtype,
        out,
        backend,
        threads,
    ) = _args(sc_share.shares, args, kwargs)
    axes = d.normalize_axes(axis, x.ndim)
    skip, fill, rdt, n = _common(x, out, skipna, zero_total, dtype, backend, threads)
    if _single(x, axes):
        return da.map_blocks(
            partial(
                sc_share.shares,
                axis=axes,
                skipna=skip,
                zero_total=zero_total,
                dtype=rdt,
                backend=backend,
                threads=n,
            ),
            x,
            dtype=rdt,
        )
    tot = totals(x, axes, skip, backend, n)
    return da.map_blocks(_divide_block, x, tot, fill=fill, skipna=skip, rdt=rdt, dtype=rdt)


def _grouped_block(
    b: np.ndarray, axis: int, member: np.ndarray, skipna: bool, backend: Any, threads: int
) -> np.ndarray:
    """Raw sums of each group and (last) of everything, for the countries in this chunk, then
    the residuals of those sums (see :func:`_residual`): 2 (G + 1) along ``axis``."""
    aug = np.concatenate([member, np.ones((member.shape[0], 1), dtype=bool)], axis=1)
    hi = sc_share.group_sums(
        b, aug, axis=axis, skipna=skipna, dtype=np.float64, backend=backend, threads=threads
    )
    lo = _residual(b, hi, axis, aug, skipna, backend, threads)
    return np.concatenate([hi, lo], axis=axis)


def _finish_groups(
    parts: tuple[np.ndarray, ...], axis: int, raw: bool, fill: float, rdt: np.dtype[Any]
) -> np.ndarray:
    words = []
    for p in parts:  # each chunk's sums, then their residuals
        half = p.shape[axis] // 2
        words += [
            np.take(p, np.arange(half), axis=axis),
            np.take(p, np.arange(half, 2 * half), axis=axis),
        ]
    s = neumaier(words)
    g = np.take(s, np.arange(s.shape[axis] - 1), axis=axis)
    if raw:
        return g.astype(rdt, copy=False)
    t = np.take(s, [s.shape[axis] - 1], axis=axis)
    with np.errstate(all="ignore"):
        q = g / t
    return np.where(t == 0, fill, q).astype(rdt, copy=False)


def _grouped(
    x: Any,
    groups: Any,
    axis: Any,
    ngroups: Any,
    skipna: Any,
    zero_total: Any,
    dtype: Any,
    out: Any,
    backend: Any,
    threads: Any,
    raw: bool,
) -> Any:
    skip, fill, rdt, n = _common(x, out, skipna, zero_total, dtype, backend, threads)
    fn = sc_share.group_sums if raw else sc_share.share_sums
    kw = {} if raw else {"zero_total": zero_total}
    if groups is None:
        axes = d.normalize_axes(axis, x.ndim)
        if _single(x, axes):
            return da.map_blocks(
                partial(
                    fn,
                    groups=None,
                    axis=axes,
                    skipna=skip,
                    dtype=rdt,
                    backend=backend,
                    threads=n,
                    **kw,
                ),
                x,
                drop_axis=axes,
                dtype=rdt,
            )
        tot = totals(x, axes, skip, backend, n)
        res = tot if raw else da.map_blocks(_self_ratio, tot, fill=fill, dtype=np.float64)
        return res.squeeze(axis=axes).astype(rdt)
    ax = d.normalize_axis(axis, x.ndim, why=" when groups are given")
    spec = d.normalize_groups(groups, x.shape[ax], ngroups, ax)
    member = spec.membership()
    g = spec.count
    chunks = tuple((g,) if a == ax else c for a, c in enumerate(x.chunks))
    if _single(x, (ax,)):
        return da.map_blocks(
            partial(
                fn, groups=member, axis=ax, skipna=skip, dtype=rdt, backend=backend, threads=n, **kw
            ),
            x,
            chunks=chunks,
            dtype=rdt,
        )
    parts, lo = [], 0
    aug_chunks = tuple((2 * (g + 1),) if a == ax else c for a, c in enumerate(x.chunks))
    for size in x.chunks[ax]:
        sub = x[(slice(None),) * ax + (slice(lo, lo + size),)]
        parts.append(
            sub.map_blocks(
                partial(
                    _grouped_block,
                    axis=ax,
                    member=member[lo : lo + size],
                    skipna=skip,
                    backend=backend,
                    threads=n,
                ),
                chunks=aug_chunks,
                dtype=np.float64,
            )
        )
        lo += size
    return da.map_blocks(
        lambda *p: _finish_groups(p, ax, raw, fill, rdt), *parts, chunks=chunks, dtype=rdt
    )


def share_sums(*args: Any, **kwargs: Any) -> Any:
    """:func:`sharecube.share_sums` on a dask array (arguments as there)."""
    x, groups, axis, ngroups, skipna, zero_total, dtype, out, backend, threads = _args(
        sc_share.share_sums, args, kwargs
    )
    return _grouped(
        x, groups, axis, ngroups, skipna, zero_total, dtype, out, backend, threads, raw=False
    )


def group_sums(*args: Any, **kwargs: Any) -> Any:
    """:func:`sharecube.group_sums` on a dask array (arguments as there)."""
    x, groups, axis, ngroups, skipna, dtype, out, backend, threads = _args(
        sc_share.group_sums, args, kwargs
    )
    return _grouped(x, groups, axis, ngroups, skipna, "nan", dtype, out, backend, threads, raw=True)


# ---- indicators -------------------------------------------------------------------------------


def _stats_chunk(
    b: np.ndarray,
    axis: tuple[int, ...],
    keepdims: bool,
    want: frozenset[str],
    skipna: bool,
    backend: Any,
    threads: int,
    computing_meta: bool = False,
) -> Any:
    if computing_meta:  # dask probing the output type (as its own mean_chunk does)
        return b
    impl = d.resolve_backend(backend)
    arr = d.as_input(b)
    st = impl.stats(arr, axis, skipna, threads, want)
    # Slices whose sums or squares left the float64 range are summed again scaled by 2**-e,
    # e kept beside them ("exp"; 0 elsewhere) for the combination to bring them to one scale.
    st["exp"] = np.zeros_like(st["sum"])
    with np.errstate(all="ignore"):
        nonzero = st["sum"] != 0  # a zero sum is zero at any scale: such slices stay
        redo = ~np.isfinite(st["sum"]) | ((np.abs(st["sum"]) < ind._TINY_SQUARES) & nonzero)
        for k in ("sumsq", "xlogx"):
            if k in st:
                tiny = (np.abs(st[k]) < ind._TINY_SQUARES) & nonzero
                redo |= ~np.isfinite(st[k]) | tiny
    found = _extreme.scaled_slices(arr, axis, skipna, redo) if redo.any() else None
    if found is not None:
        mask, sub, e = found
        again = impl.stats(sub, tuple(range(1, sub.ndim)), skipna, threads, want)
        for k, v in again.items():
            st[k][mask] = v
        st["exp"][mask] = e
    return st


def _rescaled(p: dict[str, np.ndarray], top: np.ndarray) -> dict[str, np.ndarray]:
    """One chunk's statistics brought from its slices' scales 2**-exp to 2**-top."""
    dd = p["exp"] - top  # <= 0
    if not dd.any():
        return p
    out = dict(p)
    with np.errstate(all="ignore"):
        di = dd.astype(np.int64)
        out["sum"] = np.ldexp(p["sum"], di)
        if "sumsq" in p:
            out["sumsq"] = np.ldexp(p["sumsq"], 2 * di)
        if "xlogx" in p:  # y = x 2**d: y log y = 2**d (x log x + d log(2) x)
            moved = np.ldexp(p["xlogx"] + dd * np.log(2.0) * p["sum"], di)
            out["xlogx"] = np.where(dd == 0, p["xlogx"], moved)
    return out


def _stats_combine(
    parts: Any, axis: tuple[int, ...], keepdims: bool, computing_meta: bool = False
) -> Any:
    if computing_meta:
        return parts
    flat = _flatten(parts)
    if isinstance(flat, dict):
        return flat
    keys = [k for k in flat[0] if k != "exp"]

    def combined(top: np.ndarray) -> dict[str, np.ndarray]:
        scaled = [_rescaled(p, top) for p in flat]
        return {k: neumaier([p[k] for p in scaled]) for k in keys}

    top = np.maximum.reduce([p["exp"] for p in flat])
    res = combined(top)
    # finite partials whose combination overflows: all of them scaled down so that it cannot
    over = np.logical_or.reduce([~np.isfinite(res[k]) for k in keys])
    if over.any():
        over &= np.logical_and.reduce([np.isfinite(p[k]) for p in flat for k in keys])
        if over.any():
            top = top + np.where(over, math.ceil(math.log2(len(flat))) + 2, 0)
            res = combined(top)
    res["exp"] = top
    return res


def _stats_aggregate(
    parts: Any,
    axis: tuple[int, ...],
    keepdims: bool,
    finish: Any,
    rdt: np.dtype[Any],
    computing_meta: bool = False,
) -> Any:
    if computing_meta:
        return parts
    return finish(_stats_combine(parts, axis, keepdims)).astype(rdt, copy=False)


def _flatten(parts: Any) -> Any:
    if isinstance(parts, dict):
        return parts
    out: list[dict[str, np.ndarray]] = []
    for p in parts:
        f = _flatten(p)
        out.extend([f] if isinstance(f, dict) else f)
    return out


def _reduce_stats(
    x: da.Array,
    ax: int,
    want: frozenset[str],
    skipna: bool,
    backend: Any,
    n: int,
    finish: Any,
    rdt: np.dtype[Any],
) -> Any:
    return da.reduction(
        x,
        partial(_stats_chunk, want=want, skipna=skipna, backend=backend, threads=n),
        partial(_stats_aggregate, finish=finish, rdt=rdt),
        combine=_stats_combine,
        axis=(ax,),
        keepdims=False,
        dtype=rdt,
        concatenate=False,
        meta=np.empty((0,) * (x.ndim - 1), dtype=rdt),
    )


def hhi(*args: Any, **kwargs: Any) -> Any:
    """:func:`sharecube.hhi` on a dask array (arguments as there)."""
    x, axis, normalized, skipna, zero_total, dtype, out, backend, threads = _args(
        ind.hhi, args, kwargs
    )
    ax = d.normalize_axis(axis, x.ndim)
    skip, fill, rdt, n = _common(x, out, skipna, zero_total, dtype, backend, threads)
    norm = d.check_flag(normalized, "normalized")
    if _single(x, (ax,)):
        return da.map_blocks(
            partial(
                ind.hhi,
                axis=ax,
                normalized=norm,
                skipna=skip,
                zero_total=zero_total,
                dtype=rdt,
                backend=backend,
                threads=n,
            ),
            x,
            drop_axis=ax,
            dtype=rdt,
        )
    want = frozenset({"sum", "sumsq", "count"} if norm else {"sum", "sumsq"})
    size = x.shape[ax]
    return _reduce_stats(
        x,
        ax,
        want,
        skip,
        backend,
        n,
        lambda st: ind.finish_hhi(st, norm, skip, fill, size),
        rdt,
    )


def entropy(*args: Any, **kwargs: Any) -> Any:
    """:func:`sharecube.entropy` on a dask array (arguments as there)."""
    x, axis, base, skipna, zero_total, dtype, out, backend, threads = _args(
        ind.entropy, args, kwargs
    )
    ax = d.normalize_axis(axis, x.ndim)
    skip, fill, rdt, n = _common(x, out, skipna, zero_total, dtype, backend, threads)
    ind.check_base(base)
    if _single(x, (ax,)):
        return da.map_blocks(
            partial(
                ind.entropy,
                axis=ax,
                base=base,
                skipna=skip,
                zero_total=zero_total,
                dtype=rdt,
                backend=backend,
                threads=n,
            ),
            x,
            drop_axis=ax,
            dtype=rdt,
        )
    return _reduce_stats(
        x,
        ax,
        frozenset({"sum", "xlogx"}),
        skip,
        backend,
        n,
        lambda st: ind.finish_entropy(st, base, fill),
        rdt,
    )


def _rca_block(
    xv: np.ndarray,
    xc: np.ndarray,
    world: np.ndarray,
    bad: np.ndarray,
    sym: bool,
    fill_value: float,
    rdt: np.dtype[Any],
) -> np.ndarray:
    with np.errstate(all="ignore"):
        r = np.divide(xv, xc, dtype=np.float64)
        np.divide(r, world, out=r)
        if sym:
            r = (r - 1.0) / (r + 1.0)
    keep = ~np.isnan(xv) if xv.dtype.kind == "f" else True
    r = np.where(bad & keep, fill_value, r)
    return r.astype(rdt, copy=False)


def rca(*args: Any, **kwargs: Any) -> Any:
    """:func:`sharecube.rca` on a dask array (arguments as there)."""
    x, country_axis, sector_axis, symmetric, skipna, zero_total, dtype, out, backend, threads = (
        _args(ind.rca, args, kwargs)
    )
    ca, sa = ind.two_axes(x, country_axis, sector_axis)
    skip, fill, rdt, n = _common(x, out, skipna, zero_total, dtype, backend, threads)
    sym = d.check_flag(symmetric, "symmetric")
    fill_value = fill if not sym else (fill - 1.0) / (fill + 1.0)
    xc = totals(x, (sa,), skip, backend, n)
    xs = totals(x, (ca,), skip, backend, n)
    xall = totals(xc, (ca,), False, backend, n)
    world = da.map_blocks(_quiet_divide, xs, xall, dtype=np.float64)
    bad = (xc == 0) | (xs == 0)
    return da.map_blocks(
        _rca_block, x, xc, world, bad, sym=sym, fill_value=fill_value, rdt=rdt, dtype=rdt
    )


def share_change(*args: Any, **kwargs: Any) -> Any:
    """:func:`sharecube.share_change` on a dask array (arguments as there)."""
    x, axis, time_axis, lag, skipna, zero_total, dtype, out, backend, threads = _args(
        ind.share_change, args, kwargs
    )
    _check(x, out)
    ax = d.normalize_axis(axis, x.ndim)
    tax = d.normalize_axis(time_axis, x.ndim, "time_axis")
    ind.check_lag(ax, tax, lag)
    s = shares(
        x, ax, skipna=skipna, zero_total=zero_total, dtype=dtype, backend=backend, threads=threads
    )
    nt = x.shape[tax]
    k = min(lag, nt)

    def along(sl: slice) -> tuple[slice, ...]:
        return (slice(None),) * tax + (sl,)

    head_shape = tuple(k if a == tax else m for a, m in enumerate(s.shape))
    head = da.full(
        head_shape,
        np.nan,
        dtype=s.dtype,
        chunks=tuple((k,) if a == tax else c for a, c in enumerate(s.chunks)),
    )
    if nt <= lag:
        return head
    diff = s[along(slice(lag, None))] - s[along(slice(0, nt - lag))]
    return da.concatenate([head, diff], axis=tax).rechunk(s.chunks)


def similarity(*args: Any, **kwargs: Any) -> Any:
    """:func:`sharecube.similarity` on a dask array (arguments as there)."""
    x, country_axis, sector_axis, skipna, zero_total, dtype, out, backend, threads = _args(
        ind.similarity, args, kwargs
    )
    ca, sa = ind.two_axes(x, country_axis, sector_axis)
    _, _, rdt, n = _common(x, out, skipna, zero_total, dtype, backend, threads)
    y = da.moveaxis(x, (ca, sa), (0, 1))
    if not _single(y, (0, 1)):
        warnings.warn(
            "similarity needs all countries and sectors of a slice in one chunk: rechunking "
            f"axes {ca} and {sa} of the input to single chunks",
            PerformanceWarning,
            stacklevel=3,
        )
        y = y.rechunk({0: -1, 1: -1})
    c = y.shape[0]
    return da.map_blocks(
        partial(
            ind.similarity,
            country_axis=0,
            sector_axis=1,
            skipna=skipna,
            zero_total=zero_total,
            dtype=rdt,
            backend=backend,
            threads=n,
        ),
        y,
        chunks=((c,), (c,), *y.chunks[2:]),
        dtype=rdt,
    )
