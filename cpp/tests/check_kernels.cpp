// A test driver for the kernels without Python: every kernel entry point against a plain
// reference on generated arrays, bit for bit. CI builds it with other compilers and targets
// than the extension's (clang, aarch64 under qemu-user, Windows under wine, the plain C++17
// fallbacks with -pedantic-errors; see ci/portability.sh), so that every path is checked to give
// the same IEEE results. Link with cpp/kernels.cpp compiled with -DSHARECUBE_ISA=isa_baseline.
//
// The reference is the algorithm the kernels promise, written as plainly as possible: each
// slice's total is a TwoSum (compensated) sum of its values in memory order (the reduced dims
// outermost first, by stride), rounded once (s + c), each share one IEEE division; float32 data
// with float32 output is summed without compensation (see kCompensated in shares.hpp).
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "sharecube/kernel_api.hpp"
#include "sharecube/portable.hpp"

using sharecube::Call;
using sharecube::Dim;
using sharecube::Elem;
using sharecube::index_t;

namespace {

int failures = 0;
int checks = 0;

std::mt19937_64 rng(20261129);  // the standard fixes mt19937_64's sequence on every platform

// Values spanning 2^-30 .. 2^50 in magnitude, so that sums round and the order matters; a few
// zeros, NaN and infinities where asked.
double value(bool specials) {
    const std::uint64_t r = rng();
    const double m = static_cast<double>(static_cast<std::int64_t>(r >> 40) - (1 << 23));
    const double v = std::ldexp(m, static_cast<int>(r % 61) - 53);
    if (specials) {
        const unsigned pick = static_cast<unsigned>((r >> 8) % 64);
        if (pick == 0) return std::numeric_limits<double>::quiet_NaN();
        if (pick == 1) return std::numeric_limits<double>::infinity();
        if (pick == 2 || pick == 3) return 0.0;
    }
    return v;
}

bool same(double a, double b) {
    if (a != a || b != b) return a != a && b != b;
    return std::memcmp(&a, &b, sizeof a) == 0;
}

void expect(bool ok, const std::string& what) {
    ++checks;
    if (!ok) {
        if (++failures <= 20) std::printf("FAIL %s\n", what.c_str());
    }
}

void two_sum(double& s, double& c, double v) {
    const double t = s + v;
    const double z = t - s;
    c += (s - (t - z)) + (v - z);
    s = t;
}

double finish(double s, double c) { return std::isfinite(s) ? s + c : s; }
// what finish() rounds away: s + c - finish(s, c), exact; 0 where the sum is not finite
double finish_lo(double s, double c) {
    const double hi = s + c;
    if (!std::isfinite(s) || !std::isfinite(hi)) return 0.0;
    const double z = hi - s;
    return (s - (hi - z)) + (c - z);
}

double share_of(double v, double t, double fill) { return t == 0.0 ? (v == v ? fill : v) : v / t; }

// A 3-d array of type T in one of three layouts, and the dims of a call on it.
template <class T>
struct Cube {
    std::vector<T> buf;
    index_t n[3];
    index_t xs[3];  // element strides

    Cube(const index_t (&shape)[3], int layout, bool specials) {
        for (int d = 0; d < 3; ++d) n[d] = shape[d];
        const index_t k = layout == 1 ? 2 : 1;  // 1: every other element, padded
        if (layout == 2) {                      // Fortran order
            xs[0] = k;
            xs[1] = k * n[0];
            xs[2] = k * n[0] * n[1];
        } else {
            xs[2] = k;
            xs[1] = k * n[2];
            xs[0] = k * n[1] * n[2];
        }
        buf.assign(static_cast<std::size_t>(k * n[0] * n[1] * n[2] + 1), T(-7));
        for (index_t i = 0; i < n[0]; ++i)
            for (index_t j = 0; j < n[1]; ++j)
                for (index_t l = 0; l < n[2]; ++l) at(i, j, l) = static_cast<T>(value(specials));
        if (n[0] > 1)  // one slice along axis 0 of zeros: its total is 0
            for (index_t l = 0; l < n[2]; ++l) at(0, 0, l) = at(n[0] - 1, 0, l) = T(0);
    }
    T& at(index_t i, index_t j, index_t l) { return buf[i * xs[0] + j * xs[1] + l * xs[2]]; }
    double get(const index_t (&p)[3]) { return static_cast<double>(at(p[0], p[1], p[2])); }
};

template <class T>
Elem elem_of() {
    return sizeof(T) == 8 ? Elem::f64 : Elem::f32;
}

// The reduced dims in the order the kernels add them: outermost in memory first.
template <class T>
std::vector<int> reduce_order(const Cube<T>& x, const bool (&red)[3]) {
    std::vector<int> order;
    for (int d = 0; d < 3; ++d)
        if (red[d] && x.n[d] > 1) order.push_back(d);
    for (std::size_t a = 0; a < order.size(); ++a)
        for (std::size_t b = a + 1; b < order.size(); ++b)
            if (x.xs[order[b]] > x.xs[order[a]]) std::swap(order[a], order[b]);
    return order;
}

// The total of the slice through kept position p, adding the reduced positions in `order`.
template <class T>
double ref_total(Cube<T>& x, index_t (&p)[3], const std::vector<int>& order, std::size_t depth,
                 bool skipna, bool comp, double& s, double& c) {
    if (depth == order.size()) {
        double v = x.get(p);
        if (skipna && v != v) v = 0.0;
        if (comp)
            two_sum(s, c, v);
        else
            s += v;
        return 0.0;
    }
    const int d = order[depth];
    for (p[d] = 0; p[d] < x.n[d]; ++p[d]) ref_total(x, p, order, depth + 1, skipna, comp, s, c);
    p[d] = 0;
    return 0.0;
}

template <class T>
double total_at(Cube<T>& x, const index_t (&kept)[3], const bool (&red)[3], bool skipna,
                bool comp) {
    index_t p[3] = {kept[0], kept[1], kept[2]};
    for (int d = 0; d < 3; ++d)
        if (red[d]) p[d] = 0;
    double s = 0.0, c = 0.0;
    ref_total(x, p, reduce_order(x, red), 0, skipna, comp, s, c);
    return comp ? finish(s, c) : s;
}

template <class T, class O>
void check_shares(Cube<T>& x, const bool (&red)[3], bool skipna, double fill, int threads,
                  const std::string& label) {
    std::vector<O> out(static_cast<std::size_t>(x.n[0] * x.n[1] * x.n[2]), O(-1));
    const index_t os[3] = {x.n[1] * x.n[2], x.n[2], 1};
    std::vector<Dim> kept, reduced;
    for (int d = 0; d < 3; ++d) (red[d] ? reduced : kept).push_back(Dim{x.n[d], x.xs[d], os[d]});
    Call c;
    c.x = x.buf.data();
    c.out = out.data();
    c.in = elem_of<T>();
    c.out_f64 = sizeof(O) == 8;
    c.layout = sharecube::make_layout(kept, reduced, true);
    c.skipna = skipna;
    c.fill = fill;
    c.threads = threads;
    std::atomic<bool> nonfinite{false};
    c.nonfinite = &nonfinite;
    sharecube::isa_baseline::shares(c);
    const bool comp = !(sizeof(T) == 4 && sizeof(O) == 4);
    // each slice's total once, at its first position (the reduced coordinates 0)
    std::vector<double> tot(out.size());
    for (index_t i = 0; i < (red[0] ? 1 : x.n[0]); ++i)
        for (index_t j = 0; j < (red[1] ? 1 : x.n[1]); ++j)
            for (index_t l = 0; l < (red[2] ? 1 : x.n[2]); ++l) {
                const index_t p[3] = {i, j, l};
                tot[static_cast<std::size_t>(i * os[0] + j * os[1] + l)] =
                    total_at(x, p, red, skipna, comp);
            }
    int bad = 0;
    for (index_t i = 0; i < x.n[0]; ++i)
        for (index_t j = 0; j < x.n[1]; ++j)
            for (index_t l = 0; l < x.n[2]; ++l) {
                const index_t t0 =
                    (red[0] ? 0 : i) * os[0] + (red[1] ? 0 : j) * os[1] + (red[2] ? 0 : l);
                const double t = tot[static_cast<std::size_t>(t0)];
                const O want =
                    static_cast<O>(share_of(static_cast<double>(x.at(i, j, l)), t, fill));
                bad += !same(out[i * os[0] + j * os[1] + l], want);
            }
    expect(bad == 0, "shares " + label + ": " + std::to_string(bad) + " differ");
}

// Group share sums along `axis`: groups k = 0, 1, 2 with overlapping members, a fourth empty.
template <class T, class O>
void check_group_sums(Cube<T>& x, int axis, bool skipna, double fill, bool raw, int threads,
                      const std::string& label) {
    const index_t n = x.n[axis], G = 4;
    std::vector<std::int64_t> ptr{0}, idx;
    std::vector<std::vector<std::int64_t>> members(G);
    for (index_t r = 0; r < n; ++r) {
        for (index_t k = 0; k < 3; ++k)
            if ((r + k) % (k + 2) != 0 || k == 0) {
                idx.push_back(k);
                members[k].push_back(r);
            }
        ptr.push_back(static_cast<std::int64_t>(idx.size()));
    }
    std::vector<std::int64_t> cptr{0}, cidx;
    for (index_t k = 0; k < G; ++k) {
        cidx.insert(cidx.end(), members[k].begin(), members[k].end());
        cptr.push_back(static_cast<std::int64_t>(cidx.size()));
    }
    index_t shape[3] = {x.n[0], x.n[1], x.n[2]};
    shape[axis] = G;
    const index_t os[3] = {shape[1] * shape[2], shape[2], 1};
    std::vector<O> out(static_cast<std::size_t>(shape[0] * shape[1] * shape[2]), O(-1));
    std::vector<Dim> kept, reduced;
    for (int d = 0; d < 3; ++d)
        (d == axis ? reduced : kept).push_back(Dim{x.n[d], x.xs[d], d == axis ? 0 : os[d]});
    Call c;
    c.x = x.buf.data();
    c.out = out.data();
    c.in = elem_of<T>();
    c.out_f64 = sizeof(O) == 8;
    c.layout = sharecube::make_layout(kept, reduced, false);
    c.groups = sharecube::Groups{ptr.data(), idx.data(), G, os[axis], cptr.data(), cidx.data()};
    c.skipna = skipna;
    c.fill = fill;
    c.raw = raw;
    c.threads = threads;
    std::atomic<bool> nonfinite{false};
    c.nonfinite = &nonfinite;
    sharecube::isa_baseline::share_sums(c);
    const bool comp = !(sizeof(T) == 4 && sizeof(O) == 4);
    int bad = 0;
    for (index_t i = 0; i < shape[0]; ++i)
        for (index_t j = 0; j < shape[1]; ++j)
            for (index_t l = 0; l < shape[2]; ++l) {
                index_t p[3] = {i, j, l};
                const index_t k = p[axis];
                double ts = 0, tc = 0, gs = 0, gc = 0;
                for (index_t r = 0; r < n; ++r) {
                    p[axis] = r;
                    double v = x.get(p);
                    if (skipna && v != v) v = 0.0;
                    comp ? two_sum(ts, tc, v) : void(ts += v);
                    bool in = false;
                    for (std::int64_t e = ptr[r]; e < ptr[r + 1]; ++e) in = in || idx[e] == k;
                    if (in) comp ? two_sum(gs, gc, v) : void(gs += v);
                }
                const double t = comp ? finish(ts, tc) : ts, g = comp ? finish(gs, gc) : gs;
                const O want = static_cast<O>(raw ? g : (t == 0.0 ? fill : g / t));
                bad += !same(out[i * os[0] + j * os[1] + l * os[2]], want);
            }
    expect(bad == 0, "group sums " + label + ": " + std::to_string(bad) + " differ");
}

template <class T>
void check_stats(Cube<T>& x, const bool (&red)[3], bool skipna, int threads,
                 const std::string& label) {
    std::vector<Dim> kept, reduced;
    index_t kn[3], nk = 0;
    for (int d = 0; d < 3; ++d)
        if (!red[d]) kn[nk++] = x.n[d];
    index_t size = 1;
    for (index_t d = 0; d < nk; ++d) size *= kn[d];
    std::vector<double> sum(static_cast<std::size_t>(size)), sq(sum), cnt(sum), only(sum);
    std::vector<double> sum_lo(sum), sq_lo(sum), only_lo(sum), h_sum(sum), h_sq(sum), h_sq_lo(sum);
    index_t stride = 1, kos[3] = {0, 0, 0};
    for (int d = 2; d >= 0; --d)
        if (!red[d]) {
            kos[d] = stride;
            stride *= x.n[d];
        }
    for (int d = 0; d < 3; ++d) (red[d] ? reduced : kept).push_back(Dim{x.n[d], x.xs[d], kos[d]});
    Call c;
    c.x = x.buf.data();
    c.in = elem_of<T>();
    c.layout = sharecube::make_layout(kept, reduced, true);
    c.skipna = skipna;
    c.threads = threads;
    sharecube::Stats st;
    st.sum = sum.data();
    st.sumsq = sq.data();
    st.count = cnt.data();
    st.sum_lo = sum_lo.data();
    st.sumsq_lo = sq_lo.data();
    sharecube::isa_baseline::stats(c, st);
    sharecube::Stats alone;  // the sums alone take another walk (sums_along)
    alone.sum = only.data();
    alone.sum_lo = only_lo.data();
    sharecube::isa_baseline::stats(c, alone);
    sharecube::Stats hhi;  // sums and squares without the count take a walk of their own
    hhi.sum = h_sum.data();
    hhi.sumsq = h_sq.data();
    hhi.sumsq_lo = h_sq_lo.data();
    sharecube::isa_baseline::stats(c, hhi);
    int bad = 0;
    for (index_t i = 0; i < (red[0] ? 1 : x.n[0]); ++i)
        for (index_t j = 0; j < (red[1] ? 1 : x.n[1]); ++j)
            for (index_t l = 0; l < (red[2] ? 1 : x.n[2]); ++l) {
                const index_t o = i * kos[0] + j * kos[1] + l * kos[2];
                double s = 0, sc = 0, q = 0, qc = 0, n = 0;
                index_t p[3] = {i, j, l};
                const std::vector<int> order = reduce_order(x, red);
                // walk the reduced positions in the kernels' order
                std::vector<index_t> lim;
                for (int d : order) lim.push_back(x.n[d]);
                std::vector<index_t> at(order.size(), 0);
                for (;;) {
                    for (std::size_t u = 0; u < order.size(); ++u) p[order[u]] = at[u];
                    double v = x.get(p);
                    n += v == v ? 1.0 : 0.0;
                    if (skipna && v != v) v = 0.0;
                    two_sum(s, sc, v);
                    two_sum(q, qc, v * v);
                    std::size_t u = order.size();
                    while (u > 0 && ++at[u - 1] == lim[u - 1]) at[--u] = 0;
                    if (u == 0) break;
                }
                bad += !same(sum[o], finish(s, sc)) + !same(only[o], finish(s, sc)) +
                       !same(sq[o], finish(q, qc)) + !same(cnt[o], n);
                // the low words: what rounding s + c left out, exactly (hi + lo == s + c)
                bad += !same(sum_lo[o], finish_lo(s, sc)) + !same(only_lo[o], finish_lo(s, sc)) +
                       !same(sq_lo[o], finish_lo(q, qc));
                bad += !same(h_sum[o], finish(s, sc)) + !same(h_sq[o], finish(q, qc)) +
                       !same(h_sq_lo[o], finish_lo(q, qc));
            }
    expect(bad == 0, "stats " + label + ": " + std::to_string(bad) + " differ");
}

void check_co_occurrence() {
    const index_t N = 37, W = 3;
    std::vector<std::uint64_t> bits(static_cast<std::size_t>(N * W));
    for (auto& b : bits) b = rng();
    for (int threads : {1, 3}) {
        std::vector<double> out(static_cast<std::size_t>(N * N), -1.0);
        sharecube::isa_baseline::co_occurrence(bits.data(), out.data(), N, W, threads);
        int bad = 0;
        for (index_t i = 0; i < N; ++i)
            for (index_t j = 0; j < N; ++j) {
                int want = 0;
                for (index_t w = 0; w < W; ++w)
                    for (std::uint64_t v = bits[i * W + w] & bits[j * W + w]; v; v &= v - 1) ++want;
                bad += out[i * N + j] != want;
            }
        expect(bad == 0, "co_occurrence threads=" + std::to_string(threads));
    }
}

void check_min_sum_pairs() {
    const index_t C = 9, R = 5, K = 23;
    std::vector<double> s(static_cast<std::size_t>(C * R * K));
    for (auto& v : s) v = std::fabs(value(false));
    for (int threads : {1, 3}) {
        std::vector<double> out(static_cast<std::size_t>(C * C * R), -1.0);
        sharecube::isa_baseline::min_sum_pairs(s.data(), out.data(), C, R, K, true, threads);
        int bad = 0;
        for (index_t i = 0; i < C; ++i)
            for (index_t j = 0; j < C; ++j)
                for (index_t r = 0; r < R; ++r) {
                    long double want = 0;  // four partial sums in the kernel: within rounding
                    for (index_t k = 0; k < K; ++k)
                        want += std::fmin(s[(i * R + r) * K + k], s[(j * R + r) * K + k]);
                    const double got = out[(i * C + j) * R + r];
                    bad += std::fabs(got - static_cast<double>(want)) > 1e-12 * std::fabs(got) ||
                           !same(got, out[(j * C + i) * R + r]);
                }
        expect(bad == 0, "min_sum_pairs threads=" + std::to_string(threads));
    }
}

template <class T, class O>
void check_type(const char* name) {
    // the last is above the kernels' threshold for threads (2^17 elements): threads 1 and 3
    // must give the same bits
    const index_t shapes[][3] = {{5, 37, 3}, {17, 6, 40}, {3, 300, 2},
                                 {64, 1, 9}, {2, 9, 130}, {40, 300, 12}};
    const bool reductions[][3] = {{true, false, false},
                                  {false, true, false},
                                  {false, false, true},
                                  {true, false, true},
                                  {true, true, true}};
    for (const auto& shape : shapes)
        for (int layout = 0; layout < 3; ++layout)
            for (bool specials : {false, true}) {
                Cube<T> x(shape, layout, specials);
                const std::string cube = std::string(name) + " (" + std::to_string(shape[0]) + "," +
                                         std::to_string(shape[1]) + "," + std::to_string(shape[2]) +
                                         ") layout " + std::to_string(layout) +
                                         (specials ? " specials" : "");
                for (const auto& red : reductions)
                    for (bool skipna : {true, false})
                        for (int threads : {1, 3}) {
                            const std::string label =
                                cube + " reduce " + std::to_string(red[0]) +
                                std::to_string(red[1]) + std::to_string(red[2]) + " skipna " +
                                std::to_string(skipna) + " threads " + std::to_string(threads);
                            check_shares<T, O>(x, red, skipna, 0.0, threads, label);
                            check_shares<T, O>(x, red, skipna,
                                               std::numeric_limits<double>::quiet_NaN(), threads,
                                               label + " fill NaN");
                            if (sizeof(O) == 8) check_stats<T>(x, red, skipna, threads, label);
                        }
                for (int axis = 0; axis < 3; ++axis)
                    for (bool raw : {false, true})
                        for (int threads : {1, 3})
                            check_group_sums<T, O>(x, axis, true, 0.0, raw, threads,
                                                   cube + " axis " + std::to_string(axis) +
                                                       (raw ? " raw" : "") + " threads " +
                                                       std::to_string(threads));
            }
}

}  // namespace

int main() {
    check_type<double, double>("float64");
    check_type<float, float>("float32");
    check_type<float, double>("float32->float64");
    check_type<double, float>("float64->float32");
    check_co_occurrence();
    check_min_sum_pairs();
#if defined(SHARECUBE_GNU)
    const char* path = "compiler extensions";
#else
    const char* path = "portable fallbacks";
#endif
    std::printf("%s: %d checks, %d failed (%s, %d cores)\n", failures ? "FAILED" : "ok", checks,
                failures, path, sharecube::available_cores());
    return failures ? 1 : 0;
}
