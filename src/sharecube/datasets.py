"""Data bundled with sharecube."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["COOPERATION_PILLARS", "Cube", "cooperation_csv", "load_cooperation", "load_sample"]

#: The pillars of the bundled real panel, with their units.
COOPERATION_PILLARS = {
    "value_chain": "motor vehicles produced (units; OICA)",
    "market": "GDP (constant US dollars; World Bank)",
    "policy": "freedom to trade internationally (0-10 per component; Human Freedom Index)",
}


@dataclass(frozen=True)
class Cube:
    """A dense country x sector x year cube with its labels."""

    values: NDArray[np.float64]
    countries: list[str]
    sectors: list[str]
    years: list[int]
    blocs: dict[str, list[str]] = field(default_factory=dict)
    description: str = ""


def load_sample() -> Cube:
    """The illustrative 6 x 3 x 3 sample cube used by the worked example (made-up numbers)."""
    text = resources.files("sharecube").joinpath("data/sample.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    countries = list(dict.fromkeys(r["country"] for r in rows))
    sectors = list(dict.fromkeys(r["sector"] for r in rows))
    years = sorted({int(r["year"]) for r in rows})
    values = np.full((len(countries), len(sectors), len(years)), np.nan)
    for r in rows:
        i = countries.index(r["country"])
        k = sectors.index(r["sector"])
        t = years.index(int(r["year"]))
        values[i, k, t] = float(r["value"])
    blocs = {
        "EU": ["DEU", "FRA"],
        "ASEAN": ["IDN", "VNM"],
        "G20": ["CHN", "DEU", "FRA", "USA", "IDN"],
    }
    return Cube(
        values,
        countries,
        sectors,
        years,
        blocs,
        "illustrative made-up numbers for the worked example, not statistics",
    )


def cooperation_csv(pillar: str) -> str:
    """The text of one pillar's long CSV of the bundled real panel."""
    if pillar not in COOPERATION_PILLARS:
        raise ValueError(f"no pillar {pillar!r}; pillars: {list(COOPERATION_PILLARS)}")
    path = resources.files("sharecube").joinpath(f"data/cooperation/{pillar}.csv")
    return path.read_text(encoding="utf-8")


def load_cooperation() -> dict[str, Any]:
    """The bundled real panel: 53 countries, 2010-2016, three pillars, as labeled cubes.

    Returns a dict of pillar name -> ``xarray.DataArray``:

    - ``value_chain``: motor vehicle production, country x year (OICA, via the R package
      stevedata);
    - ``market``: GDP in constant US dollars, country x year (World Bank GDP per capita times
      population, via the R packages stevedata and gt);
    - ``policy``: freedom to trade internationally, country x sector x year, the four components
      of the Human Freedom Index's area 4 (Cato Institute and Fraser Institute, via the R
      package openintro) as the sector dimension, each scored 0-10.

    Sources, licences and the build script: ``data/README.md``. Needs pandas and xarray.
    """
    import io

    import pandas as pd

    from sharecube.tidy import from_long

    out = {}
    for pillar in COOPERATION_PILLARS:
        df = pd.read_csv(io.StringIO(cooperation_csv(pillar)))
        dims = [c for c in ("country", "sector", "year") if c in df.columns]
        da = from_long(df, dims=dims, value="value", name=pillar)
        da.attrs["units"] = COOPERATION_PILLARS[pillar]
        out[pillar] = da
    return out
