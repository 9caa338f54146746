"""The numpy backend: the reference definition every other backend is tested against.

Written for clarity, not speed: plain numpy on float64 copies. Same calling convention as the
other backends: fill ``out`` from arguments already checked by ``_dispatch``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from sharecube._dispatch import Groups


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
) -> None:
    xf = x.astype(np.float64)
    q = _divide(xf, totals(x, axes, skipna), fill)
    if skipna:
        q = np.where(np.isnan(xf), np.nan, q)  # a missing value's own share stays missing
    np.copyto(out, q, casting="same_kind")


def share_sums(
    x: NDArray[Any],
    out: NDArray[Any],
    axes: tuple[int, ...],
    groups: Groups | None,
    skipna: bool,
    fill: float,
    threads: int,
) -> None:
    tot = totals(x, axes, skipna)
    if groups is None:
        np.copyto(out, _divide(tot, tot, fill).reshape(out.shape), casting="same_kind")
        return
    if groups.count == 0:
        return
    (axis,) = axes
    xf = np.moveaxis(x.astype(np.float64), axis, -1)
    if skipna:
        xf = np.where(np.isnan(xf), 0.0, xf)
    member = groups.membership()
    # One sum per group over its members (not a matrix product: 0 * inf would be NaN).
    with np.errstate(all="ignore"):
        sums = np.stack(
            [xf[..., member[:, k]].sum(axis=-1) for k in range(groups.count)], axis=-1
        )
    res = _divide(sums, np.moveaxis(tot, axis, -1), fill)
    np.copyto(out, np.moveaxis(res, -1, axis), casting="same_kind")
