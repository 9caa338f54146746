"""The C++ backend: a thin adapter from the dispatch convention to ``sharecube._core``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sharecube import _core
from sharecube._contracts import Array, Axes, Groups, Policy
from sharecube._parallel import in_parts

_NO_GROUPS = np.zeros(1, dtype=np.int64)
_F64 = np.dtype(np.float64)
_F32 = np.dtype(np.float32)

# Elements converted at a time for inputs the kernels do not read directly: 512 KB of float64,
# so that a block is still in the core's cache when its kernel reads it.
_BLOCK = 1 << 16


def _blocks(x: Array, axes: Axes) -> list[tuple[int, slice]]:
    """Blocks of x along one kept axis (the outermost in memory), each whole over the reduced
    axes and about _BLOCK elements; [(-1, everything)] where x is one block."""
    kept = [d for d in range(x.ndim) if d not in axes and x.shape[d] > 1]
    if x.size <= _BLOCK or not kept:
        return [(-1, slice(None))]
    k = max(kept, key=lambda d: abs(x.strides[d]))
    step = max(1, (_BLOCK * x.shape[k]) // x.size)
    return [(k, slice(b0, min(b0 + step, x.shape[k]))) for b0 in range(0, x.shape[k], step)]


def _native(
    x: Array, axes: Axes, threads: int, run: Callable[[int, slice, Array, int], bool]
) -> bool:
    """Calls ``run(k, block, xb, threads)`` on x in the kernels' native types; returns whether
    any call flagged a non-finite total.

    The kernels read native float64 and float32 only (four instantiations per kernel instead
    of thirty-six, see cpp/kernels.cpp). Other inputs (integers, bool, byte-swapped floats)
    are converted block by block along a kept axis, each block whole over the reduced axes,
    into float32 (from float32) or float64: the doubles the kernels computed from anyway, so
    the results are the same bits. The blocks are cache-sized and shared among the cores, each
    converted and computed by one thread (numpy's casts and the kernels release the GIL)."""
    dt = x.dtype
    if dt.isnative and (dt == _F64 or dt == _F32):
        return run(-1, slice(None), x, threads)
    native = _F32 if dt.kind == "f" and dt.itemsize == 4 else _F64
    blocks = _blocks(x, axes)
    if len(blocks) == 1:
        return run(-1, slice(None), x.astype(native), threads)

    def part(lo: int, hi: int) -> bool:
        flag = False
        for k, b in blocks[lo:hi]:
            xb = x[(slice(None),) * k + (b,)].astype(native)
            flag |= run(k, b, xb, 1)
        return flag

    workers = threads if threads > 0 else _core.available_cores()
    return any(in_parts(len(blocks), workers, part))


def _at(a: Array, k: int, b: slice) -> Array:
    """``a`` restricted to block ``b`` along axis ``k`` (all of it for k = -1)."""
    return a if k < 0 else a[(slice(None),) * k + (b,)]


def _kept_axis(k: int, axes: Axes) -> int:
    """Where x's kept axis k lies in a result that has only the kept axes."""
    return k if k < 0 else k - sum(1 for a in axes if a < k)


_masks: dict[tuple[int, ...], int] = {}


def _mask(axes: tuple[int, ...]) -> int:
    """Bit a set for each reduced axis a (cached: calls on small arrays are overhead-bound)."""
    m = _masks.get(axes)
    if m is None:
        m = 0
        for a in axes:
            m |= 1 << a
        _masks[axes] = m
    return m


def shares(x: Array, out: Array, axes: Axes, pol: Policy) -> bool:
    skipna, fill, threads = pol.skipna, pol.fill, pol.threads
    m = _mask(axes)
    return _native(
        x, axes, threads, lambda k, b, xb, t: _core.shares(xb, _at(out, k, b), m, skipna, fill, t)
    )


def share_sums(
    x: Array, out: Array, axes: Axes, groups: Groups | None, pol: Policy, raw: bool = False
) -> bool:
    skipna, fill, threads = pol.skipna, pol.fill, pol.threads
    if groups is None:
        none, m = _NO_GROUPS, _mask(axes)

        def total(k: int, b: slice, xb: Array, t: int) -> bool:
            o = _at(out, _kept_axis(k, axes), b)
            return _core.share_sums(xb, o, m, -1, none, none, none, none, 0, skipna, fill, t, raw)

        return _native(x, axes, threads, total)
    if groups.count == 0:
        return False  # no groups: the result is empty
    cptr, cidx = groups.by_group
    ptr, idx, g = groups.ptr, groups.idx, groups.count

    def grouped(k: int, b: slice, xb: Array, t: int) -> bool:
        o = _at(out, k, b)
        return _core.share_sums(xb, o, 0, axes[0], ptr, idx, cptr, cidx, g, skipna, fill, t, raw)

    return _native(x, axes, threads, grouped)


def stats(
    x: NDArray[Any], axes: tuple[int, ...], pol: Policy, want: frozenset[str]
) -> dict[str, NDArray[np.float64]]:
    skipna, threads = pol.skipna, pol.threads
    shape = tuple(n for d, n in enumerate(x.shape) if d not in axes)
    res = {k: np.empty(shape) for k in want}
    m = _mask(axes)

    def run(k: int, b: slice, xb: Array, t: int) -> bool:
        part = {name: _at(r, _kept_axis(k, axes), b) for name, r in res.items()}
        get = part.get
        _core.stats(
            xb, m, skipna, t, get("sum"), get("sumsq"), get("xlogx"), get("count"),
            get("sum_lo"), get("sumsq_lo"), get("xlogx_lo"),
        )  # fmt: skip
        return False

    _native(x, axes, threads, run)
    return res


def min_sum_pairs(s: NDArray[np.float64], pol: Policy) -> NDArray[np.float64]:
    skipna, threads = pol.skipna, pol.threads
    out = np.empty((s.shape[0], s.shape[0], s.shape[1]))
    _core.min_sum_pairs(s, out, skipna, threads)
    return out


def co_occurrence(bits: NDArray[np.uint64], pol: Policy) -> NDArray[np.float64]:
    out = np.empty((bits.shape[0], bits.shape[0]))
    _core.co_occurrence(np.ascontiguousarray(bits), out, pol.threads)
    return out
