"""Reading users' long tables with errors that name the file, column and line; writing whole.

Everything the command line reads goes through :func:`read_long`, and everything it writes
goes through :func:`atomic_file` or :class:`StagedFolder`: a file is written under a temporary
name in the same folder and renamed into place, a folder is built beside its destination and
renamed in one step, so a failure (or Ctrl-C) leaves no partial output and never touches the
user's files.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sharecube._dispatch import available_memory
from sharecube._errors import InputError

__all__ = [
    "InputError",
    "StagedFolder",
    "atomic_file",
    "guard_output",
    "read_long",
    "write_table",
]

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")


def _line(pos: int) -> int:
    return pos + 2  # 1-based, after the header line


def show(value: Any, limit: int = 40) -> str:
    """A value for an error message: its repr, cut short (a cell can be megabytes long)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _names(cols: Sequence[str], limit: int = 12) -> str:
    shown = [show(str(c), 30) for c in cols[:limit]]
    more = f" and {len(cols) - limit} more" if len(cols) > limit else ""
    return "[" + ", ".join(shown) + "]" + more


# Compressed text: the codec by the last suffix; the suffix before it says CSV or TSV.
_CODECS = {".gz": "gzip", ".bz2": "bz2", ".xz": "lzma"}
# What reading a long table and building its cube take at the peak, per byte of CSV text
# (measured: 7.7x for a 33 MB, 1M-row country,sector,year,value file) and per Parquet cell
# (about 55 bytes a row and column for the same table).
_CSV_MEMORY = 8
# The same with pyarrow's reader (labels dictionary-encoded, numbers parsed as read): measured
# 2.1x for a 1 GB, 45M-row file (benchmarks/CLI.md); a margin for longer labels.
_ARROW_MEMORY = 3
# Bytes of text Arrow parses as one block (one task for its threads, one step of the bar).
_BLOCK = 1 << 24
_PARQUET_CELL = 56
# Cells of the value column that mean "missing", besides an empty cell.
MISSING = ("NA", "N/A", "NaN", "nan", "NULL", "null", "..")


def _kind(path: Path) -> tuple[str, str | None]:
    """("csv" | "tsv" | "parquet", compression codec or None) from the file name."""
    suffixes = [x.lower() for x in path.suffixes]
    codec = _CODECS.get(suffixes[-1]) if suffixes else None
    inner = suffixes[-2] if codec and len(suffixes) > 1 else (suffixes[-1] if suffixes else "")
    if inner in PARQUET_SUFFIXES and codec is None:
        return "parquet", None
    if inner in CSV_SUFFIXES:
        return ("tsv" if inner == ".tsv" else "csv"), codec
    shown = "".join(path.suffixes[-2:]) if codec else path.suffix
    raise InputError(
        f"{path}: unknown file type {shown!r}; use .csv, .tsv or .txt (text, optionally "
        ".gz, .bz2 or .xz compressed) or .parquet"
    )


def _open_binary(path: Path, codec: str | None, raw: Any = None) -> Any:
    """The file's bytes, decompressed; ``raw`` reads the file itself (a counting wrapper)."""
    import bz2
    import gzip
    import lzma

    if codec is None:
        return raw if raw is not None else path.open("rb")
    if raw is None:  # the decompressor opens (and closes) the file
        opener: Any = {"gzip": gzip.open, "bz2": bz2.open, "lzma": lzma.open}[codec]
        return opener(path, "rb")
    if codec == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    return {"bz2": bz2.BZ2File, "lzma": lzma.LZMAFile}[codec](raw, mode="rb")


def _open_text(path: Path, codec: str | None) -> Any:
    import io

    return io.TextIOWrapper(_open_binary(path, codec), encoding="utf-8-sig", newline="")


def _text_size(path: Path, codec: str | None) -> int:
    """The text's size: the file's, or for gzip the size its trailer records (other codecs:
    ten times the file, a usual ratio for such tables)."""
    size = path.stat().st_size
    if codec == "gzip" and size >= 18:
        with path.open("rb") as f:
            f.seek(-4, os.SEEK_END)
            recorded = int.from_bytes(f.read(4), "little")  # the size modulo 2**32
        return max(recorded, size)
    return size * (10 if codec else 1)


Progress = Callable[[int, int], None]


class _Counted(io.RawIOBase):
    """The file's own bytes, counted: ``progress(read, size)`` after each read."""

    def __init__(self, path: Path, progress: Progress | None) -> None:
        self.f = path.open("rb", buffering=0)
        self.size = path.stat().st_size
        self.seen = 0
        self.progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = self.f.readinto(b) or 0
        self.seen += n
        if self.progress is not None:
            self.progress(self.seen, self.size)
        return n

    def close(self) -> None:
        self.f.close()
        super().close()


class _Bounded(io.RawIOBase):
    """A decompressing reader that stops once the text read would not fit in memory: a
    compressed file's size says little about its text (a few MB can hold gigabytes)."""

    def __init__(self, f: Any, path: Path, per_byte: float) -> None:
        self.f, self.path, self.seen = f, path, 0
        avail = available_memory()
        self.limit = None if avail is None else avail / per_byte

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = self.f.readinto(b) or 0
        self.seen += n
        if self.limit is not None and self.seen > self.limit:
            raise InputError(
                f"{self.path}: decompresses to more than {self.limit / 1e9:.1f} GB of text, too "
                "large to load into the memory available; split the file, or build a zarr cube "
                "and use sharecube with dask"
            )
        return n

    def close(self) -> None:
        self.f.close()
        super().close()


@contextlib.contextmanager
def _text_bytes(
    path: Path, codec: str | None, per_byte: float, progress: Progress | None
) -> Iterator[Any]:
    """The text's bytes as a buffered binary stream: counted for ``progress`` (by the file's
    own bytes read) and, for a compressed file, bounded by the memory (``per_byte`` bytes of
    memory a byte of text)."""
    counted = _Counted(path, progress)
    with contextlib.ExitStack() as stack:
        stack.callback(counted.close)
        raw: Any = counted
        if codec is not None:
            raw = _Bounded(stack.enter_context(_open_binary(path, codec, counted)), path, per_byte)
        yield stack.enter_context(io.BufferedReader(raw, buffer_size=1 << 20))


def _check_memory(path: Path, need: int, what: str) -> None:
    avail = available_memory()
    if avail and need > avail:
        raise InputError(
            f"{path}: {what} is too large to load into the {avail / 1e9:.1f} GB of memory "
            f"available (it needs about {need / 1e9:.1f} GB); split the file, keep fewer "
            "columns, or build a zarr cube and use sharecube with dask"
        )


def _read_parquet(path: Path, columns: Sequence[str] | None) -> pd.DataFrame:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(f"{path}: reading Parquet needs pyarrow (pip install pyarrow)") from None
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    try:
        meta = pq.ParquetFile(path)
        schema = meta.schema_arrow
        names = list(schema.names)
        keep = names if columns is None else [c for c in names if c in columns]
        # the decompressed size, from the file's own metadata, before anything is read
        md = meta.metadata
        raw = sum(md.row_group(i).total_byte_size for i in range(md.num_row_groups))
        share = len(keep) / max(len(names), 1)
        need = int(raw * share + md.num_rows * len(keep) * _PARQUET_CELL)
    except Exception as e:  # pyarrow raises several types for corrupt files
        raise InputError(f"{path}: not a readable Parquet file ({_first(e)})") from None
    _check_memory(path, need, f"{md.num_rows:,} rows ({raw * share / 1e9:.1f} GB decompressed)")
    for name in keep:
        if pa.types.is_nested(schema.field(name).type):
            raise InputError(
                f"{path}, column {name!r}: holds {schema.field(name).type} values; "
                "expected one label or number per row"
            )
    # text read dictionary-encoded: a categorical's small integer a row, not a string object
    text = [c for c in keep if pa.types.is_string(schema.field(c).type)]
    text += [c for c in keep if pa.types.is_large_string(schema.field(c).type)]
    try:
        table = pq.ParquetFile(path, read_dictionary=text).read(columns=keep)
    except Exception as e:
        raise InputError(f"{path}: not a readable Parquet file ({_first(e)})") from None
    df = _to_frame([table], lambda _name, col: col.to_pandas())
    df.attrs["header"] = names
    return df


def _to_frame(handed: list[Any], convert: Callable[[str, Any], Any]) -> pd.DataFrame:
    """An Arrow table (handed over in a one-item list, so that no one else holds it) to a
    DataFrame, ``convert(name, column)`` a column at a time: each column's Arrow memory goes as
    it is converted, and the memory pool gives it back at the end."""
    import pyarrow as pa

    table = handed.pop()
    cols: dict[str, Any] = {}
    for name in list(table.column_names):
        col = table.column(name)
        table = table.drop_columns([name])
        cols[name] = convert(name, col)
        del col
    del table
    pa.default_memory_pool().release_unused()
    return pd.DataFrame(cols)


def _first(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _header(path: Path, codec: str | None, delimiter: str) -> list[str]:
    try:
        with _open_text(path, codec) as f:
            first = f.readline(1 << 26)
    except UnicodeDecodeError as e:
        raise InputError(
            f"{path}: not UTF-8 text (byte 0x{e.object[e.start]:02x} at offset {e.start}); "
            "save it as UTF-8"
        ) from None
    except (OSError, EOFError) as e:
        raise InputError(f"{path}: cannot read it ({_first(e)})") from None
    if not first.strip():
        raise InputError(f"{path}: the file is empty")
    return next(csv.reader([first], delimiter=delimiter))


def _cut_off(path: Path, codec: str | None, delimiter: str, ncols: int) -> str | None:
    """The last line, if the file ends without an end of line in a row with fewer fields than
    the header (a file cut off mid-row); else None."""
    if codec is not None:
        return None  # a cut-off compressed file fails to decompress instead
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - 65536))
        tail = f.read()
    if tail.endswith((b"\n", b"\r")):
        return None
    last = tail.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")
    fields = next(csv.reader([last], delimiter=delimiter), [])
    return last if len(fields) < ncols else None


def _check_last_line(path: Path, codec: str | None, delimiter: str, ncols: int, rows: int) -> None:
    """A file cut off mid-row (no final newline, fewer fields than the header) is refused."""
    last = _cut_off(path, codec, delimiter, ncols)
    if last is not None:
        fields = next(csv.reader([last], delimiter=delimiter), [])
        raise InputError(
            f"{path}, line {rows + 1}: {len(fields)} of {ncols} fields and no end of line; "
            "the file looks cut off"
        )


def _bad_utf8(path: Path, codec: str | None, bound: float) -> None:
    """Raises naming the first byte that is not UTF-8 (its offset in the text and its line);
    one pass in blocks, cut at line ends, so memory stays a few MB."""
    with _text_bytes(path, codec, bound, None) as f:
        pos, line, carry = 0, 1, b""
        while True:
            block = f.read(_BLOCK)
            data = carry + block
            cut = data.rfind(b"\n") + 1 if block else len(data)
            piece, carry = data[:cut], data[cut:]
            try:
                piece.decode("utf-8")
            except UnicodeDecodeError as e:
                at = line + piece.count(b"\n", 0, e.start)
                raise InputError(
                    f"{path}: not UTF-8 text (byte 0x{piece[e.start]:02x} at offset "
                    f"{pos + e.start}, line {at}); save it as UTF-8"
                ) from None
            pos, line = pos + len(piece), line + piece.count(b"\n")
            if not block:
                return


def _bad_row(path: Path, codec: str | None, delimiter: str, names: list[str], bound: float) -> None:
    """Raises naming the first line whose number of fields differs from the header's: one
    pass with Arrow's single-threaded parser (which counts lines), nothing converted."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    bad: list[Any] = []

    def first(row: Any) -> str:
        bad.append(row)
        return "error"

    with contextlib.suppress(pa.ArrowInvalid), _text_bytes(path, codec, bound, None) as f:
        pcsv.read_csv(
            f,
            read_options=pcsv.ReadOptions(column_names=names, skip_rows=1, use_threads=False),
            parse_options=pcsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, invalid_row_handler=first
            ),
            convert_options=pcsv.ConvertOptions(include_columns=[]),
        )
    if bad:
        row = bad[0]
        last = _cut_off(path, codec, delimiter, len(names))
        cut = " and no end of line; the file looks cut off" if last == row.text else ""
        raise InputError(
            f"{path}, line {row.number}: {row.actual_columns} of {row.expected_columns} fields{cut}"
        )


def _read_csv_arrow(
    path: Path,
    codec: str | None,
    delimiter: str,
    header: list[str],
    wanted: list[str],
    numbers: Sequence[str],
    bound: float,
    progress: Progress | None,
) -> pd.DataFrame:
    """Arrow's multi-threaded CSV reader, straight into columns: labels dictionary-encoded
    (pandas categoricals: one small integer a row), ``numbers`` parsed as float64 as the text
    streams in. A failure is located with a second, bounded-memory pass that names the line."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    # the header as read by Python's csv module; unread columns get names that cannot clash
    names = [h if h in wanted else f"\x00{i}" for i, h in enumerate(header)]
    label = pa.dictionary(pa.int32(), pa.string())
    types = {c: pa.float64() if c in numbers else label for c in wanted}
    as_text: list[str] = []  # numbers columns with a cell Arrow does not read as a number

    def read(newlines: bool) -> pa.Table:
        with _text_bytes(path, codec, bound, progress) as f:
            return pcsv.read_csv(
                f,
                read_options=pcsv.ReadOptions(column_names=names, skip_rows=1, block_size=_BLOCK),
                parse_options=pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=newlines),
                convert_options=pcsv.ConvertOptions(
                    column_types={**types, **dict.fromkeys(as_text, pa.string())},
                    include_columns=wanted,
                    null_values=["", *MISSING],
                    strings_can_be_null=False,  # labels keep "NA" (Namibia); "" is seen below
                ),
            )

    newlines = False
    while True:
        try:
            table = read(newlines)
            break
        except pa.ArrowInvalid as e:
            text = str(e)
            column = _arrow_column(text, names)
            if (
                column is not None
                and "conversion error to double" in text
                and column in numbers
                and column not in as_text
            ):
                as_text.append(column)  # read it as text; _numbers names the bad cell
            elif "invalid UTF8" in text:
                _bad_utf8(path, codec, bound)
                raise InputError(f"{path}: not UTF-8 text ({_first(e)})") from None
            elif not newlines:
                _bad_row(path, codec, delimiter, names, bound)
                newlines = True  # no short or long row: a quoted label holds a line break
            else:
                raise InputError(f"{path}: cannot parse as delimited text: {_first(e)}") from None
        except (OSError, EOFError) as e:  # a damaged or cut-off compressed file, a read error
            raise InputError(f"{path}: cannot read it ({_first(e)})") from None
        except pa.ArrowException as e:  # anything else Arrow refuses
            raise InputError(f"{path}: cannot parse as delimited text: {_first(e)}") from None

    def convert(name: str, col: Any) -> Any:
        if name in as_text:
            return _numbers_in_blocks(col, path, name)
        if name in numbers:
            return col.to_numpy()
        s = col.to_pandas()
        if "" in s.cat.categories:  # an empty cell is a missing label, as with pandas
            s = s.cat.remove_categories([""])
        return s

    handed = [table]
    del table
    return _to_frame(handed, convert)


def _arrow_column(text: str, names: list[str]) -> str | None:
    """The column an Arrow conversion error names ("In CSV column #3: ...")."""
    import re

    m = re.search(r"CSV column #(\d+)", text)
    return names[int(m.group(1))] if m and int(m.group(1)) < len(names) else None


def _numbers_in_blocks(col: Any, path: Path, name: str) -> np.ndarray:
    """A text column to float64 as :func:`_numbers` reads it (padded "NA" missing, an error
    naming the first cell that is not a number), a block of rows at a time."""
    out = np.empty(len(col), dtype=np.float64)
    pos = 0
    for chunk in col.chunks:
        for lo in range(0, len(chunk), 1 << 20):
            part = chunk.slice(lo, 1 << 20).to_pandas()
            s = part.where(part != "")  # empty: missing
            out[pos : pos + len(part)] = _numbers(s, path, name, offset=pos).to_numpy()
            pos += len(part)
    return out


def _read_frame(
    path: Path,
    sep: str | None,
    columns: Sequence[str] | None = None,
    *,
    numbers: Sequence[str] = (),
    progress: Progress | None = None,
) -> pd.DataFrame:
    """A table from a CSV/TSV (optionally compressed) or Parquet file; ``columns`` keeps only
    those (the others are not parsed).

    With pyarrow installed, CSV text is read by Arrow's multi-threaded reader: text columns
    come back as pandas categoricals, the ``numbers`` columns as float64 (the missing markers
    :data:`MISSING` as NaN). Without it, pandas reads every column as strings. ``progress``
    is called with (bytes of the file read, its size) while the text is read.
    """
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file")
    kind, codec = _kind(path)
    if kind == "parquet":
        return _read_parquet(path, columns)
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    delimiter = sep if sep is not None else ("\t" if kind == "tsv" else ",")
    header = _header(path, codec, delimiter)
    wanted = header if columns is None else [c for c in header if c in columns]
    repeated = [c for c, n in Counter(wanted).items() if n > 1]
    if repeated:
        raise InputError(f"{path}: the header names the column {repeated[0]!r} twice")
    if len(header) == 1:
        head = str(header[0])
        for other in (";", "\t", ",", "|"):
            if other != delimiter and other in head:
                shown = "\\t" if other == "\t" else other
                raise InputError(
                    f"{path}: found one column {show(head, 60)}; is the delimiter {shown!r}? "
                    f"pass --sep '{shown}'"
                )
    if not wanted:  # none of the columns asked for: the caller names what is missing
        df = pd.DataFrame()
        df.attrs["header"] = header
        return df
    try:
        import pyarrow.csv  # noqa: F401

        arrow = True
    except ImportError:
        arrow = False
    share = max(1.0 if columns is None else len(wanted) / max(len(header), 1), 0.25)
    # a long CSV takes a few times its size in memory once parsed; refuse before swapping
    bound = (_ARROW_MEMORY if arrow else _CSV_MEMORY) * share  # bytes of memory a byte of text
    text = _text_size(path, codec)
    _check_memory(path, int(text * bound), f"{text / 1e9:.1f} GB")
    if arrow:
        numbers = [c for c in numbers if c in wanted]
        df = _read_csv_arrow(path, codec, delimiter, header, wanted, numbers, bound, progress)
    else:
        usecols = wanted if columns is not None else None
        df = _read_csv_pandas(path, codec, delimiter, usecols, bound, progress)
    if len(df) == 0:
        raise InputError(f"{path}: the file has a header but no rows")
    if not arrow:  # Arrow refuses a short last row itself, and _bad_row names it
        _check_last_line(path, codec, delimiter, len(header), len(df))
    df.attrs["header"] = header  # every column of the file, for messages
    return df


def _read_csv_pandas(
    path: Path,
    codec: str | None,
    delimiter: str,
    usecols: list[str] | None,
    per_byte: float,
    progress: Progress | None,
) -> pd.DataFrame:
    """pandas' C reader, every column as strings (about 8x the text's size in memory)."""
    try:
        with (
            _text_bytes(path, codec, per_byte, progress) as f,
            io.TextIOWrapper(f, encoding="utf-8-sig", newline="") as text,
        ):
            return pd.read_csv(
                text,
                sep=delimiter,
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                engine="c",
                usecols=usecols or None,
            )
    except InputError:
        raise
    except UnicodeDecodeError as e:
        raise InputError(
            f"{path}: not UTF-8 text (byte 0x{e.object[e.start]:02x} at offset {e.start}); "
            "save it as UTF-8"
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file is empty") from None
    except pd.errors.ParserError as e:
        raise InputError(f"{path}: cannot parse as delimited text: {_first(e)}") from None
    except (OSError, EOFError, ValueError) as e:
        raise InputError(f"{path}: cannot read it ({_first(e)})") from None


def read_long(
    path: str | os.PathLike[str],
    *,
    keys: Sequence[str],
    value: str,
    optional: Sequence[str] = (),
    sep: str | None = None,
    year: str | None = None,
    iso3: str | None = None,
    also: Sequence[str] = (),
    progress: Progress | None = None,
) -> pd.DataFrame:
    """A long table with checked columns: ``keys`` (labels), ``value`` (numbers).

    ``optional`` key columns are kept when present. ``year`` names a key column that must hold
    whole numbers; ``iso3`` one whose labels must be ISO 3166 alpha-3 codes (or in ``also``,
    such as a world row's label). Errors are
    :class:`InputError` naming the file, the column and the first bad line.
    """
    p = Path(path)
    need = [*keys, value]
    df = _read_frame(p, sep, columns=[*need, *optional], numbers=[value], progress=progress)
    cols = [str(c) for c in df.columns]
    missing = [c for c in need if c not in cols]
    if missing:
        header = df.attrs.get("header", cols)
        raise InputError(f"{p}: no column {missing[0]!r}; the columns are {_names(header)}")
    keep = [*keys, *[c for c in optional if c in cols and c not in keys], value]
    df = df[keep]
    for col in keys:  # optional columns may be empty (a pillar without sectors)
        s = df[col]
        if (
            isinstance(s.dtype, pd.CategoricalDtype)
            or s.dtype == object
            or str(s.dtype).startswith("str")
        ):
            pos = _first_bad(s, lambda t: t.astype(str).str.strip() == "", missing=True)
        else:
            pos = _first_bad(s, lambda t: np.zeros(len(t), bool), missing=True)
        if pos is not None:
            raise InputError(f"{p}, column {col!r}, line {_line(pos)}: empty label")
    if year is not None and year in df.columns:
        df = df.assign(**{year: _whole_numbers(df[year], p, year)})
    if iso3 is not None and iso3 in df.columns:
        from sharecube.blocs import country_names

        known = [*country_names(), *also]
        pos = _first_bad(df[iso3], lambda t: ~t.astype(str).isin(known))
        if pos is not None:
            raise InputError(
                f"{p}, column {iso3!r}, line {_line(pos)}: unknown country code "
                f"{show(str(df[iso3].iloc[pos]))} (expected ISO 3166 alpha-3 such as 'DEU'; "
                "pass --country-codes any to accept other labels)"
            )
    df = df.assign(**{value: _numbers(df[value], p, value)})
    return df


def _first_bad(s: pd.Series, test: Callable[[pd.Series], Any], missing: bool = False) -> int | None:
    """The position of the first row whose label fails ``test`` (a vectorised check that
    marks bad labels; a categorical column's labels are checked once each), or of the first
    missing one with ``missing``; None if there is none."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy()
        bad_label = np.asarray(test(pd.Series(s.cat.categories)), dtype=bool)
        bad = np.append(bad_label, missing)[codes]  # code -1: missing
    else:
        bad = np.asarray(test(s), dtype=bool)
        bad = (bad | s.isna().to_numpy()) if missing else (bad & s.notna().to_numpy())
    hits = np.flatnonzero(bad)
    return int(hits[0]) if hits.size else None


def _numbers(s: pd.Series, path: Path, col: str, offset: int = 0) -> pd.Series:
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return s.astype(np.float64)
    if s.dtype == object or str(s.dtype).startswith("str"):
        # "NA", "NaN", ".." ... (padded with spaces too): missing, as an empty cell is
        s = s.where(~s.str.strip().isin(MISSING))
    num = pd.to_numeric(s, errors="coerce")
    bad = num.isna() & s.notna()
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{path}, column {col!r}, line {_line(offset + pos)}: {show(s.iloc[pos])} is not "
            "a number"
        )
    return num.astype(np.float64)


def _whole_numbers(s: pd.Series, path: Path, col: str) -> pd.Series:
    pos = _first_bad(s, _not_year, missing=True)
    if pos is not None:
        raise InputError(
            f"{path}, column {col!r}, line {_line(pos)}: {show(s.iloc[pos])} is not a whole year"
        )
    if isinstance(s.dtype, pd.CategoricalDtype):  # each label converted once
        years = pd.to_numeric(pd.Series(s.cat.categories)).to_numpy().astype(np.int64)
        return pd.Series(years[s.cat.codes.to_numpy()], index=s.index, name=s.name)
    return pd.to_numeric(s).astype(np.int64)


def _not_year(s: pd.Series) -> Any:
    num = pd.to_numeric(s, errors="coerce")
    with np.errstate(invalid="ignore"):
        return (
            num.isna() | ~np.isfinite(num) | (num != np.round(num)) | (num.abs() > 1e6)
        ).to_numpy()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def guard_output(dest: str | os.PathLike[str], inputs: Sequence[Any], *, folder: bool) -> None:
    """Refuses an output that is, holds or lies inside one of the ``inputs``, compared on
    resolved real paths (links followed) before any work starts; a folder output may not be
    the current folder or one above it either."""
    out = Path(dest).resolve()
    for item in inputs:
        src = Path(item).resolve()
        same = out == src or (out.exists() and src.exists() and os.path.samefile(out, src))
        if same or src.is_relative_to(out) or out.is_relative_to(src):
            raise InputError(
                f"{dest}: is, holds or lies inside the input {item}; inputs are only read: "
                "choose another output"
            )
    if folder and Path.cwd().resolve().is_relative_to(out):
        raise InputError(
            f"{dest}: is the current folder or one above it; choose a new folder for the output"
        )


@contextlib.contextmanager
def atomic_file(
    path: str | os.PathLike[str], *, overwrite: bool = False, binary: bool = False
) -> Iterator[Any]:
    """Open a temporary file beside ``path``; rename it to ``path`` only if the block succeeds.

    The file gets the usual permissions (those of the file it replaces, else 0666 less the
    umask), not the temporary file's private 0600.
    """
    dest = Path(path)
    if dest.is_dir():
        raise InputError(f"{dest}: is a folder; give a file name for the output")
    if dest.exists() and not overwrite:
        raise InputError(f"{dest}: already exists; pass --overwrite to replace it")
    if not dest.parent.exists():
        raise InputError(f"{dest.parent}: no such folder")
    mode = (dest.stat().st_mode & 0o7777) if dest.exists() else (0o666 & ~_umask())
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, mode)
        f: Any = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")
        with f:
            yield f
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula (starting with = + - @, tab or
    carriage return) are written with a leading apostrophe, as OWASP advises; numbers are left
    as they are."""
    out = df
    for col in df.columns:
        s = df[col]
        if s.dtype == object or str(s.dtype).startswith(("str", "string", "category")):
            text = s.astype(str)
            risky = s.notna() & text.str.startswith(_FORMULA_START)
            if risky.any():
                if out is df:
                    out = df.copy()
                out[col] = s.astype(object).where(~risky, "'" + text)
    return out


def write_table(
    df: pd.DataFrame, path: str | os.PathLike[str], *, overwrite: bool = False, stdout: Any = None
) -> None:
    """A table as CSV or Parquet (by suffix), written whole; ``-`` writes CSV to ``stdout``."""
    if str(path) == "-":
        csv_safe(df).to_csv(stdout, index=False, lineterminator="\n")
        return
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        with atomic_file(p, overwrite=overwrite, binary=True) as f:
            df.to_parquet(f, index=False)
    elif suffix in CSV_SUFFIXES:
        with atomic_file(p, overwrite=overwrite) as f:
            csv_safe(df).to_csv(
                f, index=False, sep="\t" if suffix == ".tsv" else ",", lineterminator="\n"
            )
    else:
        raise InputError(f"{p}: unknown output type {suffix!r}; use .csv, .tsv or .parquet")


MARKER = ".sharecube-output"


class StagedFolder:
    """A folder built under a temporary name and renamed into place when complete.

    ``with StagedFolder(dest, overwrite) as tmp: ...`` writes into ``tmp``; on success ``tmp``
    becomes ``dest``; on failure ``tmp`` is removed. Each folder it makes holds a marker file
    (``.sharecube-output``): with ``overwrite`` an existing ``dest`` is replaced only if it has
    that marker, i.e. only a folder sharecube wrote, never one of the user's. A ``dest`` that
    is a link to a folder is followed: the link stays and the folder it names is replaced.
    """

    def __init__(self, dest: str | os.PathLike[str], overwrite: bool = False) -> None:
        self.given = Path(dest)
        self.dest = Path(os.path.realpath(dest)) if Path(dest).is_symlink() else Path(dest)
        self.overwrite = overwrite
        self.check()

    def check(self) -> None:
        dest = self.dest
        if dest.exists() and not dest.is_dir():
            raise InputError(f"{self.given}: exists and is not a folder")
        if dest.exists() and not self.overwrite:
            raise InputError(f"{self.given}: already exists; pass --overwrite to replace it")
        if dest.exists() and not (dest / MARKER).is_file():
            raise InputError(
                f"{self.given}: not a folder sharecube wrote (it has no {MARKER} file), so "
                "--overwrite leaves it alone; choose a new folder"
            )
        parent = dest.absolute().parent
        if not parent.is_dir():
            raise InputError(f"{parent}: no such folder")

    def __enter__(self) -> Path:
        self.check()
        parent = self.dest.absolute().parent
        self.tmp = Path(tempfile.mkdtemp(dir=parent, prefix=f".{self.dest.name}.", suffix=".tmp"))
        # mkdtemp makes the folder private (0700); the report gets the usual permissions
        os.chmod(self.tmp, 0o777 & ~_umask())
        (self.tmp / MARKER).write_text(
            "Written by sharecube. `--overwrite` replaces only folders that hold this file.\n",
            encoding="utf-8",
        )
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
