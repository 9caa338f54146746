"""The sharecube command end to end: demo, analyze, shares, share-sums, bench, bad input."""

from __future__ import annotations

import hashlib
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
xr = pytest.importorskip("xarray")
pytest.importorskip("matplotlib")

import sharecube as sc  # noqa: E402
from sharecube import cli, datasets  # noqa: E402
from sharecube.cooperation import cooperation_model  # noqa: E402
from sharecube.tidy import to_long  # noqa: E402

CHARTS = ["top_countries", "bloc_shares", "rank_heatmap", "sensitivity", "concentration"]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


def valid_png(path: Path) -> bool:
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return False
    width, height = struct.unpack(">II", data[16:24])
    return width > 100 and height > 100 and data.endswith(b"IEND\xaeB`\x82")


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "report"
    assert cli.main(["demo", "-o", str(out), "--quiet"]) == 0
    return out


def test_demo_writes_the_report(demo_dir: Path) -> None:
    html = (demo_dir / "report.html").read_text(encoding="utf-8")
    for section in (
        "summary",
        "ranking",
        "sensitivity",
        "pillars",
        "coverage",
        "countries",
        "method",
        "tables",
    ):
        assert f"<section id='{section}'>" in html
    assert html.count("src='data:image/png;base64,") == len(CHARTS)  # self-contained
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert html.count("<table>") == html.count("</table>") >= 5
    for name in CHARTS:
        assert valid_png(demo_dir / "charts" / f"{name}.png"), name
    md = (demo_dir / "report.md").read_text(encoding="utf-8")
    for ref in re.findall(r"\]\((charts/[^)]+)\)", md):
        assert (demo_dir / ref).is_file()
    assert len(re.findall(r"\]\((charts/[^)]+)\)", md)) == len(CHARTS)
    assert "## Method" in md and "Composite" in md


@pytest.mark.filterwarnings("ignore:1 country lacks a pillar")  # Brazil: data/README.md
def test_demo_tables_are_the_model_results(demo_dir: Path) -> None:
    comp = pd.read_csv(demo_dir / "tables" / "composite.csv")
    res = cooperation_model(
        datasets.load_cooperation(),
        world=datasets.load_cooperation_world(),
        blocs=["EU", "OECD", "G20", "BRICS", "ASEAN", "Mercosur", "USMCA"],
    )
    assert res.normalize == "minmax" and "policy" not in res.shares  # a score: no shares
    assert res.share_basis == {"value_chain": "world", "market": "countries in the data"}
    want = res.to_frames()["composite"]
    np.testing.assert_allclose(comp["composite"], want["composite"], rtol=1e-12)
    assert list(comp["country"]) == list(want["country"])
    pq = pd.read_parquet(demo_dir / "tables" / "partners.parquet")
    pd.testing.assert_frame_equal(pq, res.partners, check_dtype=False)
    # the ranking in the HTML is the same
    top = comp[comp["year"] == 2016].iloc[0]["country"]
    html = (demo_dir / "report.html").read_text(encoding="utf-8")
    assert "Leading in 2016 on the composite index: " in html and f"({top})" in html


def test_python_dash_m_and_version() -> None:
    res = subprocess.run(
        [sys.executable, "-m", "sharecube", "--version"], capture_output=True, text=True, check=True
    )
    assert (
        res.stdout.strip() == f"sharecube {sc.__version__} (backends: {', '.join(sc.backends())})"
    )


@pytest.mark.parametrize("command", ["demo", "analyze", "shares", "share-sums", "bench"])
def test_help_has_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        cli.main([command, "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"sharecube {command}" in out


def test_existing_output_folder_is_not_clobbered(
    demo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "mine.txt").write_text("keep me")
    code, _, err = run(["demo", "-o", str(target)], capsys)
    assert code == 1
    assert (
        err.strip() == f"sharecube: error: {target}: already exists; pass --overwrite to replace it"
    )
    assert listing(target) == ["mine.txt"]
    # --overwrite replaces only a folder sharecube wrote: the user's folder is left alone
    code, _, err = run(["demo", "-o", str(target), "--overwrite", "-q"], capsys)
    assert code == 1 and err.count("\n") == 1
    assert "not a folder sharecube wrote (it has no .sharecube-output file)" in err
    assert listing(target) == ["mine.txt"]
    ours = tmp_path / "ours"
    assert run(["demo", "-o", str(ours), "-q"], capsys)[0] == 0
    (ours / "extra.txt").write_text("from the last run")
    code, _, _ = run(["demo", "-o", str(ours), "--overwrite", "-q"], capsys)
    assert code == 0 and (ours / "report.html").exists() and not (ours / "extra.txt").exists()
    assert listing(tmp_path) == [
        "ours",
        *[f"ours/{p}" for p in listing(ours)],
        "out",
        "out/mine.txt",
    ]  # no temporary or old folder left


def test_interrupt_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sharecube.report as report

    def boom(*a: object, **k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "chart_concentration", boom)
    code, _, err = run(["demo", "-o", str(tmp_path / "r")], capsys)
    assert code == 130 and "interrupted" in err
    assert listing(tmp_path) == []


# ---- analyze ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pillar_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("inputs")
    out = {}
    for name, da in datasets.load_cooperation().items():
        df = to_long(da.rename(name), "value")
        csv = folder / f"{name}.csv"
        df.to_csv(csv, index=False)
        df.to_parquet(folder / f"{name}.parquet", index=False)
        out[name] = csv
    return out


def digest(paths: list[Path]) -> list[str]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]


@pytest.mark.filterwarnings("ignore:1 country lacks a pillar")  # Brazil: data/README.md
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_analyze_one_file_per_pillar(
    fmt: str, pillar_files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [p.with_suffix(f".{fmt}") for p in pillar_files.values()]
    before = digest(files)
    code, out, err = run(
        [
            "analyze",
            *map(str, files),
            "-o",
            str(tmp_path / "rep"),
            "--weights",
            "value_chain=2,market=1,policy=1",
            "--normalize",
            "zscore",
            "--blocs",
            "EU,ASEAN",
        ],
        capsys,
    )
    assert code == 0, err
    assert "composite ranking, 2016" in out
    assert digest(files) == before  # inputs never modified
    res = cooperation_model(
        datasets.load_cooperation(),
        normalize="zscore",
        weights={"value_chain": 2, "market": 1, "policy": 1},
        blocs=["EU", "ASEAN"],
    )
    got = pd.read_csv(tmp_path / "rep" / "tables" / "composite.csv")
    np.testing.assert_allclose(
        got["composite"], res.to_frames()["composite"]["composite"], rtol=1e-12
    )
    blocs = pd.read_parquet(tmp_path / "rep" / "tables" / "blocs.parquet")
    assert set(blocs["bloc"]) == {"EU", "ASEAN"}


def test_analyze_one_file_with_a_pillar_column(
    pillar_files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frames = []
    for name, path in pillar_files.items():
        df = pd.read_csv(path).rename(columns={"country": "iso", "year": "yr", "value": "v"})
        frames.append(df.assign(kind=name))
    one = tmp_path / "all.csv"
    pd.concat(frames).to_csv(one, index=False, sep=";")
    code, _, err = run(
        [
            "analyze",
            str(one),
            "--pillar-column",
            "kind",
            "--country",
            "iso",
            "--year",
            "yr",
            "--value",
            "v",
            "--sep",
            ";",
            "--years",
            "2012-2016",
            "--format",
            "md",
            "-o",
            str(tmp_path / "rep"),
            "-q",
        ],
        capsys,
    )
    assert code == 0, err
    assert (tmp_path / "rep" / "report.md").exists()
    assert not (tmp_path / "rep" / "report.html").exists()
    comp = pd.read_csv(tmp_path / "rep" / "tables" / "composite.csv")
    assert sorted(comp["year"].unique()) == [2012, 2013, 2014, 2015, 2016]


# ---- shares and share-sums -------------------------------------------------------------------


def test_shares_and_share_sums_long_in_long_out(
    pillar_files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = pillar_files["policy"]
    cube = datasets.load_cooperation()["policy"]
    code, out, _ = run(["shares", str(src)], capsys)
    assert code == 0
    got = pd.read_csv(__import__("io").StringIO(out))
    assert list(got.columns) == ["country", "sector", "year", "share"]
    np.testing.assert_allclose(got["share"], sc.shares(cube.values, 0).ravel(), rtol=1e-15)
    dest = tmp_path / "s.parquet"
    assert run(["shares", str(src), "-o", str(dest)], capsys)[0] == 0
    assert len(pd.read_parquet(dest)) == cube.size

    code, _, _ = run(
        ["share-sums", str(src), "--blocs", "EU,BRICS", "-o", str(tmp_path / "b.csv")], capsys
    )
    assert code == 0
    b = pd.read_csv(tmp_path / "b.csv")
    eu = b[(b["bloc"] == "EU") & (b["year"] == 2016) & (b["sector"] == "tariffs")]["share_sum"]
    s = sc.shares(cube.values, 0)
    members = [
        i
        for i, c in enumerate(cube.country.values)
        if c in sc.Blocs.builtin("EU").members("EU", 2016)
    ]
    k = list(cube.sector.values).index("tariffs")
    assert float(eu.iloc[0]) == pytest.approx(s[members, k, -1].sum(), rel=1e-14)

    blocs = tmp_path / "blocs.csv"
    blocs.write_text("bloc,country,first_year\nNORTH,DEU,\nNORTH,SWE,2014\n")
    code, _, err = run(
        ["share-sums", str(src), "--blocs-file", str(blocs), "-o", str(tmp_path / "n.csv")], capsys
    )
    assert code == 0, err
    n = pd.read_csv(tmp_path / "n.csv")
    assert set(n["bloc"]) == {"NORTH"}


def test_bench_runs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["bench", "--shape", "20,50,4", "--repeat", "2"], capsys)
    assert code == 0
    assert "sharecube cpp" in out or "sharecube numpy" in out
    assert re.search(r"shares\s+numpy x / x.sum\(0\)\s+[\d.]+\s+1.0x", out)


@pytest.mark.parametrize("given", [None, "ACTIVE"])
def test_bench_puts_numbas_idle_threads_to_sleep(
    given: str | None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # numba's OpenMP workers spin after a call and slowed the C++ route timed after them 1.7x;
    # the bench tells them to sleep when idle, unless the user said otherwise
    if given is None:
        monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    else:
        monkeypatch.setenv("OMP_WAIT_POLICY", given)
    assert run(["bench", "--shape", "2,3,4", "--repeat", "1"], capsys)[0] == 0
    assert os.environ["OMP_WAIT_POLICY"] == (given or "PASSIVE")


# ---- bad input: one line naming file, column and line; nothing written -----------------------

GOOD = "country,sector,year,value\nDEU,a,2020,1\nFRA,a,2020,2\nUSA,a,2020,3\n"


@pytest.mark.parametrize(
    ("name", "content", "extra", "message"),
    [
        (
            "missing_col.csv",
            "country,sector,year,amount\nDEU,a,2020,1\n",
            [],
            "{f}: no column 'value'; the columns are ['country', 'sector', 'year', 'amount']",
        ),
        (
            "text.csv",
            "country,sector,year,value\nDEU,a,2020,1\nFRA,a,2020,n/a\n",
            [],
            "{f}, column 'value', line 3: 'n/a' is not a number",
        ),
        (
            "code.csv",
            "country,sector,year,value\nDEU,a,2020,1\nGermany,a,2020,2\n",
            [],
            "{f}, column 'country', line 3: unknown country code 'Germany'",
        ),
        (
            "year.csv",
            "country,sector,year,value\nDEU,a,2020.5,1\n",
            [],
            "{f}, column 'year', line 2: '2020.5' is not a whole year",
        ),
        (
            "label.csv",
            "country,sector,year,value\nDEU,a,2020,1\n,a,2020,2\n",
            [],
            "{f}, column 'country', line 3: empty label",
        ),
        ("empty.csv", "", [], "{f}: the file is empty"),
        ("header.csv", "country,sector,year,value\n", [], "{f}: the file has a header but no rows"),
        (
            "semi.csv",
            GOOD.replace(",", ";"),
            [],
            "{f}: found one column 'country;sector;year;value'; is the delimiter ';'? "
            "pass --sep ';'",
        ),
        (
            "latin1.csv",
            "country,sector,year,value\nDEU,caf\xe9,2020,1\n",
            [],
            "{f}: not UTF-8 text (byte 0xe9 at offset",
        ),
        (
            "dup.csv",
            GOOD + "DEU,a,2020,5\n",
            [],
            "{f}, line 5: a second row for country 'DEU', sector 'a', year 2020 (the first is "
            "on line 2); pass --duplicates sum to add such rows up",
        ),
        ("ok.csv", GOOD, ["--blocs", "EU,Atlantis"], "--blocs: unknown bloc 'Atlantis'"),
        ("trunc.parquet", None, [], "{f}: not a readable Parquet file"),
        ("missing.csv", None, [], "{f}: no such file"),
        ("table.xlsx", "x", [], "{f}: unknown file type '.xlsx'"),
    ],
)
@pytest.mark.parametrize("command", ["analyze", "share-sums"])
def test_bad_input(
    name: str,
    content: str | None,
    extra: list[str],
    message: str,
    command: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    src = tmp_path / "in" / name
    src.parent.mkdir()
    if content is not None:
        src.write_bytes(content.encode("latin-1" if "latin1" in name else "utf-8"))
    elif name.endswith(".parquet"):
        full = tmp_path / "full.parquet"
        pd.read_csv(__import__("io").StringIO(GOOD)).to_parquet(full)
        src.write_bytes(full.read_bytes()[:-20])
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    before = listing(tmp_path / "in")
    if command == "analyze":
        args = ["analyze", str(src), "-o", str(out_dir / "rep"), *extra]
    else:
        args = ["share-sums", str(src), "-o", str(out_dir / "b.csv"), *(extra or ["--blocs", "EU"])]
    code, _, err = run(args, capsys)
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err  # one line
    assert err.startswith("sharecube: error: " + message.format(f=src)), err
    assert listing(out_dir) == []  # nothing partial
    assert listing(tmp_path / "in") == before


def test_huge_file_is_refused_before_loading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sharecube import _io

    src = tmp_path / "big.csv"
    src.write_text(GOOD * 100)
    monkeypatch.setattr(_io, "available_memory", lambda: 4000)  # pretend: 4 kB of memory
    code, _, err = run(["shares", str(src), "-o", str(tmp_path / "o.csv")], capsys)
    assert code == 1
    assert "is too large to load into the 0.0 GB of memory available" in err
    assert not (tmp_path / "o.csv").exists()


def test_existing_output_file_is_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.csv"
    src.write_text(GOOD)
    dest = tmp_path / "out.csv"
    dest.write_text("mine")
    code, _, err = run(["shares", str(src), "-o", str(dest)], capsys)
    assert code == 1 and "already exists; pass --overwrite" in err
    assert dest.read_text() == "mine"
    assert run(["shares", str(src), "-o", str(dest), "--overwrite"], capsys)[0] == 0
    assert dest.read_text().startswith("country,sector,year,share")


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="no such file"):
        cli.main(["shares", str(tmp_path / "nope.csv"), "--debug"])


def test_bad_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.csv"
    src.write_text(GOOD)
    code, _, err = run(
        ["analyze", str(src), "--weights", "in=x", "-o", str(tmp_path / "r")], capsys
    )
    assert code == 1 and "--weights: 'x' is not a number" in err
    code, _, err = run(
        ["analyze", str(src), "--weights", "market=1", "-o", str(tmp_path / "r")], capsys
    )
    assert code == 1 and "weights for unknown pillar(s) ['market']" in err
    code, _, err = run(["shares", str(src), "--years", "2021-2019"], capsys)
    assert code == 1 and "--years: first year 2021 is after last year 2019" in err
    code, _, err = run(["bench", "--shape", "a,b"], capsys)
    assert code == 1 and "--shape" in err
    assert not (tmp_path / "r").exists()


def test_without_the_report_extra_the_error_says_what_to_install(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['pandas'] = None\n"  # as if pandas were not installed
        "from sharecube.cli import main\n"
        f"sys.exit(main(['demo', '-o', {str(tmp_path / 'r')!r}]))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 1
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    assert "pip install 'sharecube[report]'" in res.stderr
    assert not (tmp_path / "r").exists()


# ---- kinds, world totals, missing pillars on the command line --------------------------------


@pytest.fixture(scope="module")
def gaps_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    import gappy_panel

    folder = tmp_path_factory.mktemp("gaps")
    return folder, gappy_panel.write(folder)


def test_analyze_kinds_and_a_world_row(
    gaps_dir: tuple[Path, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, args = gaps_dir
    code, _, err = run(["analyze", *args, "-o", str(tmp_path / "r")], capsys)
    assert code == 0, err
    # the gaps are told in one line per warning, no source location or traceback
    lines = [x for x in err.splitlines() if x.strip()]
    assert lines == [
        "sharecube: warning: 5 countries lack a pillar in some years: ARG (patents 2015-2022), "
        "EGY (output 1990-1998), IND (patents 1990-2009), NGA (output 1990-2007; patents "
        "1990-2022), VNM (output 1990-2000); left out of the composite (missing='drop'; the "
        "list: result.missing)"
    ]
    pillars = pd.read_csv(tmp_path / "r" / "tables" / "pillars.csv")
    assert set(pillars[pillars["pillar"] == "policy"]["kind"]) == {"score"}
    assert pillars[pillars["pillar"] == "policy"]["share"].isna().all()
    assert set(pillars[pillars["pillar"] == "output"]["share_of"]) == {"world"}
    assert "WLD" not in set(pillars["country"])


def test_analyze_missing_pillar_choices(
    gaps_dir: tuple[Path, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, args = gaps_dir
    code, _, err = run(
        ["analyze", *args, "-o", str(tmp_path / "f"), "--missing-pillar", "fail"], capsys
    )
    assert code == 1 and not (tmp_path / "f").exists()
    assert err.startswith("sharecube: error: 5 countries lack a pillar") and err.count("\n") == 1
    code, _, err = run(
        ["analyze", *args, "-o", str(tmp_path / "a"), "--missing-pillar", "available", "-q"],
        capsys,
    )
    assert code == 0 and err == ""
    comp = pd.read_csv(tmp_path / "a" / "tables" / "composite.csv")
    assert comp[comp["country"] == "IND"]["partial"].sum() == 20  # patents 1990-2009
    assert comp["composite"].notna().all()


def test_analyze_world_table_and_bad_kinds(
    pillar_files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world = tmp_path / "world.csv"
    wld = datasets.load_cooperation_world()["value_chain"].to_series().reset_index()
    wld.columns = ["year", "value"]
    wld.to_csv(world, index=False)
    files = [f"{k}={v}" for k, v in pillar_files.items()]
    code, _, err = run(
        ["analyze", *files, "-o", str(tmp_path / "w"), "--world", f"value_chain={world}", "-q"],
        capsys,
    )
    assert code == 0, err
    pillars = pd.read_csv(tmp_path / "w" / "tables" / "pillars.csv")
    vc = pillars[(pillars["pillar"] == "value_chain") & (pillars["year"] == 2016)]
    usa = vc[vc["country"] == "USA"].iloc[0]
    assert usa["share"] == pytest.approx(usa["value"] / wld.set_index("year").loc[2016, "value"])
    for bad, msg in [
        (["--kind", "policy"], "--kind: expected PILLAR=quantity|score, got 'policy'"),
        (["--kind", "policy=index"], "--kind: 'index' for 'policy' is not one of quantity, score"),
        (["--kind", "tariffs=score"], "kinds for unknown pillar(s) ['tariffs']"),
        (["--kind", "policy=score", "--normalize", "shares"], "meaningless for a score"),
        (["--world", "value_chain"], "--world: expected PILLAR=FILE"),
    ]:
        code, _, err = run(["analyze", *files, "-o", str(tmp_path / "x"), *bad], capsys)
        assert code == 1 and msg in err and err.count("\n") == 1, (bad, err)
        assert not (tmp_path / "x").exists()
