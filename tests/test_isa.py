"""The C++ kernels are compiled per instruction set; every one gives the same bits."""

from __future__ import annotations

import numpy as np
import pytest

import sharecube as sc

_core = pytest.importorskip("sharecube._core")


@pytest.fixture
def restore_isa():
    before = _core.isa()
    yield
    _core._set_isa(before)


def test_best_supported_isa_is_the_default() -> None:
    assert _core.isa() == _core.supported_isas()[0]
    assert _core.supported_isas()[-1] == "baseline"


def test_unknown_isa_is_refused() -> None:
    with pytest.raises(ValueError, match="no instruction set named sse9"):
        _core._set_isa("sse9")


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32, ">f8"])
def test_every_isa_gives_identical_results(restore_isa, dtype) -> None:
    rng = np.random.default_rng(11)
    x = (rng.lognormal(0, 3, size=(70, 300, 9)) * 100).astype(dtype)
    if np.dtype(dtype).kind == "f":
        x[rng.random(x.shape) < 0.02] = np.nan
    labels = np.arange(70) % 6 - 1
    member = rng.random((300, 4)) < 0.4
    results = {}
    for isa in _core.supported_isas():
        _core._set_isa(isa)
        results[isa] = [
            sc.shares(x, 0, backend="cpp"),
            sc.shares(x, -1, backend="cpp", zero_total="zero"),
            sc.shares(x, (0, 2), backend="cpp", skipna=False),
            sc.share_sums(x, labels, 0, backend="cpp"),
            sc.share_sums(x, member, 1, backend="cpp"),
            sc.share_sums(x, None, 2, backend="cpp"),
            # along the last axis: kVec positions of 2 kVec rows transposed, the rest masked
            sc.share_sums(x, np.arange(9) % 4 - 1, 2, backend="cpp"),
            sc.group_sums(x[:, :, :6], np.arange(6) // 2, 2, backend="cpp"),
            sc.hhi(x, 0, backend="cpp"),
            sc.hhi(x, 1, normalized=True, backend="cpp", skipna=False),
        ]
    base = results["baseline"]
    for isa, res in results.items():
        for a, b in zip(res, base, strict=True):
            assert a.tobytes() == b.tobytes(), isa


def test_fast_division_is_bit_identical_to_ieee_division(restore_isa) -> None:
    # The AVX2/AVX-512 kernels divide by a reciprocal with an FMA correction; the baseline
    # kernel uses plain division. Values over the whole exponent range, signed zeros,
    # subnormals, infinities and NaN must give the same bits either way.
    rng = np.random.default_rng(21)
    n = 400_000
    mant = rng.uniform(1.0, 2.0, size=(2, n)) * rng.choice([-1.0, 1.0], size=(2, n))
    x = np.ldexp(mant, rng.integers(-1074, 1000, size=(2, n)))
    x[:, ::97] = np.ldexp(mant[:, ::97], rng.integers(-40, 40, size=(2, x[:, ::97].shape[1])))
    x[0, ::101] = 0.0
    x[1, ::103] = -0.0
    x[0, ::1009] = np.inf
    x[1, ::1013] = np.nan
    x[1, ::211] = 5e-324
    with np.errstate(over="ignore"):
        x32 = x.astype(np.float32)  # float32 lanes: 8 at a time with AVX-512, else 4
    results = {}
    for isa in _core.supported_isas():
        _core._set_isa(isa)
        results[isa] = [
            sc.shares(x, 0, backend="cpp"),
            sc.shares(x, 0, dtype=np.float32, backend="cpp"),
            sc.shares(x32, 0, backend="cpp"),
            sc.shares(x32, 0, dtype=np.float64, backend="cpp"),
            # each row of one slice: one total broadcast over a run (and ragged ends of 1-7)
            sc.shares(x.reshape(-1, 8, 125)[:, :, :-3], 2, backend="cpp"),
            sc.shares(x.reshape(-1, 5), 1, backend="cpp"),
        ]
    for isa, res in results.items():
        for a, b in zip(res, results["baseline"], strict=True):
            assert a.tobytes() == b.tobytes(), isa


@pytest.mark.parametrize("shape", [(50, 37), (40, 5), (30, 150, 3), (7, 16)])
@pytest.mark.parametrize("skipna", [True, False])
def test_hhi_block_walk_gives_the_lane_walks_bits(restore_isa, shape, skipna) -> None:
    # Contiguous lanes go through the register-blocked statistics walk (blocks of 2 kVec lanes,
    # the ragged end as an overlapping block); strided lanes (the same values in Fortran
    # order) through the lane-by-lane walk. Per lane both add the same values in the same
    # order, so every instruction set gives the lane walk's bits, NaN and counts included.
    rng = np.random.default_rng(5)
    x = rng.lognormal(0, 4, size=shape)
    x[rng.random(shape) < 0.05] = np.nan
    fortran = np.asfortranarray(x)
    for isa in _core.supported_isas():
        _core._set_isa(isa)
        for normalized in (False, True):
            kw = {"normalized": normalized, "skipna": skipna, "backend": "cpp"}
            blocked = sc.hhi(x, 0, **kw)
            lanes = sc.hhi(fortran, 0, **kw)
            assert blocked.tobytes() == lanes.tobytes(), (isa, normalized)
