"""The whole cooperation model against the same computation in plain numpy/pandas.

Four pillars on the large cube (``--cube-shape``, default 200 x 5000 x 30): value chain and
technology as country x sector x year, market and policy as country x year. Both sides compute
the pillar aggregates, shares, composite, ranks and rank changes, RCA and similarity in the
analysis year and the HHI per sector and year (``tests/plain_model.py`` is the plain side).
The peak of the memory allocated during one run, beyond the inputs, goes into extra_info
(numpy reports its allocations to tracemalloc).
"""

from __future__ import annotations

import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

xr = pytest.importorskip("xarray")
pd = pytest.importorskip("pandas")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import plain_model  # noqa: E402

from sharecube.cooperation import cooperation_model  # noqa: E402
from sharecube.tidy import from_long  # noqa: E402


@pytest.fixture(scope="module")
def pillars(cube_shape: tuple) -> dict[str, xr.DataArray]:
    c, s, t = cube_shape
    rng = np.random.default_rng(0)
    coords = {
        "country": [f"C{i:03d}" for i in range(c)],
        "sector": np.arange(s),
        "year": np.arange(2000, 2000 + t),
    }
    out = {}
    for name in ("value_chain", "technology"):
        out[name] = xr.DataArray(
            rng.lognormal(0.0, 2.0, size=(c, s, t)),
            dims=("country", "sector", "year"),
            coords=coords,
        )
    for name in ("market", "policy"):
        out[name] = xr.DataArray(
            rng.lognormal(size=(c, t)),
            dims=("country", "year"),
            coords={"country": coords["country"], "year": coords["year"]},
        )
    return out


def _peak_mb(fn) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


@pytest.mark.benchmark(group="cooperation model")
def test_model_sharecube(benchmark, pillars, cube_shape) -> None:
    run = lambda: cooperation_model(pillars, partners=3)  # noqa: E731
    res = benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=1)
    ref = plain_model.model(
        {k: v.values[:, :, -3:] if v.ndim == 3 else v.values[:, -3:] for k, v in pillars.items()}
    )
    np.testing.assert_allclose(res.composite.values[:, -3:], ref["composite"], rtol=1e-9)
    benchmark.extra_info["peak_extra_MB"] = round(_peak_mb(run), 1)
    benchmark.extra_info["cube_MB"] = round(np.prod(cube_shape) * 8 / 2**20, 1)


@pytest.mark.benchmark(group="cooperation model")
def test_model_plain_numpy_pandas(benchmark, pillars, cube_shape) -> None:
    arrays = {k: v.values for k, v in pillars.items()}
    run = lambda: plain_model.model(arrays)  # noqa: E731
    res = benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=0)
    assert np.isfinite(res["composite"]).all()
    benchmark.extra_info["peak_extra_MB"] = round(_peak_mb(run), 1)
    benchmark.extra_info["cube_MB"] = round(np.prod(cube_shape) * 8 / 2**20, 1)


@pytest.fixture(scope="module")
def long_table() -> pd.DataFrame:
    c, s, t = 200, 500, 30  # 3 million rows
    rng = np.random.default_rng(0)
    idx = pd.MultiIndex.from_product(
        [[f"C{i:03d}" for i in range(c)], np.arange(s), np.arange(2000, 2000 + t)],
        names=["country", "sector", "year"],
    )
    df = idx.to_frame(index=False)
    df["value"] = rng.random(len(df))
    return df.sample(frac=1.0, random_state=0).reset_index(drop=True)


@pytest.mark.benchmark(group="long table to cube (3M rows)")
def test_from_long_sharecube(benchmark, long_table) -> None:
    cube = benchmark.pedantic(lambda: from_long(long_table), rounds=3, iterations=1)
    assert cube.shape == (200, 500, 30) and not np.isnan(cube.values).any()


@pytest.mark.benchmark(group="long table to cube (3M rows)")
def test_from_long_pandas(benchmark, long_table) -> None:
    run = lambda: long_table.set_index(["country", "sector", "year"])["value"].to_xarray()  # noqa: E731
    cube = benchmark.pedantic(run, rounds=3, iterations=1)
    assert cube.shape == (200, 500, 30)
