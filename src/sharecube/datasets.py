"""Data bundled with sharecube."""

from __future__ import annotations

from importlib import resources
from typing import Any

__all__ = ["COOPERATION_KINDS", "COOPERATION_PILLARS", "cooperation_csv", "load_cooperation"]

#: The pillars of the bundled real panel, with their units.
COOPERATION_PILLARS = {
    "value_chain": "motor vehicles produced (units; OICA)",
    "market": "GDP (constant US dollars; World Bank)",
    "policy": "freedom to trade internationally (0-10 per component; Human Freedom Index)",
}

#: What each pillar's numbers are: quantities (shares and sums apply) or scores (they do not).
COOPERATION_KINDS = {"value_chain": "quantity", "market": "quantity", "policy": "score"}


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
      package openintro) as the sector dimension, each scored 0-10: a score, declared in
      ``attrs["kind"]`` (the model averages its components and takes no shares of it).

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
        da.attrs["kind"] = COOPERATION_KINDS[pillar]
        out[pillar] = da
    return out
