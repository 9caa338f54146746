from __future__ import annotations

import os
import sys

import pytest

# the tests import the benchmark modules (routes, floors) by name, from any working directory
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--cube-shape",
        default="200,5000,30",
        help="shape of the large cube, comma separated (default: 200,5000,30, 240 MB in float64)",
    )


def pytest_configure(config: pytest.Config) -> None:
    shape = tuple(int(n) for n in config.getoption("--cube-shape").split(","))
    config.stash[CUBE_SHAPE] = shape


CUBE_SHAPE = pytest.StashKey[tuple]()


@pytest.fixture(scope="session")
def cube_shape(request: pytest.FixtureRequest) -> tuple:
    return request.config.stash[CUBE_SHAPE]
