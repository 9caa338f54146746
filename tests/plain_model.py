"""The cooperation model written the plain way, with numpy and pandas only.

Both the oracle for ``sharecube.cooperation`` in the tests and the baseline of the model
benchmark. It follows the formulas of the module docstring of ``sharecube.cooperation`` line
by line, with idiomatic numpy (``x / x.sum(0)``) and pandas (``groupby().rank()``), without the
kernels.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def ranks(v: np.ndarray) -> np.ndarray:
    """country x year -> competition ranks per year, 1 for the largest, NaN kept."""
    df = pd.DataFrame(v)
    return df.rank(axis=0, method="min", ascending=False).to_numpy()


def aggregate(x: np.ndarray) -> np.ndarray:
    """country x sector x year -> country x year, NaN sectors skipped, all-NaN -> NaN."""
    if x.ndim == 2:
        return x.astype(np.float64)
    total = np.nansum(x, axis=1)
    return np.where(np.isnan(x).all(axis=1), np.nan, total)


def normalize(v: np.ndarray, how: str) -> np.ndarray:
    with np.errstate(all="ignore"):
        if how == "shares":
            return v / np.nansum(v, axis=0)
        if how == "none":
            return v
        if how == "minmax":
            lo, hi = np.nanmin(v, axis=0), np.nanmax(v, axis=0)
            out = (v - lo) / (hi - lo)
            return np.where(hi > lo, out, np.where(np.isnan(v), np.nan, 0.0))
        m, sd = np.nanmean(v, axis=0), np.nanstd(v, axis=0)
        out = (v - m) / sd
        return np.where(sd > 0, out, np.where(np.isnan(v), np.nan, 0.0))


def rca(x: np.ndarray) -> np.ndarray:
    """country x sector -> Balassa RCA, the textbook way."""
    x = np.nan_to_num(x.astype(np.float64))
    with np.errstate(all="ignore"):
        return (x / x.sum(axis=1, keepdims=True)) / (x.sum(axis=0) / x.sum())


def similarity(x: np.ndarray) -> np.ndarray:
    """country x sector -> Finger-Kreinin similarity of the sector mixes."""
    x = np.nan_to_num(x.astype(np.float64))
    mix = x / x.sum(axis=1, keepdims=True)
    return np.stack([np.minimum(mix[a], mix).sum(axis=1) for a in range(len(mix))])


def hhi(x: np.ndarray) -> np.ndarray:
    """Concentration across countries (axis 0): sum of squared shares."""
    x = np.nan_to_num(x.astype(np.float64))
    with np.errstate(all="ignore"):
        s = x / x.sum(axis=0)
    return (s**2).sum(axis=0)


def model(
    pillars: dict[str, np.ndarray],
    weights: dict[str, float] | None = None,
    normalize_: str = "shares",
    year_index: int = -1,
    lag: int = 1,
) -> dict[str, Any]:
    """The country-level results: values, shares, normalized, composite, ranks, changes."""
    names = list(pillars)
    w = weights or dict.fromkeys(names, 1.0)
    tw = sum(w.values())
    out: dict[str, Any] = {
        "values": {},
        "shares": {},
        "normalized": {},
        "ranks": {},
        "rank_change": {},
        "rca": {},
        "hhi": {},
    }
    comp = 0.0
    for p in names:
        v = aggregate(pillars[p])
        out["values"][p] = v
        with np.errstate(all="ignore"):
            out["shares"][p] = v / np.nansum(v, axis=0)
        n = normalize(v, normalize_)
        out["normalized"][p] = n
        out["ranks"][p] = ranks(n)
        comp = comp + w[p] / tw * n
        if pillars[p].ndim == 3:
            out["rca"][p] = rca(pillars[p][:, :, year_index])
            out["hhi"][p] = hhi(pillars[p])
    out["composite"] = comp
    out["ranks"]["composite"] = ranks(np.asarray(comp))
    for k, r in out["ranks"].items():
        ch = np.full_like(r, np.nan)
        ch[:, lag:] = r[:, :-lag] - r[:, lag:]
        out["rank_change"][k] = ch
    first = next((p for p in names if pillars[p].ndim == 3), None)
    if first is not None:
        out["similarity"] = similarity(pillars[first][:, :, year_index])
    return out
