"""The C++ backend: a thin adapter from the dispatch convention to ``sharecube._core``."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from sharecube import _core
from sharecube._contracts import Array, Axes, Groups, Policy

_NO_GROUPS = np.zeros(1, dtype=np.int64)


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
    return _core.shares(x, out, _mask(axes), skipna, fill, threads)


def share_sums(
    x: Array, out: Array, axes: Axes, groups: Groups | None, pol: Policy, raw: bool = False
) -> bool:
    skipna, fill, threads = pol.skipna, pol.fill, pol.threads
    if groups is None:
        none = _NO_GROUPS
        return _core.share_sums(
            x, out, _mask(axes), -1, none, none, none, none, 0, skipna, fill, threads, raw
        )
    if groups.count == 0:
        return False  # no groups: the result is empty
    cptr, cidx = groups.by_group
    ptr, idx, g = groups.ptr, groups.idx, groups.count
    return _core.share_sums(x, out, 0, axes[0], ptr, idx, cptr, cidx, g, skipna, fill, threads, raw)


def stats(
    x: NDArray[Any], axes: tuple[int, ...], pol: Policy, want: frozenset[str]
) -> dict[str, NDArray[np.float64]]:
    skipna, threads = pol.skipna, pol.threads
    shape = tuple(n for d, n in enumerate(x.shape) if d not in axes)
    res = {k: np.empty(shape) for k in want}
    _core.stats(
        x,
        _mask(axes),
        skipna,
        threads,
        res.get("sum"),
        res.get("sumsq"),
        res.get("xlogx"),
        res.get("count"),
    )
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
