"""Fuzzing the command: generated CSV bytes and argument lists. Every run exits 0, 1 or 2; an
error is one line with no traceback; nothing is written but the output asked for, and the
input is left as it was.

A long run outside CI: SHARECUBE_FUZZ_EXAMPLES=20000 python -m pytest tests/test_cli_fuzz.py
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

pytest.importorskip("pandas")
pytest.importorskip("xarray")
pytest.importorskip("matplotlib")

from sharecube import cli

EXAMPLES = int(os.environ.get("SHARECUBE_FUZZ_EXAMPLES", "60"))

COLUMNS = ["country", "sector", "year", "value", "pillar", "reporter", "", "Value", "x y"]
CELLS = st.one_of(
    st.sampled_from(["DEU", "FRA", "USA", "CHN", "ITA", "Germany", "EU", "deu", "ZZZ"]),
    st.sampled_from(["a", "b", "cars", "=1+1", "<b>x</b>", "-", "NA", "NaN", "..", "", " "]),
    st.integers(-5, 2100).map(str),
    st.sampled_from(["2020", "2021", "2020.0", "2020.5", "1e3", "inf", "-inf", "nan", "1e400"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=8),
)
SEPARATORS = [",", ";", "\t", "|"]


VALID_ROW = st.tuples(
    st.sampled_from(["DEU", "FRA", "USA", "CHN", "ITA", "BRA"]),
    st.sampled_from(["a", "b", "cars"]),
    st.sampled_from(["2019", "2020", "2021"]),
    st.one_of(st.integers(0, 100).map(str), st.sampled_from(["", "NA", "-1.5", "0"])),
).map(list)


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    sep = draw(st.sampled_from(SEPARATORS)) if draw(st.integers(0, 3)) == 0 else ","
    if draw(st.integers(0, 3)):  # mostly a well-formed table with a few odd cells
        cols = ["country", "sector", "year", "value"]
        rows = draw(st.lists(VALID_ROW, min_size=1, max_size=12, unique_by=lambda r: tuple(r[:3])))
        for r in rows:
            if draw(st.integers(0, 15)) == 0:
                r[draw(st.integers(0, 3))] = draw(CELLS)
    else:
        cols = draw(st.lists(st.sampled_from(COLUMNS), min_size=0, max_size=6))
        rows = draw(
            st.lists(
                st.lists(CELLS, min_size=max(0, len(cols) - 1), max_size=len(cols) + 1),
                max_size=12,
            )
        )
    text = sep.join(cols) + "\n" + "".join(sep.join(r) + "\n" for r in rows)
    if draw(st.integers(0, 5)) == 0:
        text = text.rstrip("\n")  # a file cut off at the end
    raw = text.encode("utf-8")
    if draw(st.integers(0, 19)) == 0:
        raw = raw.replace(b"a", b"\xe9")  # not UTF-8
    return raw


COMMON = [
    ["--country-codes", "any"],
    ["--duplicates", "sum"],
    ["--missing", "zero"],
    ["--country", "reporter"],
    ["--country", "value"],
    ["--sector", "year"],
    ["--value", "Value"],
    ["--year", ""],
    ["--sep", ";"],
    ["--sep", ""],
    ["--sep", "||"],
    ["--sep", "\\t"],
    ["--years", "2020"],
    ["--years", "2021-2019"],
    ["--years", "x"],
    ["--overwrite"],
    ["--quiet"],
]
BY_COMMAND = {
    "shares": [["--zero-total", "zero"], ["--bogus"]],
    "share-sums": [["--zero-total", "zero"], ["--blocs", "EU,G20"], ["--blocs", "Atlantis"]],
    "analyze": [
        ["--blocs", "EU,G20"],
        ["--weights", "in=1"],
        ["--weights", "in=1,in=2"],
        ["--weights", "in=1e308"],
        ["--normalize", "zscore"],
        ["--format", "pdf"],
        ["--partners", "-1"],
        ["--analysis-year", "1900"],
        ["--pillar-column", "pillar"],
    ],
}


def options(command: str) -> st.SearchStrategy[list[list[str]]]:
    return st.lists(st.sampled_from(COMMON + BY_COMMAND[command]), max_size=3)


def _run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(args)
        except SystemExit as e:  # argparse: a wrong command line
            code = int(e.code or 0)
    return code, out.getvalue(), err.getvalue()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    data=csv_files(),
    command_options=st.sampled_from(["shares", "shares", "share-sums", "analyze"]).flatmap(
        lambda c: st.tuples(st.just(c), options(c))
    ),
    to_file=st.booleans(),
)
def test_the_command_never_crashes_nor_writes_elsewhere(
    data: bytes, command_options: tuple[str, list[list[str]]], to_file: bool
) -> None:
    command, options = command_options
    folder = Path(tempfile.mkdtemp(prefix="sharecube-fuzz-"))
    cwd = Path.cwd()
    try:
        os.chdir(folder)
        src = folder / "in.csv"
        src.write_bytes(data)
        args = [command, "in.csv"]
        if command == "share-sums" and not any(o[0] == "--blocs" for o in options):
            args += ["--blocs", "EU"]
        if command == "analyze":
            args += ["-o", "rep"]
            if not any(o[0] == "--format" for o in options):
                args += ["--format", "md"]
        elif to_file:
            args += ["-o", "out.csv"]
        flat = [a for o in options for a in o]
        code, _, err = _run(args + flat)
        event(f"exit {code}")
        if code == 1:
            event(err.split(":")[-1][:25] if "line" not in err else "a bad line")
        assert code in (0, 1, 2), (code, err)
        assert "Traceback" not in err
        if code == 1:
            assert err.count("\n") == 1 and err.startswith("sharecube: error: "), err
            assert len(err) < 1000
        if code == 2:
            assert err.strip().splitlines()[-1].startswith("sharecube"), err
        assert src.read_bytes() == data  # the input as it was
        left = sorted(p.name for p in folder.iterdir())
        allowed = {"in.csv", "rep", "out.csv"} if code == 0 else {"in.csv"}
        assert set(left) <= allowed, left  # nothing else, no temporary files
    finally:
        os.chdir(cwd)
        shutil.rmtree(folder, ignore_errors=True)
