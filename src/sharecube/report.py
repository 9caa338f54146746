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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

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
    """What the report says about the data: title, sources and units per pillar."""

    title: str = "International industrial cooperation: where each country stands"
    sources: Mapping[str, str] | None = None
    units: Mapping[str, str] | None = None
    note: str = ""


def _name(code: Any) -> str:
    return country_names().get(str(code), str(code))


def _fig(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    return fig


def _dress(ax: Any, pillar: Any, ylabel: str) -> None:
    """A pillar's panel: its title, axis label, grid and legend."""
    ax.set_title(str(pillar).replace("_", " "), fontsize=10)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    _year_ticks(ax)
    ax.legend(fontsize=7, ncols=2, frameon=False)


def _year_ticks(ax: Any) -> None:
    """Whole years on the x axis, never 1997.5."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _hide_unused(axes: Any, used: int) -> None:
    for ax in axes[used:]:
        ax.set_visible(False)


def _save(fig: Any, path: Path) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    data = buf.getvalue()
    path.write_bytes(data)
    return data


def _grid(n: int) -> tuple[int, int]:
    cols = min(n, 3)
    return math.ceil(n / cols), cols


def chart_top_countries(res: CooperationResult, path: Path, top: int = 6) -> bytes:
    c, _, y = res.dims
    pillars = list(res.shares)
    rows, cols = _grid(len(pillars))
    fig = _fig(4.2 * cols, 3.2 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    years = res.shares[pillars[0]][y].values
    for ax, p in zip(axes, pillars, strict=False):
        sh = res.shares[p]
        last = sh.isel({y: -1}).fillna(-1).values
        lead = np.argsort(-last, kind="stable")[:top]
        for k, i in enumerate(lead):
            ax.plot(
                years,
                sh.isel({c: i}).values * 100,
                marker="o",
                ms=3,
                color=_PALETTE[k % 10],
                label=str(sh[c].values[i]),
            )
        _dress(ax, p, "share of world, %")
    _hide_unused(axes, len(pillars))
    fig.suptitle(
        f"Leading countries' shares of the world, by pillar (top {top} in the last year)",
        fontsize=11,
    )
    return _save(fig, path)


def chart_bloc_shares(res: CooperationResult, path: Path) -> bytes | None:
    if res.bloc_shares is None:
        return None
    _, _, y = res.dims
    pillars = list(res.bloc_shares.data_vars)
    rows, cols = _grid(len(pillars))
    fig = _fig(4.2 * cols, 3.2 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, p in zip(axes, pillars, strict=False):
        da = res.bloc_shares[p]
        for k, b in enumerate(da["bloc"].values):
            ax.plot(
                da[y].values,
                da.sel(bloc=b).values * 100,
                marker="o",
                ms=3,
                color=_PALETTE[k % 10],
                label=str(b),
            )
        _dress(ax, p, "bloc share sum, %")
    _hide_unused(axes, len(pillars))
    fig.suptitle("Bloc share sums over time (membership year by year)", fontsize=11)
    return _save(fig, path)


def chart_rank_heatmap(res: CooperationResult, path: Path, limit: int = 30) -> bytes:
    c, _, y = res.dims
    comp_rank = res.ranks["composite"].sel({y: res.year})
    order = np.argsort(np.nan_to_num(comp_rank.values, nan=np.inf), kind="stable")[:limit]
    cols = [*res.shares, "composite"]
    mat = np.stack([res.ranks[p].sel({y: res.year}).values[order] for p in cols], axis=1)
    labels = [str(v) for v in res.ranks["composite"][c].values[order]]
    fig = _fig(1.2 * len(cols) + 2.5, 0.26 * len(order) + 1.6)
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


def _lag_text(lag: int) -> str:
    return "the previous year" if lag == 1 else f"the previous {lag} years"


def concentration_table(res: CooperationResult) -> pd.DataFrame:
    """HHI across countries of each pillar's country totals, per year (as the model
    computed it)."""
    return pd.DataFrame({p: res.concentration_totals[p].to_series() for p in res.values})


def chart_concentration(res: CooperationResult, path: Path) -> bytes:
    tab = concentration_table(res)
    fig = _fig(6.0, 3.4)
    ax = fig.subplots()
    for k, p in enumerate(tab.columns):
        ax.plot(
            tab.index,
            tab[p].values,
            marker="o",
            ms=3,
            color=_PALETTE[k % 10],
            label=str(p).replace("_", " "),
        )
    ax.set_ylabel("HHI across countries")
    ax.set_title("Concentration over time (HHI of the pillar totals; 1 = one country)", fontsize=10)
    ax.grid(alpha=0.3)
    _year_ticks(ax)
    ax.legend(fontsize=8, frameon=False)
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
    for p in res.shares:
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
    c, _, y = res.dims
    years = list(res.composite[y].values)
    rows = []
    for p, sh in res.shares.items():
        for t in (years[0], years[-1]):
            v = sh.sel({y: t})
            ranked = np.argsort(-np.nan_to_num(v.values, nan=-1), kind="stable")[:top]
            order = [i for i in ranked if not np.isnan(v.values[i])]  # no "nan%" leaders
            rows.append(
                {
                    "pillar": p,
                    "year": t,
                    "leaders": ", ".join(
                        f"{v[c].values[i]} {v.values[i] * 100:.1f}%" for i in order
                    ),
                }
            )
    return pd.DataFrame(rows)


# ---- writers -------------------------------------------------------------------------------


def _count(n: int, noun: str) -> str:
    """``1 pillar``, ``2 pillars``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


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
    norm = {
        "shares": "n = v / Σ_countries v (the country's share of the world)",
        "minmax": "n = (v − min v) / (max v − min v) over countries, per year",
        "zscore": "n = (v − mean v) / sd(v) over countries, per year",
        "none": "n = v (the pillar's own values)",
    }[res.normalize]
    return [
        ("Pillar total", "v[p,c,t] = Σ_s x[p,c,s,t]  (sectors summed; missing sectors skipped)"),
        ("World share", "σ[p,c,t] = v[p,c,t] / Σ_c' v[p,c',t]"),
        (f"Normalisation ({res.normalize})", norm),
        ("Composite", f"C[c,t] = Σ_p w_p · n[p,c,t] / Σ_p w_p, weights: {w}"),
        (
            "Rank",
            "1 = largest in the year; ties share the best rank; change = r[t−1] − r[t] "
            "(positive: moved up)",
        ),
        ("RCA (Balassa)", "RCA[c,s] = (x[c,s] / x[c,·]) / (x[·,s] / x[·,·]); > 1: specialised"),
        (
            "Strengths, weaknesses",
            "better/worse half of the pillars by rank; sectors with the "
            "highest RCA above 1 / lowest below 1",
        ),
        (
            "Partner score",
            "mean of: pillar cover (how far the partner ranks above in the "
            "country's weak pillars, / (N − 1)), sector cover (share of the "
            "country's weak sectors where the partner has RCA > 1) and "
            "complementarity 1 − FK similarity of sector mixes",
        ),
        ("Bloc share sum", "Σ_{c ∈ bloc(t)} σ[p,c,t], membership year by year"),
        ("HHI", "Σ_c σ[c]² (1: one country holds everything)"),
    ]


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
    out = Path(folder)
    charts = out / "charts"
    tables = out / "tables"
    charts.mkdir()
    tables.mkdir()
    step = progress or (lambda _msg: None)
    written: list[Path] = []

    step("charts")
    pngs: dict[str, bytes] = {}
    pngs["top_countries"] = chart_top_countries(res, charts / "top_countries.png")
    bloc = chart_bloc_shares(res, charts / "bloc_shares.png")
    if bloc is not None:
        pngs["bloc_shares"] = bloc
    pngs["rank_heatmap"] = chart_rank_heatmap(res, charts / "rank_heatmap.png")
    pngs["concentration"] = chart_concentration(res, charts / "concentration.png")
    written += [charts / f"{k}.png" for k in pngs]

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
    pillar_rows = pd.DataFrame(
        [
            {
                "pillar": p,
                "dimensions": " x ".join(str(d) for d in res.pillars[p].dims),
                "units": (info.units or {}).get(p, res.pillars[p].attrs.get("units", "")),
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
    if res.bloc_shares is not None and res.bloc_composite is not None:
        t = res.year
        blocs_df = pd.DataFrame({"bloc": [str(b) for b in res.bloc_composite["bloc"].values]})
        for p in res.bloc_shares.data_vars:
            blocs_df[f"{p} %"] = res.bloc_shares[p].sel({y: t}).values * 100
        blocs_df["composite %"] = res.bloc_composite.sel({y: t}).values * 100
        blocs_df["members in data"] = [
            len(
                [
                    m
                    for m in res.blocs.members(str(b), int(t))
                    if m in set(map(str, res.composite[c].values))
                ]
            )
            if res.blocs is not None
            else 0
            for b in blocs_df["bloc"]
        ]
    top3 = ", ".join(f"{r.name} ({r.country})" for r in rank.head(3).itertuples())
    summary = (
        f"{n_c} countries, {len(years)} years ({years[0]}–{years[-1]}), "
        f"{_count(len(res.pillars), 'pillar')} ({', '.join(res.pillars)}). "
        f"Leading in {res.year} on the composite index: {top3}."
    )
    sections_caption = {
        "top_countries": "Each pillar's leading countries: share of the world total.",
        "bloc_shares": "Each bloc's share of the world (sum of its members' shares).",
        "rank_heatmap": "Rank of each country in each pillar and in the composite (green: first).",
        "concentration": "Herfindahl-Hirschman index of each pillar's country totals.",
    }

    if "html" in formats:

        def img(key: str) -> str:
            if key not in pngs:
                return ""
            b64 = base64.b64encode(pngs[key]).decode("ascii")
            return (
                f"<figure><img alt='{key}' src='data:image/png;base64,{b64}'>"
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
        parts = [
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
            "<meta name='viewport' content='width=device-width, initial-scale=1'>",
            f"<title>{html.escape(info.title)}</title><style>{_CSS}</style></head><body>",
            f"<header><h1>{html.escape(info.title)}</h1><p>{html.escape(summary)}</p></header>",
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
            "<section id='countries'><h2>Strengths, weaknesses and suggested partners</h2>",
            "<div class='scroll'>",
            _html_table(profile),
            "</div></section>",
            "<section id='method'><h2>Method</h2>",
            "".join(
                f"<h3>{html.escape(k)}</h3><div class='formula'>{html.escape(v)}</div>"
                for k, v in method
            ),
            f"<p>Computed with sharecube {html.escape(sc.__version__)}.</p></section>",
            "</main></body></html>",
        ]
        (out / "report.html").write_text("\n".join(parts), encoding="utf-8")
        written.append(out / "report.html")

    if "md" in formats:

        def md_img(key: str) -> str:
            return f"![{sections_caption[key]}](charts/{key}.png)\n" if key in pngs else ""

        md = [
            f"# {_md_text(info.title)}\n",
            f"{_md_text(summary)}\n",
            "## Summary of the data\n",
            _md_table(pillar_rows) + "\n",
            (_md_text(info.note) + "\n") if info.note else "",
            "## Composite ranking\n",
            f"Ranks in {res.year}; *change* over {_lag_text(res.lag)}, *since {years[0]}* over "
            "the whole period (▲ up, ▼ down).\n",
            _md_table(rank, changes) + "\n",
            md_img("rank_heatmap"),
            "## Leading countries and blocs by pillar\n",
            md_img("top_countries"),
            _md_table(leaders) + "\n",
            md_img("bloc_shares"),
        ]
        if blocs_df is not None:
            md += [f"### Blocs in {res.year}\n", _md_table(blocs_df) + "\n"]
        md += [
            md_img("concentration"),
            "## Strengths, weaknesses and suggested partners\n",
            _md_table(profile) + "\n",
            "## Method\n",
            "\n".join(f"- **{k}**: `{v}`" for k, v in method) + "\n",
            f"Computed with sharecube {sc.__version__}.\n",
        ]
        (out / "report.md").write_text("\n".join(md), encoding="utf-8")
        written.append(out / "report.md")
    return written
