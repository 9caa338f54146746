"""Blocs: built-in table, overrides, membership years, tables, unknown codes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from sharecube.blocs import Blocs, as_blocs, builtin_names, country_names


def test_builtin_names_cover_the_common_blocs() -> None:
    names = builtin_names()
    for b in [
        "EU",
        "OECD",
        "G7",
        "G20",
        "BRICS",
        "ASEAN",
        "Mercosur",
        "USMCA",
        "OPEC",
        "Africa",
        "Americas",
        "Asia",
        "Europe",
        "Oceania",
    ]:
        assert b in names


def test_builtin_overrides_mend_the_source() -> None:
    b = Blocs.builtin()
    codes = {m.country for ms in b.values() for m in ms}
    # the source lists the EU itself in G7/G20 and a retired code; both are not countries
    assert "EUU" not in codes and "ANHH" not in codes
    assert codes <= set(country_names())
    assert len(b.members("G7")) == 7 and len(b.members("G20")) == 19
    assert "COG" in b.members("OPEC", 2020) and "QAT" not in b.members("OPEC", 2020)


@pytest.mark.parametrize(
    ("bloc", "year", "n"),
    [
        ("EU", 1958, 6),
        ("EU", 1973, 9),
        ("EU", 1995, 15),
        ("EU", 2004, 25),
        ("EU", 2013, 28),
        ("EU", 2019, 28),
        ("EU", 2020, 27),
        ("OECD", 1961, 19),
        ("OECD", 1962, 20),
        ("OECD", 2021, 38),
        ("BRICS", 2010, 4),
        ("BRICS", 2011, 5),
        ("BRICS", 2024, 9),
        ("BRICS", 2025, 10),
        ("ASEAN", 1967, 5),
        ("ASEAN", 1999, 10),
        ("ASEAN", 2025, 11),
    ],
)
def test_builtin_membership_over_time(bloc: str, year: int, n: int) -> None:
    assert len(Blocs.builtin(bloc).members(bloc, year)) == n


def test_builtin_table_matches_its_build_script() -> None:
    """The bundled CSV is what tools/build_blocs.py makes from countrygroups (when installed)."""
    if importlib.util.find_spec("countrygroups") is None:
        pytest.skip("countrygroups is not installed (only needed to rebuild the bloc table)")
    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("build_blocs", root / "tools/build_blocs.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    blocs, countries = mod.build()
    data = root / "src/sharecube/data"
    assert blocs == (data / "blocs.csv").read_text(encoding="utf-8")
    assert countries == (data / "countries.csv").read_text(encoding="utf-8")


def test_membership_matrix_with_years() -> None:
    b = Blocs({"EU": ["DEU", ("GBR", 1973, 2019)], "X": [("USA", 2020, None)]})
    m = b.membership(["GBR", "DEU", "USA"], years=[2019, 2020])
    assert m.shape == (2, 3, 2)
    np.testing.assert_array_equal(m[0], [[1, 0], [1, 0], [0, 0]])
    np.testing.assert_array_equal(m[1], [[0, 0], [1, 0], [0, 1]])
    # without years every member counts
    np.testing.assert_array_equal(b.membership(["GBR", "USA"]), [[1, 0], [0, 1]])
    dates = np.array(["2019-06-30", "2020-01-01"], dtype="datetime64[D]")
    np.testing.assert_array_equal(b.membership(["GBR"], years=dates)[:, 0, 0], [True, False])


def test_absent_members_are_reported_and_unknown_codes_raise() -> None:
    b = Blocs({"EU": ["DEU", "FRA", "LUX"]})
    assert b.check(["DEU", "FRA"]) == {"EU": ["LUX"]}
    with pytest.raises(ValueError, match=r"unknown country codes in blocs.*EU: DUE"):
        Blocs({"EU": ["DEU", "DUE"]}).membership(["DEU", "FRA"])
    # labels of the data itself are accepted even when they are not ISO codes
    assert Blocs({"south": ["region-1"]}).check(["region-1"]) == {}


def test_from_table_long_and_wide() -> None:
    pd = pytest.importorskip("pandas")
    long = pd.DataFrame(
        {
            "group": ["EU", "EU", "X"],
            "iso": ["DEU", "GBR", "USA"],
            "first_year": [None, 1973, np.nan],
            "last_year": ["", "2019", None],
        }
    )
    b = Blocs.from_table(long, bloc="group", country="iso")
    assert b.members("EU", 2020) == ["DEU"] and b.members("EU", 2000) == ["DEU", "GBR"]
    wide = pd.DataFrame(
        {"EU": [True, True, False], "X": [False, False, True]}, index=["DEU", "GBR", "USA"]
    )
    assert Blocs.from_table(wide).members("EU") == ["DEU", "GBR"]
    with pytest.raises(ValueError, match=r"no column 'bloc'; its columns: \['group'"):
        Blocs.from_table(long.rename(columns={"iso": "x"}), country="iso", bloc="bloc")
    with pytest.raises(ValueError, match="first year must be a whole year or empty, got 'soon'"):
        Blocs.from_table({"bloc": ["EU"], "country": ["DEU"], "first_year": ["soon"]})


@pytest.mark.parametrize(
    ("spec", "exc", "msg"),
    [
        ({"EU": "DEU"}, TypeError, "bloc 'EU': members must be a list"),
        ({"EU": []}, ValueError, "bloc 'EU' has no members"),
        ({"EU": ["DEU", "DEU"]}, ValueError, "bloc 'EU' lists country 'DEU' twice"),
        ({"EU": [("GBR", 2020, 2019)]}, ValueError, "first year 2020 after last year 2019"),
        ({"EU": [3]}, TypeError, "a member must be a country code"),
        ({"EU": [""]}, ValueError, "empty country code"),
        ({1: ["DEU"]}, TypeError, "a bloc name must be a non-empty str"),
        ("Atlantis", ValueError, r"unknown bloc name\(s\) \['Atlantis'\]"),
        (3.5, TypeError, "blocs must be a Blocs, a dict"),
    ],
)
def test_bad_blocs(spec: object, exc: type, msg: str) -> None:
    with pytest.raises(exc, match=msg):
        as_blocs(spec)


def test_as_blocs_forms() -> None:
    assert as_blocs(["EU", "G7"]).names == ["EU", "G7"]
    b = Blocs({"A": ["DEU"]})
    assert as_blocs(b) is b
    assert (b | Blocs({"B": ["FRA"]})).names == ["A", "B"]
    assert as_blocs({"A": ["DEU"]}).members("A") == ["DEU"]


def test_a_member_can_leave_and_join_again() -> None:
    b = Blocs({"EU": ["DEU", ("GBR", 1973, 2019), ("GBR", 2030, None)]})
    assert b.members("EU", 2020) == ["DEU"]
    assert b.members("EU", 2031) == ["DEU", "GBR"]
    assert b.members("EU") == ["DEU", "GBR"]
    m = b.membership(["DEU", "GBR"], years=[1970, 1980, 2020, 2035])
    np.testing.assert_array_equal(m[:, 1, 0], [False, True, False, True])
    with pytest.raises(ValueError, match="lists country 'GBR' twice in overlapping periods"):
        Blocs({"EU": [("GBR", 1973, 2019), ("GBR", 2019, None)]})


@pytest.mark.parametrize("year", [float("inf"), float("-inf"), "inf"])
def test_an_infinite_membership_year_is_a_clean_error(year: float) -> None:
    with pytest.raises(ValueError, match="first year must be a whole year or empty"):
        Blocs({"EU": [("GBR", year, 2019)]})
