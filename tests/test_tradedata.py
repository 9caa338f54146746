"""Readers of bilateral trade files (BACI, UN Comtrade bulk), on small files written in their
formats: no permissively licensed real bilateral sample is in the package registries
(src/sharecube/data/README.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
xr = pytest.importorskip("xarray")

import sharecube as sc  # noqa: E402
from sharecube._errors import InputError  # noqa: E402
from sharecube.tradedata import read_baci, read_comtrade  # noqa: E402

CODES = """country_code,country_name,country_iso2,country_iso3
4,Afghanistan,AF,AFG
76,Brazil,BR,BRA
156,China,CN,CHN
276,Germany,DE,DEU
842,USA,US,USA
"""


def baci(folder: Path) -> tuple[list[Path], Path, pd.DataFrame]:
    rows = pd.DataFrame(
        {
            "t": [2020, 2020, 2020, 2020, 2021, 2021, 2021],
            "i": [76, 156, 156, 842, 276, 156, 4],
            "j": [156, 842, 276, 156, 156, 842, 276],
            "k": ["010121", "850110", "850110", "010121", "870323", "850110", "010121"],
            "v": [12.5, 3000.25, 800.0, 77.0, 5000.0, 3200.5, 0.75],
            "q": ["1.2", "   NA", "40", "2", "800", "NA", "0.01"],
        }
    )
    files = []
    for yr, part in rows.groupby("t"):
        path = folder / f"BACI_HS17_Y{yr}_V202401.csv"
        part.to_csv(path, index=False)
        files.append(path)
    codes = folder / "country_codes_V202401.csv"
    codes.write_text(CODES, encoding="utf-8")
    return files, codes, rows


def test_read_baci_into_a_cube(tmp_path: Path) -> None:
    files, codes, rows = baci(tmp_path)
    cube = read_baci(files, codes)
    assert cube.dims == ("exporter", "importer", "product", "year")
    assert list(cube.exporter.values) == ["AFG", "BRA", "CHN", "DEU", "USA"]
    assert list(cube.exporter.values) == list(cube.importer.values)
    assert list(cube.year.values) == [2020, 2021]
    assert float(cube.sel(exporter="CHN", importer="USA", product="850110", year=2021)) == 3200.5
    assert float(cube.sum()) == pytest.approx(rows["v"].sum())
    assert int((cube > 0).sum()) == len(rows)  # flows not listed are 0
    q = read_baci(files, codes, value="q")
    assert np.isnan(q.sel(exporter="CHN", importer="USA", product="850110", year=2020))
    numeric = read_baci(files)  # without the code table, BACI's numeric codes
    assert "156" in numeric.exporter.values
    # the cube goes straight to the bilateral indicators
    tii = cube.sharecube.trade_intensity()
    assert tii.dims == ("exporter", "importer", "year")


def test_read_baci_into_a_zarr_store(tmp_path: Path) -> None:
    pytest.importorskip("zarr")
    pytest.importorskip("dask")
    files, codes, _ = baci(tmp_path)
    dense = read_baci(files, codes)
    store = tmp_path / "trade.zarr"
    lazy = read_baci(files, codes, store=store, dtype=np.float32)
    assert store.is_dir() and lazy.chunks is not None
    np.testing.assert_array_equal(lazy.values, dense.values.astype(np.float32))
    np.testing.assert_array_equal(
        sc.trade_intensity(lazy.data).compute(), sc.trade_intensity(lazy.values)
    )
    with pytest.raises(InputError, match="exists; choose a new path"):
        read_baci(files, codes, store=store)
    assert not list(tmp_path.glob(".trade.zarr.partial*"))


def test_read_baci_errors(tmp_path: Path) -> None:
    files, codes, rows = baci(tmp_path)
    bad = tmp_path / "bad.csv"
    rows.assign(v=rows["v"].astype(str).where(rows.index != 3, "lots")).to_csv(bad, index=False)
    with pytest.raises(InputError, match=r"bad.csv, column 'v', line 5: 'lots' is not a number"):
        read_baci(bad, codes)
    rows.drop(columns="k").to_csv(bad, index=False)
    with pytest.raises(InputError, match=r"bad\.csv: no column 'k'"):
        read_baci(bad, codes)
    rows.assign(i=rows["i"].where(rows.index != 2, 999)).to_csv(bad, index=False)
    with pytest.raises(InputError, match=r"column 'i', line 4: country code '999' is not in"):
        read_baci(bad, codes)
    pd.concat([rows, rows.iloc[:1]]).to_csv(bad, index=False)
    with pytest.raises(InputError, match=r"line 9: the flow BRA -> CHN.*listed twice"):
        read_baci(bad, codes)
    doubled = read_baci(bad, codes, duplicates="sum")
    assert float(doubled.sel(exporter="BRA", importer="CHN", year=2020).sum()) == 25.0
    with pytest.raises(InputError, match="not a BACI country code table"):
        read_baci(files, files[0])


def test_read_comtrade_current_and_legacy_layouts(tmp_path: Path) -> None:
    api = pd.DataFrame(
        {
            "refYear": [2022] * 7,
            "reporterISO": ["DEU", "DEU", "DEU", "DEU", "FRA", "FRA", "DEU"],
            "partnerISO": ["FRA", "W00", "CHN", "FRA", "DEU", "DEU", "FRA"],
            "cmdCode": ["8703", "8703", "8703", "TOTAL", "8703", "8703", "8703"],
            "flowCode": ["X", "X", "X", "X", "X", "M", "X"],
            "motCode": [0, 0, 0, 0, 0, 0, 2100],  # the last: by sea only, part of the total
            "customsCode": ["C00"] * 7,
            "partner2Code": [0] * 7,
            "primaryValue": [100.0, 900.0, 50.0, 400.0, 30.0, 95.0, 60.0],
        }
    )
    path = tmp_path / "comtrade.csv"
    api.to_csv(path, index=False)
    x = read_comtrade(path)
    assert list(x.exporter.values) == ["CHN", "DEU", "FRA"]  # World left out, CHN as partner
    assert list(x["product"].values) == ["8703"]  # the TOTAL rows left out
    assert float(x.sel(exporter="DEU", importer="FRA").sum()) == 100.0
    assert float(x.sel(exporter="FRA", importer="DEU").sum()) == 30.0
    m = read_comtrade(path, flow="M")  # FRA's imports from DEU: mirror data
    assert float(m.sel(exporter="DEU", importer="FRA").sum()) == 95.0
    legacy = pd.DataFrame(
        {
            "Year": [2015, 2015, 2015],
            "Reporter ISO": ["USA", "USA", "MEX"],
            "Partner ISO": ["MEX", "WLD", "USA"],
            "Commodity Code": ["8703", "8703", "8703"],
            "Trade Flow": ["Export", "Export", "Import"],
            "Trade Value (US$)": [10.0, 99.0, 8.0],
        }
    )
    old = tmp_path / "legacy.csv"
    legacy.to_csv(old, index=False)
    y = read_comtrade(old)
    assert list(y.exporter.values) == ["MEX", "USA"] and float(y.sum()) == 10.0
    with pytest.raises(InputError, match=r"comtrade.csv: no column 't'; the columns are"):
        read_baci(path)  # a Comtrade file is not a BACI one
    other = tmp_path / "other.csv"
    pd.DataFrame({"a": [1], "b": [2]}).to_csv(other, index=False)
    with pytest.raises(InputError, match=r"other\.csv: not a UN Comtrade bulk file"):
        read_comtrade(other)
    with pytest.raises(ValueError, match="flow must be 'X'"):
        read_comtrade(path, flow="both")


def test_bloc_trade_with_membership_by_year(tmp_path: Path) -> None:
    from sharecube import bilateral
    from sharecube.tradedata import bloc_trade

    files, codes, _ = baci(tmp_path)
    cube = read_baci(files, codes)
    blocs = sc.Blocs({"AM": ["BRA", ("USA", 2021, None)], "EA": ["CHN", "DEU", "JPN"]})
    ds = bloc_trade(cube, blocs)
    assert ds["members"].sel(bloc="AM").values.tolist() == [1, 2]  # USA from 2021
    assert ds.attrs["absent_members"] == {"EA": ["JPN"]}
    member = np.zeros((5, 2, 2), dtype=bool)
    codes_ = list(cube.exporter.values)
    member[codes_.index("BRA"), 0] = True
    member[codes_.index("USA"), 0, 1] = True
    member[[codes_.index("CHN"), codes_.index("DEU")], 1] = True
    want = bilateral.bloc_trade(cube.values, member)
    np.testing.assert_array_equal(ds["intensity"].values, want["intensity"])
    np.testing.assert_array_equal(ds["import_share"].values, want["import_share"])
    # EA in 2021: DEU -> CHN 5000 of EA's exports 5000 + 3200.5 (CHN -> USA)
    assert float(ds["intra_share"].sel(bloc="EA", year=2021)) == pytest.approx(5000 / 8200.5)


@pytest.mark.parametrize("store", [False, True])
def test_a_year_spread_over_files(tmp_path: Path, store: bool) -> None:
    """Two files of one year add up; a flow in both is refused unless duplicates='sum'."""
    if store:
        pytest.importorskip("zarr")
        pytest.importorskip("dask")
    _, codes, rows = baci(tmp_path)
    y20 = rows[rows["t"] == 2020]
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    y20.iloc[:2].to_csv(a, index=False)
    y20.iloc[2:].to_csv(b, index=False)
    kw = {"store": tmp_path / "s.zarr"} if store else {}
    cube = read_baci([a, b], codes, **kw)
    assert float(cube.sum()) == pytest.approx(y20["v"].sum())
    y20.iloc[1:].to_csv(b, index=False)  # row 1 in both files
    kw = {"store": tmp_path / "t.zarr"} if store else {}
    with pytest.raises(InputError, match=r"b\.csv, line 2: this flow is also in an earlier file"):
        read_baci([a, b], codes, **kw)
    kw = {"store": tmp_path / "u.zarr"} if store else {}
    both = read_baci([a, b], codes, duplicates="sum", **kw)
    assert float(both.sum()) == pytest.approx(y20["v"].sum() + y20["v"].iloc[1])
