// Kernels for the indicators: one pass over the cube for the per-slice statistics behind HHI,
// entropy and RCA (sum, sum of squares, sum of x log x, count of non-missing values), and the
// pairwise sum of minima behind the Finger-Kreinin similarity.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "sharecube/accumulate.hpp"
#include "sharecube/isa.hpp"
#include "sharecube/kernel_api.hpp"
#include "sharecube/layout.hpp"
#include "sharecube/parallel.hpp"
#include "sharecube/shares.hpp"

namespace sharecube {
namespace SHARECUBE_ISA {

// x log x with 0 log 0 = 0; negative values have no logarithm (NaN), NaN stays NaN.
inline double xlogx(double v) noexcept {
    if (v > 0.0) return v * std::log(v);
    return v == 0.0 ? 0.0 : std::numeric_limits<double>::quiet_NaN();
}

// The totals over the reduced dims alone, written at the kept positions: the summation walk of
// the share kernels (the same lanes, blocks and order), so that a total here is bit for bit the
// total those divide by.
template <class T>
void sums_along(const T* x, double* sum, double* sum_lo, const Layout& L, bool skipna,
                int threads) {
    const index_t m = L.inner.n;
    const index_t lanes = strip_lanes<T>(count(L.reduced), m);
    const index_t nstrips = (m + lanes - 1) / lanes;
    const index_t items = count(L.outer) * nstrips;
    const index_t elements = count(L.outer) * m * count(L.reduced);
    parallel_for(items, threads, elements, [&, skipna](index_t begin, index_t end) {
        std::vector<double> buf(static_cast<std::size_t>(3 * lanes));
        double *s = buf.data(), *c = s + lanes, *vals = c + lanes;
        for (index_t item = begin; item < end; ++item) {
            const Strip sp = strip_of(L, item, nstrips, lanes);
            sum_strip_blocked<T, true>(x + sp.xo, L, sp.w, m - sp.j0, skipna, s, c, vals);
            for (index_t j = 0; j < sp.w; ++j) {
                sum[sp.oo + j * L.inner.os] = finish(s[j], c[j]);
                if (sum_lo) sum_lo[sp.oo + j * L.inner.os] = finish_lo(s[j], c[j]);
            }
        }
    });
}

// The running sums of stats_blocked for one block of kBlock lanes: total (S, C), squares
// (Q, D), count N; two vectors each.
struct BlockStats {
    vd S[2], C[2], Q[2], D[2], N[2];
};

// Adds positions [0, n) (stride rs) of a block of kBlock contiguous lanes to b: the sum, with
// Sq the sum of squares, with Cnt the count of non-missing values. The sums in registers
// meanwhile; per lane the same TwoSums in the same order as the lane-wise walk of stats_along,
// so the same bits.
template <class T, bool SkipNa, bool Sq, bool Cnt>
inline void stats_walk(const T* x, index_t rs, index_t n, index_t next, BlockStats& b) noexcept {
    const vd zero = {};
    vd one = zero;
    for (index_t k = 0; k < kVec; ++k) one[k] = 1.0;
    vd s0 = b.S[0], s1 = b.S[1], c0 = b.C[0], c1 = b.C[1];
    vd q0 = b.Q[0], q1 = b.Q[1], d0 = b.D[0], d1 = b.D[1];
    vd n0 = b.N[0], n1 = b.N[1];
    for (index_t r = 0; r < n; ++r) {
        const T* p = x + r * rs;
        if (next != 0) {
            SHARECUBE_PREFETCH(p + next);
            if constexpr (kBlock * sizeof(T) > 64) SHARECUBE_PREFETCH(p + next + kBlock / 2);
        }
        vd a0 = loadv<T>(p), a1 = loadv<T>(p + kVec);
        if constexpr (Cnt) {
            n0 += select(a0 == a0, one, zero);
            n1 += select(a1 == a1, one, zero);
        }
        if constexpr (SkipNa) {
            a0 = select(a0 == a0, a0, zero);
            a1 = select(a1 == a1, a1, zero);
        }
        two_sum(s0, c0, a0);
        two_sum(s1, c1, a1);
        if constexpr (Sq) {
            two_sum(q0, d0, a0 * a0);
            two_sum(q1, d1, a1 * a1);
        }
    }
    b.S[0] = s0, b.S[1] = s1, b.C[0] = c0, b.C[1] = c1;
    b.Q[0] = q0, b.Q[1] = q1, b.D[0] = d0, b.D[1] = d1;
    b.N[0] = n0, b.N[1] = n1;
}

// The sum, sum of squares (Sq) and count (Cnt) of lanes [0, kBlock) of x over every reduced
// position, into s1, c1, s2, c2, n at [0, kBlock).
template <class T, bool SkipNa, bool Sq, bool Cnt>
inline void stats_block(const T* x, const Layout& L, index_t next, double* s1, double* c1,
                        double* s2, double* c2, double* n) noexcept {
    const vd zero = {};
    BlockStats b{{zero, zero}, {zero, zero}, {zero, zero}, {zero, zero}, {zero, zero}};
    const Dim& last = L.reduced.back();
    for_each_run(L.reduced, [&](index_t, index_t xr, index_t) {
        stats_walk<T, SkipNa, Sq, Cnt>(x + xr, last.xs, last.n, next, b);
    });
    for (int h = 0; h < 2; ++h) {
        std::memcpy(s1 + h * kVec, &b.S[h], sizeof(vd));
        std::memcpy(c1 + h * kVec, &b.C[h], sizeof(vd));
        std::memcpy(s2 + h * kVec, &b.Q[h], sizeof(vd));
        std::memcpy(c2 + h * kVec, &b.D[h], sizeof(vd));
        std::memcpy(n + h * kVec, &b.N[h], sizeof(vd));
    }
}

template <class T, bool SkipNa>
inline void stats_block(const T* x, const Layout& L, index_t next, bool sq, bool cnt, double* s1,
                        double* c1, double* s2, double* c2, double* n) noexcept {
    if (sq && cnt)
        stats_block<T, SkipNa, true, true>(x, L, next, s1, c1, s2, c2, n);
    else if (sq)
        stats_block<T, SkipNa, true, false>(x, L, next, s1, c1, s2, c2, n);
    else if (cnt)
        stats_block<T, SkipNa, false, true>(x, L, next, s1, c1, s2, c2, n);
    else
        stats_block<T, SkipNa, false, false>(x, L, next, s1, c1, s2, c2, n);
}

// Each statistic requested in `st` (non-null pointer) over the reduced dims, written at the
// kept position (L.inner.os and L.outer's os are the statistics arrays' strides). Sums are
// compensated as in the share kernels; with skipna, NaN counts as absent everywhere.
template <class T>
void stats_along(const T* x, const Stats& st, const Layout& L, bool skipna, int threads) {
    if (st.sum && !st.sumsq && !st.xlogx && !st.count) {
        sums_along<T>(x, st.sum, st.sum_lo, L, skipna, threads);  // the totals behind RCA
        return;
    }
    const index_t m = L.inner.n;
    // Without x log x, whole blocks of contiguous lanes go through stats_block (sums in
    // registers, strips as the share kernels'); the rest, and x log x, lane by lane.
    const bool blocked = !st.xlogx && L.inner.xs == 1 && !L.reduced.empty();
    const index_t lanes = blocked ? strip_lanes<T>(count(L.reduced), m) : 64;
    const index_t nstrips = (m + lanes - 1) / lanes;
    const index_t items = count(L.outer) * nstrips;
    const index_t elements = count(L.outer) * m * count(L.reduced);
    parallel_for(items, threads, elements, [&, skipna](index_t begin, index_t end) {
        // 7 sums of lanes, then vals and tmp of the lane-wise walk (or the last block's sums)
        std::vector<double> buf(
            static_cast<std::size_t>(7 * lanes + std::max(2 * lanes, 5 * kBlock)));
        for (index_t item = begin; item < end; ++item) {
            const Strip sp = strip_of(L, item, nstrips, lanes);
            const index_t xo = sp.xo, oo = sp.oo;
            double *s1 = buf.data(), *c1 = s1 + lanes, *s2 = c1 + lanes, *c2 = s2 + lanes;
            double *sl = c2 + lanes, *cl = sl + lanes, *n = cl + lanes, *vals = n + lanes;
            double* tmp = vals + lanes;
            std::fill(buf.begin(), buf.begin() + 7 * lanes, 0.0);
            index_t jb = 0;  // lanes [0, jb) done by blocks
            if (blocked) {
                const bool sq = st.sumsq != nullptr, cnt = st.count != nullptr;
                for (; jb + kBlock <= sp.w; jb += kBlock) {
                    const index_t next =
                        sp.j0 + jb + kBlock + prefetch_lanes<T>() <= m ? prefetch_lanes<T>() : 0;
                    const T* xj = x + xo + jb;
                    if (skipna)
                        stats_block<T, true>(xj, L, next, sq, cnt, s1 + jb, c1 + jb, s2 + jb,
                                             c2 + jb, n + jb);
                    else
                        stats_block<T, false>(xj, L, next, sq, cnt, s1 + jb, c1 + jb, s2 + jb,
                                              c2 + jb, n + jb);
                }
                if (jb < sp.w && sp.w >= kBlock) {
                    // the ragged end as one more block over the strip's last kBlock lanes: each
                    // lane's sums do not depend on its block, so the lanes it shares with the
                    // block before come out the same; only [jb, w) are taken from it
                    double* t = buf.data() + 7 * lanes;  // 5 kBlock doubles
                    const index_t j = sp.w - kBlock, k = jb - j;
                    const T* xj = x + xo + j;
                    if (skipna)
                        stats_block<T, true>(xj, L, 0, sq, cnt, t, t + kBlock, t + 2 * kBlock,
                                             t + 3 * kBlock, t + 4 * kBlock);
                    else
                        stats_block<T, false>(xj, L, 0, sq, cnt, t, t + kBlock, t + 2 * kBlock,
                                              t + 3 * kBlock, t + 4 * kBlock);
                    for (index_t l = k; l < kBlock; ++l) {
                        s1[j + l] = t[l];
                        c1[j + l] = t[kBlock + l];
                        s2[j + l] = t[2 * kBlock + l];
                        c2[j + l] = t[3 * kBlock + l];
                        n[j + l] = t[4 * kBlock + l];
                    }
                    jb = sp.w;
                }
            }
            // the lanes left, [jb, sp.w), one at a time across each row
            const index_t w = sp.w - jb;
            s1 += jb, c1 += jb, s2 += jb, c2 += jb, sl += jb, cl += jb, n += jb;
            // the squares and x log x of a row's values, once the total has them
            const auto more = [&](index_t, const double* v) {
                if (st.sumsq) {
                    for (index_t j = 0; j < w; ++j) tmp[j] = v[j] * v[j];
                    two_sum_lanes(s2, c2, tmp, w);
                }
                if (st.xlogx) {
                    for (index_t j = 0; j < w; ++j) tmp[j] = xlogx(v[j]);
                    two_sum_lanes(sl, cl, tmp, w);
                }
            };
            const T* xt = x + xo + jb * L.inner.xs;
            if (w == 0) {
                // every lane in blocks
            } else if (!st.count) {
                // the share kernels' strip walk (sum_strip), the statistics on each row it loads
                sum_strip<T, true>(xt, L, w, skipna, s1, c1, vals, more);
            } else {
                // counting needs the NaN before skipna drops them: the same walk, written out
                for_each_offset(L.reduced, [&](index_t r, index_t xr, index_t) {
                    load_strip<T>(xt + xr, L.inner.xs, w, false, vals);
                    for (index_t j = 0; j < w; ++j) {
                        const bool present = vals[j] == vals[j];
                        n[j] += present ? 1.0 : 0.0;
                        if (skipna && !present) vals[j] = 0.0;
                    }
                    two_sum_lanes(s1, c1, vals, w);
                    more(r, vals);
                });
            }
            s1 -= jb, c1 -= jb, s2 -= jb, c2 -= jb, sl -= jb, cl -= jb, n -= jb;
            const index_t os = L.inner.os;
            for (index_t j = 0; j < sp.w; ++j) {
                if (st.sum) st.sum[oo + j * os] = finish(s1[j], c1[j]);
                if (st.sumsq) st.sumsq[oo + j * os] = finish(s2[j], c2[j]);
                if (st.xlogx) st.xlogx[oo + j * os] = finish(sl[j], cl[j]);
                if (st.count) st.count[oo + j * os] = n[j];
                if (st.sum_lo) st.sum_lo[oo + j * os] = finish_lo(s1[j], c1[j]);
                if (st.sumsq_lo) st.sumsq_lo[oo + j * os] = finish_lo(s2[j], c2[j]);
                if (st.xlogx_lo) st.xlogx_lo[oo + j * os] = finish_lo(sl[j], cl[j]);
            }
        }
    });
}

// One run of Quotients' last dim: q1 = x / a, then out = q1 / b, each an IEEE division (at
// multiply speed, with the reciprocals, where the CPU has FMA). bca, bcb: a, b broadcast.
template <class T, class O>
inline void quotient_run(const T* x, const double* a, const double* ra, const double* b,
                         const double* rb, O* out, index_t n, double* q1, bool bca, bool bcb) {
#if defined(SHARECUBE_FAST_DIVIDE)
    if (bca)
        divide_strip_fast<T, double, true, true>(x, n, a, ra, 0.0, q1);
    else
        divide_strip_fast<T, double, false, true>(x, n, a, ra, 0.0, q1);
    if (bcb)
        divide_strip_fast<double, O, true, true>(q1, n, b, rb, 0.0, out);
    else
        divide_strip_fast<double, O, false, true>(q1, n, b, rb, 0.0, out);
#else
    (void)ra, (void)rb, (void)q1;
    const index_t sa = bca ? 0 : 1, sb = bcb ? 0 : 1;
    for (index_t j = 0; j < n; ++j) out[j] = static_cast<O>(load<T>(x + j) / a[j * sa] / b[j * sb]);
#endif
}

// out = (x / a) / b over the whole array (see Quotients): runs of the last dim, shared among
// the threads in blocks of whole runs; each element's result depends on nothing else.
template <class T, class O>
void quotients_along(const T* x, O* out, const Quotients& q) {
    const int nd = q.ndim;
    const index_t n = q.shape[nd - 1];
    index_t runs = 1;
    for (int d = 0; d + 1 < nd; ++d) runs *= q.shape[d];
    if (runs == 0 || n == 0) return;
    const bool bca = q.sa[nd - 1] == 0, bcb = q.sb[nd - 1] == 0;
    parallel_for(runs, q.threads, runs * n, [&, n, nd](index_t begin, index_t end) {
        std::vector<double> q1(static_cast<std::size_t>(n));
        index_t idx[kMaxDims] = {};
        index_t left = begin;
        for (int d = nd - 2; d >= 0; --d) {
            idx[d] = left % q.shape[d];
            left /= q.shape[d];
        }
        index_t ox = 0, oa = 0, ob = 0, oo = 0;
        for (int d = 0; d + 1 < nd; ++d) {
            ox += idx[d] * q.sx[d];
            oa += idx[d] * q.sa[d];
            ob += idx[d] * q.sb[d];
            oo += idx[d] * q.so[d];
        }
        for (index_t r = begin; r < end; ++r) {
            quotient_run<T, O>(x + ox, q.a + oa, q.ra + oa, q.b + ob, q.rb + ob, out + oo, n,
                               q1.data(), bca, bcb);
            for (int d = nd - 2; d >= 0; --d) {  // the next run: the odometer
                ox += q.sx[d], oa += q.sa[d], ob += q.sb[d], oo += q.so[d];
                if (++idx[d] < q.shape[d]) break;
                ox -= q.sx[d] * q.shape[d], oa -= q.sa[d] * q.shape[d];
                ob -= q.sb[d] * q.shape[d], oo -= q.so[d] * q.shape[d];
                idx[d] = 0;
            }
        }
    });
}

// out[i, j] = number of bits set in both rows i and j of bits (N rows of W 64-bit words,
// C-contiguous): how many countries make both products, from presence packed a bit a country.
// Integer work (AND and popcount), so exact and the same for every instruction set and thread
// count; out (N, N) float64, C-contiguous, symmetric (each pair counted once).
inline void co_occurrence_kernel(const std::uint64_t* bits, double* out, index_t N, index_t W,
                                 int threads) {
    const index_t pairs = N * (N + 1) / 2;
    parallel_for(pairs, threads, pairs * W, [&](index_t begin, index_t end) {
        index_t i = 0, row_start = 0;  // pair p -> (i, j >= i), row by row
        while (row_start + (N - i) <= begin) {
            row_start += N - i;
            ++i;
        }
        index_t j = i + (begin - row_start);
        for (index_t p = begin; p < end; ++p) {
            const std::uint64_t* a = bits + i * W;
            const std::uint64_t* b = bits + j * W;
            std::int64_t n = 0;
            for (index_t w = 0; w < W; ++w) n += static_cast<std::int64_t>(popcount64(a[w] & b[w]));
            out[i * N + j] = out[j * N + i] = static_cast<double>(n);
            if (++j == N) {
                ++i;
                j = i;
            }
        }
    });
}

// out[i, j, r] = sum_k min(s[i, r, k], s[j, r, k]) for s of shape (C, R, K), C-contiguous, and
// out (C, C, R) C-contiguous; symmetric, so each pair is computed once. With skipna a pair
// with a NaN in it adds nothing; without, it makes the sum NaN. Four partial sums in a fixed
// order: the same bits for every instruction set and thread count.
inline void min_sum_pairs_kernel(const double* s, double* out, index_t C, index_t R, index_t K,
                                 bool skipna, int threads) {
    const index_t pairs = C * (C + 1) / 2;
    parallel_for(pairs, threads, pairs * R * K, [&, skipna](index_t begin, index_t end) {
        // pair p -> (i, j >= i), row by row
        index_t i = 0, row_start = 0;
        while (row_start + (C - i) <= begin) {
            row_start += C - i;
            ++i;
        }
        index_t j = i + (begin - row_start);
        for (index_t p = begin; p < end; ++p) {
            for (index_t r = 0; r < R; ++r) {
                const double* a = s + (i * R + r) * K;
                const double* b = s + (j * R + r) * K;
                double acc[4] = {0.0, 0.0, 0.0, 0.0};
                index_t k = 0;
                for (; k + 4 <= K; k += 4)
                    for (int u = 0; u < 4; ++u) {
                        const double av = a[k + u], bv = b[k + u];
                        const double mn = av < bv ? av : bv;
                        const bool missing = av != av || bv != bv;
                        acc[u] += missing
                                      ? (skipna ? 0.0 : std::numeric_limits<double>::quiet_NaN())
                                      : mn;
                    }
                for (int u = 0; k < K; ++k, ++u) {
                    const double av = a[k], bv = b[k];
                    const bool missing = av != av || bv != bv;
                    acc[u] += missing ? (skipna ? 0.0 : std::numeric_limits<double>::quiet_NaN())
                                      : (av < bv ? av : bv);
                }
                const double v = (acc[0] + acc[1]) + (acc[2] + acc[3]);
                out[(i * C + j) * R + r] = v;
                out[(j * C + i) * R + r] = v;
            }
            if (++j == C) {
                ++i;
                j = i;
            }
        }
    });
}

}  // namespace SHARECUBE_ISA
}  // namespace sharecube
