"""Results do not depend on the number of threads, and concurrent calls are safe. (threads=1
runs the numba backend's serial twins of its kernels, the others the parallel kernels: the
comparison covers both.)"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import sharecube as sc
from sharecube import _dispatch

# Big enough for the C++ kernel to split the work (it stays on one thread below 2**17 elements).
SHAPE = (60, 700, 7)


@pytest.fixture(scope="module")
def cube() -> np.ndarray:
    rng = np.random.default_rng(3)
    x = rng.lognormal(mean=0.0, sigma=3.0, size=SHAPE)
    x[rng.random(SHAPE) < 0.01] = np.nan
    return x


CALLS = [
    ("shares axis 0", lambda x, **kw: sc.shares(x, 0, **kw)),
    ("shares last axis", lambda x, **kw: sc.shares(x, -1, **kw)),
    ("shares axes (0, 1)", lambda x, **kw: sc.shares(x, (0, 1), **kw)),
    ("shares all", lambda x, **kw: sc.shares(x, None, **kw)),
    ("labels axis 0", lambda x, **kw: sc.share_sums(x, np.arange(60) % 7 - 1, 0, **kw)),
    ("labels axis 1", lambda x, **kw: sc.share_sums(x, np.arange(700) % 11 - 1, 1, **kw)),
    (
        "blocs axis 0",
        lambda x, **kw: sc.share_sums(x, (np.arange(60)[:, None] % [2, 3, 5]) == 0, 0, **kw),
    ),
    ("total axis 2", lambda x, **kw: sc.share_sums(x, None, 2, **kw)),
    # RCA's final pass runs in chunks shared among Python threads
    ("rca", lambda x, **kw: sc.rca(x, 0, 1, **kw)),
    ("rca years x sectors", lambda x, **kw: sc.rca(x, 2, 1, symmetric=True, **kw)),
    # the sums, sums of squares and x log x of the concentration indicators
    ("hhi", lambda x, **kw: sc.hhi(x, 0, **kw)),
    ("entropy last axis", lambda x, **kw: sc.entropy(x, -1, **kw)),
]


@pytest.mark.parametrize(("name", "call"), CALLS, ids=[c[0] for c in CALLS])
@pytest.mark.parametrize("threads", [2, 3, 8])
def test_bit_identical_for_any_thread_count(
    backend, cube, name, call, threads, monkeypatch
) -> None:
    # threads= is capped at the cores; the kernels themselves run any count, so lift the cap
    monkeypatch.setattr(_dispatch, "_cores", 64)
    one = call(cube, backend=backend, threads=1)
    many = call(cube, backend=backend, threads=threads)
    assert one.tobytes() == many.tobytes(), name


@pytest.mark.parametrize(("name", "call"), CALLS, ids=[c[0] for c in CALLS])
def test_cpp_and_numba_agree_on_large_cubes(cube, name, call) -> None:
    # The same compensated sums lane by lane in the same order and IEEE divisions, whatever
    # the strip widths (numba's up to 512 lanes, C++'s blocks of 8 or 16): the same bits.
    # Entropy's x log x goes through each backend's own log.
    if not {"cpp", "numba"} <= set(sc.backends()):
        pytest.skip("needs both cpp and numba")
    numba, cpp = call(cube, backend="numba"), call(cube, backend="cpp")
    if name.startswith("entropy"):
        np.testing.assert_allclose(numba, cpp, rtol=1e-15)
    else:
        assert numba.tobytes() == cpp.tobytes(), name


def test_concurrent_python_threads_get_serial_results(backend, cube) -> None:
    serial = [call(cube, backend=backend, threads=1) for _, call in CALLS]

    def run(i: int) -> bool:
        _, call = CALLS[i % len(CALLS)]
        out = call(cube, backend=backend)
        return out.tobytes() == serial[i % len(CALLS)].tobytes()

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert all(pool.map(run, range(4 * len(CALLS))))


def test_cpp_releases_the_gil() -> None:
    # While a worker thread is inside the C++ kernel, this thread keeps running Python code.
    # Were the GIL held, it could run only during the worker's few microseconds of Python.
    if "cpp" not in sc.backends():
        pytest.skip("needs the C++ extension")
    import threading

    big = np.ones((400, 2000, 8))
    started = threading.Event()

    def work() -> None:
        started.set()
        for _ in range(3):
            sc.shares(big, 0, backend="cpp", threads=1)

    worker = threading.Thread(target=work)
    worker.start()
    started.wait()
    ticks = 0
    while worker.is_alive():
        ticks += 1
    worker.join()
    assert ticks > 20_000
