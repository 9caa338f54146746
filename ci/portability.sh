#!/usr/bin/env bash
# The C++ kernels on other compilers, processors and systems than the extension's build, with
# Debian's packages: cpp/tests/check_kernels.cpp (every kernel against a plain reference, bit for
# bit, threads 1 and 3) built and run
#   gcc          native x86-64 baseline, and with -march=x86-64-v3 and -v4 (the AVX2 and AVX-512
#                kernels; v4 runs only where the CPU has AVX-512)
#   portable     the plain C++17 fallbacks (-DSHARECUBE_PORTABLE -std=c++17 -pedantic-errors
#                -Werror): what compilers without GCC's extensions get
#   clang        Clang
#   sanitizers   GCC with AddressSanitizer and UndefinedBehaviorSanitizer
#   aarch64      cross-compiled for arm64 (NEON vectors), run under qemu-user
#   windows      cross-compiled with mingw-w64, run under wine
# Each variant's compile and run time is printed. (The extension itself is built with Clang and
# the whole test suite run on it by .ci/run.)
set -euo pipefail
cd "$(dirname "$0")/.."

need=(clang++ aarch64-linux-gnu-g++ qemu-aarch64 x86_64-w64-mingw32-g++-posix wine)
missing=()
for tool in "${need[@]}"; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "portability: installing clang, the aarch64 and mingw-w64 cross compilers, qemu-user, wine"
        export DEBIAN_FRONTEND=noninteractive
        timeout 900 apt-get update -q >/dev/null
        timeout 1200 apt-get install -y -q clang g++-aarch64-linux-gnu qemu-user \
            g++-mingw-w64-x86-64 wine64 >/dev/null
    else
        echo "portability: missing ${missing[*]} and cannot install them (needs root and apt-get)" >&2
        exit 1
    fi
fi

out=build/portability
mkdir -p "$out"
src=(cpp/tests/check_kernels.cpp cpp/kernels.cpp)
common=(-std=c++17 -O2 -ffp-contract=off -Wall -Wextra -Werror -Icpp/include
        -DSHARECUBE_ISA=isa_baseline)
failed=0

# variant NAME RUNNER COMPILER [FLAGS...]: compile the driver, run it (through RUNNER if set)
variant() {
    local name=$1 runner=$2 cxx=$3
    shift 3
    local exe="$out/check-$name"
    local t0 t1 t2
    t0=$(date +%s)
    if ! "$cxx" "${common[@]}" "$@" "${src[@]}" -o "$exe" -pthread; then
        echo "portability: $name: FAILED to compile"
        failed=1
        return
    fi
    t1=$(date +%s)
    [ -f "$exe.exe" ] && exe="$exe.exe"  # mingw names it so
    local result
    if result=$($runner "$exe" 2>/dev/null | tail -1); then :; else failed=1; fi
    t2=$(date +%s)
    echo "portability: $name: $result [compile $((t1 - t0)) s, run $((t2 - t1)) s]"
    case $result in ok:*) ;; *) failed=1 ;; esac
}

export WINEDEBUG=-all WINEPREFIX="$PWD/$out/wineprefix"
variant gcc "" g++
variant gcc-x86-64-v3 "" g++ -march=x86-64-v3
if grep -q avx512f /proc/cpuinfo 2>/dev/null; then
    variant gcc-x86-64-v4 "" g++ -march=x86-64-v4
else
    echo "portability: gcc-x86-64-v4: skipped (this CPU has no AVX-512)"
fi
variant portable "" g++ -DSHARECUBE_PORTABLE -pedantic-errors
variant clang "" clang++
variant gcc-sanitizers "" g++ -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined
variant clang-portable "" clang++ -DSHARECUBE_PORTABLE -pedantic-errors
variant aarch64 "qemu-aarch64" aarch64-linux-gnu-g++ -static
variant windows "wine" x86_64-w64-mingw32-g++-posix -static
exit $failed
