"""Reading long tables: Arrow's multi-threaded reader gives the same table as pandas' (labels,
numbers, missing cells), names the line of a bad row, byte or number, reports its progress,
and hands labels over as categoricals that build the same cube."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow.csv")
pytest.importorskip("xarray")

from sharecube import _io  # noqa: E402
from sharecube._errors import InputError  # noqa: E402
from sharecube.tidy import from_long  # noqa: E402

KEYS = ["country", "sector", "year"]


def read(path: Path, **kw: object) -> pd.DataFrame:
    return _io.read_long(
        path, keys=["country", "year"], value="value", optional=["sector"], year="year", **kw
    )


def without_arrow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow.csv", None)  # as if pyarrow were not installed


def plain(df: pd.DataFrame) -> pd.DataFrame:
    """Categorical labels as strings, to compare the two readers' tables."""
    cat = [c for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)]
    return df.astype(dict.fromkeys(cat, object))


LABEL = st.sampled_from(["DEU", "FRA", "USA", "a b", "NA", "n/a", "é", "x,y", 'q"q', " ", ""])
VALUE = st.one_of(
    st.floats(allow_nan=False, allow_infinity=True, width=64).map(repr),
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(["", "NA", "N/A", "nan", "NaN", "NULL", "..", " NA ", "1e308", "-0", "1."]),
)


def cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"') else text


@given(
    rows=st.lists(st.tuples(LABEL, LABEL, st.integers(1990, 1995), VALUE), min_size=1, max_size=30),
    codec=st.sampled_from(["", ".gz"]),
)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_arrow_reads_what_pandas_reads(
    rows: list[tuple[str, str, int, str]],
    codec: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "country,sector,year,value\n" + "".join(
        f"{cell(c)},{cell(s)},{y},{v}\n" for c, s, y, v in rows
    )
    path = tmp_path / f"t.csv{codec}"
    path.write_bytes(gzip.compress(text.encode()) if codec else text.encode())
    outcomes = []
    for arrow in (True, False):
        with monkeypatch.context() as m:
            if not arrow:
                without_arrow(m)
            try:
                outcomes.append(plain(read(path)))
            except InputError as e:
                outcomes.append(str(e))
    fast, slow = outcomes
    if isinstance(slow, str):
        assert fast == slow
    else:
        assert not isinstance(fast, str), fast
        pd.testing.assert_frame_equal(fast, slow, check_dtype=False, check_exact=True)
        assert fast["value"].dtype == np.float64 and fast["year"].dtype == np.int64


def test_labels_are_categoricals_and_build_the_same_sorted_cube(tmp_path: Path) -> None:
    rows = [("USA", "b", 2021, 1.0), ("DEU", "a", 2020, 2.0), ("CHN", "c", 2020, 3.0)]
    path = tmp_path / "t.csv"
    path.write_text(
        "country,sector,year,value\n" + "".join(f"{a},{b},{c},{d}\n" for a, b, c, d in rows)
    )
    df = read(path)
    assert isinstance(df["country"].dtype, pd.CategoricalDtype)
    # categories in the order first seen (USA, DEU, CHN): the cube's labels are still sorted
    cube = from_long(df, dims=KEYS)
    ref = from_long(plain(df), dims=KEYS)
    assert list(cube["country"].values) == ["CHN", "DEU", "USA"]
    assert cube.identical(ref)


def test_unused_categories_are_not_labels() -> None:
    df = pd.DataFrame(
        {
            "country": pd.Categorical(["B", "A"], categories=["Z", "B", "A"]),
            "year": [2020, 2020],
            "value": [1.0, 2.0],
        }
    )
    cube = from_long(df, dims=["country", "year"])
    assert list(cube["country"].values) == ["A", "B"]
    np.testing.assert_array_equal(cube.values[:, 0], [2.0, 1.0])
    # sort=False: the order of first appearance, not of the categories
    df["country"] = pd.Categorical(["B", "A"], categories=["A", "Z", "B"])
    unsorted = from_long(df, dims=["country", "year"], sort=False)
    assert list(unsorted["country"].values) == ["B", "A"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("DEU,a,2020,1\nFRA,a,2020\nUSA,a,2020,3\n", "t.csv, line 3: 3 of 4 fields"),
        ("DEU,a,2020,1\nFRA,a,2020,2,9\n", "t.csv, line 3: 5 of 4 fields"),
        ("DEU,a,2020,1\nFRA,a,2020,2\nUSA,a,20", "line 4: 3 of 4 fields and no end of line"),
        ("DEU,a,2020,1\nFRA,a,2020,1,5\n", "line 3: 5 of 4 fields"),
        ("DEU,a,2020,1\n\nFRA,a,2020,lots\n", "column 'value', line 3: 'lots' is not a number"),
    ],
)
def test_a_bad_row_is_named_by_its_line(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text("country,sector,year,value\n" + body)
    with pytest.raises(InputError, match=message):
        read(path)


def test_quoted_line_breaks_and_padded_missing_values(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('country,sector,year,value\nDEU,"cars,\nparts",2020, NA \nFRA,NA,2020,2\n')
    df = read(path)
    assert list(df["sector"]) == ["cars,\nparts", "NA"]  # "NA" is a label (Namibia's code)
    assert np.isnan(df["value"][0]) and df["value"][1] == 2.0


def test_the_first_bad_byte_is_named_beyond_the_first_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_io, "_BLOCK", 1 << 12)
    rows = "".join(f"DEU,s{i},2020,{i}\n" for i in range(3000))
    data = ("country,sector,year,value\n" + rows).encode() + b"FRA,caf\xe9,2020,1\n"
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    at = data.index(bytes([0xE9]))
    with pytest.raises(InputError, match=rf"byte 0xe9 at offset {at}, line 3002\)"):
        read(path)


@pytest.mark.parametrize("codec", ["", ".gz"])
def test_progress_counts_the_file_as_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, codec: str
) -> None:
    monkeypatch.setattr(_io, "_BLOCK", 1 << 14)
    text = "country,sector,year,value\n" + "".join(f"DEU,s{i},2020,{i}\n" for i in range(50_000))
    path = tmp_path / f"t.csv{codec}"
    path.write_bytes(gzip.compress(text.encode()) if codec else text.encode())
    seen: list[tuple[int, int]] = []
    df = read(path, progress=lambda done, total: seen.append((done, total)))
    assert len(df) == 50_000
    size = path.stat().st_size
    assert len(seen) >= 3 and all(total == size for _, total in seen)
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[-1] == size and done[0] < size


def test_without_pyarrow_pandas_reads_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.csv"
    path.write_text("country,sector,year,value\nDEU,a,2020,1.5\nFRA,,2021,NA\n")
    fast = plain(read(path))
    without_arrow(monkeypatch)
    slow = read(path)
    assert not isinstance(slow["country"].dtype, pd.CategoricalDtype)
    pd.testing.assert_frame_equal(fast, slow, check_dtype=False, check_exact=True)


def test_a_cut_off_compressed_file_is_named(tmp_path: Path) -> None:
    text = "country,sector,year,value\n" + "".join(f"DEU,s{i},2020,{i}\n" for i in range(20_000))
    data = gzip.compress(text.encode())
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"cut.csv.gz: cannot read it \(Compressed file ended"):
        read(path)
