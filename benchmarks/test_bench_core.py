"""shares and share_sums: every route of benchmarks/routes.py on every case, in one group per
case so that pytest-benchmark shows numpy and the backends side by side."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from routes import ROUTES, cases, make_cube, reference

_CUBES: dict = {}


def _cube(shape, dtype):
    key = (shape, np.dtype(dtype).name)
    if key not in _CUBES:
        _CUBES.clear()  # keep one large cube in memory at a time
        _CUBES[key] = make_cube(shape, dtype)
    return _CUBES[key]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        shape = tuple(int(n) for n in metafunc.config.getoption("--cube-shape").split(","))
        all_cases = cases(shape)
        metafunc.parametrize("case", all_cases, ids=[c[0] for c in all_cases])
        metafunc.parametrize("route", list(ROUTES))


def test_route(benchmark, case, route) -> None:
    name, shape, dtype, spec = case
    x = _cube(shape, dtype)
    fn = ROUTES[route](x, spec)
    if fn is None:
        pytest.skip(f"{route} does not apply to {name}")
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    benchmark.group = name
    benchmark.extra_info.update(
        route=route, case=name, peak_mb=peak / 2**20, cube_mb=x.nbytes / 2**20
    )
    small = x.size < 100_000
    result = benchmark.pedantic(
        fn, rounds=200 if small else 9, warmup_rounds=1, iterations=20 if small else 1
    )
    if not route.startswith("floor"):  # the floors compute no shares
        rtol = 1e-5 if dtype == np.float32 else 1e-10
        np.testing.assert_allclose(result, reference(x, spec), rtol=rtol)
