"""Data bundled with sharecube."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
from numpy.typing import NDArray

__all__ = ["Cube", "load_sample"]


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
