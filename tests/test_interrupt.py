"""Ctrl-C during a long kernel call: the call finishes, KeyboardInterrupt follows, and the
process goes on working (the kernels run without the GIL and do not poll for signals; Python
delivers the interrupt as soon as the call returns)."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import signal, threading, time
import numpy as np
import sharecube as sc

# A parent that ignores SIGINT (CI runners, some test harnesses) passes that on, and Python then
# installs no KeyboardInterrupt handler: install it.
signal.signal(signal.SIGINT, signal.default_int_handler)

x = np.lib.stride_tricks.as_strided(np.ones(1), shape=(2**27, 2), strides=(0, 0))
sc.share_sums(x[:10], axis=0, backend="{backend}")   # compiled (numba) before the timer starts
# To the main thread: a signal sent to the process may land on another thread, and then a
# main thread already back in time.sleep does not see it until the sleep ends.
main = threading.main_thread().ident
threading.Timer(0.2, lambda: signal.pthread_kill(main, signal.SIGINT)).start()
t0 = time.perf_counter()
try:
    sc.share_sums(x, axis=0, threads=1, backend="{backend}")   # 0.5 to a few seconds
    time.sleep(5)   # the interrupt must not wait for this
    print("not interrupted")
except KeyboardInterrupt:
    print(f"interrupted after {{time.perf_counter() - t0:.2f}} s")
print("usable:", sc.shares(np.array([1.0, 3.0])).tolist(), sc.group_sums(x[:1000], axis=0))
"""


def test_interrupt_leaves_the_process_usable(backend: str) -> None:
    res = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(backend=backend)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert "interrupted after" in res.stdout, res.stdout
    assert "usable: [0.25, 0.75] [1000. 1000.]" in res.stdout
