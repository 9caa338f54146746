// Instantiates every kernel for the element types it reads. CMake compiles this file once per
// instruction set, with SHARECUBE_ISA naming the namespace (isa_baseline, isa_avx2, ...).
#ifndef SHARECUBE_ISA
#error "SHARECUBE_ISA must name the instruction-set namespace"
#endif

#include <cstdint>
#include <stdexcept>

#include "sharecube/indicators.hpp"
#include "sharecube/kernel_api.hpp"
#include "sharecube/shares.hpp"

namespace sharecube {
namespace SHARECUBE_ISA {
namespace {

// The kernels are instantiated for native float64 and float32 input only (either output type):
// integer, bool and byte-swapped inputs reach them converted block by block into one of those
// (sharecube._cpp), which gives the same doubles as reading them here would, and keeps the
// instantiations (and so the build) to four per kernel and instruction set.
template <class F>
void visit(const Call& c, F&& f) {
    if (c.swap) throw std::invalid_argument("sharecube: the kernels read native byte order");
    auto out = [&](auto x) {
        if (c.out_f64)
            f(x, static_cast<double*>(c.out));
        else
            f(x, static_cast<float*>(c.out));
    };
    switch (c.in) {
        case Elem::f64:
            return out(static_cast<const double*>(c.x));
        case Elem::f32:
            return out(static_cast<const float*>(c.x));
        default:
            break;
    }
    throw std::invalid_argument("sharecube: the kernels read float64 and float32 only");
}

}  // namespace

void shares(const Call& c) {
    visit(c, [&](auto x, auto out) {
        using T = std::remove_const_t<std::remove_pointer_t<decltype(x)>>;
        shares_along<T>(x, out, c.layout, c.skipna, c.fill, c.threads, c.nonfinite);
    });
}

void share_sums(const Call& c) {
    visit(c, [&](auto x, auto out) {
        using T = std::remove_const_t<std::remove_pointer_t<decltype(x)>>;
        share_sums_along<T>(x, out, c.layout, c.groups, c.skipna, c.fill, c.raw, c.threads,
                            c.nonfinite);
    });
}

void stats(const Call& c, const Stats& st) {
    visit(c, [&](auto x, auto) {
        using T = std::remove_const_t<std::remove_pointer_t<decltype(x)>>;
        stats_along<T>(x, st, c.layout, c.skipna, c.threads);
    });
}

void min_sum_pairs(const double* s, double* out, index_t C, index_t R, index_t K, bool skipna,
                   int threads) {
    min_sum_pairs_kernel(s, out, C, R, K, skipna, threads);
}

void co_occurrence(const std::uint64_t* bits, double* out, index_t N, index_t W, int threads) {
    co_occurrence_kernel(bits, out, N, W, threads);
}

void quotients(const Quotients& q) {
    const auto run = [&](auto x) {
        if (q.out_f64)
            quotients_along(x, static_cast<double*>(q.out), q);
        else
            quotients_along(x, static_cast<float*>(q.out), q);
    };
    switch (q.in) {
        case Elem::f64:
            return run(static_cast<const double*>(q.x));
        case Elem::f32:
            return run(static_cast<const float*>(q.x));
        default:
            break;
    }
    throw std::invalid_argument("sharecube: the kernels read float64 and float32 only");
}

}  // namespace SHARECUBE_ISA
}  // namespace sharecube
