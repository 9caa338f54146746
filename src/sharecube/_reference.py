"""The numpy backend: the reference definition every other backend is tested against.

Written for clarity, not speed: plain numpy on float64 copies. Same calling convention as the
other backends: fill ``out`` from arguments already checked by ``_dispatch``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sharecube import _extreme
from sharecube._dispatch import Groups


def _redo(
    x: NDArray[Any],
    axes: tuple[int, ...],
    skipna: bool,
    over: NDArray[np.bool_],
    res: NDArray[Any],
    again: Any,
    res_axes: tuple[int, ...] = (),
) -> NDArray[Any]:
    """The slices of ``x`` over ``axes`` marked in ``over`` (their totals left the float64
    range) computed again by ``again`` from scaled copies (see :mod:`sharecube._extreme`) and
    written into ``res`` over ``res_axes``."""
    found = _extreme.scaled_slices(x, axes, skipna, over) if _extreme.is_float64(x) else None
    if found is not None:
        mask, sub, _ = found
        _extreme.put(res, res_axes, mask, again(sub))
    return res


def totals(x: NDArray[Any], axes: tuple[int, ...], skipna: bool) -> NDArray[np.float64]:
    """Slice totals in float64, keeping the reduced axes (length 1)."""
    xf = x.astype(np.float64)
    with np.errstate(all="ignore"):  # inf - inf is NaN, as IEEE says; no warning
        if skipna:
            return np.nansum(xf, axis=axes, keepdims=True)
        return np.sum(xf, axis=axes, keepdims=True)


def _divide(num: NDArray[Any], tot: NDArray[Any], fill: float) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):
        q = num / tot
    return np.where(tot == 0, fill, q)


def shares(
    x: NDArray[Any],
    out: NDArray[Any],
    axes: tuple[int, ...],
    skipna: bool,
    fill: float,
    threads: int,
) -> bool:
    xf = x.astype(np.float64)
    tot = totals(x, axes, skipna)
    q = _divide(xf, tot, fill)
    if skipna:
        q = np.where(np.isnan(xf), np.nan, q)  # a missing value's own share stays missing
    np.copyto(out, q, casting="same_kind")
    return not bool(np.isfinite(tot).all())


def share_sums(
    x: NDArray[Any],
    out: NDArray[Any],
    axes: tuple[int, ...],
    groups: Groups | None,
    skipna: bool,
    fill: float,
    threads: int,
    raw: bool = False,
) -> bool:
    tot = totals(x, axes, skipna)
    if groups is None:
        res = tot if raw else _divide(tot, tot, fill)
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
    res = sums if raw else _divide(sums, np.moveaxis(tot, axis, -1), fill)
    np.copyto(out, np.moveaxis(res, -1, axis), casting="same_kind")
    return not bool(np.isfinite(tot).all() and np.isfinite(sums).all())


# ---------------------------------------------------------------------------------------------
# indicators, by their published definitions


def stats(
    x: NDArray[Any],
    axes: tuple[int, ...],
    skipna: bool,
    threads: int,
    want: frozenset[str],
) -> dict[str, NDArray[np.float64]]:
    """Sum, sum of squares, sum of x log x and count of non-NaN values over `axes`."""
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
    return res


def min_sum_pairs(s: NDArray[np.float64], skipna: bool, threads: int) -> NDArray[np.float64]:
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


def hhi(
    x: NDArray[Any], axis: int, normalized: bool, skipna: bool, fill: float
) -> NDArray[np.float64]:
    """H = sum_i s_i^2 with s the shares along `axis`; normalized: (H - 1/n) / (1 - 1/n)."""
    xf = x.astype(np.float64)
    tot = totals(x, (axis,), skipna)
    with np.errstate(all="ignore"):
        s = xf / tot
        sq = (
            np.where(np.isnan(xf), 0.0, s * s) if skipna else s * s
        )  # only missing input is skipped
        h = np.sum(sq, axis=axis)
        h = np.where(np.squeeze(tot, axis) == 0, fill, h)
        if normalized:
            n = (~np.isnan(xf)).sum(axis=axis) if skipna else np.full(h.shape, x.shape[axis])
            norm = (h - 1.0 / n) / (1.0 - 1.0 / n)
            h = np.where(np.squeeze(tot, axis) == 0, fill, np.where(n > 1, norm, np.nan))
        over = ~np.isfinite(np.squeeze(tot, axis))
    return _redo(x, (axis,), skipna, over, h, lambda s: hhi(s, 1, normalized, skipna, fill))


def entropy(
    x: NDArray[Any], axis: int, base: float | None, skipna: bool, fill: float
) -> NDArray[np.float64]:
    """H = -sum_i s_i log s_i (0 log 0 = 0) with s the shares along `axis`."""
    xf = x.astype(np.float64)
    tot = totals(x, (axis,), skipna)
    with np.errstate(all="ignore"):
        s = xf / tot
        # negative values have no entropy: NaN (even where all are negative and s > 0)
        terms = np.where(
            xf > 0, s * np.log(np.where(s > 0, s, 1.0)), np.where(xf == 0, 0.0, np.nan)
        )
        if skipna:
            terms = np.where(np.isnan(xf), 0.0, terms)
        h = -np.sum(terms, axis=axis)
        if base is not None:
            h = h / math.log(base)
        over = ~np.isfinite(np.squeeze(tot, axis))
    h = np.where(np.squeeze(tot, axis) == 0, fill, h)
    return _redo(x, (axis,), skipna, over, h, lambda s: entropy(s, 1, base, skipna, fill))


def rca(
    x: NDArray[Any], country_axis: int, sector_axis: int, skipna: bool, fill: float
) -> NDArray[np.float64]:
    """Balassa: (x_cs / x_c.) / (x_.s / x_..), fill where a country's or sector's total is 0."""
    xf = x.astype(np.float64)
    xc = totals(x, (sector_axis,), skipna)
    xs = totals(x, (country_axis,), skipna)
    xall = totals(x, (country_axis, sector_axis), skipna)
    with np.errstate(all="ignore"):
        r = (xf / xc) / (xs / xall)
    bad = ((xc == 0) | (xs == 0)) & ~np.isnan(xf)
    r = np.where(bad, fill, r)
    with np.errstate(invalid="ignore"):
        over = np.squeeze(
            ~np.isfinite(xall)
            | np.any(~np.isfinite(xc), axis=country_axis, keepdims=True)
            | np.any(~np.isfinite(xs), axis=sector_axis, keepdims=True),
            axis=(country_axis, sector_axis),
        )
    plane = (country_axis, sector_axis)
    return _redo(x, plane, skipna, over, r, lambda s: rca(s, 1, 2, skipna, fill), plane)
