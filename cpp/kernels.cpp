// Instantiates every kernel for every element type. CMake compiles this file once per
// instruction set, with SHARECUBE_ISA naming the namespace (isa_baseline, isa_avx2, ...).
#ifndef SHARECUBE_ISA
#error "SHARECUBE_ISA must name the instruction-set namespace"
#endif

#include <cstdint>
#include <stdexcept>

#include "sharecube/kernel_api.hpp"
#include "sharecube/indicators.hpp"
#include "sharecube/shares.hpp"

namespace sharecube {
namespace SHARECUBE_ISA {
namespace {

template <class F>
void visit(const Call& c, F&& f) {
    auto out = [&](auto in_tag, auto swap) {
        if (c.out_f64)
            f(in_tag, swap, static_cast<double*>(c.out));
        else
            f(in_tag, swap, static_cast<float*>(c.out));
    };
    auto go = [&](auto in_tag) {
        if (c.swap)
            out(in_tag, std::true_type{});
        else
            out(in_tag, std::false_type{});
    };
    switch (c.in) {
        case Elem::f64: return go(static_cast<const double*>(c.x));
        case Elem::f32: return go(static_cast<const float*>(c.x));
        case Elem::i8: return out(static_cast<const std::int8_t*>(c.x), std::false_type{});
        case Elem::u8: return out(static_cast<const std::uint8_t*>(c.x), std::false_type{});
        case Elem::i16: return go(static_cast<const std::int16_t*>(c.x));
        case Elem::u16: return go(static_cast<const std::uint16_t*>(c.x));
        case Elem::i32: return go(static_cast<const std::int32_t*>(c.x));
        case Elem::u32: return go(static_cast<const std::uint32_t*>(c.x));
        case Elem::i64: return go(static_cast<const std::int64_t*>(c.x));
        case Elem::u64: return go(static_cast<const std::uint64_t*>(c.x));
    }
    throw std::invalid_argument("sharecube: unknown element type");
}

}  // namespace

void shares(const Call& c) {
    visit(c, [&](auto x, auto swap, auto out) {
        using T = std::remove_const_t<std::remove_pointer_t<decltype(x)>>;
        shares_along<T, decltype(swap)::value>(x, out, c.layout, c.skipna, c.fill, c.threads,
                                              c.nonfinite);
    });
}

void share_sums(const Call& c) {
    visit(c, [&](auto x, auto swap, auto out) {
        using T = std::remove_const_t<std::remove_pointer_t<decltype(x)>>;
        share_sums_along<T, decltype(swap)::value>(x, out, c.layout, c.groups, c.skipna, c.fill,
                                                   c.raw, c.threads, c.nonfinite);
    });
}

void stats(const Call& c, const Stats& st) {
    visit(c, [&](auto x, auto swap, auto) {
        using T = std::remove_const_t<std::remove_pointer_t<decltype(x)>>;
        stats_along<T, decltype(swap)::value>(x, st, c.layout, c.skipna, c.threads);
    });
}

void min_sum_pairs(const double* s, double* out, index_t C, index_t R, index_t K, bool skipna,
                   int threads) {
    min_sum_pairs_kernel(s, out, C, R, K, skipna, threads);
}

void co_occurrence(const std::uint64_t* bits, double* out, index_t N, index_t W, int threads) {
    co_occurrence_kernel(bits, out, N, W, threads);
}

}  // namespace SHARECUBE_ISA
}  // namespace sharecube
