"""The report: an HTML page (self-contained, charts embedded) and a Markdown version.

:func:`write_report` takes a :class:`~sharecube.cooperation.CooperationResult` and writes into a
folder: ``report.html``, ``report.md``, the charts as PNG files (``charts/``) and the result
tables (``tables/*.csv`` and ``*.parquet`` when pyarrow is installed). The caller decides where
the folder lives; the command line builds it under a temporary name and renames it when whole.
Needs matplotlib (``pip install "sharecube[report]"``).
"""

from __future__ import annotations

import base64
import html
import io
import math
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

import sharecube as sc
from sharecube._io import csv_safe
from sharecube.blocs import country_names
from sharecube.cooperation import CooperationResult

__all__ = ["ReportInfo", "write_report"]

_PALETTE = [
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
]


@dataclass
class ReportInfo:
    """What the report says about the data and how it was made.

    ``title``: default a neutral one naming the pillars; ``inputs``: the input files by name
    (never a local path); ``command``: the command line that made the report.
    """

    title: str | None = None
    sources: Mapping[str, str] | None = None
    units: Mapping[str, str] | None = None
    note: str = ""
    inputs: Sequence[str] = ()
    command: str = ""


def default_title(res: CooperationResult) -> str:
    """A title that claims nothing about the data: its pillars and years."""
    _, _, y = res.dims
    years = list(res.composite[y].values)
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else f"{years[0]}"
    return f"Country standing by {', '.join(p.replace('_', ' ') for p in res.names)}, {span}"


def _name(code: Any) -> str:
    return country_names().get(str(code), str(code))


#: charts are drawn at twice the pixels they are shown with (sharp on high-density screens)
_DPI, _SHOW_DPI = 220, 110


def _fig(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=_DPI, layout="constrained")
    return fig


def _suptitle(fig: Any, text: str) -> None:
    """A figure title wrapped to the figure's width, never clipped."""
    import textwrap

    chars = max(30, int(fig.get_figwidth() * 13))
    fig.suptitle("\n".join(textwrap.wrap(text, chars)), fontsize=11)


def _dress(ax: Any, pillar: Any, ylabel: str) -> None:
    """A pillar's panel: its title, axis label, grid and a legend beside the lines."""
    ax.set_title(str(pillar).replace("_", " "), fontsize=10)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    _year_ticks(ax)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))


def _year_ticks(ax: Any) -> None:
    """Whole years on the x axis, never 1997.5."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _hide_unused(axes: Any, used: int) -> None:
    for ax in axes[used:]:
        ax.set_visible(False)


def _save(fig: Any, path: Path) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI)
    data = buf.getvalue()
    path.write_bytes(data)
    return data


def _grid(n: int) -> tuple[int, int]:
    cols = min(n, 2)
    return math.ceil(n / cols), cols


def share_label(res: CooperationResult, p: str) -> str:
    """What a quantity pillar's shares are of, in words."""
    c = res.dims[0]
    if res.share_basis.get(p) == "world":
        return "share of the world"
    return f"share of the {res.composite.sizes[c]} countries in the data"


def _pillar_axis(res: CooperationResult, p: str) -> tuple[xr.DataArray, float, str]:
    """The series a pillar's charts show: shares (%) for a quantity, the score for a score."""
    if res.kinds.get(p, "quantity") == "quantity":
        return res.shares[p], 100.0, share_label(res, p) + ", %"
    return (
        res.values[p],
        1.0,
        "score"
        + (f" ({res.pillars[p].attrs['units']})" if "units" in res.pillars[p].attrs else ""),
    )


def _order_best(res: CooperationResult, p: str, t: Any) -> np.ndarray:
    """Country positions by rank in pillar ``p`` and year ``t``, best first, unranked out."""
    _, _, y = res.dims
    r = res.ranks[p].sel({y: t}).values
    ok = np.flatnonzero(~np.isnan(r))
    return ok[np.lexsort((ok, r[ok]))]


def chart_top_countries(res: CooperationResult, path: Path, top: int = 6) -> bytes:
    c, _, y = res.dims
    pillars = res.names
    rows, cols = _grid(len(pillars))
    fig = _fig(max(6.5, 5.2 * cols), 3.3 * rows + 0.5)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    years = res.composite[y].values
    for ax, p in zip(axes, pillars, strict=False):
        series, scale, label = _pillar_axis(res, p)
        for k, i in enumerate(_order_best(res, p, years[-1])[:top]):
            ax.plot(
                years,
                series.isel({c: i}).values * scale,
                marker="o",
                ms=3,
                color=_PALETTE[k % 10],
                label=str(series[c].values[i]),
            )
        _dress(ax, p, label)
    _hide_unused(axes, len(pillars))
    _suptitle(fig, f"Leading countries by pillar (top {top} in {years[-1]})")
    return _save(fig, path)


def chart_bloc_shares(res: CooperationResult, path: Path) -> bytes | None:
    if res.bloc_composite is None:
        return None
    _, _, y = res.dims
    panels: list[tuple[str, xr.DataArray, float, str]] = []
    for p in res.names:
        if res.bloc_shares is not None and p in res.bloc_shares:
            panels.append((p, res.bloc_shares[p], 100.0, "bloc " + share_label(res, p) + ", %"))
        elif res.bloc_scores is not None and p in res.bloc_scores:
            panels.append((p, res.bloc_scores[p], 1.0, "members' mean score"))
    rows, cols = _grid(len(panels))
    fig = _fig(max(6.5, 5.2 * cols), 3.3 * rows + 0.5)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, (p, da, scale, label) in zip(axes, panels, strict=False):
        for k, b in enumerate(da["bloc"].values):
            ax.plot(
                da[y].values,
                da.sel(bloc=b).values * scale,
                marker="o",
                ms=3,
                color=_PALETTE[k % 10],
                label=str(b),
            )
        _dress(ax, p, label)
    _hide_unused(axes, len(panels))
    _suptitle(fig, "Blocs over time (membership year by year; no line before a bloc existed)")
    return _save(fig, path)


def chart_rank_heatmap(res: CooperationResult, path: Path, limit: int = 30) -> bytes:
    c, _, y = res.dims
    comp_rank = res.ranks["composite"].sel({y: res.year})
    order = np.argsort(np.nan_to_num(comp_rank.values, nan=np.inf), kind="stable")[:limit]
    cols = [*res.names, "composite"]
    mat = np.stack([res.ranks[p].sel({y: res.year}).values[order] for p in cols], axis=1)
    labels = [str(v) for v in res.ranks["composite"][c].values[order]]
    fig = _fig(1.2 * len(cols) + 3.0, 0.26 * len(order) + 1.8)
    ax = fig.subplots()
    im = ax.imshow(
        mat,
        aspect="auto",
        cmap="RdYlGn_r",
        vmin=1,
        vmax=max(2, np.fmax.reduce(res.ranks["composite"].values, axis=None, initial=2)),
    )
    ax.set_xticks(range(len(cols)), [p.replace("_", " ") for p in cols], fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    for i in range(mat.shape[0]):
        for j in range(mat.shape[1]):
            if np.isfinite(mat[i, j]):
                ax.text(j, i, f"{mat[i, j]:.0f}", ha="center", va="center", fontsize=6.5)
    fig.colorbar(im, ax=ax, label="rank (1 = first)", shrink=0.6)
    ax.set_title(f"Ranks by pillar, {res.year} (top {len(order)} by composite)", fontsize=10)
    return _save(fig, path)


def chart_sensitivity(res: CooperationResult, path: Path, limit: int = 30) -> bytes | None:
    """Each country's rank with the user's weights and its 5-95% range under perturbed ones."""
    sens = res.sensitivity
    if sens is None or not len(sens):
        return None
    c = res.dims[0]
    tab = sens[sens["rank"].notna()].head(limit)
    fig = _fig(7.0, 0.24 * len(tab) + 1.6)
    ax = fig.subplots()
    pos = np.arange(len(tab))
    ax.hlines(pos, tab["rank_p05"], tab["rank_p95"], color="#9db4cf", lw=5, label="5–95% range")
    ax.plot(tab["median_rank"], pos, "o", color="#1d3557", ms=4, label="median")
    ax.plot(tab["rank"], pos, "x", color="#d62728", ms=5, label="your weights")
    ax.set_yticks(pos, [str(v) for v in tab[c]], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("composite rank (1 = first)")
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    a = sens.attrs
    _suptitle(
        fig,
        f"Rank uncertainty, {res.year}: {a.get('draws')} draws of weights ×U(1±{a.get('spread')})",
    )
    return _save(fig, path)


def _pair_countries(res: CooperationResult, limit: int) -> list[str]:
    """The leading countries by composite rank that the bilateral data have."""
    y = res.dims[2]
    m = res.pair_matrices["trade_intensity"]
    have = set(map(str, m["exporter"].values))
    ranks = res.ranks["composite"].sel({y: res.year}).to_series()
    order = ranks.sort_values(kind="stable", na_position="last").index
    return [str(v) for v in order if str(v) in have][:limit]


def chart_pairs(res: CooperationResult, path: Path, limit: int = 15) -> bytes | None:
    """Trade intensity among the leading countries (log scale: 1 is neutral)."""
    if not res.pair_matrices:
        return None
    from matplotlib.colors import LogNorm

    codes = _pair_countries(res, limit)
    m = res.pair_matrices["trade_intensity"].sel(exporter=codes, importer=codes).values
    fig = _fig(0.42 * len(codes) + 3.2, 0.38 * len(codes) + 1.8)
    ax = fig.subplots()
    pos = m[np.isfinite(m) & (m > 0)]
    span = max(2.0, float(np.nanmax(np.abs(np.log10(pos))) if pos.size else 1.0))
    im = ax.imshow(
        np.where(m > 0, m, np.nan),
        cmap="RdBu_r",
        norm=LogNorm(vmin=10 ** -min(span, 2), vmax=10 ** min(span, 2)),
    )
    ax.set_xticks(range(len(codes)), codes, fontsize=7, rotation=90)
    ax.set_yticks(range(len(codes)), codes, fontsize=7)
    ax.set_xlabel("importer")
    ax.set_ylabel("exporter")
    for i in range(len(codes)):
        for j in range(len(codes)):
            if np.isfinite(m[i, j]):
                ax.text(j, i, f"{m[i, j]:.1f}", ha="center", va="center", fontsize=5.5)
    fig.colorbar(im, ax=ax, label="trade intensity (1: as world shares suggest)", shrink=0.7)
    ax.set_title(f"Trade intensity among the leading countries, {res.year}", fontsize=10)
    return _save(fig, path)


def pairs_table(res: CooperationResult, top: int = 15) -> pd.DataFrame:
    """Under-traded complementary pairs: trade intensity below 1, highest complementarity
    first (among the model's countries that the bilateral data have)."""
    if not res.pair_matrices:
        return pd.DataFrame()
    c = res.dims[0]
    have = set(map(str, res.pair_matrices["trade_intensity"]["exporter"].values))
    codes = [str(v) for v in res.composite[c].values if str(v) in have]
    tab = pd.DataFrame(
        {
            name: res.pair_matrices[key].sel(exporter=codes, importer=codes).to_series()
            for name, key in (
                ("complementarity (TCI)", "complementarity"),
                ("trade intensity (TII)", "trade_intensity"),
                ("intra-industry (GL)", "intra_industry"),
            )
        }
    ).reset_index()
    tab = tab[(tab["exporter"] != tab["importer"]) & (tab["trade intensity (TII)"] < 1)]
    tab = tab.sort_values(
        ["complementarity (TCI)", "exporter", "importer"], ascending=[False, True, True]
    )
    return tab.head(top).reset_index(drop=True)


#: the product space is drawn up to this many sectors (beyond, it does not read well)
MAX_PRODUCTS = 400


def chart_product_space(res: CooperationResult, path: Path) -> bytes | None:
    """The analysis year's product space: sectors placed by classical scaling of
    ``1 - proximity``, joined by the maximum spanning tree of the proximities (as the Atlas of
    Economic Complexity draws its backbone) plus the strongest other links; colour PCI, size
    the sector's share of world output."""
    ps = res.product_space
    if ps is None or not 3 <= ps.sizes[res.dims[1]] <= MAX_PRODUCTS:
        return None
    phi = np.nan_to_num(np.asarray(ps["proximity"].values, dtype=float))
    phi = (phi + phi.T) / 2
    n = phi.shape[0]
    dist = 1.0 - phi
    np.fill_diagonal(dist, 0.0)
    j = np.eye(n) - 1.0 / n  # classical scaling: the two leading eigenvectors of -J D^2 J / 2
    w, v = np.linalg.eigh(-j @ (dist**2) @ j / 2)
    xy = v[:, -2:] * np.sqrt(np.maximum(w[-2:], 0.0))
    edges = _spanning_tree(phi)
    strong = np.argwhere(np.triu(phi, 1) >= np.quantile(phi[np.triu_indices(n, 1)], 0.98))
    fig = _fig(7.0, 5.6)
    ax = fig.subplots()
    for a, b in {*edges, *map(tuple, strong)}:
        ax.plot(xy[[a, b], 0], xy[[a, b], 1], color="#b8c2cc", lw=0.6, zorder=1)
    share = np.nan_to_num(ps["world_share"].values)
    sc_ = ax.scatter(
        xy[:, 0],
        xy[:, 1],
        c=ps["pci"].values,
        s=20 + 600 * share / max(float(share.max()), 1e-12),
        cmap="viridis",
        edgecolors="white",
        linewidths=0.5,
        zorder=2,
    )
    if n <= 40:
        for k, lab in enumerate(ps[res.dims[1]].values):
            ax.annotate(str(lab), xy[k], fontsize=6, xytext=(3, 3), textcoords="offset points")
    ax.set_xticks([])
    ax.set_yticks([])
    fig.colorbar(sc_, ax=ax, label="product complexity (PCI)", shrink=0.7)
    ax.set_title(f"Product space, {res.year} ({n} sectors; size: share of world)", fontsize=10)
    return _save(fig, path)


def _spanning_tree(phi: np.ndarray) -> list[tuple[int, int]]:
    """The maximum spanning tree of a proximity matrix (Prim's algorithm, O(n^2))."""
    n = phi.shape[0]
    inside = np.zeros(n, dtype=bool)
    inside[0] = True
    best = phi[0].copy()
    parent = np.zeros(n, dtype=int)
    edges = []
    for _ in range(n - 1):
        k = int(np.argmax(np.where(inside, -np.inf, best)))
        edges.append((int(parent[k]), k))
        inside[k] = True
        closer = phi[k] > best
        parent[closer] = k
        best = np.maximum(best, phi[k])
    return edges


def complexity_table(res: CooperationResult, top: int = 20) -> pd.DataFrame:
    """Countries by ECI rank in the analysis year, with the change since the first year."""
    if res.complexity is None:
        return pd.DataFrame()
    c, _, y = res.dims
    years = list(res.complexity[y].values)
    cx = res.complexity
    df = pd.DataFrame(
        {
            "rank": cx["eci_rank"].sel({y: res.year}).values,
            "country": cx[c].values,
            "name": [_name(v) for v in cx[c].values],
            "ECI": cx["eci"].sel({y: res.year}).values,
            f"since {years[0]}": cx["eci_rank"].sel({y: years[0]}).values
            - cx["eci_rank"].sel({y: res.year}).values,
        }
    )
    df = df.sort_values(["rank", "country"], na_position="last").reset_index(drop=True)
    return df.head(top)


def _lag_text(lag: int) -> str:
    return "the previous year" if lag == 1 else f"the previous {lag} years"


#: below this many reporting countries a concentration index says little: not drawn
MIN_REPORTING = 5


def concentration_table(res: CooperationResult) -> pd.DataFrame:
    """HHI across countries of each quantity pillar's country totals, per year (as the model
    computed it), with the number of countries reporting."""
    _, _, y = res.dims
    tab = pd.DataFrame({p: res.concentration_totals[p].to_series() for p in res.shares})
    if res.coverage is not None:
        for p in res.shares:
            cov = res.coverage[res.coverage["pillar"] == p].set_index(y)["reporting"]
            tab[f"{p} reporting"] = cov.reindex(tab.index).to_numpy()
    return tab


def concentration_series(res: CooperationResult) -> pd.DataFrame:
    """What the concentration chart draws: the HHI where at least ``MIN_REPORTING`` countries
    report (with one or two reporting, an HHI near 1 says nothing about the world)."""
    tab = concentration_table(res)
    out = pd.DataFrame(index=tab.index)
    for p in res.shares:
        hhi = tab[p].to_numpy(dtype=float)
        if f"{p} reporting" in tab:
            hhi = np.where(tab[f"{p} reporting"].to_numpy() >= MIN_REPORTING, hhi, np.nan)
        out[p] = hhi
    return out


def chart_concentration(res: CooperationResult, path: Path) -> bytes | None:
    tab = concentration_series(res)
    pillars = list(tab.columns)
    if not pillars:
        return None
    fig = _fig(7.0, 3.4)
    ax = fig.subplots()
    for k, p in enumerate(pillars):
        hhi = tab[p].to_numpy(dtype=float)
        ax.plot(
            tab.index,
            hhi,
            marker="o",
            ms=3,
            color=_PALETTE[k % 10],
            label=str(p).replace("_", " "),
        )
    ax.set_ylabel("HHI across countries")
    ax.set_title(
        f"Concentration of the pillar totals among the countries reporting (1 = one country; "
        f"years with fewer than {MIN_REPORTING} reporting left out)",
        fontsize=9,
        wrap=True,
    )
    ax.grid(alpha=0.3)
    _year_ticks(ax)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _save(fig, path)


# ---- tables -------------------------------------------------------------------------------


def ranking_table(res: CooperationResult) -> pd.DataFrame:
    c, _, y = res.dims
    t = res.year
    years = list(res.composite[y].values)
    first = years[0]
    df = pd.DataFrame(
        {
            "rank": res.ranks["composite"].sel({y: t}).values,
            "country": res.composite[c].values,
            "name": [_name(v) for v in res.composite[c].values],
            "composite": res.composite.sel({y: t}).values,
            "change": res.rank_change["composite"].sel({y: t}).values,
            f"since {first}": res.ranks["composite"].sel({y: first}).values
            - res.ranks["composite"].sel({y: t}).values,
        }
    )
    for p in res.names:
        df[f"{p} rank"] = res.ranks[p].sel({y: t}).values
    return df.sort_values(["rank", "country"], na_position="last").reset_index(drop=True)


def profile_table(res: CooperationResult) -> pd.DataFrame:
    """One row per country: strengths, weaknesses, partners with reasons."""
    c = res.dims[0]
    s = res.strengths

    def items(df: pd.DataFrame) -> str:
        out = []
        for r in df.itertuples(index=False):
            if isinstance(r.sector, str) or (r.sector is not None and not pd.isna(r.sector)):
                out.append(f"{r.sector} ({r.pillar}, RCA {r.rca:.3f})")
            else:
                out.append(f"{r.pillar} (rank {r.rank:.0f})")
        return "; ".join(out)

    rows = []
    for code in res.composite[c].values:
        mine = s[s["country"] == code]
        ps = res.partners[res.partners["country"] == code]
        rows.append(
            {
                "country": code,
                "name": _name(code),
                "strengths": items(mine[mine["kind"] == "strength"]),
                "weaknesses": items(mine[mine["kind"] == "weakness"]),
                "partners": "; ".join(
                    f"{r.partner} ({r.score:.2f}: {r.reason})" for r in ps.itertuples(index=False)
                ),
            }
        )
    return pd.DataFrame(rows)


def leaders_table(res: CooperationResult, top: int = 5) -> pd.DataFrame:
    """Each pillar's best-ranked countries in the first and last year, with their share (a
    quantity) or score (a score)."""
    c, _, y = res.dims
    years = list(res.composite[y].values)
    rows = []
    for p in res.names:
        quantity = res.kinds.get(p, "quantity") == "quantity"
        series = res.shares[p] if quantity else res.values[p]
        for t in (years[0], years[-1]):
            v = series.sel({y: t}).values
            order = _order_best(res, p, t)[:top]  # unranked (no data): never listed
            rows.append(
                {
                    "pillar": p,
                    "year": t,
                    "measure": share_label(res, p) if quantity else "score",
                    "leaders": ", ".join(
                        f"{series[c].values[i]} "
                        + (f"{v[i] * 100:.1f}%" if quantity else f"{v[i]:.3g}")
                        for i in order
                    ),
                }
            )
    return pd.DataFrame(rows)


def coverage_table(res: CooperationResult) -> pd.DataFrame:
    """Per pillar and year: countries reporting and, with a world total, the share it covers."""
    if res.coverage is None:
        return pd.DataFrame()
    cov = res.coverage.copy()
    cov["covers, % of world"] = (cov["share_of_world"] * 100).round(1)
    return cov.drop(columns=["share_of_world"])


# ---- writers -------------------------------------------------------------------------------


def _count(n: int, noun: str) -> str:
    """``1 pillar``, ``2 pillars``, ``1 country``, ``2 countries``."""
    if n == 1:
        return f"{n} {noun}"
    return f"{n} {noun[:-1]}ies" if noun.endswith("y") else f"{n} {noun}s"


def _fmt(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        if np.isnan(v):
            return "–"
        if float(v).is_integer() and abs(v) < 1e6:
            return f"{v:.0f}"
        return f"{v:.4f}" if abs(v) < 100 else f"{v:,.0f}"
    return str(v)


def _fmt_change(v: Any) -> str:
    if isinstance(v, (float, np.floating)) and not np.isnan(v):
        return "=" if v == 0 else f"{'▲' if v > 0 else '▼'}{abs(v):.0f}"
    return "–"


def _html_table(df: pd.DataFrame, changes: Sequence[str] = ()) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.itertuples(index=False):
        cells = []
        for col, v in zip(df.columns, row, strict=True):
            if col in changes:
                txt = _fmt_change(v)
                cls = (
                    " class='up'"
                    if txt.startswith("▲")
                    else (" class='down'" if txt.startswith("▼") else "")
                )
                cells.append(f"<td{cls}>{txt}</td>")
            else:
                num = isinstance(v, (int, float, np.number))
                cells.append(f"<td{' class=num' if num else ''}>{html.escape(_fmt(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _md_text(s: str) -> str:
    """Text for Markdown: HTML in labels is shown, not run (Markdown viewers pass HTML through)."""
    return html.escape(s, quote=False).replace("|", "\\|").replace("\n", " ")


def _md_table(df: pd.DataFrame, changes: Sequence[str] = ()) -> str:
    esc = _md_text

    lines = [
        "| " + " | ".join(esc(str(c)) for c in df.columns) + " |",
        "| " + " | ".join("---" for _ in df.columns) + " |",
    ]
    for row in df.itertuples(index=False):
        lines.append(
            "| "
            + " | ".join(
                esc(_fmt_change(v) if col in changes else _fmt(v))
                for col, v in zip(df.columns, row, strict=True)
            )
            + " |"
        )
    return "\n".join(lines)


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;
margin:0;color:#1d2330;background:#f6f7f9;line-height:1.45}
main{max-width:1180px;margin:0 auto;padding:24px 28px 60px}
header{background:#1d3557;color:#fff;padding:28px 28px 22px}
header h1{margin:0 0 6px;font-size:26px}header p{margin:0;opacity:.85}
h2{margin-top:38px;border-bottom:2px solid #1d3557;padding-bottom:4px;font-size:20px}
h3{font-size:16px;margin-bottom:6px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:18px 0}
.card{background:#fff;border-radius:8px;padding:12px 16px;box-shadow:0 1px 3px rgba(0,0,0,.1);
min-width:150px}.card b{display:block;font-size:22px;color:#1d3557}
table{border-collapse:collapse;background:#fff;font-size:13px;width:100%;margin:8px 0 16px;
box-shadow:0 1px 3px rgba(0,0,0,.08)}
th{background:#e9edf3;text-align:left;padding:6px 8px;position:sticky;top:0}
td{padding:5px 8px;border-top:1px solid #eceff3;vertical-align:top}td.num{text-align:right}
td.up{color:#1a7f37;font-weight:600}td.down{color:#c62828;font-weight:600}
figure{background:#fff;margin:12px 0;padding:10px;border-radius:8px;
box-shadow:0 1px 3px rgba(0,0,0,.1)}figure img{max-width:100%;height:auto}
figcaption{font-size:12px;color:#555}
.scroll{max-height:520px;overflow:auto}
code,.formula{font-family:'DejaVu Sans Mono',monospace;font-size:12.5px}
.formula{background:#fff;padding:8px 12px;border-left:3px solid #457b9d;margin:6px 0}
"""


def _method_lines(res: CooperationResult) -> list[tuple[str, str]]:
    w = ", ".join(f"{p} {v:.3g}" for p, v in res.weights.items())
    geo = res.aggregate == "geometric"
    norm = {
        "shares": "n = the country's share (see Shares)",
        "minmax": "n = (v − min v) / (max v − min v) over countries, per year"
        + (", mapped onto [1, 100] for the geometric mean" if geo else ""),
        "zscore": "n = (v − mean v) / sd(v) over countries, per year",
        "none": "n = v (the pillar's own values)",
    }[res.normalize]
    kinds = "; ".join(
        f"{p}: {k}" + (", lower is better" if res.directions.get(p) == "lower" else "")
        for p, k in res.kinds.items()
    )
    bases = "; ".join(
        f"{p}: {share_label(res, p)}" + (f" ({res.world_note})" if b == "world" else "")
        for p, b in res.share_basis.items()
    )
    composite = (
        f"C[c,t] = Π_p n[p,c,t]^w_p (weighted geometric mean), weights: {w}"
        if geo
        else f"C[c,t] = Σ_p w_p · n[p,c,t] / Σ_p w_p, weights: {w}"
    )
    missing = {
        "drop": "a country lacking a weighted pillar in a year has no composite that year "
        "(listed under Coverage and missing data)",
        "available": "a country lacking a pillar gets the composite of the pillars it has, "
        "their weights re-scaled to sum to 1 (flagged)",
        "fail": "every country has every pillar (missing data would have stopped the run)",
    }[res.missing_policy]
    sens = res.sensitivity.attrs if res.sensitivity is not None else {}
    lines = [
        ("Kinds", kinds or "all quantities"),
        (
            "Pillar value",
            "quantity: v[p,c,t] = Σ_s x[p,c,s,t]; score: the mean over its components "
            "(missing ones skipped)",
        ),
        ("Shares (quantities only)", "σ[p,c,t] = v[p,c,t] / total; " + (bases or "none")),
        (f"Normalisation ({res.normalize})", norm + "; lower-is-better pillars reversed"),
        ("Composite", composite),
        ("Missing pillars", missing),
        (
            "Rank",
            "1 = best in the year; ties share the best rank; change = r[t−1] − r[t] "
            "(positive: moved up)",
        ),
        (
            "RCA (Balassa, quantities with sectors)",
            "RCA[c,s] = (x[c,s] / x[c,·]) / (x[·,s] / x[·,·]); > 1: specialised",
        ),
        (
            "Strengths, weaknesses",
            "better/worse half of the pillars by rank; sectors with the "
            "highest RCA above 1 / lowest below 1",
        ),
        (
            "Partner score and reasons",
            "mean of: pillar cover (how far the partner ranks above in the "
            "country's weak pillars, / (N − 1)), sector cover (share of the "
            "country's weak sectors where the partner has RCA > 1) and "
            "complementarity 1 − FK similarity of sector mixes; a partner is listed only when "
            "a reason holds, and a mix is called complementary only when FK < "
            f"{res.complementary_below:g}",
        ),
        (
            "Blocs",
            "quantity: Σ_{c ∈ bloc(t)} v / total (membership year by year); score: the mean "
            "over the members reporting; no value before a bloc had a member in the data; "
            "bloc composite: the bloc values normalised across blocs as above",
        ),
        ("HHI (quantities)", "Σ_c σ[c]² among the countries reporting (1: one country)"),
    ]
    if sens:
        lines.append(
            (
                "Sensitivity",
                f"{sens['draws']} draws of weights w_p · U(1 − {sens['spread']}, "
                f"1 + {sens['spread']}), re-scaled, seed {sens['seed']}: median rank and "
                "5th–95th percentiles; ranks with each other normalisation and with the "
                "geometric mean (min-max onto [1, 100])",
            )
        )
    return lines


#: one line per result table, for the report's list of tables
TABLES = {
    "composite": "composite index, rank and rank change per country and year",
    "pillars": "each pillar's value, share (quantities), normalised value, rank, change",
    "coverage": "countries reporting and world coverage per pillar and year",
    "missing": "countries lacking a pillar, per year, and what the composite did",
    "sensitivity": "ranks under perturbed weights, other normalisations, geometric mean",
    "strengths": "strengths and weaknesses: pillars by rank, sectors by RCA",
    "partners": "suggested partners with scores and reasons",
    "concentration": "HHI per pillar (and sector) and year",
    "concentration_totals": "HHI of the pillar totals, with countries reporting",
    "blocs": "bloc shares (quantities), mean scores, members reporting, ranks",
    "bloc_strengths": "bloc strengths and weaknesses",
    "pairs": "complementarity, trade intensity and intra-industry trade of every pair",
    "complexity": "economic complexity index (ECI) and its rank per country and year",
    "opportunities": "related sectors not yet specialised in, with complexity gain and partners",
}


def write_report(
    res: CooperationResult,
    folder: str | Path,
    info: ReportInfo | None = None,
    formats: Sequence[str] = ("html", "md"),
    progress: Any = None,
) -> list[Path]:
    """Write the report and the result tables into ``folder`` (which must exist)."""
    import matplotlib

    matplotlib.use("Agg", force=False)

    info = info or ReportInfo()
    title = info.title or default_title(res)
    out = Path(folder)
    charts = out / "charts"
    tables = out / "tables"
    charts.mkdir()
    tables.mkdir()
    step = progress or (lambda _msg: None)
    written: list[Path] = []

    step("charts")
    pngs: dict[str, bytes] = {}
    for key, chart in (
        ("top_countries", chart_top_countries),
        ("bloc_shares", chart_bloc_shares),
        ("rank_heatmap", chart_rank_heatmap),
        ("sensitivity", chart_sensitivity),
        ("concentration", chart_concentration),
        ("pairs", chart_pairs),
        ("product_space", chart_product_space),
    ):
        png = chart(res, charts / f"{key}.png")
        if png is not None:
            pngs[key] = png
            written.append(charts / f"{key}.png")

    step("tables")
    frames = res.to_frames()
    frames["concentration_totals"] = concentration_table(res).reset_index()
    try:
        import pyarrow  # noqa: F401

        parquet = True
    except ImportError:
        parquet = False
    for name, df in frames.items():
        csv_safe(df).to_csv(tables / f"{name}.csv", index=False, lineterminator="\n")
        written.append(tables / f"{name}.csv")
        if parquet:
            df.to_parquet(tables / f"{name}.parquet", index=False)
            written.append(tables / f"{name}.parquet")

    step("report")
    c, _, y = res.dims
    years = list(res.composite[y].values)
    n_c = res.composite.sizes[c]
    rank = ranking_table(res)
    changes = ["change", f"since {years[0]}"]
    leaders = leaders_table(res)
    profile = profile_table(res)
    method = _method_lines(res)
    coverage = coverage_table(res)
    missing = res.missing if res.missing is not None else pd.DataFrame()
    sens = res.sensitivity if res.sensitivity is not None else pd.DataFrame()
    pairs = pairs_table(res)
    cx_tab = complexity_table(res)
    opps = res.opportunities if res.opportunities is not None else pd.DataFrame()
    basis = (
        "Partners come from bilateral trade: complementarity both ways (Michaely's TCI), trade "
        "intensity, intra-industry trade and the products behind them"
        + (
            "; countries the trade data lack keep suggestions from country totals"
            if len(res.partners) and (res.partners["basis"] != "bilateral trade").any()
            else ""
        )
        + "."
        if res.pair_matrices
        else "No bilateral trade data were given: partners are suggested from country totals "
        "(pillar ranks, RCA and sector mixes), not from trade between the pairs."
    )
    pillar_rows = pd.DataFrame(
        [
            {
                "pillar": p,
                "kind": res.kinds.get(p, "quantity")
                + (" (lower is better)" if res.directions.get(p) == "lower" else ""),
                "dimensions": " x ".join(str(d) for d in res.pillars[p].dims),
                "units": (info.units or {}).get(p, res.pillars[p].attrs.get("units", "")),
                "shares of": share_label(res, p) if p in res.share_basis else "– (a score)",
                "missing cells": int(
                    np.isnan(np.asarray(res.pillars[p].values, dtype=float)).sum()
                ),
                "weight": res.weights[p],
                "source": (info.sources or {}).get(p, ""),
            }
            for p in res.pillars
        ]
    )
    blocs_df = None
    if res.bloc_composite is not None:
        t = res.year
        blocs_df = pd.DataFrame({"bloc": [str(b) for b in res.bloc_composite["bloc"].values]})
        for p in res.names:
            if res.bloc_shares is not None and p in res.bloc_shares:
                blocs_df[f"{p} %"] = res.bloc_shares[p].sel({y: t}).values * 100
            elif res.bloc_scores is not None and p in res.bloc_scores:
                blocs_df[f"{p} (mean score)"] = res.bloc_scores[p].sel({y: t}).values
            if res.bloc_members is not None:
                blocs_df[f"{p} members reporting"] = res.bloc_members[p].sel({y: t}).values
        blocs_df["composite"] = res.bloc_composite.sel({y: t}).values
        blocs_df["rank"] = (
            res.bloc_ranks["composite"].sel({y: t}).values if res.bloc_ranks is not None else np.nan
        )
    ranked = rank[rank["rank"].notna()]
    top3 = ", ".join(f"{r.name} ({r.country})" for r in ranked.head(3).itertuples())
    n_missing = missing[c].nunique() if len(missing) else 0
    summary = (
        f"{n_c} countries, {len(years)} years ({years[0]}–{years[-1]}), "
        f"{_count(len(res.pillars), 'pillar')} ({', '.join(res.pillars)}). "
        f"Leading in {res.year} on the composite index: {top3}."
        + (
            f" {_count(int(n_missing), 'country')} lacking a pillar in some years (see Coverage)."
            if n_missing
            else ""
        )
    )
    made = (
        f"Made with sharecube {sc.__version__}"
        + (f" from {', '.join(info.inputs)}" if info.inputs else "")
        + "."
    )
    sections_caption = {
        "top_countries": "Each pillar's best-ranked countries: their share (quantities) or "
        "score (scores).",
        "bloc_shares": "Each bloc's share (sum of its members' values over the total) or its "
        "members' mean score.",
        "rank_heatmap": "Rank of each country in each pillar and in the composite (green: first).",
        "sensitivity": "Composite rank with your weights (×), the median (●) and the 5–95% "
        "range under perturbed weights.",
        "concentration": "Herfindahl-Hirschman index of each quantity pillar's country totals.",
        "product_space": "Sectors close in the product space are often exported together "
        "(proximity); a country's opportunities are sectors close to those it already has.",
        "pairs": "Trade intensity of each exporter (row) with each importer (column): red "
        "above 1 (more trade than the partner's share of world imports suggests), blue below.",
    }
    table_names = [k for k in TABLES if k in frames]

    if "html" in formats:

        def img(key: str) -> str:
            if key not in pngs:
                return ""
            b64 = base64.b64encode(pngs[key]).decode("ascii")
            wpx = struct.unpack(">I", pngs[key][16:20])[0] * _SHOW_DPI // _DPI
            return (
                f"<figure><img alt='{key}' width='{wpx}' src='data:image/png;base64,{b64}'>"
                f"<figcaption>{html.escape(sections_caption[key])}</figcaption></figure>"
            )

        cards = "".join(
            f"<div class='card'><b>{html.escape(str(v))}</b>{html.escape(k)}</div>"
            for k, v in [
                ("countries", n_c),
                ("years", f"{years[0]}–{years[-1]}"),
                ("pillars", len(res.pillars)),
                ("blocs", len(res.blocs) if res.blocs is not None else 0),
                ("analysis year", res.year),
            ]
        )

        def links(name: str) -> str:
            fmts = ["csv"] + (["parquet"] if parquet else [])
            label = {"csv": "CSV", "parquet": "Parquet"}
            return " · ".join(f"<a href='tables/{name}.{f}'>{label[f]}</a>" for f in fmts)

        parts = [
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
            "<meta name='viewport' content='width=device-width, initial-scale=1'>",
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
            f"<header><h1>{html.escape(title)}</h1><p>{html.escape(summary)}</p></header>",
            "<main>",
            f"<section id='summary'><h2>Summary of the data</h2><div class='cards'>{cards}</div>",
            _html_table(pillar_rows),
            f"<p>{html.escape(info.note)}</p>" if info.note else "",
            "</section>",
            "<section id='ranking'><h2>Composite ranking</h2>",
            f"<p>Ranks in {html.escape(str(res.year))}; <em>change</em> is the move over "
            f"{html.escape(_lag_text(res.lag))}, <em>since {years[0]}</em> over the whole period "
            "(▲ up, ▼ down).</p>",
            "<div class='scroll'>",
            _html_table(rank, changes),
            "</div>",
            img("rank_heatmap"),
            "</section>",
            "<section id='sensitivity'><h2>How robust the ranking is</h2>",
            img("sensitivity"),
            "<div class='scroll'>",
            _html_table(sens) if len(sens) else "",
            "</div></section>",
            "<section id='pillars'><h2>Leading countries and blocs by pillar</h2>",
            img("top_countries"),
            _html_table(leaders),
            img("bloc_shares"),
        ]
        if blocs_df is not None:
            parts += [f"<h3>Blocs in {html.escape(str(res.year))}</h3>", _html_table(blocs_df)]
        parts += [
            img("concentration"),
            "</section>",
            "<section id='coverage'><h2>Coverage and missing data</h2>",
            "<div class='scroll'>",
            _html_table(coverage),
            "</div>",
            "<h3>Countries lacking a pillar</h3>",
            "<div class='scroll'>" + _html_table(missing) + "</div>"
            if len(missing)
            else "<p>None: every country has every weighted pillar in every year.</p>",
            "</section>",
            (
                "<section id='complexity'><h2>Economic complexity and opportunities</h2>"
                f"<p>ECI of the sector mix (Hidalgo and Hausmann), ranks in "
                f"{html.escape(str(res.year))}.</p>"
                + _html_table(cx_tab, [c_ for c_ in cx_tab.columns if c_.startswith("since")])
                + img("product_space")
                + "<h3>Opportunities: related sectors not yet specialised in</h3>"
                + "<div class='scroll'>"
                + _html_table(opps)
                + "</div></section>"
            )
            if len(cx_tab)
            else "",
            "<section id='countries'><h2>Strengths, weaknesses and suggested partners</h2>",
            f"<p>{html.escape(basis)}</p>",
            img("pairs"),
            "<h3>Under-traded complementary pairs</h3>" + _html_table(pairs) if len(pairs) else "",
            "<div class='scroll'>",
            _html_table(profile),
            "</div></section>",
            "<section id='method'><h2>Method</h2>",
            "".join(
                f"<h3>{html.escape(k)}</h3><div class='formula'>{html.escape(v)}</div>"
                for k, v in method
            ),
            "</section>",
            "<section id='tables'><h2>Result tables</h2><ul>",
            "".join(
                f"<li><b>{html.escape(k)}</b>: {html.escape(TABLES[k])} ({links(k)})</li>"
                for k in table_names
            ),
            "</ul>",
            f"<p>{html.escape(made)}</p>",
            f"<p>Command: <code>{html.escape(info.command)}</code></p>" if info.command else "",
            "</section>",
            "</main></body></html>",
        ]
        (out / "report.html").write_text("\n".join(parts), encoding="utf-8")
        written.append(out / "report.html")

    if "md" in formats:

        def md_img(key: str) -> str:
            return f"![{sections_caption[key]}](charts/{key}.png)\n" if key in pngs else ""

        md = [
            f"# {_md_text(title)}\n",
            f"{_md_text(summary)}\n",
            "## Summary of the data\n",
            _md_table(pillar_rows) + "\n",
            (_md_text(info.note) + "\n") if info.note else "",
            "## Composite ranking\n",
            f"Ranks in {res.year}; *change* over {_lag_text(res.lag)}, *since {years[0]}* over "
            "the whole period (▲ up, ▼ down).\n",
            _md_table(rank, changes) + "\n",
            md_img("rank_heatmap"),
            "## How robust the ranking is\n",
            md_img("sensitivity"),
            (_md_table(sens) + "\n") if len(sens) else "",
            "## Leading countries and blocs by pillar\n",
            md_img("top_countries"),
            _md_table(leaders) + "\n",
            md_img("bloc_shares"),
        ]
        if blocs_df is not None:
            md += [f"### Blocs in {res.year}\n", _md_table(blocs_df) + "\n"]
        md += [
            md_img("concentration"),
            "## Coverage and missing data\n",
            _md_table(coverage) + "\n",
            "### Countries lacking a pillar\n",
            (_md_table(missing) + "\n")
            if len(missing)
            else "None: every country has every weighted pillar in every year.\n",
            (
                "## Economic complexity and opportunities\n\n"
                + _md_table(cx_tab, [c_ for c_ in cx_tab.columns if c_.startswith("since")])
                + "\n\n"
                + md_img("product_space")
                + "\n### Opportunities: related sectors not yet specialised in\n\n"
                + _md_table(opps)
                + "\n"
            )
            if len(cx_tab)
            else "",
            "## Strengths, weaknesses and suggested partners\n",
            f"{_md_text(basis)}\n",
            md_img("pairs"),
            ("### Under-traded complementary pairs\n\n" + _md_table(pairs) + "\n")
            if len(pairs)
            else "",
            _md_table(profile) + "\n",
            "## Method\n",
            "\n".join(f"- **{k}**: `{v}`" for k, v in method) + "\n",
            "## Result tables\n",
            "\n".join(
                f"- **{k}**: {TABLES[k]} ([CSV](tables/{k}.csv)"
                + (f", [Parquet](tables/{k}.parquet)" if parquet else "")
                + ")"
                for k in table_names
            )
            + "\n",
            f"{_md_text(made)}\n",
            f"Command: `{info.command}`\n" if info.command else "",
        ]
        (out / "report.md").write_text("\n".join(md), encoding="utf-8")
        written.append(out / "report.md")
    return written
