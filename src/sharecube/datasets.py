"""Data bundled with sharecube."""

from __future__ import annotations

from importlib import resources
from typing import Any

__all__ = [
    "COOPERATION_KINDS",
    "COOPERATION_PILLARS",
    "cooperation_csv",
    "load_cooperation",
    "load_cooperation_world",
    "load_trade_population",
    "load_trade_sample",
]

#: The pillars of the bundled real panel, with their units.
COOPERATION_PILLARS = {
    "value_chain": "motor vehicles produced (units; OICA)",
    "market": "GDP (constant US dollars; World Bank)",
    "policy": "freedom to trade internationally (0-10 per component; Human Freedom Index)",
}

#: What each pillar's numbers are: quantities (shares and sums apply) or scores (they do not).
COOPERATION_KINDS = {"value_chain": "quantity", "market": "quantity", "policy": "score"}


def cooperation_csv(pillar: str) -> str:
    """The text of one pillar's long CSV of the bundled real panel (or of
    ``value_chain_world``, the source's World row, or ``world_check``, the check against it)."""
    if pillar not in COOPERATION_PILLARS and pillar not in ("value_chain_world", "world_check"):
        raise ValueError(f"no pillar {pillar!r}; pillars: {list(COOPERATION_PILLARS)}")
    path = resources.files("sharecube").joinpath(f"data/cooperation/{pillar}.csv")
    return path.read_text(encoding="utf-8")


def load_cooperation() -> dict[str, Any]:
    """The bundled real panel: 53 countries, 2010-2016, three pillars, as labeled cubes.

    Brazil lacks the value chain pillar (NaN): the source's series was dropped after the check
    against its World row (``data/README.md``).

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
    # every pillar over the same countries: one lacking a series (Brazil's vehicles) is NaN there
    countries = sorted(set().union(*(set(da["country"].values) for da in out.values())))
    return {p: da.reindex(country=countries) for p, da in out.items()}


def load_cooperation_world() -> dict[str, Any]:
    """World totals for the bundled panel's quantity pillars where the source has them.

    ``{"value_chain": DataArray over year}``: the World row of OICA's production figures in the
    source (the panel's countries make up 96.8-98.5% of it; ``data/README.md``). Pass it as
    ``cooperation_model(..., world=load_cooperation_world())`` for shares of the world; GDP has
    no world total in the source, so its shares are of the countries in the panel.
    """
    import io

    import pandas as pd

    from sharecube.tidy import from_long

    df = pd.read_csv(io.StringIO(cooperation_csv("value_chain_world")))
    return {"value_chain": from_long(df, dims=["year"], value="value", name="value_chain")}


def _trade_csv(name: str) -> Any:
    import io

    import pandas as pd

    path = resources.files("sharecube").joinpath(f"data/trade/{name}.csv")
    return pd.read_csv(io.StringIO(path.read_text(encoding="utf-8")))


def load_trade_sample() -> Any:
    """A small real country x product x year trade panel, for economic complexity.

    Exports in US dollars of 10 European exporters (ISO 3-letter codes in lower case; ``blx``
    is Belgium-Luxembourg, reported together) in 30 HS 1992 4-digit products, 1995 and 1996:
    600 rows with the columns ``year``, ``origin``, ``hs92``, ``export_val``, in the layout
    ``ecomplexity`` takes (``cols_input={"time": "year", "loc": "origin", "prod": "hs92",
    "val": "export_val"}``). The products are a sample of the HS classification, so RCA, ECI
    and PCI computed on it describe these 30 products among these 10 countries, not the world.

    The sample is the one py-ecomplexity (Harvard Growth Lab, MIT licence) tests itself against
    Stata with (``data/README.md``). Needs pandas.
    """
    return _trade_csv("exports")


def load_trade_population() -> Any:
    """Population of the exporters of :func:`load_trade_sample` (World Bank WDI), 1995 and
    1996, columns ``year``, ``origin``, ``population``: for ``presence_test="rpop"``.
    Belgium-Luxembourg (``blx``) has none. Needs pandas."""
    return _trade_csv("population")
