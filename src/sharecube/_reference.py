"""The numpy backend: the reference definition every other backend is tested against.

Written for clarity, not speed: plain numpy on float64 copies. Same calling convention as the
other backends: fill ``out`` from arguments already checked by ``_dispatch``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from sharecube._arith import divide
from sharecube._contracts import Array, Axes, Groups, Policy


def totals(x: NDArray[Any], axes: tuple[int, ...], skipna: bool) -> NDArray[np.float64]:
    """Slice totals in float64, keeping the reduced axes (length 1)."""
    xf = x.astype(np.float64)
    with np.errstate(all="ignore"):  # inf - inf is NaN, as IEEE says; no warning
        if skipna:
            return np.nansum(xf, axis=axes, keepdims=True)
        return np.sum(xf, axis=axes, keepdims=True)


def shares(x: Array, out: Array, axes: Axes, pol: Policy) -> bool:
    skipna, fill = pol.skipna, pol.fill
    tot = totals(x, axes, skipna)
    # a missing value's own share stays missing (skipna)
    np.copyto(out, divide(x, tot, fill, skipna), casting="same_kind")
    return not bool(np.isfinite(tot).all())


def share_sums(
    x: Array, out: Array, axes: Axes, groups: Groups | None, pol: Policy, raw: bool = False
) -> bool:
    skipna, fill = pol.skipna, pol.fill
    tot = totals(x, axes, skipna)
    if groups is None:
        res = tot if raw else divide(tot, tot, fill)
        np.copyto(out, res.reshape(out.shape), casting="same_kind")
        return not bool(np.isfinite(tot).all())
    if groups.count == 0:
        return False
    (axis,) = axes
    xf = np.moveaxis(x.astype(np.float64), axis, -1)
    if skipna:
        xf = np.where(np.isnan(xf), 0.0, xf)
    member = groups.membership()
    # One sum per group over its members (not a matrix product: 0 * inf would be NaN).
    with np.errstate(all="ignore"):
        sums = np.stack([xf[..., member[:, k]].sum(axis=-1) for k in range(groups.count)], axis=-1)
    res = sums if raw else divide(sums, np.moveaxis(tot, axis, -1), fill)
    np.copyto(out, np.moveaxis(res, -1, axis), casting="same_kind")
    return not bool(np.isfinite(tot).all() and np.isfinite(sums).all())


# ---------------------------------------------------------------------------------------------
# the primitives of the indicators


def stats(
    x: NDArray[Any], axes: tuple[int, ...], pol: Policy, want: frozenset[str]
) -> dict[str, NDArray[np.float64]]:
    skipna = pol.skipna
    """Sum, sum of squares, sum of x log x and count of non-NaN values over `axes` (and the
    low words the compensated backends give, here 0)."""
    xf = x.astype(np.float64)
    if skipna:
        xf = np.where(np.isnan(xf), 0.0, xf)
    res: dict[str, NDArray[np.float64]] = {}
    with np.errstate(all="ignore"):
        if "sum" in want:
            res["sum"] = xf.sum(axis=axes)
        if "sumsq" in want:
            res["sumsq"] = (xf * xf).sum(axis=axes)
        if "xlogx" in want:
            xl = np.where(
                xf > 0, xf * np.log(np.where(xf > 0, xf, 1.0)), np.where(xf == 0, 0.0, np.nan)
            )
            res["xlogx"] = xl.sum(axis=axes)
        if "count" in want:
            res["count"] = (~np.isnan(x.astype(np.float64))).sum(axis=axes).astype(np.float64)
    for k in ("sum", "sumsq", "xlogx"):
        if f"{k}_lo" in want:  # numpy's sums are rounded as they go: no low word to give
            res[f"{k}_lo"] = np.zeros_like(res[k])
    return res


def min_sum_pairs(s: NDArray[np.float64], pol: Policy) -> NDArray[np.float64]:
    skipna = pol.skipna
    """out[i, j, r] = sum_k min(s[i, r, k], s[j, r, k]); a pair with a NaN adds 0 (skipna)
    or makes the sum NaN."""
    c = s.shape[0]
    out = np.empty((c, c, s.shape[1]))
    for i in range(c):
        m = np.minimum(s[i], s)
        if skipna:
            m = np.where(np.isnan(s[i]) | np.isnan(s), 0.0, m)
        out[i] = m.sum(axis=-1)
    return out


def co_occurrence(bits: NDArray[np.uint64], pol: Policy) -> NDArray[np.float64]:
    """out[i, j] = popcount(bits[i] & bits[j]) summed over the words, in blocks of rows."""
    n = bits.shape[0]
    out = np.empty((n, n))
    step = max(1, (1 << 20) // max(1, n * bits.shape[1]))
    for i in range(0, n, step):
        both = bits[i : i + step, None, :] & bits[None, :, :]
        out[i : i + step] = np.bitwise_count(both).sum(axis=-1)
    return out
