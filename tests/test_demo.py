"""The README's first command: python -m sharecube demo."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

import sharecube as sc
from sharecube import datasets


def test_demo_prints_shares_blocs_and_indicators() -> None:
    res = subprocess.run(
        [sys.executable, "-m", "sharecube", "demo"], capture_output=True, text=True, check=True
    )
    for heading in ("World shares", "Bloc share sums", "HHI", "comparative advantage"):
        assert heading in res.stdout
    cube = datasets.load_sample()
    s = sc.shares(cube.values, axis=0)
    # the printed CHN autos share in the last year is the computed one
    assert f"{s[0, 0, -1]:12.4f}" in res.stdout


def test_sample_cube_is_complete_and_blocs_are_known() -> None:
    cube = datasets.load_sample()
    assert cube.values.shape == (len(cube.countries), len(cube.sectors), len(cube.years))
    assert not np.isnan(cube.values).any()
    for members in cube.blocs.values():
        assert set(members) <= set(cube.countries)


def test_version() -> None:
    res = subprocess.run(
        [sys.executable, "-m", "sharecube", "--version"], capture_output=True, text=True, check=True
    )
    assert res.stdout.strip() == sc.__version__
