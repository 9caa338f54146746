"""Reading users' long tables with errors that name the file, column and line; writing whole.

Everything the command line reads goes through :func:`read_long`, and everything it writes
goes through :func:`atomic_file` or :class:`StagedFolder`: a file is written under a temporary
name in the same folder and renamed into place, a folder is built beside its destination and
renamed in one step, so a failure (or Ctrl-C) leaves no partial output and never touches the
user's files.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sharecube._errors import InputError

__all__ = ["InputError", "StagedFolder", "atomic_file", "read_long", "write_table"]

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux), or None where unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _line(pos: int) -> int:
    return pos + 2  # 1-based, after the header line


def _read_frame(path: Path, sep: str | None) -> pd.DataFrame:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file")
    suffix = path.suffix.lower()
    size, avail = path.stat().st_size, available_memory()
    # a long CSV takes several times its size in memory once parsed; refuse before swapping
    if avail and size * (2 if suffix in PARQUET_SUFFIXES else 4) > avail:
        raise InputError(
            f"{path}: {size / 1e9:.1f} GB is too large to load into the {avail / 1e9:.1f} GB "
            "of memory available; split it, or build a zarr cube and use sharecube with dask"
        )
    if suffix in PARQUET_SUFFIXES:
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise InputError(
                f"{path}: reading Parquet needs pyarrow (pip install pyarrow)"
            ) from None
        if path.stat().st_size == 0:
            raise InputError(f"{path}: the file is empty")
        try:
            return pq.read_table(path).to_pandas()
        except Exception as e:  # pyarrow raises several types for corrupt files
            raise InputError(f"{path}: not a readable Parquet file ({e})") from None
    if suffix not in CSV_SUFFIXES:
        raise InputError(
            f"{path}: unknown file type {suffix!r}; use .csv, .tsv or .txt (text) or .parquet"
        )
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    delimiter = sep if sep is not None else ("\t" if suffix == ".tsv" else ",")
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            df = pd.read_csv(
                f, sep=delimiter, dtype=str, keep_default_na=False, na_values=[""], engine="c"
            )
    except UnicodeDecodeError as e:
        raise InputError(
            f"{path}: not UTF-8 text (byte 0x{e.object[e.start]:02x} at offset {e.start}); "
            "save it as UTF-8"
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file is empty") from None
    except pd.errors.ParserError as e:
        raise InputError(f"{path}: cannot parse as delimited text: {str(e).strip()}") from None
    if len(df.columns) == 1:
        head = str(df.columns[0])
        for other in (";", "\t", ",", "|"):
            if other != delimiter and other in head:
                shown = "\\t" if other == "\t" else other
                raise InputError(
                    f"{path}: found one column {head!r}; is the delimiter {shown!r}? "
                    f"pass --sep '{shown}'"
                )
    if len(df) == 0:
        raise InputError(f"{path}: the file has a header but no rows")
    return df


def read_long(
    path: str | os.PathLike[str],
    *,
    keys: Sequence[str],
    value: str,
    optional: Sequence[str] = (),
    sep: str | None = None,
    year: str | None = None,
    iso3: str | None = None,
) -> pd.DataFrame:
    """A long table with checked columns: ``keys`` (labels), ``value`` (numbers).

    ``optional`` key columns are kept when present. ``year`` names a key column that must hold
    whole numbers; ``iso3`` one whose labels must be ISO 3166 alpha-3 codes. Errors are
    :class:`InputError` naming the file, the column and the first bad line.
    """
    p = Path(path)
    df = _read_frame(p, sep)
    cols = [str(c) for c in df.columns]
    need = [*keys, value]
    missing = [c for c in need if c not in cols]
    if missing:
        raise InputError(f"{p}: no column {missing[0]!r}; the columns are {cols}")
    keep = [*keys, *[c for c in optional if c in cols and c not in keys], value]
    df = df[keep]
    for col in keys:  # optional columns may be empty (a pillar without sectors)
        s = df[col]
        if s.dtype == object or str(s.dtype).startswith("str"):
            bad = s.isna() | (s.astype(str).str.strip() == "")
        else:
            bad = s.isna()
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(f"{p}, column {col!r}, line {_line(pos)}: empty label")
    if year is not None and year in df.columns:
        df = df.assign(**{year: _whole_numbers(df[year], p, year)})
    if iso3 is not None and iso3 in df.columns:
        from sharecube.blocs import country_names

        known = country_names()
        labels = df[iso3].astype(str)
        bad = ~labels.isin(list(known))
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"{p}, column {iso3!r}, line {_line(pos)}: unknown country code "
                f"{labels.iloc[pos]!r} (expected ISO 3166 alpha-3 such as 'DEU'; pass "
                "--country-codes any to accept other labels)"
            )
    df = df.assign(**{value: _numbers(df[value], p, value)})
    return df


def _numbers(s: pd.Series, path: Path, col: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return s.astype(np.float64)
    num = pd.to_numeric(s, errors="coerce")
    bad = num.isna() & s.notna()
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{path}, column {col!r}, line {_line(pos)}: {s.iloc[pos]!r} is not a number"
        )
    return num.astype(np.float64)


def _whole_numbers(s: pd.Series, path: Path, col: str) -> pd.Series:
    num = pd.to_numeric(s, errors="coerce")
    bad = num.isna() | (num != np.round(num))
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{path}, column {col!r}, line {_line(pos)}: {s.iloc[pos]!r} is not a whole year"
        )
    return num.astype(np.int64)


@contextlib.contextmanager
def atomic_file(
    path: str | os.PathLike[str], *, overwrite: bool = False, binary: bool = False
) -> Iterator[Any]:
    """Open a temporary file beside ``path``; rename it to ``path`` only if the block succeeds."""
    dest = Path(path)
    if dest.exists() and not overwrite:
        raise InputError(f"{dest}: already exists; pass --overwrite to replace it")
    if not dest.parent.exists():
        raise InputError(f"{dest.parent}: no such folder")
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    try:
        f: Any = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")
        with f:
            yield f
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_table(
    df: pd.DataFrame, path: str | os.PathLike[str], *, overwrite: bool = False, stdout: Any = None
) -> None:
    """A table as CSV or Parquet (by suffix), written whole; ``-`` writes CSV to ``stdout``."""
    if str(path) == "-":
        df.to_csv(stdout, index=False, lineterminator="\n")
        return
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        with atomic_file(p, overwrite=overwrite, binary=True) as f:
            df.to_parquet(f, index=False)
    elif suffix in CSV_SUFFIXES:
        with atomic_file(p, overwrite=overwrite) as f:
            df.to_csv(f, index=False, sep="\t" if suffix == ".tsv" else ",", lineterminator="\n")
    else:
        raise InputError(f"{p}: unknown output type {suffix!r}; use .csv, .tsv or .parquet")


class StagedFolder:
    """A folder built under a temporary name and renamed into place when complete.

    ``with StagedFolder(dest, overwrite) as tmp: ...`` writes into ``tmp``; on success ``tmp``
    becomes ``dest`` (an existing ``dest`` is replaced only with ``overwrite``; it is moved
    aside first and deleted after the rename); on failure ``tmp`` is removed.
    """

    def __init__(self, dest: str | os.PathLike[str], overwrite: bool = False) -> None:
        self.dest = Path(dest)
        self.overwrite = overwrite
        self.check()

    def check(self) -> None:
        if self.dest.exists() and not self.overwrite:
            raise InputError(f"{self.dest}: already exists; pass --overwrite to replace it")
        if self.dest.exists() and not self.dest.is_dir():
            raise InputError(f"{self.dest}: exists and is not a folder")
        parent = self.dest.absolute().parent
        if not parent.is_dir():
            raise InputError(f"{parent}: no such folder")

    def __enter__(self) -> Path:
        self.check()
        parent = self.dest.absolute().parent
        self.tmp = Path(tempfile.mkdtemp(dir=parent, prefix=f".{self.dest.name}.", suffix=".tmp"))
        # mkdtemp makes the folder private (0700); the report gets the usual permissions
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.tmp, 0o777 & ~umask)
        return self.tmp

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        old = None
        try:
            if self.dest.exists():
                self.check()
                old = self.dest.with_name(f".{self.dest.name}.{os.getpid()}.old")
                os.rename(self.dest, old)
            os.rename(self.tmp, self.dest)
        except BaseException:
            if old is not None and not self.dest.exists():
                os.rename(old, self.dest)
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
