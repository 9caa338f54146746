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
        ]
    base = results["baseline"]
    for isa, res in results.items():
        for a, b in zip(res, base, strict=True):
            assert a.tobytes() == b.tobytes(), isa
