"""Long ("tidy") tables to dense labeled cubes and back.

One row per country, sector, year and value is how statistical offices publish data; the
kernels want a dense cube. :func:`from_long` builds it without a Python loop per row (each key
column is factorised once, then one scatter), and :func:`to_long` turns any result back into a
long table. Needs pandas and xarray (``pip install "sharecube[labeled]"``).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

__all__ = ["from_long", "to_long"]

Duplicates = Literal["raise", "sum"]


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _first_row(df: pd.DataFrame, mask: Any) -> str:
    pos = int(np.flatnonzero(np.asarray(mask))[0])
    return (
        f"row {pos} ({df.index[pos]!r} in the table's index)"
        if not isinstance(df.index, pd.RangeIndex)
        else f"row {pos}"
    )


def from_long(
    table: pd.DataFrame,
    dims: Sequence[str] = ("country", "sector", "year"),
    value: str = "value",
    *,
    duplicates: Duplicates = "raise",
    fill: float = np.nan,
    sort: bool = True,
    name: str | None = None,
) -> xr.DataArray:
    """A dense cube from a long table: one row per combination of ``dims`` and its ``value``.

    Parameters
    ----------
    table : pandas.DataFrame
        The long table. It is read, never modified.
    dims : sequence of str
        The key columns, in the order of the cube's dimensions (they become its dimension
        names and coordinates), e.g. ``("country", "sector", "year")`` or
        ``("reporter", "hs6", "year")``.
    value : str
        The value column: numbers (int, float or bool; float32 stays float32).
    duplicates : {"raise", "sum"}
        What to do with several rows for one combination: refuse (the error names the first
        repeated row) or add them up (a NaN among them makes the cell NaN).
    fill : float
        The value of combinations missing from the table: NaN (missing data, the default) or
        0 (the flow is known to be zero).
    sort : bool
        Sort each dimension's labels (default); False keeps their order of first appearance.
    name : str, optional
        The DataArray's name; default the value column's.

    Returns
    -------
    xarray.DataArray with dims ``dims``.

    Examples
    --------
    >>> import pandas as pd
    >>> from sharecube.tidy import from_long
    >>> t = pd.DataFrame({"country": ["A", "B", "A"], "year": [2020, 2020, 2021],
    ...                   "value": [1.0, 3.0, 2.0]})
    >>> from_long(t, dims=["country", "year"]).values
    array([[ 1.,  2.],
           [ 3., nan]])
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    if isinstance(dims, str) or not all(isinstance(c, str) for c in dims) or not dims:
        raise TypeError(f"dims must be a non-empty sequence of column names, got {dims!r}")
    if len(set(dims)) != len(dims):
        raise ValueError(f"dims repeats a column: {list(dims)}")
    if value in dims:
        raise ValueError(f"value column {value!r} is also one of dims {list(dims)}")
    if duplicates not in ("raise", "sum"):
        raise ValueError(f"duplicates must be 'raise' or 'sum', got {duplicates!r}")
    missing = [c for c in (*dims, value) if c not in table.columns]
    if missing:
        raise ValueError(
            f"table has no column(s) {missing}; its columns: {[str(c) for c in table.columns]}"
        )
    vals = table[value]
    if vals.dtype == object or not (
        pd.api.types.is_numeric_dtype(vals.dtype) or pd.api.types.is_bool_dtype(vals.dtype)
    ):
        bad = pd.to_numeric(vals, errors="coerce").isna() & vals.notna()
        where = (
            f"; first bad value {vals[bad].iloc[0]!r} at {_first_row(table, bad)}"
            if bad.any()
            else ""
        )
        raise TypeError(f"column {value!r} must be numeric, got dtype {vals.dtype}{where}")
    v = vals.to_numpy()
    if v.dtype.kind in "biu":
        v = v.astype(np.float64)
    elif v.dtype != np.float32:
        v = v.astype(np.float64, copy=False)

    # each key column folded into one int64 cell index in turn: one index array, not one a key
    coords = []
    lin = np.zeros(len(table), dtype=np.int64)
    for col in dims:
        c, uniques = _factorize(table[col], sort)
        if (c < 0).any():
            raise ValueError(f"column {col!r} has a missing label at {_first_row(table, c < 0)}")
        lin *= len(uniques)
        lin += c
        coords.append(np.asarray(uniques))
        del c
    shape = tuple(len(u) for u in coords)
    size = int(np.prod(shape, dtype=np.int64))

    # one pass marks the cells present: as many cells as rows means no combination repeats
    present = np.zeros(size, dtype=bool)
    present[lin] = True
    if duplicates == "raise":
        if np.count_nonzero(present) != len(lin):
            dup = pd.Series(lin).duplicated(keep="first").to_numpy()  # only to name the row
            pos = int(np.flatnonzero(dup)[0])
            key = ", ".join(f"{c}={_plain(table[c].iloc[pos])!r}" for c in dims)
            raise ValueError(
                f"{_first_row(table, dup)} repeats the combination {key}; "
                "pass duplicates='sum' to add repeated rows up"
            )
        cube = np.full(size, fill, dtype=v.dtype)
        cube[lin] = v
    else:
        cube = np.bincount(lin, weights=v, minlength=size)
        cube[~present] = fill
        cube = cube.astype(v.dtype, copy=False)
    return xr.DataArray(
        cube.reshape(shape),
        dims=tuple(dims),
        coords={d: c for d, c in zip(dims, coords, strict=True)},
        name=name or value,
    )


def _factorize(s: pd.Series, sort: bool) -> tuple[np.ndarray, Any]:
    """Codes and labels of a key column. A categorical's codes are used as they are where the
    labels are sorted (by value, not by the order of the categories; unused ones dropped);
    its order of first appearance is pandas' to find."""
    if not isinstance(s.dtype, pd.CategoricalDtype) or not sort:
        return pd.factorize(s, sort=sort, use_na_sentinel=True)
    codes = s.cat.codes.to_numpy()
    cats = s.cat.categories
    used = np.zeros(len(cats) + 1, dtype=bool)
    used[codes] = True  # code -1 marks the last slot
    keep = np.flatnonzero(used[:-1])
    labels = cats[keep]
    order = np.argsort(labels.to_numpy(), kind="stable")
    keep, labels = keep[order], labels[order]
    new = np.full(len(cats) + 1, -1, dtype=np.int32 if len(cats) < 2**31 else np.int64)
    new[keep] = np.arange(len(keep))
    return new[codes], labels


def to_long(
    data: xr.DataArray | xr.Dataset, value: str | None = None, *, dropna: bool = False
) -> pd.DataFrame:
    """A long table from a labeled cube: one row per cell, one column per dimension.

    ``value`` names the value column (default: the DataArray's name, else ``"value"``); a
    Dataset gives one value column per variable. ``dropna=True`` leaves out rows whose values
    are all NaN. Rows run in the cube's order (last dimension fastest).
    """
    if isinstance(data, xr.Dataset):
        data = data.to_dataarray("__variable__")
        wide = True
    elif isinstance(data, xr.DataArray):
        wide = False
    else:
        raise TypeError(f"data must be an xarray DataArray or Dataset, got {type(data).__name__}")
    if wide:
        data = data.transpose(*[d for d in data.dims if d != "__variable__"], "__variable__")
        variables = [str(v) for v in data["__variable__"].values]
        dims: list[Hashable] = [x for x in data.dims if x != "__variable__"]
    else:
        dims = list(data.dims)
    shape = tuple(data.sizes[d] for d in dims)
    n = int(np.prod(shape, dtype=np.int64))
    cols: dict[str, Any] = {}
    for k, dim in enumerate(dims):
        labels = data[dim].to_numpy() if dim in data.coords else np.arange(shape[k])
        inner = int(np.prod(shape[k + 1 :], dtype=np.int64))
        cols[str(dim)] = np.tile(np.repeat(labels, inner), n // max(1, inner * shape[k]))
    values = np.asarray(data.values)
    if wide:
        flat = values.reshape(n, len(variables))
        for j, var in enumerate(variables):
            cols[var] = flat[:, j]
        keep = ~np.isnan(flat).all(axis=1) if dropna else None
    else:
        col = value or (str(data.name) if data.name is not None else "value")
        if col in cols:
            raise ValueError(f"value column {col!r} clashes with a dimension name")
        cols[col] = values.reshape(n)
        keep = ~np.isnan(cols[col]) if dropna and values.dtype.kind == "f" else None
    df = pd.DataFrame(cols)
    if keep is not None:
        df = df[keep].reset_index(drop=True)
    return df
