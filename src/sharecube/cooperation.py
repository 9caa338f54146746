r"""The cooperation model: where each country stands along the four pillars, and with whom.

A user gives any subset of the four pillars of international industrial cooperation as labeled
cubes (``country x sector x year``, or ``country x year``):

- value chain: production or exports;
- technology innovation: patents, R&D;
- market size: GDP, consumption;
- policy support: subsidies, openness scores;

and :func:`cooperation_model` returns each country's (and bloc's) standing: pillar shares,
a composite index, ranks and their changes, strengths and weaknesses, and suggested partners.

Method
------
Each pillar :math:`p` is a *quantity* (an extensive amount: output, exports, GDP) or a *score*
(an index, rate or ratio), and higher or lower is better (``kinds=``, ``direction=``; by default
the DataArray's ``attrs``, else quantity and higher). For values :math:`x_{p,c,s,t}` (country c,
sector s, year t):

- pillar value :math:`v_{p,c,t}`: a quantity's sum over sectors :math:`\sum_s x_{p,c,s,t}`, a
  score's mean over its components (NaN skipped; NaN if all are NaN);
- share (quantities only) :math:`\sigma_{p,c,t} = v_{p,c,t} / W_{p,t}`, where :math:`W` is the
  world total when one is given (a ``WLD`` row or ``world=``) and otherwise
  :math:`\sum_{c'} v_{p,c',t}`, the total of the countries in the data (``share_basis`` says
  which); coverage per pillar and year: countries reporting and :math:`\sum_c v / W`;
- normalised pillar :math:`n_{p,c,t}`: the share :math:`\sigma` (``normalize="shares"``, only
  when every pillar is a quantity where higher is better), the min-max scaling
  :math:`(v - \min_c v) / (\max_c v - \min_c v)` (``"minmax"``; onto [1, 100] for the geometric
  mean), the z-score :math:`(v - \bar v) / \mathrm{sd}(v)` over countries, population sd
  (``"zscore"``), or :math:`v` itself (``"none"``), each per year; a lower-is-better pillar is
  reversed (:math:`\max v - v` in min-max, the negated z-score); ``"auto"`` (the default) is
  ``"shares"`` when allowed, else ``"minmax"``;
- composite :math:`C_{c,t} = \sum_p w_p\, n_{p,c,t} / \sum_p w_p` (``aggregate="arithmetic"``)
  or :math:`\prod_p n_{p,c,t}^{w_p / \sum_p w_p}` (``"geometric"``), weights :math:`w_p \ge 0`
  (equal by default); a country lacking a weighted pillar in a year is left out of that year's
  composite (``missing="drop"``), gets the composite of the pillars it has with the weights
  re-scaled (``"available"``, flagged in ``partial``) or stops the run (``"fail"``); it is
  listed in ``missing`` and a warning either way;
- rank: 1 for the best value in each year, ties share the best rank ("min" method), NaN
  stays unranked; rank change over ``lag`` years: :math:`r_{t-lag} - r_t` (positive: the
  country moved up);
- sensitivity in the analysis year: ``draws`` draws of weights
  :math:`w_p U(1 - spread, 1 + spread)`, re-scaled (seeded); each country's median rank and
  5th-95th percentiles, and its rank under each other normalisation and with the geometric mean;
- strengths and weaknesses in the analysis year (default the last): the better and the worse
  half of its pillars by rank (the middle one left out when their number is odd), and per
  quantity pillar with sectors the ``top`` sectors with the highest RCA above 1 (strengths) and
  the lowest RCA below 1 (weaknesses), RCA being Balassa's
  :math:`(x_{cs}/x_{c\cdot})/(x_{\cdot s}/x_{\cdot\cdot})`;
- partners of country A: each other country B gets up to three scores in [0, 1], averaged:
  *pillar cover* :math:`\mathrm{mean}_{p \in W_A} \max(0, r_{pA} - r_{pB})/(N - 1)` over A's
  weak pillars :math:`W_A` (N ranked countries); *sector cover*, the fraction of A's weak
  sectors where B's RCA exceeds 1; *complementarity* :math:`1 - FK_{AB}`, one minus the
  Finger-Kreinin similarity of their sector mixes in the structure pillar (the first quantity
  pillar with sectors). The ``partners`` best-scoring countries for which a reason holds are
  suggested; the reasons name only what holds, with the numbers: B ranks above A in a weak
  pillar (both ranks), B has RCA > 1 where A's is below 1 (both RCAs), the mixes are
  complementary (:math:`FK_{AB}` below ``complementary_below``, default 0.5);
- blocs (membership year by year): a quantity's bloc share :math:`\sum_{c \in b} v / W` (the
  share sum of the members), a score's mean over the members reporting (weighted by a quantity
  pillar with ``bloc_weights``); no value in a year without a member in the data; the members
  reporting are counted; the bloc composite combines the bloc values normalised across blocs
  as above, with ranks among blocs and their strengths and weaknesses by pillar rank.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

import sharecube as _sc
from sharecube import _dispatch as d
from sharecube.blocs import Blocs, as_blocs
from sharecube.labeled import share_sums as _labeled_share_sums

__all__ = [
    "PILLARS",
    "CooperationResult",
    "MissingPillarWarning",
    "cooperation_model",
    "sensitivity",
]

#: The four pillars' conventional names (any other names work as well).
PILLARS = ("value_chain", "technology", "market", "policy")
Normalize = Literal["auto", "shares", "minmax", "zscore", "none"]
Kind = Literal["quantity", "score"]
Direction = Literal["higher", "lower"]
Aggregate = Literal["arithmetic", "geometric"]
Missing = Literal["drop", "available", "fail"]
_NORMALIZE = ("auto", "shares", "minmax", "zscore", "none")


@dataclass
class CooperationResult:
    """What :func:`cooperation_model` returns; tidy tables come from :meth:`to_frames`."""

    pillars: dict[str, xr.DataArray] = field(repr=False)
    weights: dict[str, float]
    normalize: str
    year: Any
    values: xr.Dataset = field(repr=False)
    shares: xr.Dataset = field(repr=False)
    normalized: xr.Dataset = field(repr=False)
    composite: xr.DataArray = field(repr=False)
    ranks: xr.Dataset = field(repr=False)
    rank_change: xr.Dataset = field(repr=False)
    concentration: dict[str, xr.DataArray] = field(repr=False)  # sectors differ by pillar
    #: HHI across countries of each pillar's country totals, per year
    concentration_totals: xr.Dataset = field(repr=False)
    #: the years over which ``rank_change`` is taken
    lag: int
    strengths: pd.DataFrame = field(repr=False)
    partners: pd.DataFrame = field(repr=False)
    blocs: Blocs | None = field(default=None, repr=False)
    bloc_shares: xr.Dataset | None = field(default=None, repr=False)
    bloc_composite: xr.DataArray | None = field(default=None, repr=False)
    bloc_ranks: xr.Dataset | None = field(default=None, repr=False)
    bloc_strengths: pd.DataFrame | None = field(default=None, repr=False)
    absent_members: dict[str, list[str]] = field(default_factory=dict, repr=False)
    #: score pillars' bloc values: the mean over the members present (weighted if asked)
    bloc_scores: xr.Dataset | None = field(default=None, repr=False)
    #: members with a value, per pillar, bloc and year
    bloc_members: xr.Dataset | None = field(default=None, repr=False)
    #: pillar -> "quantity" or "score"
    kinds: dict[str, str] = field(default_factory=dict)
    #: pillar -> "higher" or "lower" (which is better)
    directions: dict[str, str] = field(default_factory=dict)
    aggregate: str = "arithmetic"
    missing_policy: str = "drop"
    #: quantity pillar -> what its shares are of: "world" or "countries in the data"
    share_basis: dict[str, str] = field(default_factory=dict)
    #: the world totals used, per quantity pillar and year (empty without one)
    world: xr.Dataset | None = field(default=None, repr=False)
    world_note: str = ""
    #: per pillar and year: countries, reporting, their total, the world total and the ratio
    coverage: pd.DataFrame | None = field(default=None, repr=False)
    #: countries lacking a weighted pillar, per year, and what the composite did
    missing: pd.DataFrame | None = field(default=None, repr=False)
    #: True where the composite uses only some pillars (missing="available")
    partial: xr.DataArray | None = field(default=None, repr=False)
    #: partner mixes are called complementary below this Finger-Kreinin similarity
    complementary_below: float = 0.5
    #: economic complexity of the ``complexity`` pillar: eci and eci_rank (country x year)
    complexity: xr.Dataset | None = field(default=None, repr=False)
    #: per country, the sectors it does not yet specialise in that are closest to what it
    #: does (relatedness density) and would add most complexity (COG), with the partners
    #: that already specialise in them
    opportunities: pd.DataFrame | None = field(default=None, repr=False)
    #: the analysis year's product space: proximity (sector x sector) and PCI per sector
    product_space: xr.Dataset | None = field(default=None, repr=False)
    #: from bilateral trade in the analysis year: complementarity, trade_intensity,
    #: intra_industry (exporter x importer); empty without bilateral data
    pair_matrices: dict[str, xr.DataArray] = field(default_factory=dict, repr=False)
    #: ranks under other weights, normalisations and the geometric mean (:func:`sensitivity`)
    sensitivity: pd.DataFrame | None = field(default=None, repr=False)
    dims: tuple[str, str, str] = ("country", "sector", "year")
    options: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def names(self) -> list[str]:
        """The pillars, in order."""
        return [str(p) for p in self.values.data_vars]

    def sector_shares(self, pillar: str) -> xr.DataArray:
        """Country shares of the world per sector and year for one pillar (computed now)."""
        c, _, _ = self.dims
        return self._pillar(pillar).sharecube.shares(c, **self.options)

    def bloc_sector_shares(self, pillar: str) -> xr.DataArray:
        """Bloc share sums per sector and year for one pillar (computed now)."""
        if self.blocs is None:
            raise ValueError("the model was run without blocs")
        c, _, y = self.dims
        return _labeled_share_sums(self._pillar(pillar), c, self.blocs, time=y, **self.options)

    def rca(self, pillar: str, year: Any = None) -> xr.DataArray:
        """Balassa RCA, country x sector, in ``year`` (default the analysis year)."""
        c, s, y = self.dims
        da = self._pillar(pillar)
        if s not in da.dims:
            raise ValueError(f"pillar {pillar!r} has no {s!r} dimension, so no RCA")
        return da.sel({y: self.year if year is None else year}).sharecube.rca(c, s, **self.options)

    def _pillar(self, pillar: str) -> xr.DataArray:
        if pillar not in self.pillars:
            raise ValueError(f"no pillar {pillar!r}; pillars: {list(self.pillars)}")
        if self.kinds.get(pillar) == "score":
            raise ValueError(
                f"pillar {pillar!r} is a score: shares, bloc sums and RCA apply to quantities "
                "(output, exports, GDP), not to indices or rates"
            )
        return self.pillars[pillar]

    def to_dataset(self) -> xr.Dataset:
        """Country x year results in one Dataset (``<pillar>_share``, ``composite``, ranks)."""
        parts = {f"{p}_value": v for p, v in self.values.items()}
        parts.update({f"{p}_share": v for p, v in self.shares.items()})
        parts.update({f"{p}_normalized": v for p, v in self.normalized.items()})
        parts.update({f"{p}_rank": v for p, v in self.ranks.items()})
        parts.update({f"{p}_rank_change": v for p, v in self.rank_change.items()})
        parts["composite"] = self.composite
        ds = xr.Dataset(parts)
        ds.attrs.update({"normalize": self.normalize, "analysis_year": str(self.year)})
        return ds

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """Tidy tables: composite, pillars, strengths, partners, concentration, blocs."""
        c, _, y = self.dims
        comp = pd.DataFrame(
            {
                "composite": self.composite.to_series(),
                "rank": self.ranks["composite"].to_series(),
                "rank_change": self.rank_change["composite"].to_series(),
            }
        ).reset_index()
        rows = []
        for p in self.names:
            share = self.shares[p] if p in self.shares else xr.full_like(self.values[p], np.nan)
            df = pd.DataFrame(
                {
                    "value": self.values[p].to_series(),
                    "share": share.to_series(),
                    "normalized": self.normalized[p].to_series(),
                    "rank": self.ranks[p].to_series(),
                    "rank_change": self.rank_change[p].to_series(),
                }
            ).reset_index()
            df.insert(0, "pillar", p)
            df.insert(1, "kind", self.kinds.get(p, "quantity"))
            df.insert(2, "share_of", self.share_basis.get(p, ""))
            rows.append(df)
        if self.partial is not None:
            comp["partial"] = self.partial.to_series().to_numpy()
        frames = {
            "composite": comp.sort_values([y, "rank", c], kind="stable").reset_index(drop=True),
            "pillars": pd.concat(rows, ignore_index=True),
            "strengths": self.strengths,
            "partners": self.partners,
        }
        if self.pair_matrices:
            frames["pairs"] = pd.DataFrame(
                {k: m.to_series() for k, m in self.pair_matrices.items()}
            ).reset_index()
        if self.complexity is not None:
            frames["complexity"] = self.complexity.to_dataframe().reset_index()
        for name in ("coverage", "missing", "sensitivity", "opportunities"):
            table = getattr(self, name)
            if table is not None:
                frames[name] = table
        conc = [
            h.to_series().rename("hhi").reset_index().assign(pillar=p)
            for p, h in self.concentration.items()
        ]
        if conc:
            frames["concentration"] = pd.concat(conc, ignore_index=True)
        if self.bloc_ranks is not None and self.bloc_composite is not None:
            assert self.bloc_strengths is not None
            brows = []
            for p in self.names:
                cols = {"rank": self.bloc_ranks[p].to_series()}
                if self.bloc_shares is not None and p in self.bloc_shares:
                    cols["share"] = self.bloc_shares[p].to_series()
                if self.bloc_scores is not None and p in self.bloc_scores:
                    cols["mean_score"] = self.bloc_scores[p].to_series()
                if self.bloc_members is not None:
                    cols["members_reporting"] = self.bloc_members[p].to_series()
                brows.append(pd.DataFrame(cols).reset_index().assign(pillar=p))
            brows.append(
                pd.DataFrame(
                    {
                        "composite": self.bloc_composite.to_series(),
                        "rank": self.bloc_ranks["composite"].to_series(),
                    }
                )
                .reset_index()
                .assign(pillar="composite")
            )
            frames["blocs"] = pd.concat(brows, ignore_index=True)
            frames["bloc_strengths"] = self.bloc_strengths
        return frames


# --------------------------------------------------------------------------------------------
# validation


def _check_pillars(pillars: Any, c: str, s: str, y: str) -> dict[str, xr.DataArray]:
    if not isinstance(pillars, Mapping) or not pillars:
        raise TypeError("pillars must be a non-empty dict of pillar name -> xarray.DataArray")
    out: dict[str, xr.DataArray] = {}
    first: tuple[str, xr.DataArray] | None = None
    for name, da in pillars.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"pillar names must be non-empty str, got {name!r}")
        if not isinstance(da, xr.DataArray):
            raise TypeError(f"pillar {name!r} must be an xarray.DataArray, got {type(da).__name__}")
        for dim in (c, y):
            if dim not in da.dims:
                raise ValueError(
                    f"pillar {name!r} has no dimension {dim!r}; its dimensions: {list(da.dims)}"
                )
        extra = [x for x in da.dims if x not in (c, s, y)]
        if extra:
            raise ValueError(
                f"pillar {name!r} has unknown dimension(s) {extra}; expected {c!r}, {y!r} and "
                f"optionally {s!r} (name them with country=, sector=, year=)"
            )
        if da.dtype.kind not in "fiub":
            raise TypeError(f"pillar {name!r} must hold numbers, got dtype {da.dtype}")
        for dim in map(str, da.dims):
            if da.sizes[dim] == 0:
                raise ValueError(f"pillar {name!r} is empty along {dim!r}")
            if dim in da.coords and not da.indexes[dim].is_unique:
                dup = da.indexes[dim][da.indexes[dim].duplicated()][0]
                raise ValueError(f"pillar {name!r} has duplicate {dim!r} label {dup!r}")
            if dim not in da.coords:
                raise ValueError(f"pillar {name!r} needs labels (a coordinate) along {dim!r}")
        if first is None:
            first = (name, da)
        else:
            for dim in (c, y):
                a, b = first[1].indexes[dim], da.indexes[dim]
                if not set(a) & set(b):
                    raise ValueError(
                        f"pillars {first[0]!r} and {name!r} have no {dim!r} label in common "
                        f"({first[0]!r}: {list(a[:3])}..., {name!r}: {list(b[:3])}...)"
                    )
        out[name] = da
    # countries and years: the union over the pillars; a country absent from a pillar lacks it
    # there (NaN), which the composite's missing-data rule then handles and lists
    labels = {}
    for dim in (c, y):
        seen: dict[Any, None] = {}
        for da in out.values():
            seen.update(dict.fromkeys(da.indexes[dim]))
        union = list(seen)
        if dim == y:
            try:
                union = sorted(union)
            except TypeError:
                pass
        labels[dim] = union
    for name, da in out.items():
        if any(list(da.indexes[dim]) != labels[dim] for dim in (c, y)):
            da = da.reindex({c: labels[c], y: labels[y]})  # a copy, NaN where absent
        out[name] = da.transpose(*[x for x in (c, s, y) if x in da.dims])
    return out


def _check_weights(weights: Any, names: list[str]) -> dict[str, float]:
    if weights is None:
        return dict.fromkeys(names, 1.0 / len(names))
    if not isinstance(weights, Mapping):
        raise TypeError(f"weights must be a dict of pillar name -> weight, got {weights!r}")
    unknown = [k for k in weights if k not in names]
    if unknown:
        raise ValueError(f"weights for unknown pillar(s) {unknown}; pillars: {names}")
    missing = [k for k in names if k not in weights]
    if missing:
        raise ValueError(f"weights missing for pillar(s) {missing}")
    w = {}
    for k in names:
        try:
            v = float(weights[k])
        except (TypeError, ValueError):
            raise TypeError(f"weight of {k!r} must be a number, got {weights[k]!r}") from None
        if not math.isfinite(v) or v < 0:
            raise ValueError(f"weight of {k!r} must be finite and >= 0, got {weights[k]!r}")
        w[k] = v
    top = max(w.values())
    if top == 0:
        raise ValueError("weights are all zero")
    # divided by the largest first: weights near the float limit (1e308 each) cannot overflow
    scaled = {k: v / top for k, v in w.items()}
    total = math.fsum(scaled.values())
    return {k: v / total for k, v in scaled.items()}


# --------------------------------------------------------------------------------------------
# pieces


def rank_desc(values: np.ndarray, axis: int = 0) -> np.ndarray:
    """Competition ranks along ``axis``: 1 for the largest, ties share the best; NaN stays."""
    v = np.moveaxis(np.asarray(values, dtype=np.float64), axis, 0)
    flat = v.reshape(v.shape[0], -1)
    r = pd.DataFrame(flat).rank(axis=0, method="min", ascending=False).to_numpy()
    return np.moveaxis(r.reshape(v.shape), 0, axis)


def _aggregate(
    da: xr.DataArray, s: str, skipna: bool, backend: Any, threads: Any, kind: str = "quantity"
) -> np.ndarray:
    """A quantity: the sum over sectors in one pass of the kernels; a score: their mean.

    NaN where every sector is NaN.
    """
    if s not in da.dims:
        return np.asarray(da.values, dtype=np.float64)
    arr = d.as_input(da.data)
    tot = _sc.group_sums(
        arr, axis=1, skipna=skipna, dtype=np.float64, backend=backend, threads=threads
    )
    if arr.dtype.kind == "f":
        present = (~np.isnan(arr)).sum(axis=1)
        tot = np.where(present == 0, np.nan, tot)
    else:
        present = np.full(tot.shape, arr.shape[1])
    if kind == "score":
        with np.errstate(all="ignore"):
            return tot / np.where(present == 0, 1, present if skipna else arr.shape[1])
    return tot


def _normalize(
    v: np.ndarray, how: str, shares: np.ndarray | None, lower: bool = False, geometric: bool = False
) -> np.ndarray:
    """One pillar, country x year -> its normalised values (higher is always better after).

    ``lower``: the pillar's direction is "lower is better", so the scale is reversed (min-max:
    ``(max - v) / (max - min)``, z-score and "none": negated). ``geometric``: min-max maps onto
    [1, 100] instead of [0, 1], so that the geometric mean is defined for every country.
    """
    # a year where every country is NaN stays NaN, without numpy's all-NaN warnings
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if how == "shares":
            assert shares is not None and not lower
            return shares
        if how == "none":
            return -v if lower else v
        if how == "minmax":
            lo, hi = np.nanmin(v, axis=0), np.nanmax(v, axis=0)
            span = hi - lo
            top = hi - v if lower else v - lo
            out = np.where(span > 0, top / np.where(span > 0, span, 1.0), 0.0) + 0 * v
            return 1.0 + 99.0 * out if geometric else out
        mean = np.nanmean(v, axis=0)
        sd = np.nanstd(v, axis=0)
        z = np.where(sd > 0, (v - mean) / np.where(sd > 0, sd, 1.0), 0.0) + 0 * v
        return -z if lower else z


def _composite(
    norm: Mapping[str, np.ndarray], w: Mapping[str, Any], aggregate: str, missing: str
) -> tuple[np.ndarray, np.ndarray]:
    """The weighted arithmetic or geometric mean of the normalised pillars.

    Returns the composite and, per cell, the number of weighted pillars it lacks. With
    ``missing="available"`` a country lacking some pillars gets the mean of the others with
    their weights re-scaled to sum to 1; otherwise its composite is NaN. A weight is a number
    or an array broadcast against its pillar (one weight per draw, say).
    """
    used = [p for p in norm if np.any(np.asarray(w[p]) > 0)]
    shape = np.broadcast_shapes(*(np.shape(norm[p]) for p in used), *(np.shape(w[p]) for p in used))
    stack = np.stack([np.broadcast_to(np.asarray(norm[p], dtype=np.float64), shape) for p in used])
    wts = np.stack([np.broadcast_to(np.asarray(w[p], dtype=np.float64), shape) for p in used])
    have = ~np.isnan(stack)
    lacking = (~have).sum(axis=0)
    wsum = (wts * have).sum(axis=0)
    with np.errstate(all="ignore"):
        if aggregate == "geometric":
            terms = np.where(have, wts * np.log(np.where(have, stack, 1.0)), 0.0)
            out = np.exp(terms.sum(axis=0) / wsum)
        else:
            out = np.where(have, wts * stack, 0.0).sum(axis=0) / wsum
    if missing != "available":
        out = np.where(lacking > 0, np.nan, out)
    return np.where(wsum > 0, out, np.nan), lacking


def _half(ranks: np.ndarray) -> int:
    return ranks.shape[0] // 2


def _pillar_strengths(
    names: list[str], units: list[Any], ranks: np.ndarray, unit: str
) -> list[dict[str, Any]]:
    """Best and worst half of the pillars by rank; ``ranks`` is (pillar, unit)."""
    rows: list[dict[str, Any]] = []
    k = _half(ranks)
    if k == 0:
        return rows
    for j, u in enumerate(units):
        col = ranks[:, j]
        ok = np.flatnonzero(~np.isnan(col))
        if ok.size < 2:
            continue
        order = ok[np.lexsort((ok, col[ok]))]  # best rank first, ties in pillar order
        kk = min(k, ok.size // 2)
        for kind, sel in (("strength", order[:kk]), ("weakness", order[::-1][:kk])):
            for p in sel:
                rows.append(
                    {
                        unit: u,
                        "kind": kind,
                        "pillar": names[p],
                        "sector": None,
                        "rank": float(col[p]),
                        "rca": np.nan,
                    }
                )
    return rows


def _sector_strengths(
    units: list[Any], pillar: str, sectors: list[Any], rca: np.ndarray, top: int, unit: str
) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Per unit the ``top`` sectors of highest RCA above 1 and lowest below 1; weak mask."""
    n_u, n_s = rca.shape
    weak = np.zeros((n_u, n_s), dtype=bool)
    rows: list[dict[str, Any]] = []
    k = min(top, n_s)
    if k == 0:
        return rows, weak
    with np.errstate(invalid="ignore"):
        hi_key = np.where(rca > 1, -rca, np.inf)  # NaN compares False: never listed
        lo_key = np.where(rca < 1, rca, np.inf)
    # the k smallest keys per row: a partition finds the threshold, then only the candidates
    # (ties included) are sorted, by key then sector order
    hi_t = np.partition(hi_key, k - 1, axis=1)[:, k - 1 : k]
    lo_t = np.partition(lo_key, k - 1, axis=1)[:, k - 1 : k]
    hi_c = (hi_key <= hi_t) & np.isfinite(hi_key)
    lo_c = (lo_key <= lo_t) & np.isfinite(lo_key)
    for j, u in enumerate(units):
        for kind, cand, key in (("strength", hi_c[j], hi_key[j]), ("weakness", lo_c[j], lo_key[j])):
            idx = np.flatnonzero(cand)
            for s_ in idx[np.lexsort((idx, key[idx]))][:k]:
                rows.append(
                    {
                        unit: u,
                        "kind": kind,
                        "pillar": pillar,
                        "sector": sectors[s_],
                        "rank": np.nan,
                        "rca": float(rca[j, s_]),
                    }
                )
                if kind == "weakness":
                    weak[j, s_] = True
    return rows, weak


def _partners(
    countries: list[Any],
    names: list[str],
    ranks: np.ndarray,
    weak_pillars: np.ndarray,
    weak_sectors: np.ndarray,
    strong_sectors: np.ndarray,
    sector_labels: list[tuple[str, Any]],
    rca: np.ndarray,
    similarity: np.ndarray | None,
    n_partners: int,
    complementary_below: float,
) -> pd.DataFrame:
    """Suggested partners; see the module docstring for the scores and the reasons.

    ``rca`` is country x (pillar, sector), the columns of ``weak_sectors``. A pair is suggested
    only when at least one reason holds for it, and each reason carries its numbers.
    """
    n = len(countries)
    comps: list[np.ndarray] = []
    # pillar cover: (A, B) mean over A's weak pillars of max(0, r_pA - r_pB) / (N - 1)
    n_ranked = np.sum(~np.isnan(ranks), axis=1, keepdims=True)  # per pillar
    gap = (ranks[:, :, None] - ranks[:, None, :]) / np.maximum(n_ranked[:, :, None] - 1, 1)
    gap = np.where(np.isnan(gap), 0.0, np.maximum(gap, 0.0))  # (P, A, B)
    nweak = weak_pillars.sum(axis=0)  # per A
    pillar_cover = np.einsum("pa,pab->ab", weak_pillars.astype(float), gap)
    with np.errstate(all="ignore"):
        pillar_cover = np.where(nweak[:, None] > 0, pillar_cover / nweak[:, None], np.nan)
    comps.append(pillar_cover)
    nws = weak_sectors.sum(axis=1)
    covered_mat = weak_sectors.astype(float) @ strong_sectors.T.astype(float)
    if weak_sectors.shape[1]:
        with np.errstate(all="ignore"):
            comps.append(np.where(nws[:, None] > 0, covered_mat / nws[:, None], np.nan))
    if similarity is not None:
        comps.append(1.0 - similarity)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # pairs with no score stay NaN
        score = np.nanmean(np.stack(comps), axis=0)
    # which reasons hold, per pair
    stronger = np.einsum("pa,pab->ab", weak_pillars.astype(float), (gap > 0).astype(float)) > 0
    complementary = (
        np.isfinite(similarity) & (similarity < complementary_below)
        if similarity is not None
        else np.zeros((n, n), dtype=bool)
    )
    holds = stronger | (covered_mat > 0) | complementary
    rows = []
    for a in range(n):
        sc = score[a].copy()
        sc[a] = np.nan
        cand = np.flatnonzero(np.isfinite(sc) & (sc > 0) & holds[a])
        cand = cand[np.lexsort((cand, -sc[cand]))][:n_partners]
        for b in cand:
            why = []
            for p in np.flatnonzero(weak_pillars[:, a]):
                if ranks[p, b] < ranks[p, a]:
                    why.append(
                        f"stronger in {names[p]} (rank {ranks[p, b]:.0f} vs {ranks[p, a]:.0f})"
                    )
            if weak_sectors.shape[1]:
                ks = np.flatnonzero(weak_sectors[a] & strong_sectors[b])
                if ks.size:
                    items = ", ".join(
                        f"{sector_labels[k][1]}"
                        + (f" ({sector_labels[k][0]})" if len(names) > 1 else "")
                        + f" {rca[b, k]:.2f} vs {rca[a, k]:.2f}"
                        for k in ks[:5]
                    )
                    why.append(f"RCA > 1 where {countries[a]} is weak: {items}")
            if complementary[a, b]:
                assert similarity is not None
                why.append(
                    f"complementary sector mix (similarity {similarity[a, b]:.2f} "
                    f"< {complementary_below:g})"
                )
            rows.append(
                {
                    "country": countries[a],
                    "partner": countries[b],
                    "score": float(sc[b]),
                    "pillar_cover": float(comps[0][a, b]),
                    "sector_cover": float(comps[1][a, b]) if weak_sectors.shape[1] else np.nan,
                    "complementarity": float(1.0 - similarity[a, b])
                    if similarity is not None
                    else np.nan,
                    "basis": HEURISTIC,
                    "reason": "; ".join(why),
                }
            )
    cols = [
        "country",
        "partner",
        "score",
        "pillar_cover",
        "sector_cover",
        "complementarity",
        "basis",
        "reason",
    ]
    return pd.DataFrame(rows, columns=cols)


#: the ``basis`` of partner suggestions from country totals (no bilateral trade data)
HEURISTIC = "country totals (no bilateral data)"
BILATERAL = "bilateral trade"


def _check_bilateral(bil: Any, y: str) -> xr.DataArray:
    dims = ("exporter", "importer", "product", y)
    if not isinstance(bil, xr.DataArray) or set(bil.dims) != set(dims):
        raise ValueError(
            f"bilateral must be an xarray.DataArray with dims {dims} (exporter x importer x "
            "product x year, e.g. from sharecube.tradedata.read_baci)"
        )
    if list(bil.indexes["exporter"]) != list(bil.indexes["importer"]):
        raise ValueError("bilateral: exporters and importers must be the same countries, in order")
    return bil.transpose(*dims)


def _bilateral_partners(
    bil: xr.DataArray,
    countries: list[Any],
    year: Any,
    n_partners: int,
    y: str,
    opts: Mapping[str, Any],
) -> tuple[pd.DataFrame, dict[str, xr.DataArray]]:
    """Partners from bilateral trade in ``year``: complementarity both ways (TCI), trade
    intensity (TII), intra-industry trade (Grubel-Lloyd) and the products behind the
    complementarity, each reason with its numbers (:mod:`sharecube.bilateral`)."""
    if year not in set(bil.indexes[y]):
        raise ValueError(f"bilateral: no data for the analysis year {year!r}")
    x = bil.sel({y: year})
    arr = np.asarray(x.values)
    # on every country of the trade data (world totals), then the model's countries
    tci = np.asarray(_sc.complementarity(arr, **opts))
    tii = np.asarray(_sc.trade_intensity(arr, **opts))
    gl = np.asarray(_sc.intra_industry_total(arr, **opts))
    labels = [str(v) for v in bil.indexes["exporter"]]
    where = {c: i for i, c in enumerate(labels)}
    flows = np.nan_to_num(arr.astype(np.float64))
    flows[np.arange(len(labels)), np.arange(len(labels))] = 0.0
    xk, mk = flows.sum(axis=1), flows.sum(axis=0)  # exports, imports by product
    with np.errstate(all="ignore"):
        emix = xk / xk.sum(axis=1, keepdims=True)
        mmix = mk / mk.sum(axis=1, keepdims=True)
    products = [str(v) for v in bil.indexes["product"]]
    rows = []
    present = [c for c in countries if str(c) in where]
    for ca in present:
        a = where[str(ca)]
        cand = [where[str(cb)] for cb in present if cb != ca]
        score = np.array([(tci[a, b] + tci[b, a]) / 2 for b in cand])
        ok = np.flatnonzero(np.isfinite(score))
        order = ok[np.lexsort((ok, -score[ok]))][:n_partners]
        for o in order:
            b = cand[o]
            why = [
                f"{labels[b]} buys what {labels[a]} sells (TCI {tci[a, b]:.2f}) and "
                f"{labels[a]} buys what {labels[b]} sells (TCI {tci[b, a]:.2f})"
            ]
            if np.isfinite(tii[a, b]):
                state = "under-traded" if tii[a, b] < 1 else "already intense"
                why.append(f"{state}: trade intensity {labels[a]}->{labels[b]} {tii[a, b]:.2f}")
            if np.isfinite(gl[a, b]):
                why.append(f"intra-industry trade {gl[a, b]:.2f} (Grubel-Lloyd)")
            overlap = np.minimum(emix[a], mmix[b])
            top = [k for k in np.argsort(-overlap, kind="stable")[:3] if overlap[k] > 0]
            if top:
                items = ", ".join(
                    f"{products[k]} ({emix[a, k]:.0%} of {labels[a]}'s exports, "
                    f"{mmix[b, k]:.0%} of {labels[b]}'s imports)"
                    for k in top
                )
                why.append(f"products: {items}")
            rows.append(
                {
                    "country": ca,
                    "partner": labels[b],
                    "score": float(score[o]),
                    "tci_out": float(tci[a, b]),
                    "tci_in": float(tci[b, a]),
                    "tii_out": float(tii[a, b]),
                    "tii_in": float(tii[b, a]),
                    "intra_industry": float(gl[a, b]),
                    "basis": BILATERAL,
                    "reason": "; ".join(why),
                }
            )
    coords = {"exporter": labels, "importer": labels}
    mats = {
        name: xr.DataArray(m, dims=("exporter", "importer"), coords=coords, name=name)
        for name, m in (("complementarity", tci), ("trade_intensity", tii), ("intra_industry", gl))
    }
    return pd.DataFrame(rows), mats


# --------------------------------------------------------------------------------------------


def cooperation_model(
    pillars: Mapping[str, xr.DataArray],
    *,
    weights: Mapping[str, float] | None = None,
    normalize: Normalize = "auto",
    kinds: Mapping[str, str] | None = None,
    direction: Mapping[str, str] | None = None,
    aggregate: Aggregate = "arithmetic",
    missing: Missing = "drop",
    world: str | Mapping[str, Any] | None = "WLD",
    blocs: Any = None,
    bloc_weights: Mapping[str, str] | None = None,
    bilateral: Any = None,
    complexity: str | bool | None = None,
    year: Any = None,
    lag: int = 1,
    top: int = 3,
    partners: int = 3,
    structure: str | None = None,
    complementary_below: float = 0.5,
    draws: int = 1000,
    seed: int = 0,
    spread: float = 0.5,
    country: str = "country",
    sector: str = "sector",
    time: str = "year",
    skipna: bool = True,
    backend: str | None = None,
    threads: int | None = None,
) -> CooperationResult:
    """Run the cooperation model (method and formulas: :mod:`sharecube.cooperation`).

    Parameters
    ----------
    pillars : dict of str -> xarray.DataArray
        Pillar name (``"value_chain"``, ``"technology"``, ``"market"``, ``"policy"`` or any
        other) -> cube with dims ``country``, ``time`` and optionally ``sector`` (sectors may
        differ between pillars; countries and years must match, in any order).
    weights : dict, optional
        Pillar -> weight >= 0 (rescaled to sum to 1); default equal weights.
    normalize : {"auto", "shares", "minmax", "zscore", "none"}
        How pillars are made comparable before they are combined. ``"auto"``: ``"shares"``
        when every pillar is a quantity where higher is better, else ``"minmax"``.
    kinds : dict, optional
        Pillar -> ``"quantity"`` (an extensive amount: output, exports, GDP; shares, bloc sums,
        RCA and HHI apply) or ``"score"`` (an index, rate or ratio: no shares, sums or RCA; its
        sector variables are averaged, blocs get their members' mean). Default: the
        DataArray's ``attrs["kind"]``, else ``"quantity"``. A pillar's sector variables share
        its kind.
    direction : dict, optional
        Pillar -> ``"higher"`` (default; or ``attrs["direction"]``) or ``"lower"`` (lower is
        better: the normalised scale is reversed; not possible with ``"shares"``).
    aggregate : {"arithmetic", "geometric"}
        Weighted arithmetic or geometric mean of the normalised pillars (geometric needs
        positive values: ``"minmax"`` then maps onto [1, 100]; ``"zscore"`` is refused).
    missing : {"drop", "available", "fail"}
        A country lacking a weighted pillar in a year: left out of that year's composite
        (listed in :attr:`CooperationResult.missing` and a warning), given the composite of the
        pillars it has with their weights re-scaled (flagged there), or an error.
    world : str or dict, optional
        The world total each quantity pillar's shares are taken of: the label of a world row
        among the countries (default ``"WLD"``, used where present and taken out of the
        countries), or a dict pillar -> DataArray over ``time`` (and optionally ``sector``,
        summed). Without one, shares are of the countries in the data, and say so.
    blocs : optional
        Blocs for bloc results: a :class:`~sharecube.blocs.Blocs`, a dict, a table or built-in
        name(s). Membership years are honoured year by year.
    bloc_weights : dict, optional
        Score pillar -> quantity pillar whose values weight the members' mean (e.g.
        ``{"policy": "market"}``: a GDP-weighted mean); default an unweighted mean.
    bilateral : xarray.DataArray, optional
        Bilateral trade, exporter x importer x product x year (``sharecube.tradedata``): the
        partners then come from it (complementarity both ways, trade intensity, intra-industry
        trade, the products behind them), for the countries it has; the others keep the
        suggestions from country totals, labelled so in ``partners["basis"]``.
    complexity : str or True, optional
        A quantity pillar with sectors (products) for economic complexity
        (:mod:`sharecube.complexity`; True: the ``structure`` pillar): each country's ECI and
        its rank per year, and its opportunities in the analysis year (sectors with RCA < 1
        by relatedness density and complexity outlook gain, with the countries already
        specialised in them as partners).
    year : optional
        The analysis year for strengths, weaknesses, partners and sensitivity (default: the
        last).
    lag : int
        Years between the ranks compared in ``rank_change``.
    top, partners : int
        Sectors listed per strength/weakness kind and pillar; partners suggested per country.
    structure : str, optional
        The quantity pillar whose sector mix gives the complementarity (default: the first
        quantity pillar with sectors).
    complementary_below : float
        A partner's sector mix is called complementary only when its Finger-Kreinin similarity
        with the country's is below this (default 0.5: less than half of the mixes overlap).
    draws, seed, spread : int, int, float
        The sensitivity analysis: ``draws`` Monte Carlo draws (seeded) of weights
        ``w_p * U(1 - spread, 1 + spread)``, re-scaled; 0 turns it off.
    country, sector, time : str
        Dimension names.
    skipna, backend, threads
        As in :func:`sharecube.shares`.
    """
    c, s, y = country, sector, time
    if len({c, s, y}) != 3:
        raise ValueError(
            f"country, sector and time must be different names, got {c!r}, {s!r}, {y!r}"
        )
    pillars, world, world_note = _pull_world_rows(pillars, world, c)
    data = _check_pillars(pillars, c, s, y)
    names = list(data)
    w = _check_weights(weights, names)
    kind = _check_choice_map(kinds, "kinds", names, data, "kind", ("quantity", "score"))
    dirs = _check_choice_map(direction, "direction", names, data, "direction", ("higher", "lower"))
    _check_choice("normalize", normalize, _NORMALIZE)
    _check_choice("aggregate", aggregate, ("arithmetic", "geometric"))
    _check_choice("missing", missing, ("drop", "available", "fail"))
    how = _resolve_normalize(normalize, kind, dirs, aggregate)
    for nm, num, low in (
        ("top", top, 0),
        ("partners", partners, 0),
        ("lag", lag, 1),
        ("draws", draws, 0),
    ):
        if isinstance(num, bool) or not isinstance(num, (int, np.integer)) or num < low:
            what = "positive" if low else "non-negative"
            raise ValueError(f"{nm} must be a {what} int, got {num!r}")
    if not (isinstance(spread, (int, float)) and 0 <= spread < 1):
        raise ValueError(f"spread must be a number in [0, 1), got {spread!r}")
    if not (isinstance(complementary_below, (int, float)) and 0 < complementary_below <= 1):
        raise ValueError(f"complementary_below must be in (0, 1], got {complementary_below!r}")
    world_tot = _world_totals(data, world, kind, bool(world_note), s, y)
    if not world_tot:
        world_note = ""
    elif not world_note:
        world_note = "world totals given for " + ", ".join(world_tot)
    bw = _check_bloc_weights(bloc_weights, kind)
    opts: dict[str, Any] = {"skipna": skipna, "backend": backend, "threads": threads}
    ref = data[names[0]]
    countries = list(ref.indexes[c])
    years = list(ref.indexes[y])
    if year is None:
        year = years[-1]
    if year not in years:
        raise ValueError(f"year {year!r} is not in the data's years {years[0]}..{years[-1]}")
    ti = years.index(year)
    quantities = [p for p in names if kind[p] == "quantity"]
    with_sectors = [p for p in quantities if s in data[p].dims]
    if structure is None:
        structure = with_sectors[0] if with_sectors else None
    elif structure not in with_sectors:
        why = " (a score has no sector mix)" if kind.get(structure) == "score" else ""
        raise ValueError(f"structure must name a quantity pillar with sectors: {with_sectors}{why}")

    coords = {c: ref[c].values, y: ref[y].values}

    def cy(a: np.ndarray, name: str) -> xr.DataArray:
        return xr.DataArray(a, dims=(c, y), coords=coords, name=name)

    values: dict[str, np.ndarray] = {}
    share: dict[str, np.ndarray] = {}
    norm: dict[str, np.ndarray] = {}
    rank: dict[str, np.ndarray] = {}
    change: dict[str, np.ndarray] = {}
    basis: dict[str, str] = {}
    for p in names:
        v = _aggregate(data[p], s, skipna, backend, threads, kind[p])
        values[p] = v
        sh = None
        if kind[p] == "quantity":
            if p in world_tot:
                with np.errstate(all="ignore"):
                    sh = v / world_tot[p][None, :]
                basis[p] = "world"
            else:
                sh = _sc.shares(v, axis=0, **opts)
                basis[p] = "countries in the data"
            share[p] = sh
        norm[p] = _normalize(v, how, sh, dirs[p] == "lower", geometric=aggregate == "geometric")
        if aggregate == "geometric" and how == "none" and np.nanmin(norm[p]) <= 0:
            raise ValueError(
                f"aggregate='geometric' needs positive values, pillar {p!r} has values <= 0: "
                "use normalize='minmax' (mapped onto [1, 100])"
            )
        rank[p] = rank_desc(norm[p])
    comp, lacking = _composite(norm, w, aggregate, missing)
    missing_df = _missing_table(data, norm, w, countries, years, missing, c, y)
    rank["composite"] = rank_desc(comp)
    for k, r in rank.items():
        ch = np.full_like(r, np.nan)
        ch[:, lag:] = r[:, :-lag] - r[:, lag:]
        change[k] = ch

    # strengths and weaknesses in the analysis year
    ranks_t = np.stack([rank[p][:, ti] for p in names])  # (P, C)
    rows = _pillar_strengths(names, countries, ranks_t, "country")
    weak_p = np.zeros_like(ranks_t, dtype=bool)
    pidx = {p: i for i, p in enumerate(names)}
    cidx = {u: i for i, u in enumerate(countries)}
    for r_ in rows:
        if r_["kind"] == "weakness":
            weak_p[pidx[r_["pillar"]], cidx[r_["country"]]] = True
    sector_labels: list[tuple[str, Any]] = []
    weak_s, strong_s, rca_s = [], [], []
    for p in with_sectors:
        da_t = data[p].isel({y: ti})
        r = np.asarray(_sc.rca(da_t.data, 0, 1, **opts))
        secs = list(data[p].indexes[s])
        srows, mask = _sector_strengths(countries, p, secs, r, top, "country")
        rows.extend(srows)
        weak_s.append(mask)
        strong_s.append(np.nan_to_num(r, nan=0.0) > 1)
        rca_s.append(r)
        sector_labels.extend((p, sec) for sec in secs)
    strengths = pd.DataFrame(rows, columns=["country", "kind", "pillar", "sector", "rank", "rca"])
    sim = None
    if structure is not None:
        sim = np.asarray(
            _sc.similarity(data[structure].isel({y: ti}).data, 0, 1, **opts), dtype=np.float64
        )
    n_c = len(countries)
    bil = _check_bilateral(bilateral, y) if bilateral is not None else None

    def cat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
        return np.concatenate(parts, axis=1) if parts else np.zeros((n_c, 0), dtype)

    partner_df = _partners(
        countries,
        names,
        ranks_t,
        weak_p,
        cat(weak_s, bool),
        cat(strong_s, bool),
        sector_labels,
        cat(rca_s, np.float64),
        sim,
        partners,
        float(complementary_below),
    )
    pair_matrices: dict[str, xr.DataArray] = {}
    if bil is not None:
        from_trade, pair_matrices = _bilateral_partners(bil, countries, year, partners, y, opts)
        covered = set(from_trade["country"]) if len(from_trade) else set()
        partner_df = pd.concat(
            [from_trade, partner_df[~partner_df["country"].isin(covered)]], ignore_index=True
        )

    conc = {p: data[p].sharecube.hhi(c, **opts) for p in with_sectors}
    # the concentration of each quantity pillar's country totals across countries, per year
    conc_totals = {p: cy(values[p], p).sharecube.hhi(c, **opts) for p in quantities}
    for p in quantities:
        if p not in conc:
            conc[p] = conc_totals[p]

    res = CooperationResult(
        pillars=data,
        weights=w,
        normalize=how,
        year=year,
        values=xr.Dataset({p: cy(v, p) for p, v in values.items()}),
        shares=xr.Dataset({p: cy(v, p) for p, v in share.items()}),
        normalized=xr.Dataset({p: cy(v, p) for p, v in norm.items()}),
        composite=cy(comp, "composite"),
        ranks=xr.Dataset({p: cy(v, p) for p, v in rank.items()}),
        rank_change=xr.Dataset({p: cy(v, p) for p, v in change.items()}),
        concentration={p: h.rename(p) for p, h in conc.items()},
        concentration_totals=xr.Dataset({p: h.rename(p) for p, h in conc_totals.items()}),
        lag=lag,
        strengths=strengths,
        partners=partner_df,
        kinds=kind,
        directions=dirs,
        aggregate=aggregate,
        missing_policy=missing,
        share_basis=basis,
        world=xr.Dataset(
            {p: xr.DataArray(t, dims=(y,), coords={y: coords[y]}) for p, t in world_tot.items()}
        ),
        world_note=world_note,
        coverage=_coverage(values, world_tot, kind, countries, years, y),
        missing=missing_df,
        partial=cy((lacking > 0) & np.isfinite(comp), "partial"),
        complementary_below=float(complementary_below),
        pair_matrices=pair_matrices,
        dims=(c, s, y),
        options=opts,
    )
    if draws:
        res.sensitivity = sensitivity(res, draws=draws, seed=seed, spread=spread)
    if complexity is not None and complexity is not False:
        target = structure if complexity is True else complexity
        if target not in with_sectors:
            raise ValueError(
                f"complexity must name a quantity pillar with sectors ({with_sectors}), got "
                f"{complexity!r}"
            )
        _complexity_results(res, str(target), ti, top, opts)
    if blocs is not None:
        _bloc_results(res, as_blocs(blocs), w, ti, top, bw)
    return res


def _complexity_results(
    res: CooperationResult, p: str, ti: int, top: int, opts: Mapping[str, Any]
) -> None:
    """ECI per year, and the analysis year's opportunities and product space (see
    :func:`cooperation_model`'s ``complexity``)."""
    from sharecube.complexity import indices

    c, s, y = res.dims
    da = res.pillars[p]
    arr = np.asarray(da.values, dtype=np.float64)
    kw = {"skipna": opts["skipna"], "backend": opts["backend"]}
    eci = indices(arr, 0, 1, want=("eci",), **kw)["eci"]  # (C, T)
    rank = rank_desc(eci)
    coords = {c: da[c].values, y: da[y].values}
    res.complexity = xr.Dataset(
        {
            "eci": xr.DataArray(eci, dims=(c, y), coords=coords),
            "eci_rank": xr.DataArray(rank, dims=(c, y), coords=coords),
        }
    )
    cube = arr[:, :, ti]
    cx = indices(cube, 0, 1, want=("pci", "density", "cog", "proximity"), **kw)
    rca = np.asarray(_sc.rca(cube, 0, 1, **opts))
    sectors = list(da.indexes[s])
    countries = list(da.indexes[c])
    world = np.nansum(cube, axis=0)
    res.product_space = xr.Dataset(
        {
            "proximity": xr.DataArray(
                cx["proximity"], dims=(s, f"{s}_2"), coords={s: sectors, f"{s}_2": sectors}
            ),
            "pci": xr.DataArray(cx["pci"], dims=(s,), coords={s: sectors}),
            "world_share": xr.DataArray(world / np.nansum(world), dims=(s,), coords={s: sectors}),
        }
    )
    rows = []
    dens, cog, pci = cx["density"], cx["cog"], cx["pci"]
    for a, ca in enumerate(countries):
        cand = np.flatnonzero((rca[a] < 1) & np.isfinite(dens[a]))
        cand = cand[np.lexsort((cand, -np.nan_to_num(cog[a, cand]), -dens[a, cand]))][:top]
        for k in cand:
            spec = np.flatnonzero(np.nan_to_num(rca[:, k]) > 1)
            spec = spec[np.lexsort((spec, -rca[spec, k]))][:3]
            who = ", ".join(f"{countries[b]} (RCA {rca[b, k]:.2f})" for b in spec)
            reason = (
                f"relatedness density {dens[a, k]:.2f}, complexity gain {cog[a, k]:.2f}, "
                f"PCI {pci[k]:.2f}; {ca}'s RCA {rca[a, k]:.2f}"
                + (f"; specialised partners: {who}" if who else "")
            )
            rows.append(
                {
                    "country": ca,
                    "sector": sectors[k],
                    "rca": float(rca[a, k]),
                    "density": float(dens[a, k]),
                    "cog": float(cog[a, k]),
                    "pci": float(pci[k]),
                    "partners": ", ".join(str(countries[b]) for b in spec),
                    "reason": reason,
                }
            )
    res.opportunities = pd.DataFrame(
        rows, columns=["country", "sector", "rca", "density", "cog", "pci", "partners", "reason"]
    )


def _bloc_sums(v: np.ndarray, member: np.ndarray, opts: Mapping[str, Any]) -> np.ndarray:
    """(C, T) values and (T, C, B) membership -> (B, T) members' sums, year by year."""
    out = np.empty((member.shape[2], v.shape[1]))
    for t in range(v.shape[1]):
        out[:, t] = _sc.group_sums(v[:, t : t + 1], member[t], axis=0, **opts)[:, 0]
    return out


def _bloc_results(
    res: CooperationResult,
    blocs: Blocs,
    w: dict[str, float],
    ti: int,
    top: int,
    bloc_weights: Mapping[str, str],
) -> None:
    c, s, y = res.dims
    countries = [str(x) for x in res.composite[c].values]
    years = list(res.composite[y].values)
    res.absent_members = blocs.check(countries)
    member = blocs.membership(countries, years)  # (T, C, B)
    coords = {"bloc": blocs.names, y: res.composite[y].values}

    def by(a: np.ndarray, name: str) -> xr.DataArray:
        return xr.DataArray(a, dims=("bloc", y), coords=coords, name=name)

    names = res.names
    bshares: dict[str, np.ndarray] = {}
    bscores: dict[str, np.ndarray] = {}
    bvals: dict[str, np.ndarray] = {}
    counts: dict[str, np.ndarray] = {}
    for p in names:
        v = res.values[p].values
        present = ~np.isnan(v)
        count = np.einsum("tcb,ct->bt", member.astype(np.int64), present.astype(np.int64))
        counts[p] = count
        if res.kinds[p] == "quantity":
            sums = _bloc_sums(v, member, res.options)
            if res.share_basis[p] == "world":
                assert res.world is not None
                with np.errstate(all="ignore"):
                    sh = sums / res.world[p].values[None, :]
            else:  # a bloc's share sum of the countries in the data, as the kernels give it
                sh = (
                    _labeled_share_sums(res.values[p], c, blocs, time=y, **res.options)
                    .transpose("bloc", y)
                    .values
                )
            bshares[p] = np.where(count == 0, np.nan, sh)
            bvals[p] = np.where(count == 0, np.nan, sums)
        else:  # a score: the mean over the members present, weighted by a quantity if asked
            q = bloc_weights.get(p)
            wt = res.values[q].values if q else np.ones_like(v)
            ok = present & ~np.isnan(wt)
            num = _bloc_sums(np.where(ok, v * wt, 0.0), member, res.options)
            den = _bloc_sums(np.where(ok, wt, 0.0), member, res.options)
            with np.errstate(all="ignore"):
                bscores[p] = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
            bvals[p] = bscores[p]
    # the bloc composite: the blocs' pillar values normalised across blocs, as for countries
    geometric = res.aggregate == "geometric"
    bnorm = {
        p: _normalize(
            bvals[p], res.normalize, bshares.get(p), res.directions[p] == "lower", geometric
        )
        for p in names
    }
    comp, _ = _composite(bnorm, w, res.aggregate, res.missing_policy)
    res.blocs = blocs
    res.bloc_shares = xr.Dataset({p: by(a, p) for p, a in bshares.items()})
    res.bloc_scores = xr.Dataset({p: by(a, p) for p, a in bscores.items()})
    res.bloc_members = xr.Dataset({p: by(a, p) for p, a in counts.items()})
    res.bloc_composite = by(comp, "composite")
    res.bloc_ranks = xr.Dataset(
        {p: by(rank_desc(bnorm[p]), p) for p in names}
        | {"composite": by(rank_desc(comp), "composite")}
    )
    ranks_t = np.stack([res.bloc_ranks[p].values[:, ti] for p in names])
    rows = _pillar_strengths(names, blocs.names, ranks_t, "bloc")
    # sector strengths of a bloc: RCA of the members' summed values against the world
    for p, da in res.pillars.items():
        if s not in da.dims or res.kinds[p] != "quantity":
            continue
        x = np.nan_to_num(np.asarray(da.isel({y: ti}).values, dtype=np.float64))
        xb = _sc.group_sums(x, member[ti], axis=0, **res.options)  # (B, S), the members' sums
        world = x.sum(axis=0)
        with np.errstate(all="ignore"):
            rca = (xb / xb.sum(axis=1, keepdims=True)) / (world / world.sum())
        rows.extend(_sector_strengths(blocs.names, p, list(da.indexes[s]), rca, top, "bloc")[0])
    res.bloc_strengths = pd.DataFrame(
        rows, columns=["bloc", "kind", "pillar", "sector", "rank", "rca"]
    )


# --------------------------------------------------------------------------------------------
# kinds, world, coverage, missing data


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")


def _check_choice_map(
    given: Any,
    name: str,
    names: list[str],
    data: Mapping[str, xr.DataArray],
    attr: str,
    choices: tuple[str, ...],
) -> dict[str, str]:
    """Pillar -> one of ``choices``: given, else the DataArray's attribute, else the first."""
    if given is not None and not isinstance(given, Mapping):
        raise TypeError(f"{name} must be a dict of pillar name -> {' or '.join(choices)}")
    given = dict(given or {})
    unknown = [k for k in given if k not in names]
    if unknown:
        raise ValueError(f"{name} for unknown pillar(s) {unknown}; pillars: {names}")
    out = {}
    for p in names:
        v = given.get(p, data[p].attrs.get(attr, choices[0]))
        if v not in choices:
            raise ValueError(f"{name} of pillar {p!r} must be one of {choices}, got {v!r}")
        out[p] = str(v)
    return out


def _resolve_normalize(
    normalize: str, kind: Mapping[str, str], dirs: Mapping[str, str], aggregate: str
) -> str:
    scores = [p for p, k in kind.items() if k == "score"]
    lower = [p for p, d in dirs.items() if d == "lower"]
    if normalize == "auto":
        return "minmax" if scores or lower else "shares"
    if normalize == "shares" and scores:
        raise ValueError(
            f"normalize='shares' takes each country's share of the world, which is meaningless "
            f"for a score: pillar(s) {scores} are scores (kinds=); use normalize='minmax' or "
            "'zscore'"
        )
    if normalize == "shares" and lower:
        raise ValueError(
            f"normalize='shares' cannot reverse a pillar where lower is better ({lower}); "
            "use normalize='minmax' or 'zscore'"
        )
    if aggregate == "geometric" and normalize == "zscore":
        raise ValueError(
            "aggregate='geometric' needs positive normalised values and z-scores are not: use "
            "normalize='minmax' (mapped onto [1, 100]) or 'shares'"
        )
    return normalize


def _pull_world_rows(pillars: Any, world: Any, c: str) -> tuple[Any, Mapping[str, Any] | None, str]:
    """A world row (``world`` is its label) taken out of every pillar that has one."""
    if not isinstance(world, str) or not isinstance(pillars, Mapping):
        return pillars, world, ""
    rows: dict[str, Any] = {}
    out: dict[Any, Any] = {}
    for p, da in pillars.items():
        if (
            isinstance(da, xr.DataArray)
            and c in da.dims
            and c in da.coords
            and world in set(map(str, da.indexes[c]))
        ):
            rows[p] = da.sel({c: world})
            out[p] = da.drop_sel({c: world})
            if out[p].sizes[c] == 0:
                raise ValueError(f"pillar {p!r} has no countries besides the world row {world!r}")
        else:
            out[p] = da
    return out, rows, f"world totals from the {world!r} row" if rows else ""


def _world_totals(
    data: Mapping[str, xr.DataArray],
    world: Mapping[str, Any] | None,
    kind: Mapping[str, str],
    from_rows: bool,
    s: str,
    y: str,
) -> dict[str, np.ndarray]:
    """Pillar -> world total per year (of the data's years), for quantity pillars."""
    if world is None:
        return {}
    if not isinstance(world, Mapping):
        raise TypeError(
            f"world must be the label of a world row or a dict pillar -> DataArray over {y!r}"
        )
    years = list(next(iter(data.values())).indexes[y])
    totals: dict[str, np.ndarray] = {}
    for p, t in world.items():
        if p not in data:
            raise ValueError(f"world total for unknown pillar {p!r}; pillars: {list(data)}")
        if kind[p] != "quantity":
            if from_rows:
                continue  # a world row of a score (a world average, say): not a total
            raise ValueError(f"pillar {p!r} is a score: it has no world total to share")
        if not isinstance(t, xr.DataArray) or y not in t.dims or set(t.dims) - {y, s}:
            raise ValueError(
                f"world total of {p!r} must be an xarray.DataArray over {y!r} (and optionally "
                f"{s!r})"
            )
        if s in t.dims:
            t = t.sum(s, skipna=False)
        lacking = [v for v in years if v not in set(t.indexes[y])]
        if lacking:
            raise ValueError(f"world total of {p!r} lacks year(s) {lacking[:5]}")
        vals = np.asarray(t.sel({y: years}).values, dtype=np.float64)
        if not (np.isnan(vals) | (vals > 0)).all():
            raise ValueError(f"world total of {p!r} must be positive (or missing)")
        if not np.isnan(vals).all():
            totals[str(p)] = vals
    return totals


def _check_bloc_weights(bw: Any, kind: Mapping[str, str]) -> dict[str, str]:
    if bw is None:
        return {}
    if not isinstance(bw, Mapping):
        raise TypeError("bloc_weights must be a dict of score pillar -> quantity pillar")
    for p, q in bw.items():
        if kind.get(p) != "score":
            raise ValueError(f"bloc_weights: {p!r} is not a score pillar; quantities are summed")
        if kind.get(q) != "quantity":
            raise ValueError(f"bloc_weights: the weight of {p!r} must be a quantity pillar")
    return {str(k): str(v) for k, v in bw.items()}


def _coverage(
    values: Mapping[str, np.ndarray],
    world: Mapping[str, np.ndarray],
    kind: Mapping[str, str],
    countries: list[Any],
    years: list[Any],
    y: str,
) -> pd.DataFrame:
    """Per pillar and year: countries reporting, their total and its share of the world."""
    rows = []
    for p, v in values.items():
        ok = ~np.isnan(v)
        for t, yr in enumerate(years):
            total = math.fsum(v[ok[:, t], t]) if kind[p] == "quantity" else np.nan
            wt = world[p][t] if p in world else np.nan
            rows.append(
                {
                    "pillar": p,
                    y: yr,
                    "countries": len(countries),
                    "reporting": int(ok[:, t].sum()),
                    "total": total,
                    "world": wt,
                    "share_of_world": total / wt if p in world else np.nan,
                }
            )
    return pd.DataFrame(rows)


def _missing_table(
    data: Mapping[str, xr.DataArray],
    norm: Mapping[str, np.ndarray],
    w: Mapping[str, float],
    countries: list[Any],
    years: list[Any],
    missing: str,
    c: str,
    y: str,
) -> pd.DataFrame:
    """Countries lacking a weighted pillar, per year; warns (or raises) with the list."""
    used = [p for p in norm if w[p] > 0]
    lack = np.stack([np.isnan(norm[p]) for p in used])  # (P, C, T)
    rows = []
    treat = {"drop": "left out of the composite", "available": "composite of the other pillars"}
    for i, t in zip(*np.nonzero(lack.any(axis=0)), strict=True):
        if lack[:, i, t].all():
            continue  # no data at all that year: nothing to rank, not a gap between pillars
        rows.append(
            {
                c: countries[i],
                y: years[t],
                "missing": ", ".join(p for k, p in enumerate(used) if lack[k, i, t]),
                "treatment": treat.get(missing, ""),
            }
        )
    df = pd.DataFrame(rows, columns=[c, y, "missing", "treatment"])
    if len(df):
        who = list(dict.fromkeys(df[c]))
        parts = []
        for k in who[:8]:
            i = countries.index(k)
            gaps = [
                f"{p} {_years_text([years[t] for t in np.flatnonzero(lack[j, i])])}"
                for j, p in enumerate(used)
                if lack[j, i].any()
            ]
            parts.append(f"{k} ({'; '.join(gaps)})")
        more = f" and {len(who) - 8} more" if len(who) > 8 else ""
        n = "1 country lacks" if len(who) == 1 else f"{len(who)} countries lack"
        msg = f"{n} a pillar in some years: {', '.join(parts)}{more}"
        if missing == "fail":
            raise ValueError(msg + " (missing='fail'; choose missing='drop' or 'available')")
        warnings.warn(
            f"{msg}; {treat[missing]} (missing={missing!r}; the list: result.missing)",
            MissingPillarWarning,
            stacklevel=3,
        )
    return df


def _years_text(years: list[Any]) -> str:
    if len(years) > 2 and all(isinstance(v, (int, np.integer)) for v in years):
        ints = [int(v) for v in years]
        if ints == list(range(ints[0], ints[-1] + 1)):
            return f"{ints[0]}-{ints[-1]}"
    return ", ".join(map(str, years))


class MissingPillarWarning(UserWarning):
    """Countries lack a pillar: the composite leaves them out or re-scales the weights."""


# --------------------------------------------------------------------------------------------
# sensitivity


def sensitivity(
    res: CooperationResult, draws: int = 1000, seed: int = 0, spread: float = 0.5
) -> pd.DataFrame:
    """How each country's composite rank in the analysis year moves with the method's choices.

    Monte Carlo over the weights: ``draws`` draws of ``w_p * U(1 - spread, 1 + spread)``,
    re-scaled to sum to 1 (``numpy.random.default_rng(seed)``: the same seed, the same table);
    each country's median rank and its 5th and 95th percentiles (``rank_p05``, ``rank_p95``,
    the linear interpolation of :func:`numpy.quantile`). Then the rank with the user's weights
    under each other normalisation (``rank_minmax``, ``rank_zscore``, ``rank_shares`` where
    every pillar is a quantity where higher is better) and with the geometric mean
    (``rank_geometric``, min-max onto [1, 100]). Countries without a composite stay unranked.
    """
    c, _, y = res.dims
    names = res.names
    t = list(res.composite[y].values).index(res.year)
    vals = {p: res.values[p].values[:, t : t + 1] for p in names}
    shares = {p: res.shares[p].values[:, t : t + 1] for p in res.shares}
    lower = {p: res.directions.get(p) == "lower" for p in names}

    def norm_all(how: str, geometric: bool = False) -> dict[str, np.ndarray]:
        return {
            p: _normalize(vals[p], how, shares.get(p), lower[p], geometric)[:, 0] for p in names
        }

    rng = np.random.default_rng(seed)
    base = np.array([res.weights[p] for p in names])
    wd = base[None, :] * rng.uniform(1 - spread, 1 + spread, size=(draws, len(names)))
    wd /= wd.sum(axis=1, keepdims=True)
    normed = norm_all(res.normalize, res.aggregate == "geometric")
    # every draw at once: each pillar's values broadcast over the draws, one weight per draw
    comps, _ = _composite(
        {p: normed[p][:, None] for p in names},
        {p: wd[:, i] for i, p in enumerate(names)},
        res.aggregate,
        res.missing_policy,
    )  # (C, D)
    r = rank_desc(comps)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # countries never ranked stay NaN
        q = np.nanquantile(r, [0.05, 0.5, 0.95], axis=1)
    out = pd.DataFrame(
        {
            c: res.composite[c].values,
            "rank": res.ranks["composite"].values[:, t],
            "median_rank": q[1],
            "rank_p05": q[0],
            "rank_p95": q[2],
        }
    )
    choices = ["minmax", "zscore"]
    if all(k == "quantity" for k in res.kinds.values()) and not any(lower.values()):
        choices.insert(0, "shares")
    for how in choices:
        cmp_ = _composite(norm_all(how), res.weights, "arithmetic", res.missing_policy)[0]
        out[f"rank_{how}"] = rank_desc(cmp_[:, None])[:, 0]
    geo = _composite(norm_all("minmax", True), res.weights, "geometric", res.missing_policy)[0]
    out["rank_geometric"] = rank_desc(geo[:, None])[:, 0]
    out.attrs.update({"draws": draws, "seed": seed, "spread": spread, "year": res.year})
    return out.sort_values(["rank", c], na_position="last", kind="stable").reset_index(drop=True)
