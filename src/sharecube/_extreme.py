"""Slices whose float64 sums leave the float64 range, computed again scaled by a power of two.

A sum of finite values can overflow although the answer is finite (``[1e308, 1e308, -1e308]``,
whose shares are ``[1, 1, -1]``), and squares overflow or underflow long before the values do
(HHI of values near 1e154 or 1e-154). Shares, share sums, HHI, entropy and RCA do not change
when a slice is multiplied by a power of two, and that multiplication is exact: the slices
concerned are copied (only they: nothing of the cube's size), scaled so that their largest
magnitude lies in [0.5, 1), computed again by the same backend and written back. The kernels
report when a total was inf or NaN, so the common case costs nothing.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

_MAX = float(np.finfo(np.float64).max)


def is_float64(x: NDArray[Any]) -> bool:
    """Only float64 data can overflow a float64 sum (float32 and integers cannot)."""
    return x.dtype.kind == "f" and x.dtype.itemsize == 8


def _extremes(v: NDArray[Any], axes: tuple[int, ...], skipna: bool) -> tuple[Any, Any]:
    """Largest magnitude over ``axes`` and whether every value there is finite (NaN counting as
    finite with ``skipna``): two reductions, no temporary of v's size."""
    with np.errstate(all="ignore"):
        if skipna:  # fmax/fmin skip NaN; an all-NaN slice gives -inf/inf, so not finite
            hi = np.fmax.reduce(v, axis=axes, initial=-np.inf)
            lo = np.fmin.reduce(v, axis=axes, initial=np.inf)
            allnan = (hi == -np.inf) & (lo == np.inf)
            hi = np.where(allnan, 0.0, hi)
            lo = np.where(allnan, 0.0, lo)
        else:
            hi = np.max(v, axis=axes, initial=-np.inf)
            lo = np.min(v, axis=axes, initial=np.inf)
        finite = np.isfinite(hi) & np.isfinite(lo)
        mag = np.maximum(np.abs(hi), np.abs(lo))
    return mag, finite


def _trailing(x: NDArray[Any], axes: tuple[int, ...]) -> NDArray[Any]:
    return np.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim)))


def scaled_slices(
    x: NDArray[Any], axes: tuple[int, ...], skipna: bool, mask: NDArray[np.bool_] | None = None
) -> tuple[NDArray[np.bool_], NDArray[np.float64], NDArray[np.int64]] | None:
    """The slices of float64 ``x`` over ``axes`` to compute again, or None if there are none.

    ``mask`` (over the kept axes) picks candidates; None picks the slices whose values are
    large enough for their sum to overflow. Only slices of finite values (NaN allowed with
    ``skipna``) and not all zero are kept: an inf or NaN in the data gives the IEEE answer.
    Returns the final mask, the slices (reduced axes last, shape ``(k, *reduced)``) each scaled
    by ``2**-e``, and the exponents ``e``.
    """
    n = math.prod(x.shape[a] for a in axes)
    if mask is None:
        mag, finite = _extremes(x, axes, skipna)
        with np.errstate(over="ignore"):
            mask = np.asarray(finite & (mag * max(n, 1) >= _MAX / 4))
    mask = np.array(mask, dtype=bool)
    if not mask.any():
        return None
    sub = _trailing(x, axes)[mask].astype(np.float64)  # a copy, in native byte order
    red = tuple(range(1, sub.ndim))
    mag, finite = _extremes(sub, red, skipna)
    keep = finite & (mag > 0)
    if not keep.all():
        mask[mask] = keep
        sub, mag = sub[keep], mag[keep]
        if not len(sub):
            return None
    _, e = np.frexp(mag)
    sub = np.ldexp(sub, (-e).reshape((-1,) + (1,) * len(red)))  # no 2**-e that overflows
    return mask, sub, e.astype(np.int64)


def put(target: NDArray[Any], axes: tuple[int, ...], mask: NDArray[np.bool_], res: Any) -> None:
    """Writes the recomputed slices ``res`` (reduced axes last) into ``target``."""
    _trailing(target, axes)[mask] = res


def unscale(res: NDArray[Any], e: NDArray[np.int64]) -> NDArray[Any]:
    """Sums of scaled slices back to their size (inf where the true sum overflows)."""
    with np.errstate(over="ignore"):
        return np.ldexp(res, e.reshape((-1,) + (1,) * (res.ndim - 1)))
