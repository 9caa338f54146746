// The share kernels: each element's share of its slice total, and group (bloc) share sums.
// Templates on raw pointers and a Layout; no Python headers, no validation of user input.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "sharecube/accumulate.hpp"
#include "sharecube/isa.hpp"
#include "sharecube/kernel_api.hpp"
#include "sharecube/layout.hpp"
#include "sharecube/parallel.hpp"
#include "sharecube/portable.hpp"
#include "sharecube/stream.hpp"

// The per-position helper of the walks (add_pair) is SHARECUBE_INLINE (portable.hpp): GCC
// otherwise calls it once per position, passing the vectors through the stack.

// 512-bit vectors in the AVX-512 build (kVec below): GCC and Clang vector types only.
#if defined(__AVX512F__) && defined(SHARECUBE_GNU) && defined(SHARECUBE_X86)
#define SHARECUBE_WIDE 1
#endif
namespace sharecube {
namespace SHARECUBE_ISA {

// Whether sums are compensated (TwoSum, about twice double precision) or plain double sums.
// float32 results from float32 data need no compensation: a plain float64 sum of n float32
// values is off by at most (n - 1) 2^-53 of the sum of their magnitudes, which for data of one
// sign is far below half a float32 ulp (2^-24) until n nears 2^28, and it costs a seventh of
// the additions (the float32 kernels were compute-bound on the seven additions per element of
// TwoSum and its correction).
template <class T, class O>
inline constexpr bool kCompensated = !(std::is_same_v<T, float> && std::is_same_v<O, float>);

// Strip width in lanes. A strip across every reduced position is summed, then read again to
// divide, so it should stay in L2 in between (512 KB of input): then the cube is read from
// memory once. Within that, wider is better: each row is a longer sequential run for the
// memory controller. From 16 lanes (one or two vector blocks) to 2 KB a row.
inline constexpr index_t kStripBudgetBytes = index_t{512} << 10;

// How far ahead along a row to prefetch: 512 bytes measured best on the (200, 5000, 30) cube
// (256 and 1024 within noise, 2048 and one block ahead clearly worse).
template <class T>
constexpr index_t prefetch_lanes() {
    return 512 / static_cast<index_t>(sizeof(T));
}

template <class T>
index_t strip_lanes(index_t reduced_count, index_t inner) {
    index_t lanes = 2048 / static_cast<index_t>(sizeof(T));
    while (lanes > 16 &&
           lanes * static_cast<index_t>(sizeof(T)) * reduced_count > kStripBudgetBytes)
        lanes /= 2;
    // A short inner dim (30 years, say) is taken whole even past the budget: split in two
    // strips, each row's few cache lines would be read from memory twice.
    if (inner <= 64) lanes = std::max(lanes, inner);
    // No wider than the inner dim (rounded up to whole blocks): a small cube's call would
    // otherwise clear work space for 256 lanes (tens of KB) to sum a few.
    lanes = std::min(lanes, (inner + 15) / 16 * 16);
    return std::max<index_t>(lanes, 16);
}

// Sums a strip over every reduced position into (s, c), lane by lane in memory (for the ragged
// tails the vector blocks leave); calls each_row(r, vals) after each row so that group sums can
// reuse the loaded values.
template <class T, bool Comp, class F>
inline void sum_strip(const T* x, const Layout& L, index_t w, bool skipna, double* s, double* c,
                      double* vals, F&& each_row) {
    const index_t xs = L.inner.xs;
    for_each_offset(L.reduced, [&](index_t r, index_t xr, index_t) {
        load_strip<T>(x + xr, xs, w, skipna, vals);
        two_sum_lanes<Comp>(s, c, vals, w);
        each_row(r, vals);
    });
}

// Block sums: lanes [j, j + kBlock) of a strip over every reduced position with the running
// sums held in registers (a strip's sums kept in memory cost a load and a store per element).
// Written with GCC vector types so that it is the same code for every instruction set: two
// independent chains of kVec lanes per row keep the adders busy while the loads stream in.
// 512-bit vectors with AVX-512: on an Intel Xeon with two 512-bit FMA units they halved the
// sums' time where the data is in cache (a (219, 56, 34) float32 cube along axis 0: 152 ->
// 103 us a thread) and on float32 data (the (200, 5000, 30) cube: 14 -> 6-8 ms), the same
// within noise where memory bound. (On the AMD Zen 4 cores the kernels were first tuned on,
// 256 bits measured faster there: its AVX-512 units are 256 bits wide.)
#if defined(SHARECUBE_WIDE)
inline constexpr index_t kVec = 8;
#elif defined(SHARECUBE_GNU) && defined(__AVX__)
inline constexpr index_t kVec = 4;
#else
inline constexpr index_t kVec = 2;
#endif
inline constexpr index_t kBlock = 2 * kVec;
typedef Vec<double, kVec>::type vd;

// kVec elements p[0], p[xs], p[2 xs], ... (a gather when xs != 1).
template <class T>
inline vd loadv_strided(const T* p, index_t xs) noexcept {
    vd v = {};
    for (index_t k = 0; k < kVec; ++k) v[k] = load<T>(p + k * xs);
    return v;
}

template <class T>
inline vd loadv(const T* p) noexcept {
    if constexpr (std::is_same_v<T, double>) {
        vd v;
        std::memcpy(&v, p, sizeof(v));
        return v;
    } else {
        typename Vec<T, kVec>::type raw;
        std::memcpy(&raw, p, sizeof(raw));
        return convert<vd>(raw);
    }
}

#if defined(SHARECUBE_WIDE)
// The first n < kVec elements of p (masked: nothing past them is read), the other lanes 0.
template <class T>
inline vd loadv_first(const T* p, index_t n) noexcept {
    const __mmask8 m = static_cast<__mmask8>((1u << n) - 1);
    if constexpr (std::is_same_v<T, double>)
        return (vd)_mm512_maskz_loadu_pd(m, p);
    else
        return (vd)_mm512_cvtps_pd(_mm256_maskz_loadu_ps(m, p));
}
#endif

template <bool Comp = true>
inline void two_sumv(vd& s, vd& c, vd v) noexcept {
    if constexpr (!Comp) {
        s += v;
        return;
    }
#if defined(SHARECUBE_X86) && defined(__FMA__) && defined(__AVX__) && !defined(SHARECUBE_WIDE)
    // The same seven IEEE operations, three of them issued as FMAs with a factor of 1 (a * 1 + b
    // is exactly RN(a + b)): AMD's Zen cores add on two pipes and fuse multiply-adds on two
    // others, so TwoSum, which is nothing but additions, runs on all four. (Intel's cores add
    // on their FMA units anyway, so it costs nothing there.)
    const __m256d one = _mm256_set1_pd(1.0);
    const vd t = s + v;
    const vd z = (vd)_mm256_fnmadd_pd((__m256d)s, one, (__m256d)t);                  // t - s
    const vd e = (s - (t - z)) + (vd)_mm256_fnmadd_pd((__m256d)z, one, (__m256d)v);  // + (v - z)
    c = (vd)_mm256_fmadd_pd((__m256d)e, one, (__m256d)c);                            // c + e
    s = t;
#else
    two_sum(s, c, v);
#endif
}

#if defined(SHARECUBE_X86) && defined(__FMA__) && defined(__AVX__)
// Division at multiply speed, bit-identical to IEEE division: q0 = x * RN(1/t), then one FMA
// correction (Markstein): rem = x - q0 t is exact and RN(q0 + rem / t) is the correctly
// rounded quotient. The proof needs x, t and the quotient far from overflow and underflow (within
// [2^-900, 2^900], say). Totals outside [2^-400, 2^400] get rcp = NaN and every lane of theirs
// falls back to the division; with the total inside, a value inside [2^-400, 2^400] (checked
// per element, for float64 data) gives a quotient inside [2^-800, 2^800]. Zeros keep q0, which
// has the quotient's sign. On these CPUs vdivpd limits a core to about 1 double a cycle.
#define SHARECUBE_FAST_DIVIDE 1
inline double fast_reciprocal(double t) noexcept {
    const double a = t < 0 ? -t : t;
    return a >= 0x1p-400 && a <= 0x1p400 ? 1.0 / t : std::numeric_limits<double>::quiet_NaN();
}

// With Bcast, tot[0] and rcp[0] are the total for every element (a row of one slice).
template <class T, class O, bool Bcast = false, bool Ieee = false>
inline void divide_strip_fast4(const T* p, index_t w, const double* SHARECUBE_RESTRICT tot,
                               const double* SHARECUBE_RESTRICT rcp, double fill,
                               O* SHARECUBE_RESTRICT q) noexcept {
    const __m256d lo = _mm256_set1_pd(0x1p-400), hi = _mm256_set1_pd(0x1p400);
    const __m256d sign = _mm256_set1_pd(-0.0), zero = _mm256_setzero_pd();
    constexpr index_t step = Bcast ? 0 : 1;
    index_t j = 0;
    for (; j + 4 <= w; j += 4) {
        __m256d v;
        if constexpr (std::is_same_v<T, double>)
            v = _mm256_loadu_pd(p + j);
        else
            v = _mm256_cvtps_pd(_mm_loadu_ps(p + j));
        const __m256d t = Bcast ? _mm256_set1_pd(tot[0]) : _mm256_loadu_pd(tot + j);
        const __m256d r = Bcast ? _mm256_set1_pd(rcp[0]) : _mm256_loadu_pd(rcp + j);
        const __m256d q0 = _mm256_mul_pd(v, r);
        const __m256d rem = _mm256_fnmadd_pd(q0, t, v);
        __m256d q1 = _mm256_fmadd_pd(rem, r, q0);
        const __m256d is_zero = _mm256_cmp_pd(v, zero, _CMP_EQ_OQ);
        q1 = _mm256_blendv_pd(q1, q0, is_zero);  // 0 * r has the quotient's sign of zero
        __m256d ok = _mm256_cmp_pd(r, r, _CMP_ORD_Q);
        if constexpr (std::is_same_v<T, double> || Ieee) {  // Ieee: any value (inf too)
            const __m256d av = _mm256_andnot_pd(sign, v);
            const __m256d in_range =
                _mm256_and_pd(_mm256_cmp_pd(av, lo, _CMP_GE_OQ), _mm256_cmp_pd(av, hi, _CMP_LE_OQ));
            ok = _mm256_and_pd(ok, _mm256_or_pd(is_zero, in_range));
        }
        // Other inputs need no check beyond the total's (rcp not NaN): nonzero float32 values
        // lie in [2^-149, 2^128] and integers in [1, 2^64], so with the total inside
        // [2^-400, 2^400] the quotient lies inside [2^-549, 2^528].
        if constexpr (std::is_same_v<O, double>)
            _mm256_storeu_pd(q + j, q1);
        else
            _mm_storeu_ps(q + j, _mm256_cvtpd_ps(q1));
        const int good = _mm256_movemask_pd(ok);
        if (good != 0xF) {
            for (int k = 0; k < 4; ++k)
                if (!(good >> k & 1))
                    q[j + k] = static_cast<O>(
                        quotient<Ieee>(load<T>(p + j + k), tot[(j + k) * step], fill));
        }
    }
    if (j < w && w >= 4) {
        // The ragged end as one more vector, overlapping the last: its lanes are computed
        // again from the same inputs, so q gets the same values.
        divide_strip_fast4<T, O, Bcast, Ieee>(p + w - 4, 4, tot + (w - 4) * step,
                                              rcp + (w - 4) * step, fill, q + w - 4);
        return;
    }
    for (; j < w; ++j) q[j] = static_cast<O>(quotient<Ieee>(load<T>(p + j), tot[j * step], fill));
}

#if defined(__AVX512F__)
// The same division on 8 lanes at a time (AVX-512: the comparisons go to mask registers, and
// float32 lanes convert 8 at a time), the same operations lane by lane, so the same quotients.
// The divide pass is compute-bound where the data is in cache (a mid-size cube, float32): 8
// lanes measured about 1.6x faster than 4 on a Xeon with two 512-bit FMA units.
template <class T, class O, bool Bcast = false, bool Ieee = false>
inline void divide_strip_fast(const T* p, index_t w, const double* SHARECUBE_RESTRICT tot,
                              const double* SHARECUBE_RESTRICT rcp, double fill,
                              O* SHARECUBE_RESTRICT q) noexcept {
    if (w < 8) {
        divide_strip_fast4<T, O, Bcast, Ieee>(p, w, tot, rcp, fill, q);
        return;
    }
    const __m512d lo = _mm512_set1_pd(0x1p-400), hi = _mm512_set1_pd(0x1p400);
    const __m512d zero = _mm512_setzero_pd();
    constexpr index_t step = Bcast ? 0 : 1;
    const __m512d tb = _mm512_set1_pd(tot[0]), rb = _mm512_set1_pd(rcp[0]);
    index_t j = 0;
    for (;; j += 8) {
        if (j + 8 > w) j = w - 8;  // the ragged end as one more vector, overlapping the last
        __m512d v;
        if constexpr (std::is_same_v<T, double>)
            v = _mm512_loadu_pd(p + j);
        else
            v = _mm512_cvtps_pd(_mm256_loadu_ps(p + j));
        const __m512d t = Bcast ? tb : _mm512_loadu_pd(tot + j);
        const __m512d r = Bcast ? rb : _mm512_loadu_pd(rcp + j);
        const __m512d q0 = _mm512_mul_pd(v, r);
        const __m512d rem = _mm512_fnmadd_pd(q0, t, v);
        const __mmask8 is_zero = _mm512_cmp_pd_mask(v, zero, _CMP_EQ_OQ);
        // 0 * r has the quotient's sign of zero
        const __m512d q1 = _mm512_mask_blend_pd(is_zero, _mm512_fmadd_pd(rem, r, q0), q0);
        __mmask8 ok = _mm512_cmp_pd_mask(r, r, _CMP_ORD_Q);
        if constexpr (std::is_same_v<T, double> || Ieee) {  // Ieee: any value (inf too)
            const __m512d av = _mm512_abs_pd(v);
            const __mmask8 in_range =
                _mm512_cmp_pd_mask(av, lo, _CMP_GE_OQ) & _mm512_cmp_pd_mask(av, hi, _CMP_LE_OQ);
            ok &= static_cast<__mmask8>(is_zero | in_range);
        }
        if constexpr (std::is_same_v<O, double>)
            _mm512_storeu_pd(q + j, q1);
        else
            _mm256_storeu_ps(q + j, _mm512_cvtpd_ps(q1));
        if (ok != 0xFF) {
            for (int k = 0; k < 8; ++k)
                if (!(ok >> k & 1))
                    q[j + k] = static_cast<O>(
                        quotient<Ieee>(load<T>(p + j + k), tot[(j + k) * step], fill));
        }
        if (j + 8 >= w) break;
    }
}
#else
template <class T, class O, bool Bcast = false, bool Ieee = false>
inline void divide_strip_fast(const T* p, index_t w, const double* SHARECUBE_RESTRICT tot,
                              const double* SHARECUBE_RESTRICT rcp, double fill,
                              O* SHARECUBE_RESTRICT q) noexcept {
    divide_strip_fast4<T, O, Bcast, Ieee>(p, w, tot, rcp, fill, q);
}
#endif
#endif

// q[j] = share_of(p[j], tot[j]) for a contiguous strip, at multiply speed where the CPU allows;
// rcp holds fast_reciprocal(tot[j]) there (unused otherwise).
// With Bcast, tot[0] (and rcp[0]) is the total of every element.
template <class T, bool Bcast = false, class O>
inline void divide_contiguous(const T* p, index_t w, const double* SHARECUBE_RESTRICT tot,
                              [[maybe_unused]] const double* SHARECUBE_RESTRICT rcp, double fill,
                              O* SHARECUBE_RESTRICT q) noexcept {
#if defined(SHARECUBE_FAST_DIVIDE)
    divide_strip_fast<T, O, Bcast>(p, w, tot, rcp, fill, q);
#else
    if constexpr (Bcast) {
        for (index_t j = 0; j < w; ++j)
            q[j] = static_cast<O>(share_of(load<T>(p + j), tot[0], fill));
    } else {
        divide_strip<T>(p, 1, w, tot, fill, q);
    }
#endif
}

inline void reciprocals([[maybe_unused]] const double* SHARECUBE_RESTRICT tot, index_t w,
                        [[maybe_unused]] double* SHARECUBE_RESTRICT rcp) noexcept {
#if defined(SHARECUBE_FAST_DIVIDE)
    for (index_t j = 0; j < w; ++j) rcp[j] = fast_reciprocal(tot[j]);
#else
    (void)w;
#endif
}

// How a block of lanes is read at each reduced position: one vector load (the lanes are
// contiguous), a gather (strided lanes), or, where the lanes are strided but the last reduced dim
// is contiguous (sums along the last axis of a C array), kVec positions of each of kVec rows at a
// time, transposed in registers so that each vector again holds one position of kVec lanes.
enum class Walk { contiguous, strided, transposed };

// Transposes kVec vectors in place: afterwards v[k][l] is the old v[l][k].
inline void transpose(vd* v) noexcept {
#if defined(SHARECUBE_WIDE)
    // 8 x 8: pairs interleaved, then 128-bit pairs of pairs, then halves (24 shuffles)
    __m512d t[8], u[8];
    for (int k = 0; k < 4; ++k) {
        t[2 * k] = _mm512_unpacklo_pd((__m512d)v[2 * k], (__m512d)v[2 * k + 1]);
        t[2 * k + 1] = _mm512_unpackhi_pd((__m512d)v[2 * k], (__m512d)v[2 * k + 1]);
    }
    // u[0]: rows 0-3 at positions 0 and 4; u[1]: at 1 and 5; u[2]: 2 and 6; u[3]: 3 and 7;
    // u[4..7]: the same of rows 4-7
    for (int h = 0; h < 2; ++h) {
        const __m512d* a = t + 4 * h;
        u[4 * h + 0] = _mm512_shuffle_f64x2(a[0], a[2], 0x88);  // chunks 0, 2 of each
        u[4 * h + 1] = _mm512_shuffle_f64x2(a[1], a[3], 0x88);
        u[4 * h + 2] = _mm512_shuffle_f64x2(a[0], a[2], 0xDD);  // chunks 1, 3 of each
        u[4 * h + 3] = _mm512_shuffle_f64x2(a[1], a[3], 0xDD);
    }
    for (int k = 0; k < 4; ++k) {
        v[k] = (vd)_mm512_shuffle_f64x2(u[k], u[4 + k], 0x88);
        v[k + 4] = (vd)_mm512_shuffle_f64x2(u[k], u[4 + k], 0xDD);
    }
#elif defined(SHARECUBE_X86) && defined(__AVX__)
    const __m256d t0 = _mm256_unpacklo_pd((__m256d)v[0], (__m256d)v[1]);
    const __m256d t1 = _mm256_unpackhi_pd((__m256d)v[0], (__m256d)v[1]);
    const __m256d t2 = _mm256_unpacklo_pd((__m256d)v[2], (__m256d)v[3]);
    const __m256d t3 = _mm256_unpackhi_pd((__m256d)v[2], (__m256d)v[3]);
    v[0] = (vd)_mm256_permute2f128_pd(t0, t2, 0x20);
    v[1] = (vd)_mm256_permute2f128_pd(t1, t3, 0x20);
    v[2] = (vd)_mm256_permute2f128_pd(t0, t2, 0x31);
    v[3] = (vd)_mm256_permute2f128_pd(t1, t3, 0x31);
#else
    vd t[kVec];
    for (index_t k = 0; k < kVec; ++k) {
        vd r = v[k];  // every lane written below; starting from v[k] keeps GCC from warning
        for (index_t l = 0; l < kVec; ++l) r[l] = v[l][k];
        t[k] = r;
    }
    for (index_t k = 0; k < kVec; ++k) v[k] = t[k];
#endif
}

// Per-thread work space of the group sums: `scratch` holds each group's running sums between
// chunks (4 vectors a group), `rows` a chunk of loaded positions (2 kChunk vectors), `cursor`
// each group's place in its member list (G entries).
struct GroupWork {
    vd* scratch = nullptr;
    vd* rows = nullptr;
    std::int64_t* cursor = nullptr;
};

// Positions buffered at a time by group_sum_block: 16 KB of 8-lane rows, in L1.
inline constexpr index_t kChunk = 256;

// One position's lanes [0, kVec) in a and [kVec, 2 kVec) in b added to the running sums
// (missing values dropped first with SkipNa).
template <bool Comp, bool SkipNa>
SHARECUBE_INLINE inline void add_pair(vd& s0, vd& c0, vd& s1, vd& c1, vd& a, vd& b) noexcept {
    if constexpr (SkipNa) {
        const vd zero = {};
        a = select(a == a, a, zero);
        b = select(b == b, b, zero);
    }
    two_sumv<Comp>(s0, c0, a);
    two_sumv<Comp>(s1, c1, b);
}

// Sums lanes [0, 2 kVec) over positions [r0, r1) of one reduced dim (position stride rs; 1 for
// the transposed walk) into acc (s0, s1, c0, c1), the running sums held in registers meanwhile.
// With Keep, each position's values (NaN dropped) are also kept in rows[2 (r - r0)], [.. + 1].
// No lambdas here: a running sum captured by reference is an addressed local, which GCC then
// keeps in memory (a load and a store per position) for fear of the stores to rows.
template <class T, bool Comp, bool SkipNa, Walk W, bool Keep>
inline void walk_sums(const T* x, index_t xs, index_t rs, index_t r0, index_t r1, index_t next,
                      vd* SHARECUBE_RESTRICT acc, vd* SHARECUBE_RESTRICT rows) noexcept {
    vd s0 = acc[0], s1 = acc[1], c0 = acc[2], c1 = acc[3];
    if constexpr (W == Walk::transposed) {
        index_t i = r0;
        for (; i + kVec <= r1; i += kVec) {
            vd a[kVec], b[kVec];
            for (index_t l = 0; l < kVec; ++l) {
                a[l] = loadv<T>(x + l * xs + i);
                b[l] = loadv<T>(x + (kVec + l) * xs + i);
            }
            transpose(a);
            transpose(b);
            for (index_t k = 0; k < kVec; ++k) {
                add_pair<Comp, SkipNa>(s0, c0, s1, c1, a[k], b[k]);
                if constexpr (Keep) {
                    rows[2 * (i + k - r0)] = a[k];
                    rows[2 * (i + k - r0) + 1] = b[k];
                }
            }
        }
#if defined(SHARECUBE_WIDE)
        // The last r1 - i < kVec positions (6 of a row of 30 years) the same way, by masked
        // loads, rather than by gathering 2 kVec lanes a position.
        if (i < r1) {
            const index_t nk = r1 - i;
            vd a[kVec], b[kVec];
            for (index_t l = 0; l < kVec; ++l) {
                a[l] = loadv_first<T>(x + l * xs + i, nk);
                b[l] = loadv_first<T>(x + (kVec + l) * xs + i, nk);
            }
            transpose(a);
            transpose(b);
            for (index_t k = 0; k < nk; ++k) {
                add_pair<Comp, SkipNa>(s0, c0, s1, c1, a[k], b[k]);
                if constexpr (Keep) {
                    rows[2 * (i + k - r0)] = a[k];
                    rows[2 * (i + k - r0) + 1] = b[k];
                }
            }
            i = r1;
        }
#endif
        for (; i < r1; ++i) {
            vd a = loadv_strided<T>(x + i, xs), b = loadv_strided<T>(x + kVec * xs + i, xs);
            add_pair<Comp, SkipNa>(s0, c0, s1, c1, a, b);
            if constexpr (Keep) {
                rows[2 * (i - r0)] = a;
                rows[2 * (i - r0) + 1] = b;
            }
        }
    } else {
        for (index_t r = r0; r < r1; ++r) {
            const T* p = x + r * rs;
            vd a, b;
            if constexpr (W == Walk::contiguous) {
                if (next != 0) {
                    SHARECUBE_PREFETCH(p + next);
                    // a block of 16 float64 lanes spans two cache lines: fetch both
                    if constexpr (kBlock * sizeof(T) > 64)
                        SHARECUBE_PREFETCH(p + next + kBlock / 2);
                }
                a = loadv<T>(p);
                b = loadv<T>(p + kVec);
            } else {
                a = loadv_strided<T>(p, xs);
                b = loadv_strided<T>(p + kVec * xs, xs);
            }
            add_pair<Comp, SkipNa>(s0, c0, s1, c1, a, b);
            if constexpr (Keep) {
                rows[2 * (r - r0)] = a;
                rows[2 * (r - r0) + 1] = b;
            }
        }
    }
    acc[0] = s0;
    acc[1] = s1;
    acc[2] = c0;
    acc[3] = c1;
}

// Each group's sums over its members among positions [r0, r1), whose values are in rows: group
// k's running sums come from scratch[4k ..] into registers, walk its member list from
// cursor[k], and go back.
template <bool Comp>
inline void add_members(const Groups& g, index_t r0, index_t r1, const vd* SHARECUBE_RESTRICT rows,
                        vd* SHARECUBE_RESTRICT scratch,
                        std::int64_t* SHARECUBE_RESTRICT cursor) noexcept {
    for (index_t k = 0; k < g.count; ++k) {
        std::int64_t e = cursor[k];
        const std::int64_t end = g.cptr[k + 1];
        if (e == end || g.cidx[e] >= r1) continue;
        vd* acc = scratch + 4 * k;
        vd s0 = acc[0], s1 = acc[1], c0 = acc[2], c1 = acc[3];
        for (; e < end && g.cidx[e] < r1; ++e) {
            const vd* row = rows + 2 * (g.cidx[e] - r0);
            two_sumv<Comp>(s0, c0, row[0]);
            two_sumv<Comp>(s1, c1, row[1]);
        }
        acc[0] = s0;
        acc[1] = s1;
        acc[2] = c0;
        acc[3] = c1;
        cursor[k] = e;
    }
}

// The block's rows, in the transposed walk, are short runs, too many at once for the hardware
// prefetchers: fetch the first bytes of each row of the block four blocks on.
template <class T>
inline void prefetch_rows_ahead(const T* x, index_t xs, index_t n) {
    const index_t ahead = std::min<index_t>(n, 512 / index_t(sizeof(T)));
    for (index_t l = 4 * kBlock; l < 5 * kBlock; ++l)
        for (index_t b = 0; b < ahead; b += 64 / index_t(sizeof(T)))
            SHARECUBE_PREFETCH(x + l * xs + b);
}

// Group sums for lanes [j, j + kBlock): the total's running sums in registers, written to the
// strip's arrays with the groups' at the end: total in (S, C), group k in gs[2k lanes + j] (sums)
// and gs[(2k + 1) lanes + j] (corrections). Each lane adds the reduced positions in order
// whatever the walk, so the sums do not depend on it.
//
// Groups (always along one reduced dim) go chunk by chunk: a chunk of positions is loaded once
// (the total summed on the way) into wk.rows, then each group walks its members in the chunk
// (g.cptr, g.cidx) with its sums in registers. Walking position by position instead, each
// position would branch on its number of memberships (different at each position, which
// defeats the branch predictor) and load and store a group's sums.
template <class T, bool Comp, bool SkipNa, Walk W>
inline void group_sum_block(const T* x, const Layout& L, const Groups& g, index_t next,
                            index_t lanes, index_t j, double* SHARECUBE_RESTRICT S,
                            double* SHARECUBE_RESTRICT C, double* SHARECUBE_RESTRICT gs,
                            const GroupWork& wk) {
    const vd zero = {};
    const index_t xs = L.inner.xs;
    vd acc[4] = {zero, zero, zero, zero};
    if (g.count > 0) {
        const Dim& d = L.reduced[0];
        for (index_t k = 0; k < 4 * g.count; ++k) wk.scratch[k] = zero;
        for (index_t k = 0; k < g.count; ++k) wk.cursor[k] = g.cptr[k];
        if constexpr (W == Walk::transposed) prefetch_rows_ahead(x, xs, d.n);
        for (index_t r0 = 0; r0 < d.n; r0 += kChunk) {
            const index_t r1 = std::min(d.n, r0 + kChunk);
            walk_sums<T, Comp, SkipNa, W, true>(x, xs, d.xs, r0, r1, next, acc, wk.rows);
            add_members<Comp>(g, r0, r1, wk.rows, wk.scratch, wk.cursor);
        }
    } else if (L.reduced.size() == 1) {
        const Dim& d = L.reduced[0];
        if constexpr (W == Walk::transposed) prefetch_rows_ahead(x, xs, d.n);
        walk_sums<T, Comp, SkipNa, W, false>(x, xs, d.xs, 0, d.n, next, acc, nullptr);
    } else if constexpr (W == Walk::transposed) {  // several reduced dims, the last contiguous
        const index_t n = L.reduced.back().n;
        for_each_run(L.reduced, [&](index_t, index_t xr, index_t) {
            prefetch_rows_ahead(x + xr, xs, n);
            walk_sums<T, Comp, SkipNa, W, false>(x + xr, xs, 1, 0, n, 0, acc, nullptr);
        });
    } else {
        for_each_offset(L.reduced, [&](index_t, index_t xr, index_t) {
            walk_sums<T, Comp, SkipNa, W, false>(x + xr, xs, 0, 0, 1, next, acc, nullptr);
        });
    }
    std::memcpy(S + j, &acc[0], sizeof(vd));
    std::memcpy(S + j + kVec, &acc[1], sizeof(vd));
    std::memcpy(C + j, &acc[2], sizeof(vd));
    std::memcpy(C + j + kVec, &acc[3], sizeof(vd));
    for (index_t k = 0; k < g.count; ++k) {
        double* gk = gs + 2 * k * lanes + j;
        std::memcpy(gk, &wk.scratch[4 * k], 2 * sizeof(vd));
        std::memcpy(gk + lanes, &wk.scratch[4 * k + 2], 2 * sizeof(vd));
    }
}

template <class T, bool Comp, Walk W>
inline void block_sums(const T* x, const Layout& L, const Groups& g, index_t next, index_t lanes,
                       index_t j, bool skipna, double* S, double* C, double* gs,
                       const GroupWork& wk) {
    if (skipna)
        group_sum_block<T, Comp, true, W>(x, L, g, next, lanes, j, S, C, gs, wk);
    else
        group_sum_block<T, Comp, false, W>(x, L, g, next, lanes, j, S, C, gs, wk);
}

// group_sum_block for the layout and policy at hand (next: prefetch distance, contiguous only).
template <class T, bool Comp>
inline void block_sums(const T* x, const Layout& L, const Groups& g, index_t next, index_t lanes,
                       index_t j, bool skipna, double* S, double* C, double* gs,
                       const GroupWork& wk) {
    if (L.inner.xs == 1)
        block_sums<T, Comp, Walk::contiguous>(x, L, g, next, lanes, j, skipna, S, C, gs, wk);
    else if (!L.reduced.empty() && L.reduced.back().xs == 1 && L.reduced.back().n >= kVec)
        block_sums<T, Comp, Walk::transposed>(x, L, g, 0, lanes, j, skipna, S, C, gs, wk);
    else
        block_sums<T, Comp, Walk::strided>(x, L, g, 0, lanes, j, skipna, S, C, gs, wk);
}

// Short rows: a short inner dim (30 years, say) reduced over thousands of positions (sectors).
// All lanes of a row are summed at once, in one walk down the rows. The blocked path walks the
// rows once per block of 2 kVec lanes, and a strip of 5,000 rows of 240 bytes does not stay in
// L2 between walks, so it read the strip from memory up to four times. Each lane still adds its
// rows in order with the same TwoSum, so the sums are bit-identical to the blocked path's.
inline constexpr index_t kShortRow = 64;

template <bool Comp = true>
inline void two_sum1(double& s, double& c, double v) noexcept {
    if constexpr (!Comp) {
        s += v;
        return;
    }
    const double t = s + v;
    const double z = t - s;
    c += (s - (t - z)) + (v - z);
    s = t;
}

// Sums lanes [0, w) of a strip into (s, c) and, for each group k, into gs[2k lanes + j] (sums)
// and gs[(2k + 1) lanes + j] (corrections). w <= kShortRow, x contiguous along the lanes.
template <class T, bool Comp, bool SkipNa>
inline void short_row_sums(const T* x, const Layout& L, const Groups& g, index_t w, index_t lanes,
                           double* SHARECUBE_RESTRICT s, double* SHARECUBE_RESTRICT c,
                           double* SHARECUBE_RESTRICT gs) {
    constexpr index_t kMaxVecs = kShortRow / kVec;
    const index_t nv = w / kVec;
    const index_t tail0 = nv * kVec;
    const vd zero = {};
    vd S[kMaxVecs], C[kMaxVecs], row[kMaxVecs];
    double rowt[kVec];
    for (index_t v = 0; v < nv; ++v) S[v] = C[v] = zero;
    std::fill(s + tail0, s + w, 0.0);
    std::fill(c + tail0, c + w, 0.0);
    for (index_t k = 0; k < g.count; ++k) {
        std::fill(gs + 2 * k * lanes, gs + 2 * k * lanes + w, 0.0);
        std::fill(gs + (2 * k + 1) * lanes, gs + (2 * k + 1) * lanes + w, 0.0);
    }
    for_each_offset(L.reduced, [&](index_t r, index_t xr, index_t) {
        const T* p = x + xr;
        for (index_t v = 0; v < nv; ++v) {
            vd a = loadv<T>(p + v * kVec);
            if constexpr (SkipNa) a = select(a == a, a, zero);
            row[v] = a;
            two_sumv<Comp>(S[v], C[v], a);
        }
        for (index_t j = tail0; j < w; ++j) {
            double a = load<T>(p + j);
            if constexpr (SkipNa) a = a == a ? a : 0.0;
            rowt[j - tail0] = a;
            two_sum1<Comp>(s[j], c[j], a);
        }
        if (g.count == 0) return;
        for (std::int64_t e = g.ptr[r]; e < g.ptr[r + 1]; ++e) {
            double* gsum = gs + 2 * g.idx[e] * lanes;
            double* gcor = gsum + lanes;
            for (index_t v = 0; v < nv; ++v) {
                vd a, b;
                std::memcpy(&a, gsum + v * kVec, sizeof(vd));
                std::memcpy(&b, gcor + v * kVec, sizeof(vd));
                two_sumv<Comp>(a, b, row[v]);
                std::memcpy(gsum + v * kVec, &a, sizeof(vd));
                std::memcpy(gcor + v * kVec, &b, sizeof(vd));
            }
            for (index_t j = tail0; j < w; ++j) two_sum1<Comp>(gsum[j], gcor[j], rowt[j - tail0]);
        }
    });
    for (index_t v = 0; v < nv; ++v) {
        std::memcpy(s + v * kVec, &S[v], sizeof(vd));
        std::memcpy(c + v * kVec, &C[v], sizeof(vd));
    }
}

// short_row_sums with the row's vector count NT = ceil(w / kVec) known at compile time, so that
// every running sum stays in a register (with a run-time count they live on the stack, and
// each row paid a load and a store per vector). The last vector is the row's last kVec lanes,
// with the lanes that the vector before it already covers masked to zero: every lane still adds
// the same values in the same order. Group sums go to `scratch` (2 NT vectors a group, in L1).
template <class T, bool Comp, bool SkipNa, index_t NT>
inline void short_row_sums_fixed(const T* x, const Layout& L, const Groups& g, index_t w,
                                 index_t lanes, double* SHARECUBE_RESTRICT s,
                                 double* SHARECUBE_RESTRICT c, double* SHARECUBE_RESTRICT gs,
                                 vd* SHARECUBE_RESTRICT scratch) {
    const vd zero = {};
    const index_t last = w - kVec;  // the last vector's first lane
    vd lane_of;
    for (index_t k = 0; k < kVec; ++k) lane_of[k] = static_cast<double>(last + k);
    const auto keep = lane_of >= static_cast<double>((NT - 1) * kVec);
    vd S[NT], C[NT];
    for (index_t v = 0; v < NT; ++v) S[v] = C[v] = zero;
    for (index_t k = 0; k < 2 * NT * g.count; ++k) scratch[k] = zero;
    for_each_offset(L.reduced, [&](index_t r, index_t xr, index_t) {
        const T* p = x + xr;
        vd row[NT];
        for (index_t v = 0; v + 1 < NT; ++v) row[v] = loadv<T>(p + v * kVec);
        row[NT - 1] = select(keep, loadv<T>(p + last), zero);
        for (index_t v = 0; v < NT; ++v) {
            if constexpr (SkipNa) row[v] = select(row[v] == row[v], row[v], zero);
            two_sumv<Comp>(S[v], C[v], row[v]);
        }
        if (g.count == 0) return;
        for (std::int64_t e = g.ptr[r]; e < g.ptr[r + 1]; ++e) {
            vd* acc = scratch + 2 * NT * g.idx[e];
            for (index_t v = 0; v < NT; ++v) two_sumv<Comp>(acc[v], acc[NT + v], row[v]);
        }
    });
    const auto put = [&](double* sum, double* cor, const vd* vs, const vd* vc) {
        for (index_t v = 0; v + 1 < NT; ++v) {
            std::memcpy(sum + v * kVec, &vs[v], sizeof(vd));
            std::memcpy(cor + v * kVec, &vc[v], sizeof(vd));
        }
        for (index_t k = 0; k < kVec; ++k) {
            if (last + k < (NT - 1) * kVec) continue;
            sum[last + k] = vs[NT - 1][k];
            cor[last + k] = vc[NT - 1][k];
        }
    };
    put(s, c, S, C);
    for (index_t k = 0; k < g.count; ++k)
        put(gs + 2 * k * lanes, gs + (2 * k + 1) * lanes, scratch + 2 * NT * k,
            scratch + 2 * NT * k + NT);
}

// Rows of up to this many lanes take short_row_sums_fixed (for float64 and float32 data).
inline constexpr index_t kFixedRowVecs = 8;

// Whether a strip takes the short-row path, and that path for the policy at hand.
inline bool short_rows(const Layout& L, index_t w) noexcept {
    return L.inner.xs == 1 && w <= kShortRow && !L.reduced.empty();
}

// short_row_sums_fixed for the smallest NT >= w / kVec; false where w is too wide for it.
template <class T, bool Comp, bool SkipNa, index_t NT = 1>
inline bool fixed_row_sums(const T* x, const Layout& L, const Groups& g, index_t w, index_t lanes,
                           double* s, double* c, double* gs, vd* scratch) {
    if constexpr (NT > kFixedRowVecs) {
        return false;
    } else {
        if (w > NT * kVec)
            return fixed_row_sums<T, Comp, SkipNa, NT + 1>(x, L, g, w, lanes, s, c, gs, scratch);
        short_row_sums_fixed<T, Comp, SkipNa, NT>(x, L, g, w, lanes, s, c, gs, scratch);
        return true;
    }
}

template <class T, bool Comp>
inline void short_row_sums(const T* x, const Layout& L, const Groups& g, index_t w, index_t lanes,
                           bool skipna, double* s, double* c, double* gs, vd* scratch) {
    {
        if (w >= kVec && (g.count == 0 || scratch != nullptr)) {
            if (skipna ? fixed_row_sums<T, Comp, true>(x, L, g, w, lanes, s, c, gs, scratch)
                       : fixed_row_sums<T, Comp, false>(x, L, g, w, lanes, s, c, gs, scratch))
                return;
        }
    }
    if (skipna)
        short_row_sums<T, Comp, true>(x, L, g, w, lanes, s, c, gs);
    else
        short_row_sums<T, Comp, false>(x, L, g, w, lanes, s, c, gs);
}

// Totals of a strip of w lanes: whole blocks with their sums in registers, the rest lane-wise.
// While a block is summed down every row, the next block of each row is prefetched (hardware
// prefetchers do not follow hundreds of rows at once); `ahead` lanes exist from x on.
template <class T, bool Comp>
inline void sum_strip_blocked(const T* x, const Layout& L, index_t w, index_t ahead, bool skipna,
                              double* s, double* c, double* vals) {
    if (short_rows(L, w)) {
        short_row_sums<T, Comp>(x, L, Groups{}, w, 0, skipna, s, c, nullptr, nullptr);
        return;
    }
    const index_t xs = L.inner.xs;
    index_t j = 0;
    for (; j + kBlock <= w; j += kBlock) {
        const index_t next = j + kBlock + prefetch_lanes<T>() <= ahead ? prefetch_lanes<T>() : 0;
        block_sums<T, Comp>(x + j * xs, L, Groups{}, next, 0, j, skipna, s, c, nullptr,
                            GroupWork{});
    }
    if (j < w) {
        std::fill(s + j, s + w, 0.0);
        std::fill(c + j, c + w, 0.0);
        sum_strip<T, Comp>(x + j * xs, L, w - j, skipna, s + j, c + j, vals,
                           [](index_t, const double*) {});
    }
}

// The write pass where the reduced dims end in one contiguous in x and out (shares along the
// last axis of a C array): lane by lane, each run of the reduced dim is one vectorised loop into
// q. Where the whole strip is one contiguous run of x and of out (one reduced dim, rows back to
// back), q holds the strip and it is written at once (streamed when `stream`); else each run is
// copied out as it is done. q holds `lanes` runs or, when not `whole`, one.
inline bool all_finite(const double* v, index_t n) noexcept {
    bool ok = true;
    for (index_t j = 0; j < n; ++j) ok &= std::fabs(v[j]) <= std::numeric_limits<double>::max();
    return ok;
}

template <class T, class O>
inline void divide_rows(const T* x, O* out, const Layout& L, index_t w, const double* tot,
                        double* rcp, double fill, bool whole, bool stream, O* q) {
    const Dim& run = L.reduced.back();
    const index_t n = run.n;
    reciprocals(tot, w, rcp);
    if (whole) {
        for (index_t j = 0; j < w; ++j)
            divide_contiguous<T, true>(x + j * L.inner.xs, n, tot + j, rcp + j, fill, q + j * n);
        if (stream)
            stream_store(out, q, w * n);
        else
            std::memcpy(out, q, static_cast<std::size_t>(w * n) * sizeof(O));
        return;
    }
    const std::vector<Dim> rest(L.reduced.begin(), L.reduced.end() - 1);
    for (index_t j = 0; j < w; ++j) {
        const T* xj = x + j * L.inner.xs;
        O* oj = out + j * L.inner.os;
        for_each_offset(rest, [&](index_t, index_t xr, index_t orr) {
            divide_contiguous<T, true>(xj + xr, n, tot + j, rcp + j, fill, q);
            std::memcpy(oj + orr, q, static_cast<std::size_t>(n) * sizeof(O));
        });
    }
}

// How shares_along writes a strip's shares: the one decision among its write strategies, from
// the layout and the sizes alone.
enum class Write {
    strided,        // each reduced position's lanes copied out (memcpy where out is contiguous)
    streamed,       // contiguous lanes of whole cache lines, streamed past the caches
    rows,           // the reduced dim's runs contiguous in x and out: divided run by run
    rows_whole,     // ... runs back to back, a strip buffered whole and written at once
    rows_streamed,  // ... and streamed (a large result)
    packed,         // short runs back to back in out: batches of about 8 KB, streamed
};

template <class O>
Write choose_write(const Layout& L, index_t lanes, index_t elements) {
    const index_t m = L.inner.n;
    const bool big = wants_streaming(elements * index_t(sizeof(O)));
    const bool rows = L.inner.os != 1 && !L.reduced.empty() && L.reduced.back().xs == 1 &&
                      L.reduced.back().os == 1;
    if (rows) {
        // Rows back to back in x and out: a strip is one contiguous run of each, buffered whole
        // (the rows path's strips are a few hundred KB at most, see strip_lanes).
        const index_t run = L.reduced.back().n;
        const bool whole = L.reduced.size() == 1 && L.inner.xs == run && L.inner.os == run &&
                           lanes * run <= (index_t{1} << 17);
        if (!whole) return Write::rows;
        return big ? Write::rows_streamed : Write::rows_whole;
    }
    const bool contiguous = L.inner.xs == 1 && L.inner.os == 1;
    // Streaming stores only for rows of whole cache lines: short rows (30 years) would mix
    // streaming and normal stores within lines, which measured slower than caching them.
    if (contiguous && big && std::min(lanes, m) * index_t(sizeof(O)) >= 1024)
        return Write::streamed;
    // Short rows (30 years) back to back in out, a strip holding the whole inner dim: the
    // strip's output is one contiguous run, written batch by batch, streamed.
    if (contiguous && big && lanes >= m && L.reduced.size() == 1 && L.reduced[0].os == m)
        return Write::packed;
    return Write::strided;
}

// out = x / sum(x over the reduced dims), with L.reduced's out strides giving each element's
// place in out (same shape as x). out may be x itself: each row of a strip is read into a
// private buffer before it is written, and only after its slice totals are known.
// Sets *nonfinite where some slice total is inf or NaN (an input inf or NaN, or a sum of finite
// values that overflowed): the caller then recomputes the slices that overflowed, scaled.
template <class T, class O>
void shares_along(const T* x, O* out, const Layout& L, bool skipna, double fill, int threads,
                  std::atomic<bool>* nonfinite) {
    const index_t m = L.inner.n;
    const index_t lanes = strip_lanes<T>(count(L.reduced), L.inner.n);
    const index_t nstrips = (m + lanes - 1) / lanes;
    const index_t items = count(L.outer) * nstrips;
    const index_t elements = count(L.outer) * m * count(L.reduced);
    const Write how = choose_write<O>(L, lanes, elements);
    const bool rows = how == Write::rows || how == Write::rows_whole || how == Write::rows_streamed;
    const bool whole = how == Write::rows_whole || how == Write::rows_streamed;
    const index_t run = rows ? L.reduced.back().n : 0;
    const index_t batch =
        how == Write::packed
            ? std::max<index_t>(1, 8192 / (std::max<index_t>(m, 1) * index_t(sizeof(O))))
            : 1;
    // By value: through a reference the compiler must assume stores to out may change it.
    parallel_for(items, threads, elements, [&, fill, skipna](index_t begin, index_t end) {
        std::vector<double> buf(static_cast<std::size_t>(5 * lanes));
        std::vector<O> qbuf(static_cast<std::size_t>(
            std::max({lanes, whole ? lanes * run : run, how == Write::packed ? batch * m : 0})));
        double* s = buf.data();
        double* c = s + lanes;
        double* vals = c + lanes;
        double* tot = vals + lanes;
        double* rcp = tot + lanes;
        O* q = qbuf.data();
        bool bad = false;
        for (index_t item = begin; item < end; ++item) {
            const Strip sp = strip_of(L, item, nstrips, lanes);
            const index_t j0 = sp.j0, w = sp.w, xo = sp.xo, oo = sp.oo;
            sum_strip_blocked<T, kCompensated<T, O>>(x + xo, L, w, m - j0, skipna, s, c, vals);
            for (index_t j = 0; j < w; ++j) tot[j] = finish(s[j], c[j]);
            bad |= !all_finite(tot, w);
            const index_t xs = L.inner.xs, os = L.inner.os;
            if (rows) {
                divide_rows<T>(x + xo, out + oo, L, w, tot, rcp, fill, whole,
                               how == Write::rows_streamed, q);
                continue;
            }
            reciprocals(tot, w, rcp);
            if (how == Write::packed) {
                const Dim& red = L.reduced[0];
                for (index_t r0 = 0; r0 < red.n; r0 += batch) {
                    const index_t nb = std::min(batch, red.n - r0);
                    for (index_t b = 0; b < nb; ++b)
                        divide_contiguous<T>(x + xo + (r0 + b) * red.xs, w, tot, rcp, fill,
                                             q + b * w);
                    stream_store(out + oo + r0 * red.os, q, nb * w);
                }
                continue;
            }
            for_each_offset(L.reduced, [&](index_t, index_t xr, index_t orr) {
#if defined(SHARECUBE_FAST_DIVIDE)
                if (xs == 1)
                    divide_strip_fast<T>(x + xo + xr, w, tot, rcp, fill, q);
                else
                    divide_strip<T>(x + xo + xr, xs, w, tot, fill, q);
#else
                divide_strip<T>(x + xo + xr, xs, w, tot, fill, q);
#endif
                O* po = out + oo + orr;
                if (how == Write::streamed)
                    stream_store(po, q, w);
                else if (os == 1)
                    std::memcpy(po, q, static_cast<std::size_t>(w) * sizeof(O));
                else
                    for (index_t j = 0; j < w; ++j) po[j * os] = q[j];
            });
        }
        if (how == Write::streamed || how == Write::rows_streamed || how == Write::packed)
            stream_fence();
        if (bad) nonfinite->store(true, std::memory_order_relaxed);
    });
}

// Lanes per strip for G groups: the finished sums (2 doubles a lane per group and the total)
// are kept within about 128 KB.
template <class T>
index_t group_lanes(index_t G, index_t reduced_count, index_t inner) {
    index_t lanes = strip_lanes<T>(reduced_count, inner);
    while (lanes > 16 && (G + 2) * lanes * 16 > (index_t{128} << 10)) lanes /= 2;
    return lanes;
}

// For each group k: sum over its members of x / total, computed as (sum of members) / total from
// one pass that accumulates the total and every group's sum together. With G == 0, writes
// total / total (1 where the total is non-zero and finite) over every reduced dim.
template <class T, class O>
void share_sums_along(const T* x, O* out, const Layout& L, const Groups& memberships, bool skipna,
                      double fill, bool raw, int threads, std::atomic<bool>* nonfinite) {
    const index_t m = L.inner.n;
    const index_t G = memberships.count;
    // The member lists by group (positions in order) come with the groups, for
    // group_sum_block's chunked walk over one reduced dim.
    Groups g = memberships;
    if (L.reduced.size() != 1) g.cptr = g.cidx = nullptr;
    const index_t lanes = group_lanes<T>(G, count(L.reduced), L.inner.n);
    const index_t nstrips = (m + lanes - 1) / lanes;
    // The groups' sums, a row of lanes each, a cache line apart from a multiple of 4 KB: rows
    // 4 KB apart share an L1 set, and a block's stores to 2 G of them evicted each other.
    const index_t gstride = lanes + 8;
    const index_t items = count(L.outer) * nstrips;
    const index_t elements = count(L.outer) * m * count(L.reduced);
    // Where a strip's results are one contiguous run of out (groups innermost, sums along the
    // last axis of a C array), they are gathered in a buffer and written at once, streamed past
    // the caches when out is large: there out can be a good part of the input's size.
    const bool dense = G > 0 && g.out_stride == 1 && L.inner.os == G;
    const bool stream = dense && wants_streaming(count(L.outer) * m * G * index_t(sizeof(O))) &&
                        std::min(lanes, m) * G * index_t(sizeof(O)) >= 1024;
    // By value: through a reference the compiler must assume stores to out may change it.
    parallel_for(items, threads, elements, [&, fill, skipna, raw](index_t begin, index_t end) {
        std::vector<double> buf(static_cast<std::size_t>(5 * lanes + 2 * G * gstride));
        // Not cleared: every use writes before it reads (a cleared 40 KB cost a small call
        // a microsecond).
        const std::unique_ptr<vd[]> scratch(new vd[2 * kFixedRowVecs * G + 1]);
        const std::unique_ptr<vd[]> rowbuf(new vd[g.cptr != nullptr ? 2 * kChunk : 1]);
        std::vector<std::int64_t> cursor(static_cast<std::size_t>(G));
        const GroupWork wk{scratch.get(), rowbuf.get(), cursor.data()};
        std::vector<O> qbuf(static_cast<std::size_t>((dense ? G + 1 : 1) * lanes));
        double* s = buf.data();
        double* c = s + lanes;
        double* vals = c + lanes;
        double* tot = vals + lanes;
        double* rcp = tot + lanes;
        double* gs = rcp + lanes;  // group k: sums at gs[2k gstride], corrections gstride on
        O* q = qbuf.data();
        O* qg = q + lanes;
        bool bad = false;
        for (index_t item = begin; item < end; ++item) {
            const Strip sp = strip_of(L, item, nstrips, lanes);
            const index_t j0 = sp.j0, w = sp.w, xo = sp.xo, oo = sp.oo;
            const index_t xs = L.inner.xs;
            index_t j = short_rows(L, w) ? w : 0;
            if (j == w)
                short_row_sums<T, kCompensated<T, O>>(x + xo, L, g, w, gstride, skipna, s, c, gs,
                                                      scratch.get());
            for (; j + kBlock <= w; j += kBlock) {
                const T* xj = x + xo + j * xs;
                const index_t next =
                    xs == 1 && j0 + j + kBlock + prefetch_lanes<T>() <= m ? prefetch_lanes<T>() : 0;
                block_sums<T, kCompensated<T, O>>(xj, L, g, next, gstride, j, skipna, s, c, gs, wk);
            }
            if (j < w) {  // the ragged tail, lane by lane
                const index_t tw = w - j;
                std::fill(s + j, s + w, 0.0);
                std::fill(c + j, c + w, 0.0);
                for (index_t k = 0; k < G; ++k) {
                    std::fill(gs + 2 * k * gstride + j, gs + 2 * k * gstride + w, 0.0);
                    std::fill(gs + (2 * k + 1) * gstride + j, gs + (2 * k + 1) * gstride + w, 0.0);
                }
                sum_strip<T, kCompensated<T, O>>(
                    x + xo + j * xs, L, tw, skipna, s + j, c + j, vals,
                    [&](index_t r, const double* v) {
                        if (G == 0) return;
                        for (std::int64_t e = g.ptr[r]; e < g.ptr[r + 1]; ++e) {
                            double* gk = gs + 2 * g.idx[e] * gstride + j;
                            two_sum_lanes<kCompensated<T, O>>(gk, gk + gstride, v, tw);
                        }
                    });
            }
            for (index_t j = 0; j < w; ++j) tot[j] = finish(s[j], c[j]);
            bad |= !all_finite(tot, w);
            const index_t os = L.inner.os;
            if (G == 0) {
                for (index_t j = 0; j < w; ++j) {
                    const double t = tot[j];
                    out[oo + j * os] = static_cast<O>(raw ? t : t == 0.0 ? fill : t / t);
                }
                continue;
            }
            // Each group's shares for the strip, vectorised over its lanes: sum / total (one
            // reciprocal a lane for all groups), or fill where the total is 0.
            if (!raw) reciprocals(tot, w, rcp);
            for (index_t k = 0; k < G; ++k) {
                const double* gk = gs + 2 * k * gstride;
                for (index_t j = 0; j < w; ++j) {
                    const double sum = finish(gk[j], gk[gstride + j]);
                    vals[j] = raw || tot[j] != 0.0 ? sum : 0.0;  // 0 / 0 gives the fill
                }
                bad |= !all_finite(vals, w);
                if (raw) {
                    for (index_t j = 0; j < w; ++j) q[j] = static_cast<O>(vals[j]);
                } else {
                    divide_contiguous<double, false>(vals, w, tot, rcp, fill, q);
                }
                if (dense) {  // lane-major with the groups innermost, as out holds them
                    for (index_t j = 0; j < w; ++j) qg[j * G + k] = q[j];
                } else {
                    O* po = out + oo + k * g.out_stride;
                    if (os == 1)
                        std::memcpy(po, q, static_cast<std::size_t>(w) * sizeof(O));
                    else
                        for (index_t j = 0; j < w; ++j) po[j * os] = q[j];
                }
            }
            if (dense) {
                if (stream)
                    stream_store(out + oo, qg, w * G);
                else
                    std::memcpy(out + oo, qg, static_cast<std::size_t>(w * G) * sizeof(O));
            }
        }
        if (stream) stream_fence();
        if (bad) nonfinite->store(true, std::memory_order_relaxed);
    });
}

}  // namespace SHARECUBE_ISA
}  // namespace sharecube
