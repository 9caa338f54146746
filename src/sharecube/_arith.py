"""The finishing arithmetic every route shares: the numpy backend, the in-memory front ends and
the chunk engine call these same functions, so that a formula exists once."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray


def divide(
    num: NDArray[Any], tot: NDArray[Any], fill: float, skipna: bool = False
) -> NDArray[np.float64]:
    """``num / tot`` in float64 (one IEEE division), ``fill`` where the total is 0; with
    ``skipna`` a missing (NaN) numerator stays missing whatever its total."""
    xf = num.astype(np.float64, copy=False)
    with np.errstate(all="ignore"):
        q = xf / tot
    q = np.where(tot == 0, fill, q)
    if skipna:
        q = np.where(np.isnan(xf), np.nan, q)
    return q


def neumaier2(parts: list[NDArray[Any]]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
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


def neumaier(parts: list[NDArray[Any]]) -> NDArray[np.float64]:
    """Compensated sum of equally shaped float64 arrays, rounded once."""
    return neumaier2(parts)[0]


def rca_block(
    xv: NDArray[Any],
    xc: NDArray[np.float64],
    world: NDArray[np.float64],
    bad: NDArray[Any],
    symmetric: bool,
    fill: float,
    out: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """RCA's final pass on a block: ``(x / x_c.) / (x_.s / x_..)`` from the country totals
    ``xc`` and the world's sector mix ``world`` (broadcast against ``xv``); ``fill`` where
    ``bad`` (a zero total), except on missing values, which stay NaN. Written into ``out``
    (float64, xv's shape) if given."""
    with np.errstate(all="ignore"):
        r = np.divide(xv, xc, out=out, dtype=np.float64)
        np.divide(r, world, out=r)
    rca_finish(xv, r, bad, symmetric, fill)
    return r


def rca_finish(
    xv: NDArray[Any], r: NDArray[np.floating[Any]], bad: NDArray[Any], symmetric: bool, fill: float
) -> None:
    """In place on ``r = (x / x_c.) / (x_.s / x_..)``: the symmetric form where asked, then
    ``fill`` where ``bad`` (a zero total), except on missing values, which stay NaN."""
    if symmetric:
        with np.errstate(all="ignore"):
            np.divide(r - 1.0, r + 1.0, out=r)
    if np.any(bad):
        keep = ~np.isnan(xv) if xv.dtype.kind == "f" else True  # missing values stay NaN
        np.copyto(r, fill, where=bad & keep)


def lagged_difference(a: NDArray[Any], axis: int, lag: int) -> NDArray[Any]:
    """In place: ``a[..., t] - a[..., t - lag]`` along ``axis``, the first ``lag`` NaN."""
    m = np.moveaxis(a, axis, -1)
    n = m.shape[-1]
    before = m.copy()
    m[..., lag:] = before[..., lag:] - before[..., : max(0, n - lag)]
    m[..., : min(lag, n)] = np.nan
    return a
