#!/usr/bin/env bash
# Builds the C++ extension with AddressSanitizer and UndefinedBehaviorSanitizer
# (cmake -DSHARECUBE_SANITIZE=ON) and runs the tests that exercise it, with the sanitizer runtime
# preloaded into Python. Any report fails the run.
#
#   ci/sanitize.sh [pytest args]          ASan + UBSan, the kernel tests
#   ci/sanitize.sh thread [pytest args]   ThreadSanitizer (-DSHARECUBE_TSAN=ON), the threaded tests
set -euo pipefail
cd "$(dirname "$0")/.."

mode=address
if [ "${1:-}" = thread ]; then
    mode=thread
    shift
fi

if [ "$mode" = thread ]; then
    # The TSan runtime must be preloaded into Python, and some Python builds (pyenv's, here)
    # crash at start under it: find one that runs, in its own venv.
    tsan_lib="$(g++ -print-file-name=libtsan.so)"
    py=""
    for cand in "$(command -v python)" /usr/bin/python3; do
        if [ -x "$cand" ] && (LD_PRELOAD="$tsan_lib" "$cand" -c "pass") >/dev/null 2>&1; then
            py=$cand
            break
        fi
    done
    if [ -z "$py" ]; then
        echo "ThreadSanitizer: no Python on this machine starts under the TSan runtime; skipped"
        exit 0
    fi
    if [ "$py" != "$(command -v python)" ]; then
        "$py" -m venv build/tsan-venv
        # shellcheck disable=SC1091
        . build/tsan-venv/bin/activate
        python -m pip install --quiet numpy pytest hypothesis
    fi
fi
python -m pip install --quiet "scikit-build-core>=0.10" "pybind11>=2.12" cmake ninja
if [ "$mode" = thread ]; then
    build=build/tsan
    flags=(-DSHARECUBE_TSAN=ON -DSHARECUBE_ISAS="baseline")
else
    build=build/asan
    # Baseline and AVX2 kernels only (the AVX-512 build is the same code with other flags): a
    # third of the compile time, which the sanitizers multiply.
    flags=(-DSHARECUBE_SANITIZE=ON -DSHARECUBE_ISAS="baseline;avx2")
fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${flags[@]}" \
    -DSKBUILD_PROJECT_NAME=sharecube -DSKBUILD_PROJECT_VERSION=0.1.0 \
    -Dpybind11_DIR="$(python -c 'import pybind11; print(pybind11.get_cmake_dir())')" \
    -DPython_EXECUTABLE="$(command -v python)" >/dev/null
cmake --build "$build" --parallel

# The sanitized extension next to a copy of the Python sources.
pkg=$build/site
rm -rf "$pkg" && mkdir -p "$pkg"
cp -r src/sharecube "$pkg/sharecube"
rm -f "$pkg"/sharecube/_core*.so
cp "$build"/_core*.so "$pkg/sharecube/"

export PYTHONPATH="$PWD/$pkg" SHARECUBE_BACKEND=cpp
if [ "$mode" = thread ]; then
    # The kernels' own threads (parallel_for) and Python threads calling them at once; Python
    # itself is not instrumented, so only races touching the kernels' memory are seen.
    export LD_PRELOAD="$tsan_lib"
    export TSAN_OPTIONS="halt_on_error=1 report_signal_unsafe=0"
    python -c "import sharecube, sys; assert sharecube.__file__.startswith('$PWD/$pkg')"
    exec python -m pytest -q -p no:cacheprovider --import-mode=importlib -o pythonpath=tests \
        tests/test_threads.py -k "not numba" "$@"
fi
export LD_PRELOAD="$(g++ -print-file-name=libasan.so) $(g++ -print-file-name=libubsan.so)"
# Python's own allocations are not ours to report: leak checking stays off.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
python -c "import sharecube, sys; assert sharecube.__file__.startswith('$PWD/$pkg'), sharecube.__file__"
# The whole suite, less: the numba backend's cases (its compiled code is not ours to
# instrument, and it triples the time), the leak test (ASan keeps freed memory in quarantine,
# so the process grows by design) and the browser check (Chromium must not inherit the
# preloaded runtime).
python -m pytest -q -p no:cacheprovider --import-mode=importlib -o pythonpath=tests tests \
    -k "not numba" \
    --deselect tests/test_robustness.py::test_repeated_calls_do_not_grow_the_process \
    --deselect tests/test_report_browser.py::test_report_renders_in_a_headless_browser "$@"
