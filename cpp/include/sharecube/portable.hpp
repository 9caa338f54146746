// Every compiler extension the kernels use, each with a plain standard C++17 fallback.
//
// With GCC or Clang (SHARECUBE_GNU) the kernels use their vector types (GCC's vector_size
// vectors: SSE/AVX registers on x86-64, NEON on arm64), builtins and attributes, and on x86-64
// (SHARECUBE_X86) intrinsics and run-time instruction-set dispatch. With any other compiler, or
// with -DSHARECUBE_PORTABLE (CI compiles and tests that path with -std=c++17 -pedantic-errors),
// they get the fallbacks below: the same operations lane by lane, so the same IEEE results bit
// for bit (only slower).
#pragma once

#include <cstddef>
#include <thread>

#if !defined(SHARECUBE_PORTABLE) && (defined(__GNUC__) || defined(__clang__))
#define SHARECUBE_GNU 1
#if defined(__x86_64__) || defined(__i386__)
#define SHARECUBE_X86 1
#endif
#if defined(__linux__)
#include <sched.h>
#endif
#endif

#if defined(SHARECUBE_GNU)
#define SHARECUBE_INLINE __attribute__((always_inline))
#define SHARECUBE_RESTRICT __restrict
#define SHARECUBE_PREFETCH(p) __builtin_prefetch(reinterpret_cast<const char*>(p), 0, 3)
#else
#define SHARECUBE_INLINE
#define SHARECUBE_RESTRICT
#define SHARECUBE_PREFETCH(p) static_cast<void>(p)
#endif

namespace sharecube {

// Cores this process may run on: its affinity mask on Linux, else what the standard library says.
inline int available_cores() {
#if defined(SHARECUBE_GNU) && defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        const int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
#endif
    const unsigned hc = std::thread::hardware_concurrency();
    return hc > 0 ? static_cast<int>(hc) : 1;
}

// Whether the CPU runs x86-64-v3 (AVX2, FMA) and x86-64-v4 (AVX-512) code: only asked where the
// build has kernels for them (SHARECUBE_X86).
#if defined(SHARECUBE_X86)
inline bool cpu_supports_v3() {
    __builtin_cpu_init();
#if defined(__clang__)
    // Clang before 16 knows no "x86-64-v3": the level's vector features, which every CPU that
    // has them (Intel from Haswell, AMD from Zen) pairs with the rest (F16C, MOVBE, LZCNT).
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
           __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
#else
    return __builtin_cpu_supports("x86-64-v3") != 0;
#endif
}
inline bool cpu_supports_v4() {
    __builtin_cpu_init();
#if defined(__clang__)
    return cpu_supports_v3() && __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512cd") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#else
    return __builtin_cpu_supports("x86-64-v4") != 0;
#endif
}
#endif

// Small fixed-size vectors: Vec<T, N>::type, with +, -, +=, -=, [], == and >= (giving a mask),
// select(mask, a, b) and convert<V>(v).
#if defined(SHARECUBE_GNU)

template <class T, std::size_t N>
struct Vec {
    typedef T type __attribute__((vector_size(N * sizeof(T))));
};

template <class M, class V>
inline V select(M m, V a, V b) noexcept {
    return m ? a : b;
}

template <class V, class U>
inline V convert(U u) noexcept {
    return __builtin_convertvector(u, V);
}

#else

template <std::size_t N>
struct Mask {
    bool m[N];
};

template <class T, std::size_t N>
struct Lanes {
    T v[N];
    T& operator[](std::ptrdiff_t i) noexcept { return v[i]; }
    const T& operator[](std::ptrdiff_t i) const noexcept { return v[i]; }
    Lanes& operator+=(const Lanes& b) noexcept {
        for (std::size_t i = 0; i < N; ++i) v[i] += b.v[i];
        return *this;
    }
    Lanes& operator-=(const Lanes& b) noexcept {
        for (std::size_t i = 0; i < N; ++i) v[i] -= b.v[i];
        return *this;
    }
    Lanes& operator*=(const Lanes& b) noexcept {
        for (std::size_t i = 0; i < N; ++i) v[i] *= b.v[i];
        return *this;
    }
    friend Lanes operator+(Lanes a, const Lanes& b) noexcept { return a += b; }
    friend Lanes operator-(Lanes a, const Lanes& b) noexcept { return a -= b; }
    friend Lanes operator*(Lanes a, const Lanes& b) noexcept { return a *= b; }
    friend Mask<N> operator==(const Lanes& a, const Lanes& b) noexcept {
        Mask<N> m{};
        for (std::size_t i = 0; i < N; ++i) m.m[i] = a.v[i] == b.v[i];
        return m;
    }
    friend Mask<N> operator>=(const Lanes& a, T b) noexcept {
        Mask<N> m{};
        for (std::size_t i = 0; i < N; ++i) m.m[i] = a.v[i] >= b;
        return m;
    }
};

template <class T, std::size_t N>
struct Vec {
    typedef Lanes<T, N> type;
};

template <std::size_t N, class V>
inline V select(const Mask<N>& m, const V& a, const V& b) noexcept {
    V r{};
    for (std::size_t i = 0; i < N; ++i) r[static_cast<std::ptrdiff_t>(i)] = m.m[i] ? a[i] : b[i];
    return r;
}

template <class V, class T, std::size_t N>
inline V convert(const Lanes<T, N>& u) noexcept {
    V r{};
    for (std::size_t i = 0; i < N; ++i) r[static_cast<std::ptrdiff_t>(i)] = u.v[i];
    return r;
}

#endif

}  // namespace sharecube
