// The bandwidth floors the benchmarks compare the kernels with: one read pass over an array,
// and one read pass plus one streaming write pass; and, to show what the compensated sums cost,
// one read pass that adds every element with TwoSum. Private (benchmarks only).
#include "pybind11.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "sharecube/accumulate.hpp"
#include "sharecube/parallel.hpp"
#include "sharecube/layout.hpp"
#include "sharecube/stream.hpp"

namespace {

using sharecube::index_t;

const double* contiguous_doubles(const py::array& a) {
    if (a.dtype().kind() != 'f' || a.itemsize() != 8 ||
        !(a.flags() & py::array::c_style))
        throw std::invalid_argument("_floor_*: needs a C-contiguous float64 array");
    return static_cast<const double*>(a.data());
}

// Chunks of 64 KB: enough to stream, small enough to balance the threads.
constexpr index_t kChunk = 8192;

double read_floor(const py::array& x, int threads) {
    const double* p = contiguous_doubles(x);
    const index_t n = x.size();
    const index_t chunks = (n + kChunk - 1) / kChunk;
    std::vector<double> partial(static_cast<std::size_t>(chunks));
    {
        py::gil_scoped_release release;  // only raw buffers are touched
        sharecube::parallel_for(chunks, threads, n, [&](index_t b, index_t e) {
            for (index_t c = b; c < e; ++c) {
                const double* q = p + c * kChunk;
                const index_t m = std::min(kChunk, n - c * kChunk);
                double acc[8] = {};
                index_t i = 0;
                for (; i + 8 <= m; i += 8)
                    for (int k = 0; k < 8; ++k) acc[k] += q[i + k];
                for (; i < m; ++i) acc[0] += q[i];
                partial[static_cast<std::size_t>(c)] =
                    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
            }
        });
    }
    double total = 0;
    for (double v : partial) total += v;
    return total;
}

// The compensated floor: every element added to one of 16 lanes (four independent 4-lane
// chains) with the kernels' TwoSum, seven additions an element; the chunk loop is compiled for
// AVX2 as well where the compiler can, and picked at run time like the kernels.
typedef double v4 __attribute__((vector_size(4 * sizeof(double))));

using sharecube::SHARECUBE_ISA::two_sum;  // the kernels' TwoSum

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v3", "default")))
#endif
void twosum_chunk(const double* q, index_t m, double& s_out, double& c_out) {
    v4 s[4] = {}, c[4] = {};
    index_t i = 0;
    for (; i + 16 <= m; i += 16)
        for (int k = 0; k < 4; ++k) {
            v4 v;
            std::memcpy(&v, q + i + 4 * k, sizeof(v));
            two_sum(s[k], c[k], v);
        }
    double S = 0, C = 0;
    for (; i < m; ++i) two_sum(S, C, q[i]);
    for (int k = 0; k < 4; ++k)
        for (int l = 0; l < 4; ++l) {
            two_sum(S, C, s[k][l]);
            C += c[k][l];
        }
    s_out = S;
    c_out = C;
}

double twosum_floor(const py::array& x, int threads) {
    const double* p = contiguous_doubles(x);
    const index_t n = x.size();
    const index_t chunks = (n + kChunk - 1) / kChunk;
    std::vector<double> partial(static_cast<std::size_t>(2 * chunks));
    {
        py::gil_scoped_release release;  // only raw buffers are touched
        sharecube::parallel_for(chunks, threads, n, [&](index_t b, index_t e) {
            for (index_t c = b; c < e; ++c)
                twosum_chunk(p + c * kChunk, std::min(kChunk, n - c * kChunk),
                             partial[static_cast<std::size_t>(2 * c)],
                             partial[static_cast<std::size_t>(2 * c + 1)]);
        });
    }
    double S = 0, C = 0;
    for (index_t c = 0; c < chunks; ++c) {
        two_sum(S, C, partial[static_cast<std::size_t>(2 * c)]);
        C += partial[static_cast<std::size_t>(2 * c + 1)];
    }
    return S + C;
}

void copy_floor(const py::array& x, py::array& out, int threads) {
    const double* p = contiguous_doubles(x);
    double* o = const_cast<double*>(contiguous_doubles(out));
    if (out.size() != x.size() || !out.writeable())
        throw std::invalid_argument("_floor_copy: out must be a writeable array of x's size");
    const index_t n = x.size();
    const index_t chunks = (n + kChunk - 1) / kChunk;
    py::gil_scoped_release release;  // only raw buffers are touched
    sharecube::parallel_for(chunks, threads, n, [&](index_t b, index_t e) {
        for (index_t c = b; c < e; ++c) {
            const index_t m = std::min(kChunk, n - c * kChunk);
            sharecube::SHARECUBE_ISA::stream_store(o + c * kChunk, p + c * kChunk, m);
        }
        sharecube::SHARECUBE_ISA::stream_fence();
    });
}

}  // namespace

PYBIND11_MODULE(_floors, m) {
    m.doc() = "Benchmark-only bandwidth floors (built by benchmarks/floors.py, never shipped).";
    m.def("read", &read_floor, py::arg("x"), py::arg("threads") = 0,
          "Benchmarks: sum a C-contiguous float64 array in one read pass (bandwidth floor).");
    m.def("copy", &copy_floor, py::arg("x"), py::arg("out"), py::arg("threads") = 0,
          "Benchmarks: copy x into out with streaming stores (read + write floor).");
    m.def("twosum", &twosum_floor, py::arg("x"), py::arg("threads") = 0,
          "Benchmarks: sum a C-contiguous float64 array in one read pass, every element added "
          "with TwoSum (the compensated sums' cost at full read speed).");
}
