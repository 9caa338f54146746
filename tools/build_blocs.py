"""Build ``src/sharecube/data/blocs.csv`` and ``countries.csv`` from the countrygroups package.

Run once, offline, when the bloc table needs refreshing; sharecube does not need these packages
at run time. The sources are CC0:

- ``countrygroups`` (https://github.com/openclimatedata/countrygroups): member lists of EU, OECD,
  G7, G20, BRICS, OPEC, LDC and the UN statistical continents;
- ``shortcountrynames`` (same authors): ISO 3166 alpha-3 codes and short names.

Their data is from 2021 and has known errors; ``OVERRIDES`` below mends them and adds the
accession and exit years where membership changed, and ``EXTRA`` adds blocs the package lacks
(ASEAN, Mercosur, USMCA). Every override carries its reason, written into the table.

    pip install countrygroups==0.13.0 shortcountrynames==0.10.0
    python tools/build_blocs.py
"""

from __future__ import annotations

import csv
import io
import os
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "sharecube" / "data"

# bloc name in sharecube -> attribute path in countrygroups
SOURCE = {
    "EU": "EUROPEAN_UNION",
    "OECD": "OECD",
    "G7": "G7",
    "G20": "G20",
    "BRICS": "BRICS",
    "OPEC": "OPEC",
    "LDC": "LDC",
    "Africa": "UNSTATS_GEOGRAPHICAL_REGIONS.AFRICA",
    "Americas": "UNSTATS_GEOGRAPHICAL_REGIONS.AMERICAS",
    "Asia": "UNSTATS_GEOGRAPHICAL_REGIONS.ASIA",
    "Europe": "UNSTATS_GEOGRAPHICAL_REGIONS.EUROPE",
    "Oceania": "UNSTATS_GEOGRAPHICAL_REGIONS.OCEANIA",
}

# Codes the source lists that are not countries: dropped everywhere, with the reason.
NOT_COUNTRIES = {
    "EUU": "the European Union itself, listed as a G7/G20 member; not a country",
    "ANHH": "retired code of the Netherlands Antilles (dissolved 2010)",
}

# (bloc, country, first year, last year, reason): first/last blank = no limit. A row replaces
# the source's entry for that country (or adds one).
_EU = (
    [(c, 1958, "founding member, Treaty of Rome") for c in "BEL DEU FRA ITA LUX NLD".split()]
    + [(c, 1973, "first enlargement") for c in "DNK IRL".split()]
    + [("GRC", 1981, "accession"), ("ESP", 1986, "accession"), ("PRT", 1986, "accession")]
    + [(c, 1995, "accession") for c in "AUT FIN SWE".split()]
    + [(c, 2004, "2004 enlargement") for c in "CYP CZE EST HUN LVA LTU MLT POL SVK SVN".split()]
    + [(c, 2007, "accession") for c in "BGR ROU".split()]
    + [("HRV", 2013, "accession")]
)
_OECD_FOUNDERS = (
    "AUT BEL CAN DNK FRA DEU GRC ISL IRL LUX NLD NOR PRT ESP SWE CHE TUR GBR USA".split()
)
_OECD = (
    [(c, 1961, "founding member, OECD Convention in force 30 Sep 1961") for c in _OECD_FOUNDERS]
    + [("ITA", 1962, "accession"), ("JPN", 1964, "accession"), ("FIN", 1969, "accession")]
    + [("AUS", 1971, "accession"), ("NZL", 1973, "accession"), ("MEX", 1994, "accession")]
    + [("CZE", 1995, "accession"), ("HUN", 1996, "accession"), ("POL", 1996, "accession")]
    + [("KOR", 1996, "accession"), ("SVK", 2000, "accession"), ("CHL", 2010, "accession")]
    + [("SVN", 2010, "accession"), ("ISR", 2010, "accession"), ("EST", 2010, "accession")]
    + [("LVA", 2016, "accession"), ("LTU", 2018, "accession"), ("COL", 2020, "accession")]
    + [("CRI", 2021, "accession")]
)
OVERRIDES: list[tuple[str, str, int | None, int | None, str]] = (
    [("EU", c, y, None, why) for c, y, why in _EU]
    + [("EU", "GBR", 1973, 2019, "joined 1973; left 31 Jan 2020 (missing from the source)")]
    + [("OECD", c, y, None, why) for c, y, why in _OECD]
    + [("BRICS", c, 2009, None, "BRIC, first summit 2009") for c in "BRA RUS IND CHN".split()]
    + [("BRICS", "ZAF", 2011, None, "joined Dec 2010, first summit 2011")]
    + [
        ("BRICS", c, 2024, None, "2024 enlargement (missing from the 2021 source)")
        for c in "EGY ETH IRN ARE".split()
    ]
    + [("BRICS", "IDN", 2025, None, "joined Jan 2025 (missing from the 2021 source)")]
    + [("OPEC", "QAT", None, 2018, "left 1 Jan 2019 (the source still lists it)")]
    + [("OPEC", "ECU", None, 2019, "left 1 Jan 2020 (the source still lists it)")]
    + [("OPEC", "AGO", 2007, 2023, "joined 2007, left 1 Jan 2024 (the source still lists it)")]
    + [("OPEC", "GNQ", 2017, None, "joined 2017")]
    + [("OPEC", "COG", 2018, None, "joined 2018 (missing from the source)")]
)
EXTRA: list[tuple[str, str, int | None, int | None, str]] = (
    [
        ("ASEAN", c, 1967, None, "founding member, Bangkok Declaration")
        for c in "IDN MYS PHL SGP THA".split()
    ]
    + [("ASEAN", "BRN", 1984, None, "accession"), ("ASEAN", "VNM", 1995, None, "accession")]
    + [("ASEAN", c, 1997, None, "accession") for c in "LAO MMR".split()]
    + [("ASEAN", "KHM", 1999, None, "accession"), ("ASEAN", "TLS", 2025, None, "accession")]
    + [
        ("Mercosur", c, 1991, None, "founding member, Treaty of Asuncion")
        for c in "ARG BRA PRY URY".split()
    ]
    + [("Mercosur", "VEN", 2012, 2016, "full member 2012, suspended Dec 2016")]
    + [("Mercosur", "BOL", 2024, None, "full member July 2024")]
    + [("USMCA", c, None, None, "USMCA (NAFTA until 2020)") for c in "CAN MEX USA".split()]
)

FIELDS = ["bloc", "country", "first_year", "last_year", "note"]


def _get(module: object, path: str) -> list[str]:
    obj = module
    for part in path.split("."):
        obj = getattr(obj, part)
    return list(obj)  # type: ignore[call-overload]


def build() -> tuple[str, str]:
    import countrygroups
    import shortcountrynames

    rows: dict[tuple[str, str], tuple[str, str, str]] = {}
    for bloc, path in SOURCE.items():
        for code in _get(countrygroups, path):
            if code in NOT_COUNTRIES:
                continue
            rows[bloc, code] = ("", "", "countrygroups 0.13.0")
    for bloc, code, first, last, why in OVERRIDES + EXTRA:
        rows[bloc, code] = (
            "" if first is None else str(first),
            "" if last is None else str(last),
            why,
        )
    names = shortcountrynames.names
    unknown = sorted({c for _, c in rows if c not in names})
    if unknown:
        raise SystemExit(f"codes without a country name: {unknown}")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(FIELDS)
    order = [*SOURCE, "ASEAN", "Mercosur", "USMCA"]
    for (bloc, code), rest in sorted(
        rows.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1])
    ):
        w.writerow([bloc, code, *rest])
    cbuf = io.StringIO()
    cw = csv.writer(cbuf, lineterminator="\n")
    cw.writerow(["iso3", "name"])
    for code in sorted(k for k in names if len(k) == 3):
        cw.writerow([code, names[code]])
    return buf.getvalue(), cbuf.getvalue()


def write_whole(path: Path, text: str) -> None:
    """Writes ``text`` to ``path`` whole or not at all (a temporary file, then a rename)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(tmp, path)


if __name__ == "__main__":
    blocs, countries = build()
    write_whole(OUT / "blocs.csv", blocs)
    write_whole(OUT / "countries.csv", countries)
    print(
        f"wrote {OUT / 'blocs.csv'} ({blocs.count(chr(10)) - 1} rows) and countries.csv",
        file=sys.stderr,
    )
