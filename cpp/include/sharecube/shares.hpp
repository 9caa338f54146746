// The share kernels: each element's share of its slice total, and group (bloc) share sums.
// Templates on raw pointers and a Layout; no Python headers, no validation of user input.
#pragma once

#include "sharecube/isa.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "sharecube/accumulate.hpp"
#include "sharecube/kernel_api.hpp"
#include "sharecube/layout.hpp"
#include "sharecube/parallel.hpp"
#include "sharecube/stream.hpp"

namespace sharecube {
namespace SHARECUBE_ISA {

// Strip width in lanes: 512 bytes of input, so that a strip across every reduced position of a
// (200, 5000, 30) cube (~100 KB) stays in L2 between the sum pass and the write pass and the
// cube is read from memory once.
template <class T>
constexpr index_t strip_lanes() {
    return std::max<index_t>(8, 512 / static_cast<index_t>(sizeof(T)));
}

// Asks for the next strip's 512 bytes of a row while this strip is being summed: hardware
// prefetchers do not follow hundreds of rows at once.
template <class T>
inline void prefetch_next_strip(const T* row_next) noexcept {
    const char* p = reinterpret_cast<const char*>(row_next);
    for (int b = 0; b < 512; b += 64) __builtin_prefetch(p + b, 0, 3);
}

// Sums a strip over every reduced position into (s, c); calls each_row(r, vals) after each row
// so that group sums can reuse the loaded values. next: offset of the next strip to prefetch,
// or 0 for none.
template <class T, bool Swap, class F>
inline void sum_strip(const T* x, const Layout& L, index_t w, index_t next, bool skipna,
                      double* s, double* c, double* vals, F&& each_row) {
    const index_t xs = L.inner.xs;
    for_each_offset(L.reduced, [&](index_t r, index_t xr, index_t) {
        if (next != 0) prefetch_next_strip(x + xr + next);
        load_strip<T, Swap>(x + xr, xs, w, skipna, vals);
        two_sum_lanes(s, c, vals, w);
        each_row(r, vals);
    });
}

// out = x / sum(x over the reduced dims), with L.reduced's out strides giving each element's
// place in out (same shape as x). out may be x itself: each row of a strip is read into a
// private buffer before it is written, and only after its slice totals are known.
template <class T, bool Swap, class O>
void shares_along(const T* x, O* out, const Layout& L, bool skipna, double fill, int threads) {
    const index_t m = L.inner.n;
    const index_t lanes = strip_lanes<T>();
    const index_t nstrips = (m + lanes - 1) / lanes;
    const index_t items = count(L.outer) * nstrips;
    const index_t elements = count(L.outer) * m * count(L.reduced);
    const bool contiguous = L.inner.xs == 1 && L.inner.os == 1;
    const bool stream = contiguous && wants_streaming(elements * index_t(sizeof(O)));
    // By value: through a reference the compiler must assume stores to out may change it.
    parallel_for(items, threads, elements, [&, fill, skipna](index_t begin, index_t end) {
        std::vector<double> buf(static_cast<std::size_t>(4 * lanes));
        std::vector<O> qbuf(static_cast<std::size_t>(lanes));
        double* s = buf.data();
        double* c = s + lanes;
        double* vals = c + lanes;
        double* tot = vals + lanes;
        O* q = qbuf.data();
        for (index_t item = begin; item < end; ++item) {
            const index_t strip = item % nstrips;
            const index_t j0 = strip * lanes;
            const index_t w = std::min(lanes, m - j0);
            index_t xo, oo;
            unravel(L.outer, item / nstrips, xo, oo);
            xo += j0 * L.inner.xs;
            oo += j0 * L.inner.os;
            std::fill(s, s + 2 * lanes, 0.0);
            const index_t next = contiguous && strip + 1 < nstrips ? lanes : 0;
            sum_strip<T, Swap>(x + xo, L, w, next, skipna, s, c, vals,
                               [](index_t, const double*) {});
            for (index_t j = 0; j < w; ++j) tot[j] = finish(s[j], c[j]);
            const index_t xs = L.inner.xs, os = L.inner.os;
            for_each_offset(L.reduced, [&](index_t, index_t xr, index_t orr) {
                divide_strip<T, Swap>(x + xo + xr, xs, w, tot, fill, q);
                O* po = out + oo + orr;
                if (stream)
                    stream_store(po, q, w);
                else if (os == 1)
                    std::memcpy(po, q, static_cast<std::size_t>(w) * sizeof(O));
                else
                    for (index_t j = 0; j < w; ++j) po[j * os] = q[j];
            });
        }
        if (stream) stream_fence();
    });
}

// Lanes per strip for G groups: the accumulators (2 doubles a lane per group and the total) are
// kept within about 64 KB so that they stay in L1/L2 next to the strip.
template <class T>
index_t group_lanes(index_t G) {
    index_t lanes = strip_lanes<T>();
    while (lanes > 8 && (G + 1) * lanes * 16 > 65536) lanes /= 2;
    return lanes;
}

// For each group k: sum over its members of x / total, computed as (sum of members) / total from
// one pass that accumulates the total and every group's sum together. With G == 0, writes
// total / total (1 where the total is non-zero and finite) over every reduced dim.
template <class T, bool Swap, class O>
void share_sums_along(const T* x, O* out, const Layout& L, const Groups& g, bool skipna,
                      double fill, int threads) {
    const index_t m = L.inner.n;
    const index_t G = g.count;
    const index_t lanes = group_lanes<T>(G);
    const index_t nstrips = (m + lanes - 1) / lanes;
    const index_t items = count(L.outer) * nstrips;
    const index_t elements = count(L.outer) * m * count(L.reduced);
    // By value: through a reference the compiler must assume stores to out may change it.
    parallel_for(items, threads, elements, [&, fill, skipna](index_t begin, index_t end) {
        std::vector<double> buf(static_cast<std::size_t>((2 * G + 4) * lanes));
        double* s = buf.data();
        double* c = s + lanes;
        double* vals = c + lanes;
        double* tot = vals + lanes;
        double* gs = tot + lanes;  // group k: sums at gs[2k*lanes], corrections after them
        for (index_t item = begin; item < end; ++item) {
            const index_t strip = item % nstrips;
            const index_t j0 = strip * lanes;
            const index_t w = std::min(lanes, m - j0);
            index_t xo, oo;
            unravel(L.outer, item / nstrips, xo, oo);
            xo += j0 * L.inner.xs;
            oo += j0 * L.inner.os;
            std::fill(s, s + 2 * lanes, 0.0);
            std::fill(gs, gs + 2 * G * lanes, 0.0);
            const index_t next = L.inner.xs == 1 && strip + 1 < nstrips ? lanes : 0;
            sum_strip<T, Swap>(x + xo, L, w, next, skipna, s, c, vals,
                               [&](index_t r, const double* v) {
                                   if (G == 0) return;
                                   for (std::int64_t e = g.ptr[r]; e < g.ptr[r + 1]; ++e) {
                                       double* gk = gs + 2 * g.idx[e] * lanes;
                                       two_sum_lanes(gk, gk + lanes, v, w);
                                   }
                               });
            for (index_t j = 0; j < w; ++j) tot[j] = finish(s[j], c[j]);
            const index_t os = L.inner.os;
            if (G == 0) {
                for (index_t j = 0; j < w; ++j) {
                    const double t = tot[j];
                    out[oo + j * os] = static_cast<O>(t == 0.0 ? fill : t / t);
                }
                continue;
            }
            for (index_t k = 0; k < G; ++k) {
                const double* gk = gs + 2 * k * lanes;
                O* po = out + oo + k * g.out_stride;
                for (index_t j = 0; j < w; ++j) {
                    const double t = tot[j];
                    const double q = finish(gk[j], gk[lanes + j]) / t;
                    po[j * os] = static_cast<O>(t == 0.0 ? fill : q);
                }
            }
        }
    });
}

}  // namespace SHARECUBE_ISA
}  // namespace sharecube
