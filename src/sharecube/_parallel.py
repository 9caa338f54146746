"""Work shared among the cores from Python: one process-wide pool of threads, for work that
releases the GIL (numpy's ufuncs on large blocks, the kernels)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
_pool: ThreadPoolExecutor | None = None


def in_parts(n: int, workers: int, part: Callable[[int, int], T]) -> list[T]:
    """``part(lo, hi)`` over [0, n) cut into one contiguous range per worker (at most n), run
    on the pool. Each item is done by one call in a fixed range, so results never depend on
    the number of workers."""
    workers = min(n, workers)
    if workers <= 1:
        return [part(0, n)]
    global _pool
    if _pool is None or _pool._max_workers < workers:
        _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sharecube")
    futures = [_pool.submit(part, n * t // workers, n * (t + 1) // workers) for t in range(workers)]
    return [f.result() for f in futures]
