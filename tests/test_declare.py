"""Adding a function is one declaration: its numpy function, dask route (split chunks included)
and accessor methods on DataArray and Dataset all come from it."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

import sharecube as sc
from sharecube._declare import DECLARATIONS, Stats, declare

da = pytest.importorskip("dask.array")
xr = pytest.importorskip("xarray")
import sharecube.labeled  # noqa: E402


def _mean(st: dict[str, np.ndarray], opts: dict[str, Any], pol: Any, size: int) -> np.ndarray:
    with np.errstate(all="ignore"):
        m = st["sum"] / st["count"]
    return np.where(st["count"] > 0, m, pol.fill) * opts["scale"]


@pytest.fixture
def mean_of() -> Any:
    """A test-only indicator, declared as the package's own are."""

    @declare(
        roles=("axis",),
        dims=(("dim", "country"),),
        result="reduce",
        checks={"scale": lambda v, name: float(v)},
        split=Stats(want=lambda opts: frozenset({"sum", "count"}), finish=_mean, tiny=()),
    )
    def mean_of(x: Any, axis: int = 0, *, scale: float = 1.0, **options: Unpack[Options]) -> Any:  # noqa: F821
        """Mean of the non-missing values along ``axis``, times ``scale``."""

    yield mean_of
    del DECLARATIONS["mean_of"]


def test_a_declaration_gives_the_numpy_function(mean_of: Any) -> None:
    params = list(inspect.signature(mean_of).parameters)
    assert params == [
        "x", "axis", "scale", "skipna", "zero_total", "dtype", "out", "backend", "threads"
    ]  # fmt: skip
    x = np.arange(24.0).reshape(2, 3, 4)
    x[0, 0, 0] = np.nan
    for backend in sc.backends():
        got = mean_of(x, 1, scale=2.0, backend=backend)
        np.testing.assert_allclose(got, 2 * np.nanmean(x, axis=1), rtol=1e-15)
    with pytest.raises(ValueError, match="zero_total must be"):
        mean_of(x, zero_total="one")


def test_a_declaration_gives_the_dask_route(mean_of: Any) -> None:
    rng = np.random.default_rng(3)
    x = rng.random((7, 6, 5))
    want = mean_of(x, 0)
    for chunks in [(7, 3, 2), (2, 6, 5), (3, 2, 4)]:  # the reduced axis whole, then split
        got = mean_of(da.from_array(x, chunks=chunks), 0)
        assert isinstance(got, da.Array)
        np.testing.assert_allclose(got.compute(), want, rtol=1e-15)


def test_a_declaration_gives_the_accessor_methods(mean_of: Any) -> None:
    x = xr.DataArray(
        np.arange(12.0).reshape(3, 4),
        dims=("country", "sector"),
        coords={"country": ["A", "B", "C"]},
        name="v",
    )
    got = x.sharecube.mean_of("country", scale=3.0)
    assert got.dims == ("sector",) and got.name == "v_mean_of"
    np.testing.assert_allclose(got, 3 * x.mean("country"))
    ds = xr.Dataset({"v": x, "w": x * 2})
    res = ds.sharecube.mean_of()
    assert set(res.data_vars) == {"v", "w"}
    np.testing.assert_allclose(res["w"], 2 * x.mean("country"))


def test_every_public_function_is_declared_and_has_every_route() -> None:
    names = {"shares", "share_sums", "group_sums", "hhi", "entropy", "rca"}
    names |= {"share_change", "similarity"}
    assert names <= set(DECLARATIONS)
    for name in names:
        assert getattr(sc, name) is DECLARATIONS[name].func
        assert callable(getattr(sharecube.labeled.ShareCubeAccessor, name))
        assert callable(getattr(sharecube.labeled.ShareCubeDatasetAccessor, name))
