// Element loads (float64 or float32, native byte order) and compensated strip sums.
#pragma once

#include <bitset>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "sharecube/isa.hpp"
#include "sharecube/portable.hpp"

namespace sharecube {
namespace SHARECUBE_ISA {

using index_t = std::ptrdiff_t;

template <class T>
inline double load(const T* p) noexcept {
    return static_cast<double>(*p);
}

// Loads w elements (stride in elements) as doubles; with skipna, NaN becomes 0 so that it drops
// out of every sum. The stride-1 branch is what the compiler vectorises.
template <class T>
inline void load_strip(const T* p, index_t stride, index_t w, bool skipna,
                       double* SHARECUBE_RESTRICT vals) noexcept {
    if (stride == 1) {
        if (skipna) {
            for (index_t j = 0; j < w; ++j) {
                const double v = load<T>(p + j);
                vals[j] = v == v ? v : 0.0;
            }
        } else {
            for (index_t j = 0; j < w; ++j) vals[j] = load<T>(p + j);
        }
    } else {
        if (skipna) {
            for (index_t j = 0; j < w; ++j) {
                const double v = load<T>(p + j * stride);
                vals[j] = v == v ? v : 0.0;
            }
        } else {
            for (index_t j = 0; j < w; ++j) vals[j] = load<T>(p + j * stride);
        }
    }
}

// Knuth's TwoSum, the one compensated addition of every kernel: (s, c) += v, s the rounded
// running sum and c the sum of the exact rounding errors, so that s + c carries the sum to about
// twice double precision (totals within an ulp or two of the exactly rounded sum). V is double
// or a vector of doubles (lane by lane). Branch-free; it needs IEEE arithmetic (no -ffast-math,
// no reassociation).
template <class V>
inline void two_sum(V& s, V& c, V v) noexcept {
    const V t = s + v;
    const V z = t - s;
    c += (s - (t - z)) + (v - z);
    s = t;
}

// TwoSum on each lane of a strip (it vectorises across lanes). With Comp false, a plain sum (c
// untouched): see kCompensated in shares.hpp.
template <bool Comp = true>
inline void two_sum_lanes(double* SHARECUBE_RESTRICT s, double* SHARECUBE_RESTRICT c,
                          const double* SHARECUBE_RESTRICT v, index_t w) noexcept {
    if constexpr (!Comp) {
        for (index_t j = 0; j < w; ++j) s[j] += v[j];
        return;
    }
    for (index_t j = 0; j < w; ++j) two_sum(s[j], c[j], v[j]);
}

// Bits set in v: std::bitset is standard C++ and compiles to the popcnt instruction where the
// instruction set has one.
inline std::size_t popcount64(std::uint64_t v) noexcept { return std::bitset<64>(v).count(); }

// A non-finite running sum (inf, NaN) stays non-finite from then on and its correction is
// meaningless, so it is returned as plain IEEE arithmetic would give it.
inline double finish(double s, double c) noexcept { return std::isfinite(s) ? s + c : s; }

// The low word of a finished sum: (s + c) - finish(s, c) exactly (TwoSum), 0 where the sum is
// not finite. The two words together are the compensated sum before its last rounding.
inline double finish_lo(double s, double c) noexcept {
    const double hi = s + c;
    if (!std::isfinite(s) || !std::isfinite(hi)) return 0.0;
    const double z = hi - s;
    return (s - (hi - z)) + (c - z);
}

// share = value / total; where the total is 0 the share is `fill` (NaN or 0), except that a
// missing (NaN) value keeps its NaN.
inline double share_of(double v, double t, double fill) noexcept {
    const double q = v / t;
    return t == 0.0 ? (v == v ? fill : v) : q;
}

// v / t: a share (share_of) or, with Ieee, the plain IEEE quotient (RCA's divisions).
template <bool Ieee>
inline double quotient(double v, double t, double fill) noexcept {
    if constexpr (Ieee) {
        (void)fill;
        return v / t;
    } else {
        return share_of(v, t, fill);
    }
}

// q[j] = share_of(x[j], tot[j]) for a strip. Writes only to q (a private buffer), so the
// compiler can vectorise it even when x is the caller's out array (in-place use).
template <class T, class O>
inline void divide_strip(const T* p, index_t stride, index_t w,
                         const double* SHARECUBE_RESTRICT tot, double fill,
                         O* SHARECUBE_RESTRICT q) noexcept {
    if (stride == 1) {
        for (index_t j = 0; j < w; ++j)
            q[j] = static_cast<O>(share_of(load<T>(p + j), tot[j], fill));
    } else {
        for (index_t j = 0; j < w; ++j)
            q[j] = static_cast<O>(share_of(load<T>(p + j * stride), tot[j], fill));
    }
}

}  // namespace SHARECUBE_ISA
}  // namespace sharecube
