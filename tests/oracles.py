"""The published definitions of the indicators, written literally in numpy: the oracles the
tests check every backend against (the backends compute each from one-pass statistics)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray


def totals(x: NDArray[Any], axes: tuple[int, ...], skipna: bool) -> NDArray[np.float64]:
    """Slice totals in float64, keeping the reduced axes (length 1)."""
    xf = x.astype(np.float64)
    with np.errstate(all="ignore"):
        return (np.nansum if skipna else np.sum)(xf, axis=axes, keepdims=True)


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
    return h


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
            h = h / np.log(base)
    return np.where(np.squeeze(tot, axis) == 0, fill, h)


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
    return np.where(bad, fill, r)
