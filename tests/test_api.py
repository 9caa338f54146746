"""The API's conventions: out=, in-place, overlap, backend choice, docs."""

from __future__ import annotations

import doctest
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import sharecube as sc
import sharecube.share


def test_backends_lists_what_is_here() -> None:
    names = sc.backends()
    assert names[-1] == "numpy"
    assert list(names) == [b for b in ("cpp", "numba", "numpy") if b in names]


@pytest.mark.skipif(os.environ.get("SHARECUBE_REQUIRE_CPP") != "1", reason="CI-only check")
def test_ci_has_every_backend() -> None:
    # .ci/run sets SHARECUBE_REQUIRE_CPP=1: a failed C++ build must fail CI, not fall back.
    assert sc.backends() == ("cpp", "numba", "numpy")


@pytest.mark.skipif(os.environ.get("SHARECUBE_EXPECT_NO_CPP") != "1", reason="CI-only check")
def test_an_install_without_the_extension_works_and_says_so() -> None:
    # .ci/run installs a wheel built with -DSHARECUBE_EXTENSION=OFF, as where no compiler is
    from sharecube.cli import version_line

    assert "cpp" not in sc.backends()
    assert "the C++ backend is not built here" in version_line()
    np.testing.assert_array_equal(sc.shares([1.0, 3.0]), [0.25, 0.75])
    with pytest.raises(ValueError, match="backend='cpp' is not available here"):
        sc.shares([1.0], backend="cpp")


def test_default_backend_is_the_fastest(monkeypatch: pytest.MonkeyPatch) -> None:
    from sharecube import _dispatch

    monkeypatch.delenv("SHARECUBE_BACKEND", raising=False)
    _dispatch.reload_environment()
    fastest = {"cpp": "_cpp", "numba": "_numba", "numpy": "_reference"}[sc.backends()[0]]
    assert _dispatch.resolve_backend(None).__name__ == f"sharecube.{fastest}"
    monkeypatch.setenv("SHARECUBE_BACKEND", "numpy")
    _dispatch.reload_environment()
    try:
        assert _dispatch.resolve_backend(None).__name__ == "sharecube._reference"
    finally:
        monkeypatch.undo()
        _dispatch.reload_environment()


def test_environment_variable_chooses_the_default_in_a_new_process() -> None:
    code = "import sharecube._dispatch as d; print(d.resolve_backend(None).__name__)"
    env = {**os.environ, "SHARECUBE_BACKEND": "numpy"}
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert res.stdout.strip() == "sharecube._reference", res.stderr


def test_in_place(backend: str) -> None:
    x = np.arange(1.0, 13.0).reshape(3, 4)
    want = x / x.sum(axis=1, keepdims=True)
    res = sc.shares(x, axis=1, out=x, backend=backend)
    assert res is x
    np.testing.assert_allclose(x, want, rtol=1e-15)


def test_overlapping_out_is_not_corrupted(backend: str) -> None:
    # out overlaps x shifted by one element: the result must be as if out were separate.
    buf = np.arange(1.0, 14.0)
    x, out = buf[:12].reshape(3, 4), buf[1:13].reshape(3, 4)
    want = x / x.sum(axis=0)
    sc.shares(x, axis=0, out=out, backend=backend)
    np.testing.assert_allclose(out, want, rtol=1e-15)
    x2 = np.arange(1.0, 13.0).reshape(3, 4)
    res = sc.share_sums(x2, [0, 1, 0], axis=0, out=x2[:2], backend=backend)
    np.testing.assert_allclose(
        res,
        [
            [(1 + 9) / 15, (2 + 10) / 18, (3 + 11) / 21, (4 + 12) / 24],
            [5 / 15, 6 / 18, 7 / 21, 8 / 24],
        ],
        rtol=1e-15,
    )


def test_zero_totals_and_no_warnings(backend: str) -> None:
    x = np.array([[0.0, 1.0, np.nan], [0.0, -1.0, np.nan]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s_nan = sc.shares(x, axis=0, backend=backend)
        s_zero = sc.shares(x, axis=0, zero_total="zero", backend=backend)
        g = sc.share_sums(x, [0, -1], axis=0, zero_total="zero", backend=backend)
    np.testing.assert_array_equal(s_nan, np.full((2, 3), np.nan))
    np.testing.assert_array_equal(s_zero, [[0.0, 0.0, np.nan], [0.0, 0.0, np.nan]])
    np.testing.assert_array_equal(g, [[0.0, 0.0, 0.0]])


def test_skipna_policies(backend: str) -> None:
    x = np.array([[1.0, 1.0], [np.nan, 1.0], [3.0, 2.0]])
    np.testing.assert_array_equal(
        sc.shares(x, axis=0, backend=backend), [[0.25, 0.25], [np.nan, 0.25], [0.75, 0.5]]
    )
    np.testing.assert_array_equal(
        sc.shares(x, axis=0, skipna=False, backend=backend),
        [[np.nan, 0.25], [np.nan, 0.25], [np.nan, 0.5]],
    )
    np.testing.assert_array_equal(
        sc.share_sums(x, [0, 0, 1], axis=0, skipna=False, backend=backend),
        [[np.nan, 0.5], [np.nan, 0.5]],
    )


def test_shapes_of_results(backend: str) -> None:
    x = np.ones((4, 5, 6))
    assert sc.shares(x, (0, 2), backend=backend).shape == (4, 5, 6)
    assert sc.share_sums(x, None, (0, 2), backend=backend).shape == (5,)
    assert sc.share_sums(x, None, None, backend=backend).shape == ()
    assert sc.share_sums(x, [0, 2, 2, 2, 2], 1, backend=backend).shape == (4, 3, 6)
    assert sc.share_sums(x, [0, 2, 2, 2, 2], 1, ngroups=7, backend=backend).shape == (4, 7, 6)
    assert sc.share_sums(x, [-1] * 5, 1, backend=backend).shape == (4, 0, 6)
    assert sc.share_sums(x, np.ones((6, 3), bool), -1, backend=backend).shape == (4, 5, 3)
    np.testing.assert_array_equal(sc.share_sums(x, None, (0, 2), backend=backend), np.ones(5))
    assert sc.shares(5.0, None, backend=backend) == 1.0
    assert sc.shares([1, 3], backend=backend).tolist() == [0.25, 0.75]


@pytest.mark.parametrize(
    "name",
    [
        *("shares", "share_sums", "group_sums", "hhi", "entropy", "rca", "share_change"),
        *("similarity", "eci", "pci", "proximity", "density", "coi", "cog"),
    ],
)
def test_public_docstrings_follow_one_numpydoc_layout(name: str) -> None:
    doc = getattr(sc, name).__doc__
    heads = ["Parameters", "Returns", "Notes", "Examples"]
    at = [doc.find(f"\n    {h}\n    {'-' * len(h)}\n") for h in heads]
    assert -1 not in at and at == sorted(at), dict(zip(heads, at, strict=True))
    assert "{" + "common}" not in doc and "{" + "accuracy}" not in doc


def test_docstring_examples() -> None:
    failures, tried = doctest.testmod(sharecube.share, verbose=False)
    assert tried >= 3 and failures == 0


def test_works_without_numba(tmp_path) -> None:
    # As if numba were not installed: the package imports, numba is not offered, results agree.
    code = (
        "import sys; sys.modules['numba'] = None\n"
        "import numpy as np, sharecube as sc\n"
        "assert 'numba' not in sc.backends(), sc.backends()\n"
        "x = np.arange(24.0).reshape(2, 3, 4)\n"
        "try:\n"
        "    sc.shares(x, backend='numba')\n"
        "except ValueError as e:\n"
        "    assert 'numba is not installed' in str(e)\n"
        "else:\n"
        "    raise AssertionError('numba backend should be unavailable')\n"
        "np.save(sys.argv[1], np.concatenate([sc.shares(x, 1).ravel(),\n"
        "        sc.share_sums(x, [0, 1, 0], 1).ravel()]))\n"
    )
    path = tmp_path / "r.npy"
    env = {k: v for k, v in os.environ.items() if k != "SHARECUBE_BACKEND"}
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, env=env)
    x = np.arange(24.0).reshape(2, 3, 4)
    want = np.concatenate([sc.shares(x, 1).ravel(), sc.share_sums(x, [0, 1, 0], 1).ravel()])
    np.testing.assert_array_equal(np.load(path), want)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_per_call_fast_path_gives_the_general_result(dtype: type) -> None:
    """shares(x, axis) with default options takes a shortcut to the kernel: same answers."""
    rng = np.random.default_rng(3)
    base = rng.lognormal(size=(5, 4, 3)).astype(dtype)
    base[1, 2, 0] = np.nan
    base[:, 3, 2] = 0.0
    for x in (base, base.transpose(2, 0, 1), base[::-1, ::2], base[:0], base[0]):
        for axis in range(-x.ndim, x.ndim):
            got = sc.shares(x, axis)
            # the general path (dtype= is not taken by the shortcut)
            want = sc.shares(x, axis, backend=sc.backends()[0], dtype=dtype)
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)
            # with out=, backend="cpp" and threads=: the shortcut writes into out
            out = np.full(x.shape, -1.0, dtype=dtype)
            assert sc.shares(x, axis, out=out, backend=sc.backends()[0], threads=1) is out
            np.testing.assert_array_equal(out, want)
            inplace = x.copy()
            assert sc.shares(inplace, axis, out=inplace) is inplace
            np.testing.assert_array_equal(inplace, want)
    with pytest.raises(np.exceptions.AxisError, match="axis=3 is out of bounds"):
        sc.shares(base, 3)
    with pytest.raises(TypeError, match="axis must be an int"):
        sc.shares(base, True)
    # inputs the C++ shortcut leaves to the general path, with the general path's answer: a
    # numpy integer axis, swapped bytes, an unaligned view, a subclass, a 0-d array
    want = sc.shares(base, 1, backend=sc.backends()[0], dtype=dtype)
    raw = np.zeros(base.nbytes + 1, dtype=np.uint8)
    unaligned = raw[1:].view(dtype).reshape(base.shape)
    unaligned[...] = base
    swapped = base.astype(base.dtype.newbyteorder())
    for x in (base, unaligned, swapped, base.view(np.ma.MaskedArray)):
        for axis in (1, np.int64(1), np.int32(-2)):
            np.testing.assert_array_equal(sc.shares(x, axis), want)
    np.testing.assert_array_equal(sc.shares(np.array(2.0, dtype), None), 1.0)
    if dtype == np.float64:  # a total that overflows: handed over to the rescue, new or out=
        big = np.array([[1e308], [1e308]])
        np.testing.assert_array_equal(sc.shares(big, 0), [[0.5], [0.5]])
        np.testing.assert_array_equal(sc.shares(big, 0, out=np.empty((2, 1))), [[0.5], [0.5]])
    # outs the shortcut must leave to the general path: overlapping x (as a view), the wrong
    # dtype, read-only, a zero stride
    buf = np.concatenate([base.ravel(), base.ravel()[:1]])
    x, shifted = buf[:-1].reshape(base.shape), buf[1:].reshape(base.shape)
    want = sc.shares(x.copy(), 0)
    sc.shares(x, 0, out=shifted)
    np.testing.assert_array_equal(shifted, want)
    with pytest.raises(TypeError, match="out has dtype"):
        sc.shares(base, 0, out=np.empty(base.shape, dtype=np.int64))
    readonly = np.empty_like(base)
    readonly.flags.writeable = False
    with pytest.raises(ValueError, match="out is read-only"):
        sc.shares(base, 0, out=readonly)
    size = np.dtype(dtype).itemsize
    zero_stride = np.lib.stride_tricks.as_strided(
        np.empty(12, dtype), base.shape, (0, 3 * size, size), writeable=True
    )
    with pytest.raises(ValueError, match="zero stride"):
        sc.shares(base, 0, out=zero_stride)
    # an odd policy value must reach the general checks, not trip the shortcut's comparison
    with pytest.raises(ValueError, match="zero_total must be 'nan' or 'zero'"):
        sc.shares(base, 0, zero_total=np.array(["nan", "nan"]))


def test_blocs_reused_by_content_not_by_array(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The groups of a small labels array or membership matrix are built once and reused for
    the same content: an array changed in place between calls is read again."""
    from sharecube import _dispatch

    built = []
    monkeypatch.setattr(_dispatch, "_GROUPS", {})
    real = _dispatch._normalize_groups
    monkeypatch.setattr(_dispatch, "_normalize_groups", lambda *a: built.append(1) or real(*a))
    x = np.random.default_rng(4).lognormal(size=(6, 5))
    labels = np.array([0, 1, 0, 2, -1, 1])
    member = np.eye(6, 3, dtype=bool)
    for groups in (labels, member):
        first = sc.share_sums(x, groups, 0, backend=backend)
        again = sc.share_sums(x, groups.copy(), 0, backend=backend)
        np.testing.assert_array_equal(first, again)
        n = len(built)
        groups[0] = groups[1]  # in place: other blocs
        changed = sc.share_sums(x, groups, 0, backend=backend)
        assert len(built) == n + 1
        want = sc.share_sums(x, groups, 0, backend="numpy")
        np.testing.assert_allclose(changed, want, rtol=1e-14)
        assert not np.array_equal(changed, first)
    with pytest.raises(ValueError, match="groups contains label -2"):
        sc.share_sums(x, np.array([0, -2, 0, 0, 0, 0]), 0)
    with pytest.raises(ValueError, match="groups contains label -2"):  # errors are not cached
        sc.share_sums(x, np.array([0, -2, 0, 0, 0, 0]), 0)


def test_small_results_do_not_read_the_memory_size(monkeypatch: pytest.MonkeyPatch) -> None:
    from sharecube import _dispatch

    def no(*_a: object) -> None:
        raise AssertionError("read /proc/meminfo")

    monkeypatch.setattr(_dispatch, "available_memory", no)
    sc.share_sums(np.ones((4, 3)), np.array([0, 1, 0, 1]), 0)
    monkeypatch.setattr(_dispatch, "available_memory", lambda: 10**6)
    with pytest.raises(ValueError, match=r"ngroups gives a result .* more than the"):
        sc.share_sums(np.ones((4, 3)), np.array([0, 1, 0, 1]), 0, ngroups=10**7)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_share_sums_fast_path_gives_the_general_result(dtype: type) -> None:
    """share_sums(x, groups, axis) with a labels array or membership matrix and default
    options takes a shortcut to the kernel: the same answers, errors and overflow rescue."""
    rng = np.random.default_rng(5)
    base = rng.lognormal(size=(6, 5, 4)).astype(dtype)
    base[1, 2, 0] = np.nan
    base[:, 3, 2] = 0.0
    for x in (base, base.transpose(2, 0, 1), base[::-1, ::2], base[0]):
        for axis in range(-x.ndim, x.ndim):
            n = x.shape[axis]
            for groups in (np.arange(n) % 3 - 1, rng.random((n, 2)) < 0.5):
                got = sc.share_sums(x, groups, axis)
                # the general path (dtype= is not taken by the shortcut)
                want = sc.share_sums(x, groups, axis, backend=sc.backends()[0], dtype=dtype)
                assert got.dtype == want.dtype
                np.testing.assert_array_equal(got, want)
                out = np.full(want.shape, -1.0, dtype=dtype)
                assert sc.share_sums(x, groups, axis, out=out, threads=1) is out
                np.testing.assert_array_equal(out, want)
    big = np.full((4, 3), 1e308)  # totals overflow: the shortcut hands over to the rescue
    np.testing.assert_array_equal(sc.share_sums(big, np.array([0, 0, 1, 1]), 0), 0.5)
    out = np.empty((2, 3))
    sc.share_sums(big, np.array([0, 0, 1, 1]), 0, out=out)
    np.testing.assert_array_equal(out, 0.5)
    # outs the shortcut leaves to the general path: the wrong dtype, read-only, overlapping x
    with pytest.raises(TypeError, match="out has dtype"):
        sc.share_sums(big, np.array([0, 0, 1, 1]), 0, out=np.empty((2, 3), dtype=np.int64))
    readonly = np.empty((2, 3))
    readonly.flags.writeable = False
    with pytest.raises(ValueError, match="out is read-only"):
        sc.share_sums(big, np.array([0, 0, 1, 1]), 0, out=readonly)
    x = np.arange(1.0, 13.0).reshape(4, 3)
    want = sc.share_sums(x, np.array([0, 0, 1, 1]), 0)
    sc.share_sums(x, np.array([0, 0, 1, 1]), 0, out=x[1:3])  # the result over x's own rows
    np.testing.assert_array_equal(x[1:3], want)
    with pytest.raises(ValueError, match="groups has 3 labels but axis 0 has length 4"):
        sc.share_sums(big, np.array([0, 1, 0]), 0)


@pytest.mark.skipif("numba" not in sc.backends(), reason="needs numba")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_numba_shortcut_gives_the_general_result(dtype: type) -> None:
    """shares(x, axis, backend="numba") of a C-contiguous float array takes a shortcut to the
    numba kernel: the same answers, the overflow rescue, outs it cannot take left alone."""
    rng = np.random.default_rng(6)
    base = rng.lognormal(size=(5, 4, 3)).astype(dtype)
    base[1, 2, 0] = np.nan
    base[:, 3, 2] = 0.0
    for x in (base, base[0], np.ascontiguousarray(base.transpose(2, 0, 1)), base[:1]):
        for axis in range(-x.ndim, x.ndim):
            got = sc.shares(x, axis, backend="numba")
            want = sc.shares(x, axis, backend="numba", dtype=dtype)  # the general path
            np.testing.assert_array_equal(got, want)
            out = np.full(x.shape, -1.0, dtype=dtype)
            assert sc.shares(x, axis, backend="numba", out=out, threads=1) is out
            np.testing.assert_array_equal(out, want)
    big = np.full((2, 3), 1e308)  # the totals overflow: the general path's rescue
    np.testing.assert_array_equal(sc.shares(big, 0, backend="numba"), 0.5)
    inplace = base.copy()
    assert sc.shares(inplace, 0, backend="numba", out=inplace) is inplace
    np.testing.assert_array_equal(inplace, sc.shares(base, 0, backend="numba"))
