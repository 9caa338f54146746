"""Large indices, memory held across many calls."""

from __future__ import annotations

import os

import numpy as np
import pytest

import sharecube as sc

FAST = [b for b in sc.backends() if b == "cpp"]


@pytest.mark.parametrize("backend", FAST)
def test_more_than_2_31_elements(backend: str) -> None:
    # 2**25 x 80 = 2.7e9 elements (> 2**31), read through a zero-stride view: no 32-bit index
    # may overflow. Each column is constant, so the HHI along axis 0 is exactly 1/n.
    n = 2**25
    x = np.broadcast_to(np.arange(1.0, 81.0), (n, 80))
    assert x.size > 2**31 and x.strides[0] == 0
    np.testing.assert_allclose(sc.hhi(x, 0, backend=backend), np.full(80, 1.0 / n), rtol=1e-12)
    np.testing.assert_array_equal(sc.share_sums(x, None, 0, backend=backend), np.ones(80))
    labels = np.zeros(n, dtype=np.int64)
    labels[: n // 4] = 1
    g = sc.share_sums(x, labels, 0, backend=backend)
    np.testing.assert_allclose(g, np.repeat([[0.75], [0.25]], 80, axis=1), rtol=1e-12)


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
@pytest.mark.parametrize("backend", sc.backends())
def test_repeated_calls_do_not_grow_the_process(backend: str) -> None:
    # 10,000 calls on a 10,000-element array: leaking one input- or output-sized array per call
    # would grow the process by about 800 MB; allow 30 MB of allocator noise.
    x = np.random.default_rng(0).random((100, 100))
    out = np.empty_like(x)
    labels = np.arange(100) % 5

    def calls() -> None:
        sc.shares(x, 0, backend=backend)
        sc.shares(x, 1, out=out, backend=backend)
        sc.share_sums(x, labels, 0, backend=backend)
        sc.hhi(x, 0, backend=backend)

    for _ in range(200):  # warm-up: caches, JIT, allocator pools
        calls()
    before = _rss()
    for _ in range(2500):
        calls()
    assert _rss() - before < 30 * 2**20
