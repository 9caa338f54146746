// The boundary between the bindings and the kernels: one plain struct per call, and one set of
// entry points per instruction set. The kernels are compiled once per instruction set
// (cpp/kernels.cpp) and the bindings pick the best one the CPU supports at run time.
#pragma once

#include <atomic>
#include <cstdint>

#include "sharecube/layout.hpp"

namespace sharecube {

enum class Elem { f64, f32, i8, i16, i32, i64, u8, u16, u32, u64 };

// Group memberships along the reduced axis in compressed rows: position r belongs to groups
// idx[ptr[r]] .. idx[ptr[r+1]-1]. Disjoint labels and overlapping blocs are the same thing here.
struct Groups {
    const std::int64_t* ptr = nullptr;
    const std::int64_t* idx = nullptr;
    index_t count = 0;  // G; 0 means "the sum of all shares", written without a group axis
    index_t out_stride = 0;
    // The same memberships by group, filled in by the kernel where it uses them: group k's
    // positions, in order, are cidx[cptr[k]] .. cidx[cptr[k+1]-1].
    const std::int64_t* cptr = nullptr;
    const std::int64_t* cidx = nullptr;
};

struct Call {
    const void* x = nullptr;
    void* out = nullptr;
    Elem in = Elem::f64;
    bool swap = false;    // x has non-native byte order
    bool out_f64 = true;  // else float32
    Layout layout;
    Groups groups;
    bool skipna = true;
    double fill = 0.0;
    bool raw = false;  // share_sums: write each group's sum (and the total), not sum / total
    int threads = 0;   // <= 0: every available core
    // shares and share_sums set it where a total or group sum is inf or NaN
    std::atomic<bool>* nonfinite = nullptr;
};

// Statistics over the reduced dims, each written where its pointer is non-null; the arrays
// share one layout (the kept dims' out strides in Call::layout).
struct Stats {
    double* sum = nullptr;
    double* sumsq = nullptr;
    double* xlogx = nullptr;
    double* count = nullptr;
    // What rounding each finished sum left out (hi + lo is the compensated sum exactly), where
    // asked: chunks of a split axis carry both words into their combination (dask).
    double* sum_lo = nullptr;
    double* sumsq_lo = nullptr;
    double* xlogx_lo = nullptr;
};

// out = (x / a) / b element by element, two IEEE divisions (RCA's last pass: a the country
// totals, b the world's sector mix), a and b broadcast against x; ra and rb hold 1 / a and 1 / b
// where those lie in [2^-400, 2^400], else NaN (the kernel then divides plainly). Every array
// has x's shape (`shape`, `ndim` dims) with its own element strides; in the last dim x and out
// are contiguous and a, b (with ra, rb: the same strides) contiguous or broadcast (stride 0).
struct Quotients {
    const void* x = nullptr;
    Elem in = Elem::f64;
    void* out = nullptr;
    bool out_f64 = true;
    const double *a = nullptr, *ra = nullptr, *b = nullptr, *rb = nullptr;
    int ndim = 0;
    index_t shape[kMaxDims] = {};
    index_t sx[kMaxDims] = {}, sa[kMaxDims] = {}, sb[kMaxDims] = {}, so[kMaxDims] = {};
    int threads = 0;
};

#define SHARECUBE_DECLARE_ISA(ns)                                                                  \
    namespace ns {                                                                                 \
    void shares(const Call& call);                                                                 \
    void share_sums(const Call& call);                                                             \
    void stats(const Call& call, const Stats& st);                                                 \
    void min_sum_pairs(const double* s, double* out, index_t C, index_t R, index_t K, bool skipna, \
                       int threads);                                                               \
    void co_occurrence(const std::uint64_t* bits, double* out, index_t N, index_t W, int threads); \
    void quotients(const Quotients& q);                                                            \
    }

SHARECUBE_DECLARE_ISA(isa_baseline)
#if defined(SHARECUBE_HAVE_AVX2)
SHARECUBE_DECLARE_ISA(isa_avx2)
#endif
#if defined(SHARECUBE_HAVE_AVX512)
SHARECUBE_DECLARE_ISA(isa_avx512)
#endif

}  // namespace sharecube
