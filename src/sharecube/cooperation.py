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
For pillar :math:`p` with values :math:`x_{p,c,s,t}` (country c, sector s, year t):

- aggregate :math:`v_{p,c,t} = \sum_s x_{p,c,s,t}` (NaN sectors skipped; NaN if all are NaN);
- world share :math:`\sigma_{p,c,t} = v_{p,c,t} / \sum_{c'} v_{p,c',t}`;
- normalised pillar :math:`n_{p,c,t}`: the share :math:`\sigma` (``normalize="shares"``), the
  min-max scaling :math:`(v - \min_c v) / (\max_c v - \min_c v)` (``"minmax"``), the z-score
  :math:`(v - \bar v) / \mathrm{sd}(v)` over countries, population sd (``"zscore"``), or
  :math:`v` itself (``"none"``, for pillars that are already scores), each per year;
- composite :math:`C_{c,t} = \sum_p w_p\, n_{p,c,t} / \sum_p w_p` with weights
  :math:`w_p \ge 0` (equal by default); NaN if any weighted pillar is NaN;
- rank: 1 for the largest value in each year, ties share the best rank ("min" method), NaN
  stays unranked; rank change over ``lag`` years: :math:`r_{t-lag} - r_t` (positive: the
  country moved up);
- strengths and weaknesses in the analysis year (default the last): the better and the worse
  half of its pillars by rank (the middle one left out when their number is odd), and per
  pillar with sectors the ``top`` sectors with the highest RCA above 1 (strengths) and the
  lowest RCA below 1 (weaknesses), RCA being Balassa's
  :math:`(x_{cs}/x_{c\cdot})/(x_{\cdot s}/x_{\cdot\cdot})`;
- partners of country A: each other country B gets up to three scores in [0, 1], averaged:
  *pillar cover* :math:`\mathrm{mean}_{p \in W_A} \max(0, r_{pA} - r_{pB})/(N - 1)` over A's
  weak pillars :math:`W_A` (N ranked countries); *sector cover*, the fraction of A's weak
  sectors where B's RCA exceeds 1; *complementarity* :math:`1 - FK_{AB}`, one minus the
  Finger-Kreinin similarity of their sector mixes in the structure pillar (the first pillar
  with sectors). The ``partners`` best-scoring countries are suggested, each with its reason;
- blocs: each pillar's bloc share sum :math:`\sum_{c \in b} \sigma_{p,c,t}` (membership year by
  year), the bloc composite :math:`\sum_p w_p \cdot` (bloc share) :math:`/ \sum_p w_p`, ranks
  among blocs and their strengths and weaknesses by pillar rank.
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

__all__ = ["PILLARS", "CooperationResult", "cooperation_model"]

#: The four pillars' conventional names (any other names work as well).
PILLARS = ("value_chain", "technology", "market", "policy")
Normalize = Literal["shares", "minmax", "zscore", "none"]
_NORMALIZE = ("shares", "minmax", "zscore", "none")


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
    dims: tuple[str, str, str] = ("country", "sector", "year")
    options: dict[str, Any] = field(default_factory=dict, repr=False)

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
        for p in self.values:
            df = pd.DataFrame(
                {
                    "value": self.values[p].to_series(),
                    "share": self.shares[p].to_series(),
                    "normalized": self.normalized[p].to_series(),
                    "rank": self.ranks[p].to_series(),
                    "rank_change": self.rank_change[p].to_series(),
                }
            ).reset_index()
            df.insert(0, "pillar", p)
            rows.append(df)
        frames = {
            "composite": comp.sort_values([y, "rank", c], kind="stable").reset_index(drop=True),
            "pillars": pd.concat(rows, ignore_index=True),
            "strengths": self.strengths,
            "partners": self.partners,
        }
        conc = [
            h.to_series().rename("hhi").reset_index().assign(pillar=p)
            for p, h in self.concentration.items()
        ]
        if conc:
            frames["concentration"] = pd.concat(conc, ignore_index=True)
        if self.bloc_shares is not None and self.bloc_ranks is not None:
            assert self.bloc_composite is not None and self.bloc_strengths is not None
            brows = [
                pd.DataFrame(
                    {
                        "share": self.bloc_shares[p].to_series(),
                        "rank": self.bloc_ranks[p].to_series(),
                    }
                )
                .reset_index()
                .assign(pillar=p)
                for p in self.bloc_shares
            ]
            brows.append(
                pd.DataFrame(
                    {
                        "share": self.bloc_composite.to_series(),
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
                if not a.equals(b):
                    if set(a) != set(b):
                        only_a = [v for v in a if v not in set(b)][:5]
                        only_b = [v for v in b if v not in set(a)][:5]
                        raise ValueError(
                            f"pillars {first[0]!r} and {name!r} have different {dim!r} labels: "
                            f"only in {first[0]!r}: {only_a}, only in {name!r}: {only_b}"
                        )
                    da = da.reindex({dim: a})  # same labels, other order: align (a copy)
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


def _aggregate(da: xr.DataArray, s: str, skipna: bool, backend: Any, threads: Any) -> np.ndarray:
    """Sum over sectors in one pass of the kernels; NaN where every sector is NaN."""
    if s not in da.dims:
        return np.asarray(da.values, dtype=np.float64)
    arr = d.as_input(da.data)
    tot = _sc.group_sums(
        arr, axis=1, skipna=skipna, dtype=np.float64, backend=backend, threads=threads
    )
    if arr.dtype.kind == "f":
        tot = np.where(np.isnan(arr).all(axis=1), np.nan, tot)
    return tot


def _normalize(v: np.ndarray, how: str, shares: np.ndarray) -> np.ndarray:
    # a year where every country is NaN stays NaN, without numpy's all-NaN warnings
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if how == "shares":
            return shares
        if how == "none":
            return v
        if how == "minmax":
            lo, hi = np.nanmin(v, axis=0), np.nanmax(v, axis=0)
            span = hi - lo
            return np.where(span > 0, (v - lo) / np.where(span > 0, span, 1.0), 0.0) + 0 * v
        mean = np.nanmean(v, axis=0)
        sd = np.nanstd(v, axis=0)
        return np.where(sd > 0, (v - mean) / np.where(sd > 0, sd, 1.0), 0.0) + 0 * v


def _composite(norm: dict[str, np.ndarray], w: dict[str, float]) -> np.ndarray:
    out = np.zeros_like(next(iter(norm.values())))
    for p, n in norm.items():
        if w[p] > 0:
            out = out + w[p] * n
    return out


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
    similarity: np.ndarray | None,
    n_partners: int,
) -> pd.DataFrame:
    """Suggested partners; see the module docstring for the scores."""
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
    if weak_sectors.shape[1]:
        cover = weak_sectors.astype(float) @ strong_sectors.T.astype(float)
        with np.errstate(all="ignore"):
            comps.append(np.where(nws[:, None] > 0, cover / nws[:, None], np.nan))
    if similarity is not None:
        comps.append(1.0 - similarity)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # pairs with no score stay NaN
        score = np.nanmean(np.stack(comps), axis=0)
    rows = []
    for a in range(n):
        sc = score[a].copy()
        sc[a] = np.nan
        cand = np.flatnonzero(np.isfinite(sc) & (sc > 0))
        cand = cand[np.lexsort((cand, -sc[cand]))][:n_partners]
        for b in cand:
            why = []
            for p in np.flatnonzero(weak_pillars[:, a]):
                if ranks[p, b] < ranks[p, a]:
                    why.append(
                        f"stronger in {names[p]} (rank {ranks[p, b]:.0f} vs {ranks[p, a]:.0f})"
                    )
            if weak_sectors.shape[1]:
                covered = [
                    sector_labels[k] for k in np.flatnonzero(weak_sectors[a] & strong_sectors[b])
                ]
                if covered:
                    items = ", ".join(
                        f"{sec}" + (f" ({p})" if len(names) > 1 else "") for p, sec in covered[:5]
                    )
                    why.append(f"RCA > 1 in {items}, where {countries[a]} is weak")
            if similarity is not None and np.isfinite(similarity[a, b]):
                why.append(f"complementary sector mix (similarity {similarity[a, b]:.2f})")
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
                    "reason": "; ".join(why) or "broadly stronger",
                }
            )
    cols = [
        "country",
        "partner",
        "score",
        "pillar_cover",
        "sector_cover",
        "complementarity",
        "reason",
    ]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------------------------


def cooperation_model(
    pillars: Mapping[str, xr.DataArray],
    *,
    weights: Mapping[str, float] | None = None,
    normalize: Normalize = "shares",
    blocs: Any = None,
    year: Any = None,
    lag: int = 1,
    top: int = 3,
    partners: int = 3,
    structure: str | None = None,
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
    normalize : {"shares", "minmax", "zscore", "none"}
        How pillars are made comparable before they are combined.
    blocs : optional
        Blocs for bloc results: a :class:`~sharecube.blocs.Blocs`, a dict, a table or built-in
        name(s). Membership years are honoured year by year.
    year : optional
        The analysis year for strengths, weaknesses and partners (default: the last).
    lag : int
        Years between the ranks compared in ``rank_change``.
    top, partners : int
        Sectors listed per strength/weakness kind and pillar; partners suggested per country.
    structure : str, optional
        The pillar whose sector mix gives the complementarity (default: the first with sectors).
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
    data = _check_pillars(pillars, c, s, y)
    names = list(data)
    w = _check_weights(weights, names)
    if normalize not in _NORMALIZE:
        raise ValueError(f"normalize must be one of {_NORMALIZE}, got {normalize!r}")
    for nm, num, low in (("top", top, 0), ("partners", partners, 0), ("lag", lag, 1)):
        if isinstance(num, bool) or not isinstance(num, (int, np.integer)) or num < low:
            kind = "positive" if low else "non-negative"
            raise ValueError(f"{nm} must be a {kind} int, got {num!r}")
    opts: dict[str, Any] = {"skipna": skipna, "backend": backend, "threads": threads}
    ref = data[names[0]]
    countries = list(ref.indexes[c])
    years = list(ref.indexes[y])
    if year is None:
        year = years[-1]
    if year not in years:
        raise ValueError(f"year {year!r} is not in the data's years {years[0]}..{years[-1]}")
    ti = years.index(year)
    with_sectors = [p for p in names if s in data[p].dims]
    if structure is None:
        structure = with_sectors[0] if with_sectors else None
    elif structure not in with_sectors:
        raise ValueError(f"structure must name a pillar with sectors: {with_sectors}")

    coords = {c: ref[c].values, y: ref[y].values}

    def cy(a: np.ndarray, name: str) -> xr.DataArray:
        return xr.DataArray(a, dims=(c, y), coords=coords, name=name)

    values: dict[str, np.ndarray] = {}
    share: dict[str, np.ndarray] = {}
    norm: dict[str, np.ndarray] = {}
    rank: dict[str, np.ndarray] = {}
    change: dict[str, np.ndarray] = {}
    for p in names:
        v = _aggregate(data[p], s, skipna, backend, threads)
        sh = _sc.shares(v, axis=0, **opts)
        values[p], share[p] = v, sh
        norm[p] = _normalize(v, normalize, sh)
        rank[p] = rank_desc(norm[p])
    comp = _composite(norm, w)
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
    rcas = {}
    sector_labels: list[tuple[str, Any]] = []
    weak_s, strong_s = [], []
    for p in with_sectors:
        da_t = data[p].isel({y: ti})
        r = np.asarray(_sc.rca(da_t.data, 0, 1, **opts))
        rcas[p] = r
        secs = list(data[p].indexes[s])
        srows, mask = _sector_strengths(countries, p, secs, r, top, "country")
        rows.extend(srows)
        weak_s.append(mask)
        strong_s.append(np.nan_to_num(r, nan=0.0) > 1)
        sector_labels.extend((p, sec) for sec in secs)
    strengths = pd.DataFrame(rows, columns=["country", "kind", "pillar", "sector", "rank", "rca"])
    sim = None
    if structure is not None:
        sim = np.asarray(
            _sc.similarity(data[structure].isel({y: ti}).data, 0, 1, **opts), dtype=np.float64
        )
    n_c = len(countries)
    partner_df = _partners(
        countries,
        names,
        ranks_t,
        weak_p,
        np.concatenate(weak_s, axis=1) if weak_s else np.zeros((n_c, 0), bool),
        np.concatenate(strong_s, axis=1) if strong_s else np.zeros((n_c, 0), bool),
        sector_labels,
        sim,
        partners,
    )

    conc = {p: data[p].sharecube.hhi(c, **opts) for p in with_sectors}
    # the concentration of each pillar's country totals across countries, per year
    conc_totals = {p: cy(values[p], p).sharecube.hhi(c, **opts) for p in names}
    for p in names:
        if p not in conc:
            conc[p] = conc_totals[p]

    res = CooperationResult(
        pillars=data,
        weights=w,
        normalize=normalize,
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
        dims=(c, s, y),
        options=opts,
    )
    if blocs is not None:
        _bloc_results(res, as_blocs(blocs), w, ti, top)
    return res


def _bloc_results(
    res: CooperationResult, blocs: Blocs, w: dict[str, float], ti: int, top: int
) -> None:
    c, s, y = res.dims
    countries = [str(x) for x in res.shares[next(iter(res.shares))][c].values]
    res.absent_members = blocs.check(countries)
    # bloc share sums from the raw aggregates: sum over members of v_c / sum_c' v_c'
    bshares = {
        str(p): _labeled_share_sums(res.values[p], c, blocs, time=y, **res.options).rename(p)
        for p in res.values
    }
    names = list(bshares)
    comp = sum(w[p] * bshares[p] for p in names)
    assert isinstance(comp, xr.DataArray)
    res.blocs = blocs
    res.bloc_shares = xr.Dataset(bshares)
    res.bloc_composite = comp.rename("composite")
    res.bloc_ranks = xr.Dataset(
        {p: bshares[p].copy(data=rank_desc(bshares[p].values)) for p in names}
        | {"composite": comp.copy(data=rank_desc(comp.values)).rename("composite")}
    )
    ranks_t = np.stack([res.bloc_ranks[p].values[:, ti] for p in names])
    rows = _pillar_strengths(names, blocs.names, ranks_t, "bloc")
    # sector strengths of a bloc: RCA of the members' summed values against the world
    yr = res.year
    member = blocs.membership(countries, [yr])[0]  # (C, B), the analysis year's members
    for p, da in res.pillars.items():
        if s not in da.dims:
            continue
        x = np.nan_to_num(np.asarray(da.sel({y: yr}).values, dtype=np.float64))
        xb = _sc.group_sums(x, member, axis=0, **res.options)  # (B, S), the members' sums
        world = x.sum(axis=0)
        with np.errstate(all="ignore"):
            rca = (xb / xb.sum(axis=1, keepdims=True)) / (world / world.sum())
        rows.extend(_sector_strengths(blocs.names, p, list(da.indexes[s]), rca, top, "bloc")[0])
    res.bloc_strengths = pd.DataFrame(
        rows, columns=["bloc", "kind", "pillar", "sector", "rank", "rca"]
    )
