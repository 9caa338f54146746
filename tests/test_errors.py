"""Bad input gets a ValueError/TypeError naming the parameter and the offending value."""

from __future__ import annotations

import numpy as np
import pytest

import sharecube as sc

X = np.arange(24, dtype=np.float64).reshape(2, 3, 4)

SHARES_CASES = [
    # (kwargs, exception, message regex)
    ({"axis": 3}, np.exceptions.AxisError, r"axis=3 is out of bounds for an array of 3"),
    ({"axis": -4}, np.exceptions.AxisError, r"axis=-4 is out of bounds"),
    ({"axis": (0, 0)}, ValueError, r"axis=\(0, 0\) repeats an axis"),
    ({"axis": 1.5}, TypeError, r"axis must be an int, a tuple of ints or None, got 1.5"),
    ({"axis": [0, 1]}, TypeError, r"axis must be an int, a tuple of ints or None, got \[0, 1\]"),
    ({"axis": True}, TypeError, r"axis must be an int"),
    ({"skipna": "yes"}, TypeError, r"skipna must be True or False, got 'yes'"),
    ({"zero_total": "inf"}, ValueError, r"zero_total must be 'nan' or 'zero', got 'inf'"),
    ({"zero_total": None}, ValueError, r"zero_total must be 'nan' or 'zero', got None"),
    ({"dtype": np.int32}, TypeError, r"dtype must be float32 or float64, got int32"),
    ({"dtype": "nonsense"}, TypeError, r"dtype must be float32 or float64, got 'nonsense'"),
    ({"out": np.empty((2, 3))}, ValueError, r"out has shape \(2, 3\), expected \(2, 3, 4\)"),
    (
        {"out": np.empty((2, 3, 4), dtype=np.int64)},
        TypeError,
        r"out has dtype int64, expected float64",
    ),
    ({"out": np.empty((2, 3, 4), ">f8")}, TypeError, r"out has dtype >f8, expected float64"),
    ({"out": [0.0] * 24}, TypeError, r"out must be a numpy.ndarray, got list"),
    ({"out": np.broadcast_to(np.empty(4), (2, 3, 4))}, ValueError, r"out is read-only"),
    (
        {"dtype": np.float32, "out": np.empty((2, 3, 4))},
        TypeError,
        r"out has dtype float64, expected float32",
    ),
    (
        {"backend": "cuda"},
        ValueError,
        r"backend must be one of 'cpp', 'numba', 'numpy' or None, got 'cuda'",
    ),
    ({"threads": 0}, ValueError, r"threads must be a positive int or None, got 0"),
    ({"threads": 2.0}, TypeError, r"threads must be a positive int or None, got 2.0"),
]


@pytest.mark.parametrize("backend", sc.backends())
@pytest.mark.parametrize(("kwargs", "exc", "match"), SHARES_CASES)
def test_shares_bad_arguments(backend: str, kwargs: dict, exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        sc.shares(X, **{"backend": backend, **kwargs})


def _for_share_sums(case: tuple) -> tuple:
    """The same bad argument given to share_sums(X, groups=[0, 0]), whose result is (1, 3, 4)."""
    kwargs, exc, match = case
    kwargs = {
        k: np.empty((1, 3, 4), v.dtype)
        if k == "out" and getattr(v, "shape", None) == (2, 3, 4) and v.flags.writeable
        else v
        for k, v in kwargs.items()
    }
    return kwargs, exc, match.replace(r"expected \(2, 3, 4\)", r"expected \(1, 3, 4\)")


@pytest.mark.parametrize("backend", sc.backends())
@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [_for_share_sums(c) for c in SHARES_CASES if "axis" not in c[0] and "read-only" not in c[2]],
)
def test_share_sums_bad_arguments(backend: str, kwargs: dict, exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        sc.share_sums(X, [0, 0], **{"backend": backend, **kwargs})


@pytest.mark.parametrize(
    ("x", "match"),
    [
        (np.ones(3, dtype=complex), r"x has dtype complex128; sharecube works on float64"),
        (np.array(["a", "b"]), r"x has dtype <U1"),
        (np.array([1, "a"], dtype=object), r"x has dtype object"),
        (np.array(["2020-01-01"], dtype="datetime64[D]"), r"x has dtype datetime64\[D\]"),
        (np.ones(3, dtype=np.longdouble), r"x has dtype float128"),
        (np.zeros(2, dtype=[("a", "f8")]), r"x has dtype"),
    ],
)
def test_unsupported_dtypes(x: np.ndarray, match: str) -> None:
    with pytest.raises(TypeError, match=match):
        sc.shares(x)
    with pytest.raises(TypeError, match=match):
        sc.share_sums(x)


GROUP_CASES = [
    ({"groups": [0, 1, 2]}, ValueError, r"groups has 3 labels but axis 0 has length 2"),
    ({"groups": [0, 1], "axis": 2}, ValueError, r"groups has 2 labels but axis 2 has length 4"),
    ({"groups": [0, -2]}, ValueError, r"groups contains label -2; labels must be >= -1"),
    ({"groups": [0, 5], "ngroups": 3}, ValueError, r"groups contains label 5 but ngroups is 3"),
    ({"groups": [0.0, 1.0]}, TypeError, r"groups as labels must be integers .* got dtype float64"),
    ({"groups": [0.0, np.nan]}, TypeError, r"groups as labels must be integers"),
    ({"groups": [True, False]}, TypeError, r"groups as labels must be integers .* got dtype bool"),
    (
        {"groups": np.ones((3, 2), bool)},
        ValueError,
        r"groups has shape \(3, 2\) but axis 0 has length 2",
    ),
    (
        {"groups": np.ones((2, 2), int)},
        TypeError,
        r"membership matrix must be boolean, got dtype int64",
    ),
    (
        {"groups": np.ones((2, 2), bool), "ngroups": 3},
        ValueError,
        r"ngroups is 3 but groups has 2 columns",
    ),
    (
        {"groups": np.ones((2, 2, 2), bool)},
        ValueError,
        r"groups must be 1-D labels or a 2-D membership matrix, got 3",
    ),
    (
        {"groups": [0, 1], "ngroups": -1},
        ValueError,
        r"ngroups must be a non-negative int or None, got -1",
    ),
    (
        {"groups": [0, 1], "ngroups": 2.5},
        TypeError,
        r"ngroups must be a non-negative int or None, got 2.5",
    ),
    (
        {"groups": [0, 1], "axis": (0, 1)},
        TypeError,
        r"axis must be a single int when groups are given, got \(0, 1\)",
    ),
    (
        {"groups": [0, 1], "axis": None},
        TypeError,
        r"axis must be a single int when groups are given, got None",
    ),
    (
        {"groups": [0, 1], "out": np.empty((2, 3, 4))[:1]},
        ValueError,
        r"out has shape \(1, 3, 4\), expected \(2, 3, 4\)",
    ),
    (
        {"groups": None, "out": np.empty((2, 3, 4))},
        ValueError,
        r"out has shape \(2, 3, 4\), expected \(3, 4\)",
    ),
]


@pytest.mark.parametrize("backend", sc.backends())
@pytest.mark.parametrize(("kwargs", "exc", "match"), GROUP_CASES)
def test_share_sums_bad_groups(backend: str, kwargs: dict, exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        sc.share_sums(X, backend=backend, **kwargs)


def test_unknown_backend_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from sharecube import _dispatch

    monkeypatch.setenv("SHARECUBE_BACKEND", "fortran")
    _dispatch.reload_environment()
    try:
        with pytest.raises(ValueError, match=r"SHARECUBE_BACKEND must be one of .* got 'fortran'"):
            sc.shares(X)
    finally:
        monkeypatch.undo()
        _dispatch.reload_environment()
