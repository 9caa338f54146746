"""Readers of bilateral trade files into an exporter x importer x product x year cube.

Two formats users download:

- **BACI** (CEPII): one CSV per year, columns ``t,i,j,k,v,q`` (year, exporter and importer
  country codes, HS product code, value in thousand US dollars, quantity in tonnes), with the
  country code table ``country_codes_V*.csv`` (``country_code``, ``country_iso3``, ...) that
  turns the numeric codes into ISO 3166 alpha-3 codes. :func:`read_baci`.
- **UN Comtrade bulk CSV**, the current API's layout (``refYear``, ``reporterISO``,
  ``partnerISO``, ``cmdCode``, ``flowCode``, ``primaryValue``, ...) or the legacy one
  (``Year``, ``Reporter ISO``, ``Partner ISO``, ``Commodity Code``, ``Trade Flow``,
  ``Trade Value (US$)``). Exports (``flow="X"``) give exporter = reporter, importer = partner;
  imports (``"M"``, mirror data) the other way round. Partner "World" rows and other
  aggregates are left out. :func:`read_comtrade`.

Both return an ``xarray.DataArray`` with dims ``exporter, importer, product, year``; the
exporters and importers are the same countries (every country seen on either side), so that
the :mod:`sharecube.bilateral` indicators apply. A flow the files do not list is 0 (trade data
list only the flows that took place). The cube is dense in memory, or, with ``store=``, a zarr
store written year by year (a file at a time) and returned as a dask-backed DataArray, for
cubes larger than memory: 200 x 200 x 5,000 x 30 is 24 GB in float32. The store is built
under a temporary name beside ``store`` and renamed when whole; an existing path is never
overwritten.

Errors are one line naming the file, the column and the first bad line, as for every other
input (:class:`~sharecube._errors.InputError`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sharecube import _io
from sharecube._errors import InputError

__all__ = ["bloc_trade", "read_baci", "read_comtrade"]

DIMS = ("exporter", "importer", "product", "year")
_COLS = ("exporter", "importer", "product", "year", "value")


def _paths(paths: Any) -> list[Path]:
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    out = [Path(p) for p in paths]
    if not out:
        raise ValueError("no files given")
    return out


# ---- BACI ------------------------------------------------------------------------------------


def _baci_codes(path: Path) -> dict[str, str]:
    """BACI's country code table: numeric code -> ISO alpha-3."""
    df = _io._read_frame(path, None)
    code = "country_code"
    iso = next((c for c in ("country_iso3", "iso_3digit_alpha") if c in df.columns), None)
    if code not in df.columns or iso is None:
        raise InputError(
            f"{path}: not a BACI country code table (needs 'country_code' and 'country_iso3' "
            f"columns; the columns are {list(df.columns)[:8]})"
        )
    bad = df[iso].isna() | (df[iso].astype(str).str.strip() == "")
    table = df[~bad]
    return dict(zip(table[code].astype(str).str.strip(), table[iso].astype(str), strict=True))


def _baci_frames(files: list[Path], codes: dict[str, str] | None, value: str) -> Iterator[Any]:
    for path in files:
        df = _io.read_long(path, keys=["t", "i", "j", "k"], value=value, year="t")
        out = pd.DataFrame(
            {
                "exporter": df["i"].astype(str).str.strip(),
                "importer": df["j"].astype(str).str.strip(),
                "product": df["k"].astype(str).str.strip(),
                "year": df["t"].to_numpy(),
                "value": df[value].to_numpy(),
            }
        )
        if codes is not None:
            for col in ("exporter", "importer"):
                mapped = out[col].map(codes)
                if mapped.isna().any():
                    pos = int(np.flatnonzero(mapped.isna().to_numpy())[0])
                    raise InputError(
                        f"{path}, column {'i' if col == 'exporter' else 'j'!r}, line {pos + 2}: "
                        f"country code {out[col].iloc[pos]!r} is not in the country code table"
                    )
                out[col] = mapped
        yield path, out


def read_baci(
    paths: Any,
    country_codes: str | os.PathLike[str] | None = None,
    *,
    value: str = "v",
    store: str | os.PathLike[str] | None = None,
    dtype: Any = np.float64,
    duplicates: str = "raise",
) -> Any:
    """BACI files (one per year, or several years in one) -> exporter x importer x product x
    year cube.

    Parameters
    ----------
    paths : path or list of paths
        ``BACI_HS*_Y*_V*.csv`` files (CSV, compressed CSV or Parquet with BACI's columns).
    country_codes : path, optional
        BACI's ``country_codes_V*.csv``: the numeric country codes become ISO alpha-3 codes.
        Without it the numeric codes are the labels.
    value : str
        ``"v"`` (value, thousand US dollars; the default) or ``"q"`` (quantity, tonnes;
        BACI leaves some missing: NaN).
    store, dtype, duplicates
        A zarr store to build (see the module); the cube's dtype; a flow listed twice:
        ``"raise"`` (BACI has none) or ``"sum"``.
    """
    files = _paths(paths)
    codes = _baci_codes(Path(country_codes)) if country_codes is not None else None
    if value not in ("v", "q"):
        raise ValueError(f"value must be 'v' (value) or 'q' (quantity), got {value!r}")
    return _build(lambda: _baci_frames(files, codes, value), store, dtype, duplicates)


# ---- UN Comtrade -------------------------------------------------------------------------------

_LAYOUTS = {
    "api": {
        "year": "refYear",
        "reporter": "reporterISO",
        "partner": "partnerISO",
        "product": "cmdCode",
        "flow": "flowCode",
        "value": "primaryValue",
    },
    "legacy": {
        "year": "Year",
        "reporter": "Reporter ISO",
        "partner": "Partner ISO",
        "product": "Commodity Code",
        "flow": "Trade Flow",
        "value": "Trade Value (US$)",
    },
}
#: rows that are totals of others in the current API's bulk files: kept only when they are
#: the total (mode of transport, customs procedure, second partner)
_API_TOTALS = {"motCode": "0", "customsCode": "C00", "partner2Code": "0"}
_FLOWS = {"X": ("X", "Export", "2"), "M": ("M", "Import", "1")}
_AGGREGATES = {"W00", "WLD", "World", "_X", "X1", "XX", "R4", "R91", "EUR", "ALL"}


def _comtrade_frames(files: list[Path], flow: str) -> Iterator[Any]:
    for path in files:
        header = _header(path)
        layout = next(
            (
                name
                for name, cols in _LAYOUTS.items()
                if all(c in header for c in cols.values() if c != cols["flow"])
            ),
            None,
        )
        if layout is None:
            raise InputError(
                f"{path}: not a UN Comtrade bulk file (needs refYear, reporterISO, partnerISO, "
                f"cmdCode, flowCode, primaryValue, or the legacy Year, Reporter ISO, ...; the "
                f"columns are {header[:8]})"
            )
        cols = _LAYOUTS[layout]
        flow_col = cols["flow"] if cols["flow"] in header else "Trade Flow Code"
        extra = [c for c in _API_TOTALS if c in header] if layout == "api" else []
        df = _io.read_long(
            path,
            keys=[cols["year"], cols["reporter"], cols["partner"], cols["product"], flow_col],
            value=cols["value"],
            optional=extra,
            year=cols["year"],
        )
        keep = df[flow_col].astype(str).str.strip().isin(_FLOWS[flow])
        for c in extra:
            keep &= df[c].astype(str).str.strip() == _API_TOTALS[c]
        partner = df[cols["partner"]].astype(str).str.strip()
        reporter = df[cols["reporter"]].astype(str).str.strip()
        keep &= ~partner.isin(_AGGREGATES) & ~reporter.isin(_AGGREGATES)
        product = df[cols["product"]].astype(str).str.strip()
        if (product != "TOTAL").any():
            keep &= product != "TOTAL"
        df = df[keep]
        exporter, importer = (reporter, partner) if flow == "X" else (partner, reporter)
        yield (
            path,
            pd.DataFrame(
                {
                    "exporter": exporter[keep].to_numpy(),
                    "importer": importer[keep].to_numpy(),
                    "product": product[keep].to_numpy(),
                    "year": df[cols["year"]].to_numpy(),
                    "value": df[cols["value"]].to_numpy(),
                }
            ),
        )


def read_comtrade(
    paths: Any,
    *,
    flow: str = "X",
    store: str | os.PathLike[str] | None = None,
    dtype: Any = np.float64,
    duplicates: str = "raise",
) -> Any:
    """UN Comtrade bulk CSV files -> exporter x importer x product x year cube.

    ``flow="X"``: the reporters' exports (exporter = reporter); ``"M"``: their imports, as
    mirror data (exporter = partner). Values are the files' (``primaryValue``, US dollars).
    ``store``, ``dtype``, ``duplicates``: as in :func:`read_baci`.
    """
    if flow not in _FLOWS:
        raise ValueError(f"flow must be 'X' (exports) or 'M' (imports), got {flow!r}")
    files = _paths(paths)
    return _build(lambda: _comtrade_frames(files, flow), store, dtype, duplicates)


# ---- the cube ----------------------------------------------------------------------------------


def _build(frames: Any, store: Any, dtype: Any, duplicates: str) -> Any:
    """Two passes over the files: the labels, then the values year by year (into memory or a
    zarr store)."""
    import xarray as xr

    import sharecube.labeled  # noqa: F401  (the .sharecube accessor on the cube)

    if duplicates not in ("raise", "sum"):
        raise ValueError(f"duplicates must be 'raise' or 'sum', got {duplicates!r}")
    countries: set[str] = set()
    products: set[str] = set()
    years: set[int] = set()
    for _, df in frames():
        countries.update(df["exporter"].unique())
        countries.update(df["importer"].unique())
        products.update(df["product"].unique())
        years.update(int(v) for v in df["year"].unique())
    if not countries:
        raise InputError("the files hold no bilateral flow (after leaving out aggregates)")
    c_lab, p_lab, y_lab = sorted(countries), sorted(products), sorted(years)
    shape = (len(c_lab), len(c_lab), len(p_lab), len(y_lab))
    ci = pd.Index(c_lab)
    pi = pd.Index(p_lab)
    yi = pd.Index(y_lab)
    coords = {"exporter": c_lab, "importer": c_lab, "product": p_lab, "year": y_lab}
    dtype = np.dtype(dtype)
    if store is None:
        cube = np.zeros(shape, dtype=dtype)
        for path, df in frames():
            _fill(cube, path, df, ci, pi, yi, duplicates)
        return xr.DataArray(cube, dims=DIMS, coords=coords, name="trade")
    return _to_store(frames, Path(store), shape, dtype, coords, ci, pi, yi, duplicates)


def _positions(
    path: Path, df: Any, ci: Any, pi: Any, yi: Any, duplicates: str
) -> tuple[tuple[Any, ...], Any]:
    idx = (
        ci.get_indexer(df["exporter"]),
        ci.get_indexer(df["importer"]),
        pi.get_indexer(df["product"]),
        yi.get_indexer(df["year"].astype(np.int64)),
    )
    flat = np.ravel_multi_index(idx, (len(ci), len(ci), len(pi), len(yi)))
    dup = pd.Index(flat).duplicated()
    if dup.any() and duplicates == "raise":
        pos = int(np.flatnonzero(dup)[0])
        row = df.iloc[pos]
        raise InputError(
            f"{path}, line {pos + 2}: the flow {row['exporter']} -> {row['importer']}, product "
            f"{row['product']}, year {row['year']} is listed twice (pass duplicates='sum' to "
            "add such rows up)"
        )
    return idx, df["value"].to_numpy()


def _fill(cube: Any, path: Path, df: Any, ci: Any, pi: Any, yi: Any, duplicates: str) -> None:
    idx, v = _positions(path, df, ci, pi, yi, duplicates)
    if duplicates == "sum":
        np.add.at(cube, idx, v.astype(cube.dtype))
    else:
        _not_seen(path, cube[idx] != 0)
        cube[idx] = v


def _not_seen(path: Path, seen: Any) -> None:
    """A flow an earlier file already gave (duplicates="raise")."""
    if np.any(seen):
        pos = int(np.flatnonzero(seen)[0])
        raise InputError(
            f"{path}, line {pos + 2}: this flow is also in an earlier file (pass "
            "duplicates='sum' to add such rows up)"
        )


def _to_store(
    frames: Any,
    store: Path,
    shape: tuple[int, ...],
    dtype: Any,
    coords: dict[str, Any],
    ci: Any,
    pi: Any,
    yi: Any,
    duplicates: str,
) -> Any:
    import dask.array as da
    import xarray as xr
    import zarr

    if store.exists():
        raise InputError(
            f"{store}: exists; choose a new path (an existing store is never replaced)"
        )
    tmp = store.with_name(f".{store.name}.partial-{os.getpid()}")
    c, _, k, _ = shape
    pk = max(1, min(k, (64 << 20) // max(1, c * c * dtype.itemsize)))  # ~64 MB chunks
    try:
        z = zarr.open_array(
            str(tmp), mode="w", shape=shape, chunks=(c, c, pk, 1), dtype=dtype, fill_value=0
        )
        written: set[int] = set()
        for path, df in frames():  # a file at a time: memory is one file's table
            idx, v = _positions(path, df, ci, pi, yi, duplicates)
            for yr in np.unique(idx[3]):
                sel = idx[3] == yr
                block = np.zeros((c, c, k), dtype=dtype)
                sub = tuple(a[sel] for a in idx[:3])
                if duplicates == "sum":
                    np.add.at(block, sub, v[sel])
                else:
                    block[sub] = v[sel]
                if int(yr) in written:  # a year spread over several files: add them up
                    before: Any = np.asarray(z[:, :, :, int(yr)])
                    if duplicates != "sum":
                        seen = np.zeros(len(v), dtype=bool)
                        seen[sel] = before[sub] != 0
                        _not_seen(path, seen)
                    block += before
                z[:, :, :, int(yr)] = block
                written.add(int(yr))
        os.replace(tmp, store)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    lazy = da.from_zarr(str(store))
    return xr.DataArray(lazy, dims=DIMS, coords=coords, name="trade")


def _header(path: Path) -> list[str]:
    """The column names of a CSV (any compression) or Parquet file, without reading it."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    kind, codec = _io._kind(path)
    if kind == "parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    return [str(c) for c in _io._header(path, codec, "\t" if kind == "tsv" else ",")]


def bloc_trade(cube: Any, blocs: Any, *, self_pairs: Any = "exclude", **options: Any) -> Any:
    """Bloc indicators of a labeled trade cube (:func:`sharecube.bilateral.bloc_trade`), with
    membership year by year from a :class:`~sharecube.blocs.Blocs`, a dict or built-in
    name(s); returns an ``xarray.Dataset`` (``intra_share``, ``intensity`` and ``members`` per
    bloc and year, ``import_share`` per bloc, country and year). Members absent from the cube
    are listed in ``attrs["absent_members"]``.
    """
    import xarray as xr

    from sharecube.bilateral import bloc_trade as _bloc_trade
    from sharecube.blocs import as_blocs

    if not isinstance(cube, xr.DataArray) or set(cube.dims) != set(DIMS):
        raise ValueError(f"cube must be an xarray.DataArray with dims {DIMS}")
    cube = cube.transpose(*DIMS)
    b = as_blocs(blocs)
    countries = [str(v) for v in cube["exporter"].values]
    years = list(cube["year"].values)
    member = np.moveaxis(b.membership(countries, years), 0, -1)  # (C, B, T)
    res = _bloc_trade(np.asarray(cube.values), member, self_pairs=self_pairs, **options)
    by = {"bloc": b.names, "year": years}
    out = xr.Dataset(
        {
            "intra_share": (("bloc", "year"), res["intra_share"]),
            "intensity": (("bloc", "year"), res["intensity"]),
            "members": (("bloc", "year"), res["members"]),
            "import_share": (("bloc", "importer", "year"), res["import_share"]),
        },
        coords={**by, "importer": countries},
    )
    out.attrs["absent_members"] = b.absent(countries)
    return out
