"""The numba backend: the same strip algorithm as the C++ kernels, as plain loops.

Arrays are brought to a 3-D (outer, reduced, inner) view first; where a layout cannot be
viewed that way (or has non-native byte order, which numba cannot read) a copy is made.
Compiled functions are cached on disk, so later processes skip the compilation.
"""

from __future__ import annotations

import math
import threading
import types
from typing import Any

import numba
import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

from sharecube._contracts import Array, Axes, Groups, Policy

_LANES = 64
# numba's default threading layer is not safe for concurrent parallel calls from several
# Python threads, and the thread count is process-wide state: one call at a time.
_lock = threading.Lock()


# error_model="numpy": a division by zero gives inf or NaN (every zero total is then handled by
# a select) instead of a Python exception, whose check in every iteration kept the loops from
# vectorising. The loops below are shaped for LLVM's vectoriser: each row of a strip as a 1-D
# slice, the lane loop innermost and branch-free.
_kernel = njit(cache=True, parallel=True, nogil=True, error_model="numpy")


@njit(cache=True, inline="always")
def _two_sum(s: Any, c: Any, i: Any, v: float) -> None:
    # Knuth's TwoSum, the one compensated addition of every numba kernel: (s[i], c[i]) += v,
    # i an index or a tuple of them
    t = s[i] + v
    z = t - s[i]
    c[i] += (s[i] - (t - z)) + (v - z)
    s[i] = t


@njit(cache=True, inline="always")
def _add(s: Any, c: Any, i: Any, v: float, comp: bool) -> None:
    # (s[i], c[i]) += v with TwoSum where comp, else s[i] += v (a plain sum)
    if comp:
        _two_sum(s, c, i, v)
    else:
        s[i] += v


@njit(cache=True, inline="always")
def _value(x: Any, skipna: bool) -> float:
    # x as float64; NaN as 0 with skipna (missing: left out of the sums)
    v = np.float64(x)
    return (v if v == v else 0.0) if skipna else v


@njit(cache=True, inline="always")
def _finish(s: float, c: float) -> float:
    return s + c if np.isfinite(s) else s


@njit(cache=True, inline="always")
def _finish_lo(s: float, c: float) -> float:
    # (s + c) - _finish(s, c) exactly (TwoSum); 0 where the sum is not finite
    hi = s + c
    if not (np.isfinite(s) and np.isfinite(hi)):
        return 0.0
    z = hi - s
    return (s - (hi - z)) + (c - z)


@njit(cache=True, error_model="numpy")
def _add_row(s: Any, c: Any, row: Any, w: int, skipna: bool, comp: bool) -> None:
    # s, c += row lane by lane (TwoSum where comp, else a plain sum); NaN dropped with skipna.
    for j in range(w):
        _add(s, c, j, _value(row[j], skipna), comp)


@njit(cache=True, error_model="numpy")
def _divide_row(row: Any, orow: Any, tot: Any, step: int, n: int, fill: float) -> None:
    # orow[j] = row[j] / tot[j * step] (step 0: one total for the row); fill where it is 0.
    for j in range(n):
        v = np.float64(row[j])
        t = tot[j * step]
        q = v / t
        if t == 0.0:
            q = fill if v == v else v
        orow[j] = q


@njit(cache=True, error_model="numpy")
def _add_with_groups(
    s: Any,
    c: Any,
    gs: Any,
    gc: Any,
    row: Any,
    w: int,
    ptr: Any,
    idx: Any,
    r: int,
    skipna: bool,
    comp: bool,
) -> None:
    # The row added to the total, then to each group position r belongs to. _add_row's lane
    # loop is written out here, twice (its additions inlined): numba does not inline
    # _add_row's call, and on short rows (30 years) a call per row and membership cost more
    # than its additions (inline="always" on _add_row made the cold compile of the test suite
    # about 60% slower; one loop over views of s and of gs[k] paid a reference count per
    # view). Group sums on the middle axis: 1.3-2x faster.
    for j in range(w):
        _add(s, c, j, _value(row[j], skipna), comp)
    for e in range(ptr[r], ptr[r + 1]):
        k = idx[e]
        for j in range(w):
            _add(gs, gc, (k, j), _value(row[j], skipna), comp)


@njit(cache=True, error_model="numpy")
def _write_groups(
    dest: Any, s: Any, c: Any, gs: Any, gc: Any, w: int, ngroups: int, raw: bool, fill: float
) -> bool:
    # dest[k, j]: group k's share sum (raw: its sum) in lane j; with no groups, dest[0, j] is
    # total / total (raw: the total). Returns whether a total or group sum was inf or NaN.
    bad = False
    for j in range(w):
        t = _finish(s[j], c[j])
        bad |= not np.isfinite(t)
        if ngroups == 0:
            dest[0, j] = t if raw else (fill if t == 0.0 else t / t)
        for k in range(ngroups):
            g = _finish(gs[k, j], gc[k, j])
            bad |= not np.isfinite(g)
            dest[k, j] = g if raw else (fill if t == 0.0 else g / t)
    return bad


@njit(cache=True, inline="always")
def _strip(item: int, nstrips: int, m: int, lanes: int) -> tuple[int, int, int]:
    # work item -> (outer position, first lane, width), as the C++ kernels' strip_of
    j0 = (item % nstrips) * lanes
    return item // nstrips, j0, min(lanes, m - j0)


def _strip_lanes(n_red: int, itemsize: int, m: int, ngroups: int = 0) -> int:
    """Lanes a strip of the (outer, reduced, inner) kernels: up to 512, so that each row of a
    strip is a long sequential run (64 lanes measured 1.4-1.7x slower on the (200, 5000, 30)
    cube along axis 0), while the strip stays in L2 between the pass that sums it and the pass
    that divides it (1 MB), and the groups' sums in 256 KB. Each lane's sums do not depend on
    it. No wider than the m lanes there are (each strip allocates its sums)."""
    lanes = 512
    while lanes > _LANES and (
        lanes * itemsize * n_red > 1 << 20 or (ngroups + 1) * lanes * 16 > 1 << 18
    ):
        lanes //= 2
    return max(1, min(lanes, m))


@_kernel
def _shares3(
    x: Any, out: Any, skipna: bool, fill: float, comp: bool, bad: Any, lanes: int
) -> None:  # pragma: no cover - jitted
    # bad[0] is set where a total is inf or NaN (every thread that sees one writes the same 1)
    n_outer, n_red, m = x.shape
    nstrips = (m + lanes - 1) // lanes
    for item in prange(n_outer * nstrips):
        o, j0, w = _strip(item, nstrips, m, lanes)
        s, c = np.zeros(lanes), np.zeros(lanes)
        for r in range(n_red):
            _add_row(s, c, x[o, r, j0 : j0 + w], w, skipna, comp)
        for j in range(w):
            s[j] = _finish(s[j], c[j])
            if not np.isfinite(s[j]):
                bad[0] = 1
        for r in range(n_red):
            _divide_row(x[o, r, j0 : j0 + w], out[o, r, j0 : j0 + w], s, 1, w, fill)


@_kernel
def _share_sums3(x: Any, out: Any, g: Any) -> None:  # pragma: no cover - jitted
    # ngroups == 0: out[o, 0, j] = total / total (raw: the total); raw: the groups' sums.
    # g: the groups and the options, (ptr, idx, ngroups, skipna, fill, raw, comp, bad, lanes)
    ptr, idx, ngroups, skipna, fill, raw, comp, bad, lanes = g
    n_outer, n_red, m = x.shape
    nstrips = (m + lanes - 1) // lanes
    for item in prange(n_outer * nstrips):
        o, j0, w = _strip(item, nstrips, m, lanes)
        s, c = np.zeros(lanes), np.zeros(lanes)
        gs = np.zeros((max(ngroups, 1), lanes))
        gc = np.zeros((max(ngroups, 1), lanes))
        for r in range(n_red):
            _add_with_groups(s, c, gs, gc, x[o, r, j0 : j0 + w], w, ptr, idx, r, skipna, comp)
        if _write_groups(out[o, :, j0 : j0 + w], s, c, gs, gc, w, ngroups, raw, fill):
            bad[0] = 1


# Rows of the last axis of a C array (no kept axis inside the reduced one): a block of _LANES
# rows is read a chunk of positions at a time into a position-major buffer, so that the sums
# run lane-wise as above instead of one long dependency chain per row. For float data only:
# every input dtype is a compilation of its own (minutes in a fresh CI), and integer cubes
# summed along their last axis are rare enough for the general kernels.
_CHUNK = 256


@njit(cache=True, error_model="numpy")
def _block_chunk(x: Any, o0: int, w: int, r0: int, r1: int, buf: Any) -> None:
    for j in range(w):
        row = x[o0 + j]
        for r in range(r0, r1):
            buf[r - r0, j] = row[r]


@_kernel
def _shares_rows(
    x: Any, out: Any, skipna: bool, fill: float, comp: bool, bad: Any
) -> None:  # pragma: no cover - jitted
    n_rows, n_red = x.shape
    nblocks = (n_rows + _LANES - 1) // _LANES
    for b in prange(nblocks):
        _, o0, w = _strip(b, nblocks, n_rows, _LANES)  # block b: _LANES rows from o0
        s, c = np.zeros(_LANES), np.zeros(_LANES)
        buf = np.empty((_CHUNK, _LANES))
        for r0 in range(0, n_red, _CHUNK):
            r1 = min(n_red, r0 + _CHUNK)
            _block_chunk(x, o0, w, r0, r1, buf)
            for r in range(r1 - r0):
                _add_row(s, c, buf[r], w, skipna, comp)
        for j in range(w):
            s[j] = _finish(s[j], c[j])
            if not np.isfinite(s[j]):
                bad[0] = 1
            _divide_row(x[o0 + j], out[o0 + j], s[j : j + 1], 0, n_red, fill)


@_kernel
def _share_sums_rows(x: Any, out: Any, g: Any) -> None:  # pragma: no cover - jitted
    # out: (rows, groups), or (rows, 1) for ngroups == 0 as in _share_sums3.
    # g: the groups and the options, (ptr, idx, ngroups, skipna, fill, raw, comp, bad)
    ptr, idx, ngroups, skipna, fill, raw, comp, bad = g
    n_rows, n_red = x.shape
    nblocks = (n_rows + _LANES - 1) // _LANES
    for b in prange(nblocks):
        _, o0, w = _strip(b, nblocks, n_rows, _LANES)  # block b: _LANES rows from o0
        s, c = np.zeros(_LANES), np.zeros(_LANES)
        gs = np.zeros((max(ngroups, 1), _LANES))
        gc = np.zeros((max(ngroups, 1), _LANES))
        buf = np.empty((_CHUNK, _LANES))
        for r0 in range(0, n_red, _CHUNK):
            r1 = min(n_red, r0 + _CHUNK)
            _block_chunk(x, o0, w, r0, r1, buf)
            for r in range(r0, r1):
                _add_with_groups(s, c, gs, gc, buf[r - r0], w, ptr, idx, r, skipna, comp)
        if _write_groups(out[o0 : o0 + w].T, s, c, gs, gc, w, ngroups, raw, fill):
            bad[0] = 1


@njit(cache=True, inline="always")
def _add_stats(
    a: Any, c: Any, n: Any, j: int, v: float, skipna: bool, want_sq: bool, want_xl: bool
) -> None:
    # lane j's statistics (a, c: sum, squares, x log x; n: count) += value v, NaN counted out
    # and, with skipna, left out of the sums
    if v == v:
        n[j] += 1.0
    elif skipna:
        v = 0.0
    _two_sum(a, c, (0, j), v)
    if want_sq:
        _two_sum(a, c, (1, j), v * v)
    if want_xl:
        if v > 0.0:
            xl = v * np.log(v)
        elif v == 0.0:
            xl = 0.0
        else:
            xl = np.nan
        _two_sum(a, c, (2, j), xl)


@njit(cache=True, inline="always")
def _put_stats(
    a: Any, c: Any, n: Any, j: int, s1: Any, s2: Any, sl: Any, cnt: Any, lo: Any, o: int, jj: int
) -> None:
    # lane j's finished statistics at [o, jj] of the results
    s1[o, jj] = _finish(a[0, j], c[0, j])
    s2[o, jj] = _finish(a[1, j], c[1, j])
    sl[o, jj] = _finish(a[2, j], c[2, j])
    cnt[o, jj] = n[j]
    for k in range(3):  # what rounding left out: hi + lo is the compensated sum exactly
        lo[k, o, jj] = _finish_lo(a[k, j], c[k, j])


@_kernel
def _stats3(
    x: Any,
    s1: Any,
    s2: Any,
    sl: Any,
    cnt: Any,
    lo: Any,
    skipna: bool,
    want_sq: bool,
    want_xl: bool,
    lanes: int,
) -> None:  # pragma: no cover - jitted
    # Strips of lanes as _shares3 (each row of a strip one sequential run), every lane adding
    # its rows in order: the C++ kernels' sums, bit for bit.
    n_outer, n_red, m = x.shape
    nstrips = (m + lanes - 1) // lanes
    for item in prange(n_outer * nstrips):
        o, j0, w = _strip(item, nstrips, m, lanes)
        a = np.zeros((3, lanes))
        c = np.zeros((3, lanes))
        n = np.zeros(lanes)
        for r in range(n_red):
            row = x[o, r, j0 : j0 + w]
            for j in range(w):
                _add_stats(a, c, n, j, np.float64(row[j]), skipna, want_sq, want_xl)
        for j in range(w):
            _put_stats(a, c, n, j, s1, s2, sl, cnt, lo, o, j0 + j)


@_kernel
def _stats_each(
    x: Any,
    s1: Any,
    s2: Any,
    sl: Any,
    cnt: Any,
    lo: Any,
    skipna: bool,
    want_sq: bool,
    want_xl: bool,
) -> None:  # pragma: no cover - jitted
    # _stats3 a lane at a time, for narrow inner dims (sums along the last axis: one lane per
    # row), where a strip's arrays would cost more to allocate than its few lanes' sums
    n_outer, n_red, m = x.shape
    for item in prange(n_outer * m):
        o = item // m
        j = item % m
        a = np.zeros((3, 1))
        c = np.zeros((3, 1))
        n = np.zeros(1)
        for r in range(n_red):
            _add_stats(a, c, n, 0, np.float64(x[o, r, j]), skipna, want_sq, want_xl)
        _put_stats(a, c, n, 0, s1, s2, sl, cnt, lo, o, j)


@_kernel
def _min_sum_pairs(s: Any, out: Any, skipna: bool) -> None:  # pragma: no cover - jitted
    n_c, n_r, n_k = s.shape
    for p in prange(n_c * n_c):
        i = p // n_c
        j = p % n_c
        if j < i:
            continue
        for r in range(n_r):
            acc = np.zeros(4)
            for k in range(n_k):
                a = s[i, r, k]
                b = s[j, r, k]
                if a != a or b != b:
                    acc[k % 4] += 0.0 if skipna else np.nan
                else:
                    acc[k % 4] += a if a < b else b
            v = (acc[0] + acc[1]) + (acc[2] + acc[3])
            out[i, j, r] = v
            out[j, i, r] = v


def _order(x: NDArray[Any], axes: tuple[int, ...]) -> tuple[list[int], list[int], list[int]]:
    """Axes as (outer kept, reduced, inner kept): kept axes with smaller strides than every
    reduced axis go inside, so that the strips run along memory."""
    by_stride = sorted(range(x.ndim), key=lambda a: (-abs(x.strides[a]), a))
    reduced = [a for a in by_stride if a in axes]
    last = max((by_stride.index(a) for a in reduced), default=-1)
    outer = [a for a in by_stride[: max(last, 0)] if a not in axes]
    inner = [a for a in by_stride[last + 1 :] if a not in axes]
    return outer, reduced, inner


def _size(shape: tuple[int, ...], axes: list[int]) -> int:
    return math.prod(shape[a] for a in axes)  # Python ints: np.prod cost 4 us a call


def _view3(a: NDArray[Any], perm: list[int], shape3: tuple[int, int, int]) -> NDArray[Any] | None:
    """A 3-D view of a, or None where only a copy would do."""
    try:
        return a.transpose(perm).reshape(shape3, copy=False)
    except ValueError:
        return None


def _readable(x: NDArray[Any]) -> NDArray[Any]:
    """x in native byte order, as a read-only view: numba compiles once per array type, and
    read-only is a type of its own."""
    view = (x if x.dtype.isnative else x.astype(x.dtype.newbyteorder("="))).view()
    view.flags.writeable = False
    return view


def _compensated(x: NDArray[Any], out: NDArray[Any]) -> bool:
    # As the C++ kernels: float32 data to a float32 result is summed in plain float64.
    return not (x.dtype.type is np.float32 and out.dtype.type is np.float32)


def _serial(kernel: Any) -> Any:
    """The kernel compiled without threads (``prange`` runs as ``range``), for calls too small
    to pay for starting them: numba's parallel launch costs more than the whole work of a small
    cube. Compiled from a copy of its Python function under a name of its own, because numba's
    disk cache files a function by its qualified name (one name would share a cache entry with
    the parallel one). Same loop, same order: the same bits."""
    f = kernel.py_func
    twin = types.FunctionType(
        f.__code__, f.__globals__, f.__name__ + "_serial", f.__defaults__, f.__closure__
    )
    twin.__qualname__ = f.__qualname__ + "_serial"
    return njit(cache=True, nogil=True, error_model="numpy")(twin)


# The kernels whose work is their first argument's size, and their serial twins: below
# _SERIAL_BELOW elements, or with threads=1, the twin runs (outside the thread-count lock).
_TWINS = {
    k: _serial(k)
    for k in (_shares3, _shares_rows, _share_sums3, _share_sums_rows, _stats3, _stats_each)
}
_SERIAL_BELOW = 1 << 14


def _run(fn: Any, threads: int, *args: Any) -> None:
    twin = _TWINS.get(fn)
    if twin is not None and (threads == 1 or args[0].size < _SERIAL_BELOW):
        twin(*args)
        return
    limit = int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
    n = limit if threads == 0 else min(threads, limit)
    with _lock:
        previous = numba.get_num_threads()
        if previous == n:  # setting it costs microseconds a call: small calls feel them
            fn(*args)
            return
        numba.set_num_threads(n)
        try:
            fn(*args)
        finally:
            numba.set_num_threads(previous)


def shares(x: Array, out: Array, axes: Axes, pol: Policy) -> bool:
    skipna, fill, threads = pol.skipna, pol.fill, pol.threads
    if x.size == 0:
        return False
    outer, reduced, inner = _order(x, axes)
    perm = outer + reduced + inner
    shape3 = (_size(x.shape, outer), _size(x.shape, reduced), _size(x.shape, inner))
    xv = _view3(x, perm, shape3)
    if xv is None:
        xv = np.ascontiguousarray(x.transpose(perm)).reshape(shape3)
    ov = _view3(out, perm, shape3)
    target = ov if ov is not None else np.empty(shape3, dtype=out.dtype)
    flagged = _shares3d(xv, target, skipna, fill, _compensated(x, out), threads)
    if ov is None:
        out[...] = target.reshape([x.shape[a] for a in perm]).transpose(np.argsort(perm))
    return flagged


def _shares3d(
    xv: NDArray[Any], target: NDArray[Any], skipna: bool, fill: float, comp: bool, threads: int
) -> bool:
    """Shares of a (outer, reduced, inner) view into target of the same shape; whether a
    total was not finite."""
    bad = np.zeros(1, dtype=np.int64)
    if xv.shape[2] == 1 and xv.shape[1] > 1 and xv.dtype.kind == "f":  # rows of the last axis
        _run(
            _shares_rows, threads, _readable(xv[:, :, 0]), target[:, :, 0], skipna, fill, comp, bad
        )
    else:
        lanes = _strip_lanes(xv.shape[1], xv.dtype.itemsize, xv.shape[2])
        _run(_shares3, threads, _readable(xv), target, skipna, fill, comp, bad, lanes)
    return bool(bad[0])


def shares_along(x: NDArray[Any], axis: int, out: NDArray[Any], threads: int) -> bool:
    """shares(x, axis) into out, both C-contiguous floats of one shape, NaN left out of the
    totals and NaN where a total is 0: the per-call shortcut's entry (the axes are already in
    memory order, so the view takes no sorting of strides)."""
    n = x.shape
    shape3 = (math.prod(n[:axis]), n[axis], math.prod(n[axis + 1 :]))
    return _shares3d(
        x.reshape(shape3), out.reshape(shape3), True, np.nan, _compensated(x, out), threads
    )


def share_sums(
    x: Array, out: Array, axes: Axes, groups: Groups | None, pol: Policy, raw: bool = False
) -> bool:
    skipna, fill, threads = pol.skipna, pol.fill, pol.threads
    if out.size == 0:
        return False
    outer, reduced, inner = _order(x, axes)
    n_outer, n_inner = _size(x.shape, outer), _size(x.shape, inner)
    shape3 = (n_outer, _size(x.shape, reduced), n_inner)
    xv = _view3(x, outer + reduced + inner, shape3)
    if xv is None:
        xv = np.ascontiguousarray(x.transpose(outer + reduced + inner)).reshape(shape3)
    if groups is None:
        kept = [a for a in range(x.ndim) if a not in axes]
        out_axes = [kept.index(a) for a in outer + inner]
        ptr = np.zeros(shape3[1] + 1, dtype=np.int64)  # nobody in any group
        idx = ptr[:0]
        ngroups, oshape3 = 0, (n_outer, 1, n_inner)
        full_shape = [x.shape[a] for a in outer + inner]
    else:
        out_axes = outer + reduced + inner
        ptr, idx, ngroups = groups.ptr, groups.idx, groups.count
        oshape3 = (n_outer, ngroups, n_inner)
        full_shape = [out.shape[a] for a in out_axes]
    ov = _view3(out, out_axes, oshape3)
    target = ov if ov is not None else np.empty(oshape3, dtype=out.dtype)
    comp = _compensated(x, out)
    bad = np.zeros(1, dtype=np.int64)
    args = (ptr, idx, ngroups, skipna, fill, raw, comp, bad)
    if shape3[2] == 1 and shape3[1] > 1 and x.dtype.kind == "f":  # rows of the last axis
        _run(_share_sums_rows, threads, _readable(xv[:, :, 0]), target[:, :, 0], args)
    else:
        lanes = _strip_lanes(shape3[1], x.dtype.itemsize, shape3[2], ngroups)
        _run(_share_sums3, threads, _readable(xv), target, (*args, lanes))
    if ov is None:
        out[...] = target.reshape(full_shape).transpose(np.argsort(out_axes))
    return bool(bad[0])


def stats(
    x: NDArray[Any], axes: tuple[int, ...], pol: Policy, want: frozenset[str]
) -> dict[str, NDArray[np.float64]]:
    skipna, threads = pol.skipna, pol.threads
    outer, reduced, inner = _order(x, axes)
    shape3 = (_size(x.shape, outer), _size(x.shape, reduced), _size(x.shape, inner))
    xv = _view3(x, outer + reduced + inner, shape3)
    if xv is None:
        xv = np.ascontiguousarray(x.transpose(outer + reduced + inner)).reshape(shape3)
    outs = [np.empty((shape3[0], shape3[2])) for _ in range(4)]
    lo = np.empty((3, shape3[0], shape3[2]))
    if shape3[0] * shape3[2]:
        args = (_readable(xv), *outs, lo, skipna, "sumsq" in want, "xlogx" in want)
        if shape3[2] < 16:
            _run(_stats_each, threads, *args)
        else:
            _run(_stats3, threads, *args, _strip_lanes(shape3[1], xv.dtype.itemsize, shape3[2]))
    kept = [a for a in range(x.ndim) if a not in axes]
    order = outer + inner  # the kept axes in the order of the 2-D results
    shape = tuple(x.shape[a] for a in order)
    back = tuple(int(i) for i in np.argsort([kept.index(a) for a in order]))
    names = ("sum", "sumsq", "xlogx", "count", "sum_lo", "sumsq_lo", "xlogx_lo")
    return {
        k: np.array(v.reshape(shape).transpose(back), order="C")  # ascontiguousarray makes 0-d 1-d
        for k, v in zip(names, [*outs, *lo], strict=True)
        if k in want
    }


def min_sum_pairs(s: NDArray[np.float64], pol: Policy) -> NDArray[np.float64]:
    skipna, threads = pol.skipna, pol.threads
    out = np.empty((s.shape[0], s.shape[0], s.shape[1]))
    _run(_min_sum_pairs, threads, _readable(s), out, skipna)
    return out


_M1, _M2, _M4 = (
    np.uint64(0x5555555555555555),
    np.uint64(0x3333333333333333),
    np.uint64(0x0F0F0F0F0F0F0F0F),
)
_H01, _ONE, _TWO, _FOUR, _56 = (np.uint64(v) for v in (0x0101010101010101, 1, 2, 4, 56))


@njit(cache=True)
def _popcount(v: Any) -> Any:  # pragma: no cover - jitted
    # the bit-slicing count (Hacker's Delight 5-2), in uint64 throughout
    v = v - ((v >> _ONE) & _M1)
    v = (v & _M2) + ((v >> _TWO) & _M2)
    v = (v + (v >> _FOUR)) & _M4
    return (v * _H01) >> _56


@njit(cache=True, parallel=True)
def _co_occurrence(bits: Any, out: Any) -> None:  # pragma: no cover - jitted
    n, w = bits.shape
    for i in prange(n):
        for j in range(i, n):
            c = np.uint64(0)
            for k in range(w):
                c += _popcount(bits[i, k] & bits[j, k])
            out[i, j] = c
            out[j, i] = c


def co_occurrence(bits: NDArray[np.uint64], pol: Policy) -> NDArray[np.float64]:
    out = np.empty((bits.shape[0], bits.shape[0]))
    _run(_co_occurrence, pol.threads, np.ascontiguousarray(bits), out)
    return out
