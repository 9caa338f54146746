"""The command never loses a user's file, cleans up when stopped, and answers bad input with one
line: every case here failed before it was fixed (issue 14)."""

from __future__ import annotations

import gzip
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("xarray")
pytest.importorskip("matplotlib")

from sharecube import _dispatch, _io, cli  # noqa: E402

GOOD = "country,sector,year,value\nDEU,a,2020,1\nFRA,a,2020,2\nUSA,a,2020,3\n"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def one_line_error(code: int, err: str, expect: str) -> None:
    assert code == 1, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("sharecube: error: "), err
    assert expect in err, err


# ---- outputs never resolve to, hold or lie inside an input ----------------------------------


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "exports.csv").write_text(GOOD)
    (tmp_path / "notes.txt").write_text("the user's own file")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    "args",
    [
        ["analyze", "exports.csv", "-o", "{cwd}", "--overwrite"],
        ["analyze", "exports.csv", "-o", ".", "--overwrite"],
        ["analyze", "exports.csv", "-o", "..", "--overwrite"],
        ["analyze", "x=exports.csv", "-o", "{cwd}"],
        ["shares", "exports.csv", "-o", "exports.csv", "--overwrite"],
        ["shares", "exports.csv", "-o", "./sub/../exports.csv", "--overwrite"],
        ["shares", "exports.csv", "-o", "link.csv", "--overwrite"],
        ["shares", "exports.csv", "-o", "hard.csv", "--overwrite"],
        ["share-sums", "exports.csv", "--blocs", "EU", "-o", "exports.csv", "--overwrite"],
        ["share-sums", "exports.csv", "--blocs-file", "b.csv", "-o", "b.csv", "--overwrite"],
        ["demo", "-o", ".", "--overwrite"],
        ["demo", "-o", "{cwd}", "--overwrite"],
    ],
)
def test_an_output_that_is_or_holds_an_input_is_refused_before_any_work(
    args: list[str], workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "sub").mkdir()
    (workdir / "link.csv").symlink_to(workdir / "exports.csv")
    os.link(workdir / "exports.csv", workdir / "hard.csv")
    (workdir / "b.csv").write_text("bloc,country\nX,DEU\n")
    before = tree(workdir)
    code, out, err = run([a.format(cwd=workdir) for a in args], capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert "pass --overwrite" not in err
    assert any(
        s in err
        for s in ("holds or lies inside the input", "current folder", "not a folder sharecube")
    ), err
    assert tree(workdir) == before  # nothing deleted, replaced or added


def test_overwrite_replaces_only_what_sharecube_wrote(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    users = workdir / "mine"
    users.mkdir()
    (users / "keep.txt").write_text("keep")
    code, _, err = run(["analyze", "exports.csv", "-o", "mine", "--overwrite", "-q"], capsys)
    one_line_error(code, err, "not a folder sharecube wrote")
    assert tree(users) == {"keep.txt": b"keep"}
    assert run(["analyze", "exports.csv", "-o", "rep", "-q"], capsys)[0] == 0
    assert (workdir / "rep" / _io.MARKER).is_file()
    assert run(["analyze", "exports.csv", "-o", "rep", "-q", "--overwrite"], capsys)[0] == 0


def test_a_linked_output_folder_is_followed_and_nothing_stale_is_left(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["analyze", "exports.csv", "-o", "real", "-q"], capsys)[0] == 0
    (workdir / "rep").symlink_to(workdir / "real")
    code, _, err = run(["analyze", "exports.csv", "-o", "rep", "-q", "--overwrite"], capsys)
    assert code == 0, err
    assert (workdir / "rep").is_symlink() and (workdir / "rep" / "report.html").is_file()
    assert sorted(p.name for p in workdir.iterdir()) == [
        "exports.csv",
        "notes.txt",
        "real",
        "rep",
    ]


def test_outputs_take_the_umask_and_keep_a_replaced_files_mode(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = os.umask(0o022)
    try:
        assert run(["shares", "exports.csv", "-o", "s.csv"], capsys)[0] == 0
        assert stat.S_IMODE((workdir / "s.csv").stat().st_mode) == 0o644
        os.chmod(workdir / "s.csv", 0o640)
        assert run(["shares", "exports.csv", "-o", "s.csv", "--overwrite"], capsys)[0] == 0
        assert stat.S_IMODE((workdir / "s.csv").stat().st_mode) == 0o640
        assert run(["analyze", "exports.csv", "-o", "rep", "-q"], capsys)[0] == 0
        assert stat.S_IMODE((workdir / "rep").stat().st_mode) == 0o755
    finally:
        os.umask(old)


# ---- stopped, interrupted, piped -------------------------------------------------------------

SLOW_REPORT = """
import sys, time
import sharecube.report as report
real = report.chart_concentration
def slow(*a, **k):
    print("writing", flush=True)
    time.sleep(60)
report.chart_concentration = slow
from sharecube.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_clean_up_like_ctrl_c(sig: int, workdir: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_REPORT, "analyze", "exports.csv", "-o", "rep"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "writing"  # the staged folder exists now
    assert any(p.name.startswith(".rep.") for p in workdir.iterdir())
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig
    assert err.strip() == "sharecube: stopped; nothing was written"
    assert sorted(p.name for p in workdir.iterdir()) == ["exports.csv", "notes.txt"]


def test_ctrl_c_after_the_table_started_says_so(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(df: object, path: object, **kw: object) -> None:
        print("country,sector,year,share")
        raise KeyboardInterrupt

    monkeypatch.setattr(_io, "write_table", boom)
    code, _, err = run(["shares", "exports.csv"], capsys)
    assert code == 130
    assert err.strip() == "sharecube: interrupted; the table on standard output is incomplete"


def test_a_closed_pipe_is_not_an_error(workdir: Path) -> None:
    rows = "".join(f"DEU,s{i},2020,{i}\n" for i in range(200_000))
    (workdir / "big.csv").write_text("country,sector,year,value\n" + rows)
    res = subprocess.run(
        f"'{sys.executable}' -m sharecube shares big.csv | head -1",
        shell=True,
        capture_output=True,
        text=True,
        executable="/bin/bash",
    )
    assert res.stdout == "country,sector,year,share\n"
    assert res.stderr == ""


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([], capsys)
    assert code == 2 and out == ""
    assert (
        err.splitlines()[-1]
        == "sharecube: error: a command is required (sharecube --help lists them)"
    )


def test_quiet_prints_nothing_not_even_warnings(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import warnings

    import sharecube.report as report

    real = report.write_report

    def noisy(*a: object, **k: object) -> object:
        warnings.warn("a library's warning", UserWarning, stacklevel=1)
        return real(*a, **k)

    monkeypatch.setattr(report, "write_report", noisy)
    code, out, err = run(["analyze", "exports.csv", "-o", "rep", "-q"], capsys)
    assert (code, out, err) == (0, "", "")


# ---- bad input: one line, for every command --------------------------------------------------

LONG_CELL = "x" * 1_000_000
CASES = [
    # (name, content, extra args, message)
    ("roles.csv", GOOD, ["--country", "value"], "--country and --value both name the column"),
    ("sep.csv", GOOD, ["--sep", ""], "--sep: expected one character such as ';' or '\\t', got ''"),
    ("sep2.csv", GOOD, ["--sep", "||"], "--sep: expected one character"),
    (
        "cell.csv",
        GOOD + f"ITA,a,2020,{LONG_CELL}\n",
        [],
        "column 'value', line 5: 'xxxxxxxx",
    ),
    (
        "cut.csv",
        GOOD + "ITA,cars,20",
        [],
        "line 5: 3 of 4 fields and no end of line; the file looks cut off",
    ),
    (
        "dup.csv",
        GOOD + "DEU,a,2020,5\n",
        [],
        "line 5: a second row for country 'DEU', sector 'a', year 2020 (the first is on line 2);"
        " pass --duplicates sum",
    ),
    ("year.csv", GOOD.replace("2020,3", "inf,3"), [], "column 'year', line 4: 'inf' is not"),
    ("table.csv.zip", "x", [], "unknown file type '.zip'; use .csv, .tsv or .txt (text,"),
    (
        "twice.csv",
        "country,sector,year,value,value\nDEU,a,2020,1,2\n",
        [],
        "the header names the column 'value' twice",
    ),
]


@pytest.mark.parametrize(("name", "content", "extra", "message"), CASES)
@pytest.mark.parametrize("command", ["analyze", "shares", "share-sums"])
def test_bad_input_gets_one_line(
    name: str,
    content: str,
    extra: list[str],
    message: str,
    command: str,
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (workdir / name).write_text(content)
    before = tree(workdir)
    args = {
        "analyze": ["analyze", name, "-o", "rep"],
        "shares": ["shares", name, "-o", "s.csv"],
        "share-sums": ["share-sums", name, "--blocs", "EU", "-o", "s.csv"],
    }[command]
    code, _, err = run([*args, *extra], capsys)
    one_line_error(code, err, message)
    assert len(err) < 500
    assert tree(workdir) == before


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--repeat", "0"], "--repeat: expected a whole number >= 1, got 0"),
        (["--repeat", "-3"], "--repeat: expected a whole number >= 1, got -3"),
        (["--threads", "0"], "--threads: threads must be a positive int or None, got 0"),
    ],
)
def test_bench_bad_options(
    extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    one_line_error(*run(["bench", "--shape", "2,3,4", *extra], capsys)[::2], message)


def test_bench_with_huge_threads_runs_on_the_cores(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        ["bench", "--shape", "2,3,4", "--repeat", "1", "--threads", "99999999999"], capsys
    )
    assert code == 0, err
    assert f"threads {_dispatch.available_cores()}" in out and "nan" not in out.lower()


def test_weights_given_twice(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["analyze", "ok=exports.csv", "--weights", "ok=1,ok=2"], capsys)
    one_line_error(code, err, "--weights: 'ok' is given twice")


def test_missing_value_spellings_are_missing(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    codes = ["ITA", "ESP", "PRT", "GBR", "POL", "AUT", "BEL"]
    assert len(codes) == len(_io.MISSING)
    rows = "".join(f"{c},a,2020,{v}\n" for c, v in zip(codes, _io.MISSING, strict=True))
    (workdir / "na.csv").write_text(GOOD + rows)
    code, out, err = run(["shares", "na.csv"], capsys)
    assert code == 0, err
    res = pd.read_csv(__import__("io").StringIO(out))
    assert res.set_index("country").loc["DEU", "share"] == pytest.approx(1 / 6)


def test_compressed_csv_is_read(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with gzip.open(workdir / "e.csv.gz", "wt") as f:
        f.write(GOOD)
    code, out, err = run(["shares", "e.csv.gz"], capsys)
    assert code == 0, err
    assert out.splitlines()[1:] == run(["shares", "exports.csv"], capsys)[1].splitlines()[1:]


def test_a_parquet_key_column_of_lists_is_refused(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    df = pd.DataFrame(
        {"country": [["DEU"], ["FRA"]], "sector": ["a", "a"], "year": [2020, 2020], "value": [1, 2]}
    )
    df.to_parquet(workdir / "l.parquet")
    code, _, err = run(["shares", "l.parquet"], capsys)
    one_line_error(code, err, "column 'country': holds list<element: string> values")


# ---- memory: the real size is checked before anything large is built -----------------------


def test_a_small_file_of_distinct_labels_is_refused_by_its_cube_size(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    n = 3000
    rows = "".join(f"C{i},S{i},2020,1\n" for i in range(n))
    (workdir / "sparse.csv").write_text("country,sector,year,value\n" + rows)
    monkeypatch.setattr(_dispatch, "available_memory", lambda: 200_000_000)  # 0.2 GB
    code, _, err = run(["shares", "sparse.csv", "--country-codes", "any", "-o", "s.csv"], capsys)
    one_line_error(
        code,
        err,
        "3,000 rows make a dense cube of 3,000 country x 3,000 sector x 1 year = 9,000,000 cells",
    )
    assert "--years" in err and "dask" in err
    assert not (workdir / "s.csv").exists()


def test_a_parquet_file_is_refused_by_its_decompressed_size_before_reading(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    n = 200_000
    df = pd.DataFrame(
        {"country": ["DEU"] * n, "sector": ["a"] * n, "year": np.full(n, 2020), "value": 1.0}
    )
    df.to_parquet(workdir / "rows.parquet")
    monkeypatch.setattr(_io, "available_memory", lambda: 1_000_000)
    monkeypatch.setattr(pq.ParquetFile, "read", lambda *a, **k: pytest.fail("read"))
    code, _, err = run(["shares", "rows.parquet"], capsys)
    one_line_error(code, err, "200,000 rows (")
    assert "is too large to load into the 0.0 GB" in err


def test_many_columns_are_not_parsed_nor_listed(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    n = 200_000
    header = ",".join(["country", "sector", "year", *(f"c{i}" for i in range(n))])
    (workdir / "wide.csv").write_text(header + "\n" + "DEU,a,2020" + ",1" * n + "\n")
    t0 = time.perf_counter()
    code, _, err = run(["shares", "wide.csv"], capsys)
    assert time.perf_counter() - t0 < 20
    one_line_error(code, err, "no column 'value'; the columns are ['country', 'sector',")
    assert f"and {n + 3 - 12} more" in err and len(err) < 400


# ---- reports and tables: labels are data, never markup or formulas --------------------------


def test_labels_are_escaped_in_markdown_and_defused_in_csv(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "DEU,<script>alert(1)</script>,2020,1\nFRA,=HYPERLINK(1),2020,2\nUSA,a,2020,3\n"
    (workdir / "evil.csv").write_text("country,sector,year,value\n" + rows)
    code, _, err = run(["analyze", "evil.csv", "-o", "rep", "-q", "--format", "md"], capsys)
    assert code == 0, err
    texts = [p.read_text() for p in (workdir / "rep").rglob("*.md")]
    assert texts and not any("<script>" in t for t in texts)
    code, out, err = run(["shares", "evil.csv"], capsys)
    assert code == 0, err
    assert "'=HYPERLINK(1)" in out and "\n=" not in out and ",=" not in out
    for table in (workdir / "rep" / "tables").glob("*.csv"):
        assert ",=" not in table.read_text() and "\n=" not in table.read_text()


def test_a_compressed_file_is_stopped_when_its_text_outgrows_the_memory(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # two gzip members: the trailer of the last one records only its own (tiny) size
    body = "".join(f"C{i},a,2020,1\n" for i in range(200_000))
    data = gzip.compress(("country,sector,year,value\n" + body).encode()) + gzip.compress(b"")
    (workdir / "bomb.csv.gz").write_bytes(data)
    with monkeypatch.context() as m:
        m.setattr(_io, "available_memory", lambda: 8_000_000)
        code, _, err = run(["shares", "bomb.csv.gz", "--country-codes", "any"], capsys)
    one_line_error(code, err, "bomb.csv.gz: decompresses to more than 0.0 GB of text")
    assert run(["shares", "bomb.csv.gz", "--country-codes", "any", "-o", "s.csv"], capsys)[0] == 0
