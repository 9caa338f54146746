"""Long tables <-> cubes: round trips, duplicates, fill, errors."""

from __future__ import annotations

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
xr = pytest.importorskip("xarray")

from sharecube.tidy import from_long, to_long  # noqa: E402


def long_table(seed: int = 0, complete: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    idx = pd.MultiIndex.from_product(
        [["USA", "CHN", "DEU", "FRA"], ["B", "A", "C"], [2019, 2020, 2021]],
        names=["reporter", "hs", "yr"],
    )
    df = idx.to_frame(index=False)
    df["flow"] = rng.lognormal(size=len(df))
    df.loc[rng.random(len(df)) < 0.2, "flow"] = np.nan
    if not complete:
        df = df.sample(frac=0.6, random_state=seed)
    return df.reset_index(drop=True)


def test_round_trip_complete_table_with_nans() -> None:
    df = long_table()
    cube = from_long(df, dims=["reporter", "hs", "yr"], value="flow")
    assert cube.dims == ("reporter", "hs", "yr") and cube.shape == (4, 3, 3)
    assert list(cube.reporter.values) == ["CHN", "DEU", "FRA", "USA"]  # sorted
    back = to_long(cube)
    want = df.sort_values(["reporter", "hs", "yr"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(back, want, check_dtype=False)
    assert back["flow"].isna().sum() == df["flow"].isna().sum()


def test_round_trip_sparse_table() -> None:
    df = long_table(1, complete=False).dropna()
    cube = from_long(df, dims=["reporter", "hs", "yr"], value="flow", sort=False)
    assert list(cube.reporter.values) == list(dict.fromkeys(df["reporter"]))
    back = to_long(cube, dropna=True)
    key = ["reporter", "hs", "yr"]
    pd.testing.assert_frame_equal(
        back.sort_values(key).reset_index(drop=True),
        df.sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )
    zero = from_long(df, dims=key, value="flow", fill=0.0)
    assert np.count_nonzero(np.isnan(zero.values)) == 0
    assert (zero.values == 0).sum() == zero.size - len(df)


def test_duplicates_raise_or_sum() -> None:
    df = pd.DataFrame(
        {"country": ["A", "B", "A", "A"], "year": [1, 1, 1, 2], "value": [1.0, 2.0, 3.0, 4.0]}
    )
    with pytest.raises(ValueError, match=r"row 2 repeats the combination country='A', year=1"):
        from_long(df, dims=["country", "year"])
    cube = from_long(df, dims=["country", "year"], duplicates="sum")
    np.testing.assert_array_equal(cube.values, [[4.0, 4.0], [2.0, np.nan]])
    df.loc[2, "value"] = np.nan
    cube = from_long(df, dims=["country", "year"], duplicates="sum")
    assert np.isnan(cube.values[0, 0])


def test_dtypes_kept() -> None:
    df = pd.DataFrame({"c": ["A", "B"], "v": np.array([1.5, 2.5], dtype=np.float32)})
    assert from_long(df, dims=["c"], value="v").dtype == np.float32
    df = pd.DataFrame({"c": ["A", "B"], "v": [1, 2]})
    assert from_long(df, dims=["c"], value="v").dtype == np.float64


def test_large_shuffled_table_round_trip() -> None:
    """A million shuffled rows land in their cells and come back in cube order."""
    n_c, n_s, n_t = 100, 500, 20
    rng = np.random.default_rng(0)
    c = np.repeat(np.arange(n_c), n_s * n_t)
    s = np.tile(np.repeat(np.arange(n_s), n_t), n_c)
    t = np.tile(np.arange(n_t), n_c * n_s)
    v = rng.random(c.size)
    perm = rng.permutation(c.size)
    df = pd.DataFrame(
        {"country": c[perm], "sector": s[perm], "year": t[perm] + 2000, "value": v[perm]}
    )
    cube = from_long(df)
    np.testing.assert_array_equal(cube.values.ravel(), v)
    back = to_long(cube)
    assert len(back) == c.size and back["value"].to_numpy().tolist() == v.tolist()


def test_dataset_to_long() -> None:
    a = xr.DataArray([[1.0, np.nan]], dims=("c", "y"), coords={"c": ["A"], "y": [1, 2]})
    ds = xr.Dataset({"x": a, "z": a * 2})
    df = to_long(ds)
    assert list(df.columns) == ["c", "y", "x", "z"]
    assert to_long(ds, dropna=True).shape == (1, 4)


@pytest.mark.parametrize(
    ("kwargs", "exc", "msg"),
    [
        ({"dims": ["country", "nope"]}, ValueError, r"no column\(s\) \['nope'\]"),
        ({"value": "amount"}, ValueError, r"no column\(s\) \['amount'\]"),
        ({"dims": "country"}, TypeError, "dims must be a non-empty sequence"),
        ({"dims": ["country", "country"]}, ValueError, "dims repeats a column"),
        ({"dims": ["country", "value"]}, ValueError, "value column 'value' is also one of dims"),
        ({"duplicates": "mean"}, ValueError, "duplicates must be 'raise' or 'sum'"),
    ],
)
def test_bad_arguments(kwargs: dict, exc: type, msg: str) -> None:
    df = pd.DataFrame({"country": ["A"], "sector": ["x"], "year": [1], "value": [1.0]})
    with pytest.raises(exc, match=msg):
        from_long(df, **kwargs)


def test_bad_values_name_the_column_and_row() -> None:
    df = pd.DataFrame({"country": ["A", "B", "C"], "value": ["1", "2", "x"]})
    with pytest.raises(TypeError, match=r"column 'value' must be numeric.*'x' at row 2"):
        from_long(df, dims=["country"])
    df = pd.DataFrame({"country": ["A", None, "C"], "value": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="column 'country' has a missing label at row 1"):
        from_long(df, dims=["country"])
    with pytest.raises(TypeError, match="table must be a pandas DataFrame"):
        from_long({"country": ["A"]}, dims=["country"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="data must be an xarray DataArray or Dataset"):
        to_long(np.zeros(3))  # type: ignore[arg-type]


def test_input_table_not_modified() -> None:
    df = long_table()
    before = df.copy()
    from_long(df, dims=["reporter", "hs", "yr"], value="flow", duplicates="sum")
    pd.testing.assert_frame_equal(df, before)
