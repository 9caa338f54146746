"""dask arrays: every declared function on a dask array, as a lazy array computed chunk by chunk
by the kernels. One engine, :func:`apply`, serves every declaration (:mod:`sharecube._declare`).

Imported only when an input is a dask array. Two plans per call:

- the role axes (the reduced ones, or those a function needs whole) lie in one chunk each (the
  usual layout: all countries of a block of sectors and years together): each block goes
  straight to the in-memory function, so the result is bit-for-bit the in-memory one;
- a role axis is split into several chunks: the declaration's split plan. Totals and group sums
  (:class:`~sharecube._declare.Totals`, :class:`~sharecube._declare.Grouped`): each chunk's
  partial sums come from the kernels (compensated, float64) as two words, the sum and what its
  rounding left out (see ``_residual``), the words are combined with Neumaier's compensated sum
  and rounded once, and one blockwise pass finishes. Statistics
  (:class:`~sharecube._declare.Stats`: HHI, entropy): each chunk's statistics, those of slices
  beyond the float64 range summed again scaled by a power of two, combined at one scale, then
  finished. :class:`~sharecube._declare.Difference` (share change): the base function's lazy
  result differenced by slicing. :class:`~sharecube._declare.Gather` (similarity, which needs
  every country and sector of a slice together): the role axes are rechunked, with a
  ``PerformanceWarning``.

Each chunk runs its kernel on one thread unless ``threads`` is given: dask's scheduler already
runs one task per core.
"""

from __future__ import annotations

import math
import warnings
from functools import partial
from typing import Any

import dask.array as da
import numpy as np
from dask.array.core import PerformanceWarning

from sharecube import _dispatch as d
from sharecube import _extreme
from sharecube._arith import divide, neumaier, neumaier2
from sharecube._contracts import Policy
from sharecube._declare import (
    DECLARATIONS,
    Declaration,
    Difference,
    Gather,
    Grouped,
    Stats,
    Totals,
    policy,
    policy_args,
    redo_mask,
)
from sharecube.share import group_sums


def _check(x: da.Array, out: Any) -> None:
    if out is not None:
        raise TypeError(
            "out= cannot be used with a dask array input: the result is lazy; "
            "store it with dask (da.store, to_zarr) instead"
        )
    if x.dtype.kind not in "biuf" or x.dtype.itemsize > 8:
        raise TypeError(f"x must hold float64, float32, integers or bools, got dtype {x.dtype}")


def _single(x: da.Array, axes: tuple[int, ...]) -> bool:
    return all(len(x.chunks[a]) == 1 for a in axes)


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
    lo = group_sums(
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
    hi = group_sums(
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


def _grouped_block(
    b: np.ndarray, axis: int, member: np.ndarray, skipna: bool, backend: Any, threads: int
) -> np.ndarray:
    """Raw sums of each group and (last) of everything, for the countries in this chunk, then
    the residuals of those sums (see :func:`_residual`): 2 (G + 1) along ``axis``."""
    aug = np.concatenate([member, np.ones((member.shape[0], 1), dtype=bool)], axis=1)
    hi = group_sums(
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
    return divide(g, t, fill).astype(rdt, copy=False)


def _grouped(
    decl: Declaration, x: da.Array, pol: Policy, axes: tuple[int, ...], opts: dict[str, Any]
) -> Any:
    """:class:`Grouped`, the role axis split: each chunk's group sums and total as two words,
    combined and rounded once, then divided."""
    assert isinstance(decl.split, Grouped)
    raw, n, backend, skip = decl.split.raw, pol.threads, pol.backend, pol.skipna
    if opts["groups"] is None:
        tot = totals(x, axes, skip, backend, n)
        res = tot if raw else da.map_blocks(divide, tot, tot, fill=pol.fill, dtype=np.float64)
        return res.squeeze(axis=axes).astype(pol.dtype)
    (ax,) = axes
    member = opts["groups"]
    g = member.shape[1]
    chunks = tuple((g,) if a == ax else c for a, c in enumerate(x.chunks))
    parts, lo = [], 0
    aug_chunks = tuple((2 * (g + 1),) if a == ax else c for a, c in enumerate(x.chunks))
    for size in x.chunks[ax]:
        sub = x[(slice(None),) * ax + (slice(lo, lo + size),)]
        block = partial(
            _grouped_block,
            axis=ax,
            member=member[lo : lo + size],
            skipna=skip,
            backend=backend,
            threads=n,
        )
        parts.append(sub.map_blocks(block, chunks=aug_chunks, dtype=np.float64))
        lo += size
    fill, rdt = pol.fill, pol.dtype
    return da.map_blocks(
        lambda *p: _finish_groups(p, ax, raw, fill, rdt), *parts, chunks=chunks, dtype=rdt
    )


# ---- per-slice statistics -----------------------------------------------------------------------


def _stats_chunk(
    b: np.ndarray,
    axis: tuple[int, ...],
    keepdims: bool,
    want: frozenset[str],
    tiny: tuple[str, ...],
    policy: Policy,
    computing_meta: bool = False,
) -> Any:
    if computing_meta:  # dask probing the output type (as its own mean_chunk does)
        return b
    impl = d.resolve_backend(policy.backend)  # (a policy sent to a worker has no impl)
    arr = d.as_input(b)
    # each sum as two words, so that the combination rounds once (see _stats_combine)
    want = want | {f"{k}_lo" for k in want & _TWO_WORDS}
    st = impl.stats(arr, axis, policy, want)
    # Slices whose sums or squares left the float64 range are summed again scaled by 2**-e,
    # e kept beside them ("exp"; 0 elsewhere) for the combination to bring them to one scale.
    redo = redo_mask(st, tiny)
    st["exp"] = np.zeros_like(st["sum"])
    found = _extreme.scaled_slices(arr, axis, policy.skipna, redo) if redo.any() else None
    if found is not None:
        mask, sub, e = found
        again = impl.stats(sub, tuple(range(1, sub.ndim)), policy, want)
        for k, v in again.items():
            st[k][mask] = v
        st["exp"][mask] = e
    return st


_TWO_WORDS = frozenset({"sum", "sumsq", "xlogx"})


def _rescaled(p: dict[str, np.ndarray], top: np.ndarray) -> dict[str, np.ndarray]:
    """One chunk's statistics brought from its slices' scales 2**-exp to 2**-top."""
    dd = p["exp"] - top  # <= 0
    if not dd.any():
        return p
    out = dict(p)
    with np.errstate(all="ignore"):
        di = dd.astype(np.int64)
        out["sum"] = np.ldexp(p["sum"], di)
        out["sum_lo"] = np.ldexp(p["sum_lo"], di)
        if "sumsq" in p:
            out["sumsq"] = np.ldexp(p["sumsq"], 2 * di)
            out["sumsq_lo"] = np.ldexp(p["sumsq_lo"], 2 * di)
        if "xlogx" in p:  # y = x 2**d: y log y = 2**d (x log x + d log(2) x)
            moved = np.ldexp(p["xlogx"] + dd * np.log(2.0) * p["sum"], di)
            out["xlogx"] = np.where(dd == 0, p["xlogx"], moved)
            out["xlogx_lo"] = np.where(dd == 0, p["xlogx_lo"], 0.0)  # moved: rounded anyway
    return out


def _stats_combine(
    parts: Any, axis: tuple[int, ...], keepdims: bool, computing_meta: bool = False
) -> Any:
    if computing_meta:
        return parts
    flat = _flatten(parts)
    if isinstance(flat, dict):
        return flat
    keys = [k for k in flat[0] if k != "exp" and not k.endswith("_lo")]

    def combined(top: np.ndarray) -> dict[str, np.ndarray]:
        scaled = [_rescaled(p, top) for p in flat]
        res = {}
        for k in keys:
            # both words of every chunk's sum, summed compensated, kept as two words: the
            # aggregate's high word is then the sum rounded once, as in memory
            words = [p[k] for p in scaled] + [p[f"{k}_lo"] for p in scaled if k in _TWO_WORDS]
            hi, lo = neumaier2(words)
            res[k] = hi
            if k in _TWO_WORDS:
                res[f"{k}_lo"] = lo
        return res

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


def _stats(
    decl: Declaration, x: da.Array, pol: Policy, axes: tuple[int, ...], opts: dict[str, Any]
) -> Any:
    """:class:`Stats`, the axis split: each chunk's statistics (scaled where they left the
    range), combined by compensated sums, then finished."""
    split = decl.split
    assert isinstance(split, Stats)
    size = x.shape[axes[0]]

    def finish(st: dict[str, np.ndarray]) -> np.ndarray:
        return split.finish(st, opts, pol, size)

    chunk = partial(
        _stats_chunk,
        want=split.want(opts),
        tiny=split.tiny,
        policy=pol,
    )
    return da.reduction(
        x,
        chunk,
        partial(_stats_aggregate, finish=finish, rdt=pol.dtype),
        combine=_stats_combine,
        axis=axes,
        keepdims=False,
        dtype=pol.dtype,
        concatenate=False,
        meta=np.empty((0,) * (x.ndim - len(axes)), dtype=pol.dtype),
    )


# ---- blockwise passes over the data and its totals ---------------------------------------------


def _finish_block(finish: Any, *blocks: np.ndarray, **kw: Any) -> np.ndarray:
    return finish(*blocks, **kw).astype(kw["policy"].dtype, copy=False)


def _totals(
    decl: Declaration, x: da.Array, pol: Policy, axes: tuple[int, ...], opts: dict[str, Any]
) -> Any:
    """:class:`Totals`, a role axis split: the totals combined across chunks (two words,
    rounded once), then one blockwise pass over the data and the totals."""
    split = decl.split
    assert isinstance(split, Totals)
    role = decl.role_args(axes)

    def over(roles: tuple[str, ...]) -> tuple[int, ...]:
        return tuple(sorted(a for r in roles for a in np.atleast_1d(role[r]).tolist()))

    tots = [totals(x, over(r), pol.skipna, pol.backend, pol.threads) for r in split.over]
    for i, r in split.then:
        tots.append(totals(tots[i], over(r), False, pol.backend, pol.threads))
    fn = partial(_finish_block, split.finish, axes=axes, opts=opts, policy=pol)
    return da.map_blocks(fn, x, *tots, dtype=pol.dtype)


def _difference(
    decl: Declaration, x: da.Array, pol: Policy, axes: tuple[int, ...], opts: dict[str, Any]
) -> Any:
    """:class:`Difference`: the base function's lazy result, differenced by slicing along the
    time axis (no rechunking)."""
    split = decl.split
    assert isinstance(split, Difference)
    base = DECLARATIONS[split.of]
    at = decl.roles.index(split.role)
    rest = tuple(a for i, a in enumerate(axes) if i != at)
    own = {k: v for k, v in opts.items() if k in base.options}
    args = {"x": x, **base.role_args(rest), **own, **policy_args(pol, base), "out": None}
    s = apply(base, args)
    tax, lag = axes[at], opts["lag"]
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


_PLANS = {Stats: _stats, Totals: _totals, Difference: _difference, Grouped: _grouped}


def _block_shape(
    decl: Declaration, x: da.Array, axes: tuple[int, ...], opts: dict[str, Any]
) -> dict[str, Any]:
    """How map_blocks is told the shape of a block's result."""
    if decl.result == "reduce":
        return {"drop_axis": decl.removed(axes)}
    if decl.result == "group" and opts["groups"] is None:
        return {"drop_axis": axes}
    if decl.result == "group":
        g = opts["groups"].shape[1]
        return {"chunks": tuple((g,) if a == axes[0] else c for a, c in enumerate(x.chunks))}
    if decl.result == "pairs":
        c = x.shape[0]
        return {"chunks": ((c,), (c,), *x.chunks[2:])}
    return {}


def apply(decl: Declaration, a: dict[str, Any]) -> Any:
    """The public function of ``decl`` on a dask array, call arguments ``a`` (by name).

    Where every role axis lies in one chunk, each block goes to the in-memory function (so
    the result is bit-for-bit the in-memory one); otherwise the declaration's split plan."""
    x = a["x"]
    _check(x, a["out"])
    pol = policy(x.dtype, a, per_chunk=True)
    axes = decl.axes(a, x.ndim)
    opts = decl.opts(a)
    if not _single(x, axes) and isinstance(decl.split, Gather):
        warnings.warn(
            f"{decl.name} needs every position of {' and '.join(decl.roles)} in one chunk: "
            f"rechunking axes {' and '.join(map(str, axes))} of the input to single chunks",
            PerformanceWarning,
            stacklevel=4,
        )
        x = x.rechunk({ax: -1 for ax in axes})
    if decl.result == "pairs":  # the paired axis first, then the others, as in the result
        order = (decl.pair, *(i for i in range(len(axes)) if i != decl.pair))
        x = da.moveaxis(x, tuple(axes[i] for i in order), tuple(range(len(axes))))
        axes = tuple(order.index(i) for i in range(len(axes)))
    if decl.result == "group" and opts["groups"] is not None:
        spec = d.normalize_groups(opts["groups"], x.shape[axes[0]], opts["ngroups"], axes[0])
        opts = {**opts, "groups": spec.membership(), "ngroups": None}
    if _single(x, axes):
        fn = partial(decl.func, **decl.role_args(axes), **opts, **policy_args(pol, decl))
        return da.map_blocks(fn, x, dtype=pol.dtype, **_block_shape(decl, x, axes, opts))
    return _PLANS[type(decl.split)](decl, x, pol, axes, opts)
