"""The bandwidth floors, a benchmark-only C++ module (``cpp/floors.cpp``) that the wheel does
not ship: built here on first use with CMake into ``build/bench-floors`` and imported from
there.

    from floors import load
    f = load()
    f.read(x), f.copy(x, out), f.twosum(x)
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "bench-floors"
_module: ModuleType | None = None


def _build() -> None:
    import pybind11

    configure = [
        "cmake",
        "-S",
        str(ROOT),
        "-B",
        str(BUILD),
        "-DSHARECUBE_BENCH_FLOORS=ON",
        "-DCMAKE_BUILD_TYPE=Release",
        "-DSKBUILD_PROJECT_NAME=sharecube",
        "-DSKBUILD_PROJECT_VERSION=0.1.0",
        f"-Dpybind11_DIR={pybind11.get_cmake_dir()}",
        f"-DPython_EXECUTABLE={sys.executable}",
        "-DSHARECUBE_ISAS=baseline",
    ]
    subprocess.run(configure, check=True, stdout=subprocess.DEVNULL)
    jobs = str(os.cpu_count() or 1)
    subprocess.run(
        ["cmake", "--build", str(BUILD), "--target", "_floors", "--parallel", jobs],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def load() -> ModuleType:
    """The compiled floors, built first if needed (needs cmake and pybind11)."""
    global _module
    if _module is None:
        found = sorted(BUILD.glob("_floors*.so")) + sorted(BUILD.glob("_floors*.pyd"))
        if not found or any(
            p.stat().st_mtime < (ROOT / "cpp" / "floors.cpp").stat().st_mtime for p in found
        ):
            _build()
            found = sorted(BUILD.glob("_floors*.so")) + sorted(BUILD.glob("_floors*.pyd"))
        spec = importlib.util.spec_from_file_location("_floors", found[0])
        assert spec is not None and spec.loader is not None
        _module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(_module)
    return _module
