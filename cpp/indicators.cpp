// Bindings for the indicator kernels (sharecube.indicators validates the arguments).
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "arrays.hpp"
#include "isa_table.hpp"
#include "pybind11.hpp"
#include "sharecube/kernel_api.hpp"

namespace {

using namespace sharecube::bindings;

double* stat_pointer(const py::object& a, const py::array& like) {
    if (a.is_none()) return nullptr;
    auto arr = py::cast<py::array>(a);
    if (arr.dtype().kind() != 'f' || arr.itemsize() != 8 || !arr.writeable() ||
        arr.ndim() != like.ndim())
        throw std::invalid_argument("sharecube._core.stats: outputs must be writeable float64");
    for (py::ssize_t d = 0; d < arr.ndim(); ++d)
        if (arr.shape(d) != like.shape(d) || arr.strides(d) != like.strides(d))
            throw std::invalid_argument("sharecube._core.stats: outputs must share one layout");
    return static_cast<double*>(arr.mutable_data());
}

// Statistics of x over the axes in reduce_mask; each output (or None) has x's kept axes.
void stats(const py::array& x, std::uint64_t reduce_mask, bool skipna, int threads,
           const py::object& sum, const py::object& sumsq, const py::object& xlogx,
           const py::object& count, const py::object& sum_lo, const py::object& sumsq_lo,
           const py::object& xlogx_lo) {
    check_ndim(x);
    py::object first = !sum.is_none()     ? sum
                       : !sumsq.is_none() ? sumsq
                       : !xlogx.is_none() ? xlogx
                                          : count;
    if (first.is_none()) return;
    const auto like = py::cast<py::array>(first);
    sharecube::Stats st;
    st.sum = stat_pointer(sum, like);
    st.sumsq = stat_pointer(sumsq, like);
    st.xlogx = stat_pointer(xlogx, like);
    st.count = stat_pointer(count, like);
    st.sum_lo = stat_pointer(sum_lo, like);
    st.sumsq_lo = stat_pointer(sumsq_lo, like);
    st.xlogx_lo = stat_pointer(xlogx_lo, like);
    if ((st.sum_lo && !st.sum) || (st.sumsq_lo && !st.sumsq) || (st.xlogx_lo && !st.xlogx))
        throw std::invalid_argument("sharecube._core.stats: a low word needs its sum");
    std::vector<Dim> kept, reduced;
    split_reduced(x, like, reduce_mask, kept, reduced);
    Call c;
    c.x = x.data();
    c.in = element_type(x.dtype());
    c.swap = non_native(x.dtype());
    c.skipna = skipna;
    c.threads = threads;
    c.layout = sharecube::make_layout(std::move(kept), std::move(reduced), true);
    const Isa& isa = current_isa();
    // Safe without the GIL: the caller keeps every array alive; only raw buffers are touched.
    py::gil_scoped_release release;
    isa.stats(c, st);
}

void min_sum_pairs(const py::array& s, py::array& out, bool skipna, int threads) {
    if (s.ndim() != 3 || out.ndim() != 3 || s.dtype().kind() != 'f' || s.itemsize() != 8 ||
        out.dtype().kind() != 'f' || out.itemsize() != 8 || !(s.flags() & py::array::c_style) ||
        !(out.flags() & py::array::c_style))
        throw std::invalid_argument("sharecube._core.min_sum_pairs: needs C-contiguous float64");
    const index_t C = s.shape(0), R = s.shape(1), K = s.shape(2);
    if (out.shape(0) != C || out.shape(1) != C || out.shape(2) != R)
        throw std::invalid_argument("sharecube._core.min_sum_pairs: out must be (C, C, R)");
    const auto* sp = static_cast<const double*>(s.data());
    auto* op = static_cast<double*>(out.mutable_data());
    const Isa& isa = current_isa();
    py::gil_scoped_release release;  // raw buffers only, kept alive by the caller
    isa.min_sum_pairs(sp, op, C, R, K, skipna, threads);
}

void co_occurrence(const py::array& bits, py::array& out, int threads) {
    if (bits.ndim() != 2 || out.ndim() != 2 || bits.dtype().kind() != 'u' || bits.itemsize() != 8 ||
        out.dtype().kind() != 'f' || out.itemsize() != 8 || !(bits.flags() & py::array::c_style) ||
        !(out.flags() & py::array::c_style) || !out.writeable())
        throw std::invalid_argument(
            "sharecube._core.co_occurrence: needs C-contiguous uint64 bits and float64 out");
    const index_t N = bits.shape(0), W = bits.shape(1);
    if (out.shape(0) != N || out.shape(1) != N)
        throw std::invalid_argument("sharecube._core.co_occurrence: out must be (N, N)");
    const auto* bp = static_cast<const std::uint64_t*>(bits.data());
    auto* op = static_cast<double*>(out.mutable_data());
    const Isa& isa = current_isa();
    py::gil_scoped_release release;  // raw buffers only, kept alive by the caller
    isa.co_occurrence(bp, op, N, W, threads);
}

// RCA's last pass, (x / a) / b (see sharecube::Quotients), where the arrays allow it: every one
// of x's shape; x native float64 or float32; a, ra and b, rb float64 pairs with equal strides;
// out native float, writeable; in the last dim x and out contiguous, a and b contiguous or
// broadcast. False (nothing written) where they do not: the caller divides with numpy.
bool quotients(const py::array& x, const py::array& a, const py::array& ra, const py::array& b,
               const py::array& rb, py::array& out, int threads) {
    const py::ssize_t nd = x.ndim();
    if (nd < 1 || nd > static_cast<py::ssize_t>(sharecube::kMaxDims)) return false;
    const auto native = [](const py::array& v, char kind) {
        const py::dtype dt = v.dtype();
        return dt.kind() == kind && !non_native(dt) && (dt.itemsize() == 8 || dt.itemsize() == 4);
    };
    const auto f64 = [&](const py::array& v) { return native(v, 'f') && v.itemsize() == 8; };
    if (!native(x, 'f') || !native(out, 'f') || !out.writeable() || !f64(a) || !f64(ra) ||
        !f64(b) || !f64(rb))
        return false;
    for (const py::array* v : {&a, &ra, &b, &rb, static_cast<const py::array*>(&out)}) {
        if (v->ndim() != nd) return false;
        for (py::ssize_t d = 0; d < nd; ++d)
            if (v->shape(d) != x.shape(d) || v->strides(d) % v->itemsize() != 0) return false;
    }
    sharecube::Quotients q;
    q.ndim = static_cast<int>(nd);
    for (py::ssize_t d = 0; d < nd; ++d) {
        if (x.strides(d) % x.itemsize() != 0 || a.strides(d) != ra.strides(d) ||
            b.strides(d) != rb.strides(d))
            return false;
        q.shape[d] = x.shape(d);
        q.sx[d] = x.strides(d) / x.itemsize();
        q.sa[d] = a.strides(d) / 8;
        q.sb[d] = b.strides(d) / 8;
        q.so[d] = out.strides(d) / out.itemsize();
    }
    const py::ssize_t l = nd - 1;
    if ((q.sx[l] != 1 || q.so[l] != 1 || q.sa[l] > 1 || q.sb[l] > 1 || q.sa[l] < 0 ||
         q.sb[l] < 0) &&
        x.shape(l) > 1)
        return false;
    if (x.shape(l) <= 1) q.sx[l] = q.so[l] = 1, q.sa[l] = q.sa[l] != 0, q.sb[l] = q.sb[l] != 0;
    q.x = x.data();
    q.in = element_type(x.dtype());
    q.out = out.mutable_data();
    q.out_f64 = out.itemsize() == 8;
    q.a = static_cast<const double*>(a.data());
    q.ra = static_cast<const double*>(ra.data());
    q.b = static_cast<const double*>(b.data());
    q.rb = static_cast<const double*>(rb.data());
    q.threads = threads;
    const Isa& isa = current_isa();
    py::gil_scoped_release release;  // raw buffers only, kept alive by the caller
    isa.quotients(q);
    return true;
}

}  // namespace

void register_indicators(py::module_& m) {
    m.def("quotients", &quotients, py::arg("x"), py::arg("a"), py::arg("ra"), py::arg("b"),
          py::arg("rb"), py::arg("out"), py::arg("threads"),
          "out = (x / a) / b, two IEEE divisions an element, a and b broadcast against x, ra and "
          "rb their reciprocals (NaN outside [2**-400, 2**400]); False where the layout is not "
          "one the kernel takes (nothing written).");
    m.def("stats", &stats, py::arg("x"), py::arg("reduce_mask"), py::arg("skipna"),
          py::arg("threads"), py::arg("sum"), py::arg("sumsq"), py::arg("xlogx"), py::arg("count"),
          py::arg("sum_lo") = py::none(), py::arg("sumsq_lo") = py::none(),
          py::arg("xlogx_lo") = py::none(),
          "Fill the given float64 arrays with sum, sum of squares, sum of x log x and the count "
          "of non-NaN values over the axes in reduce_mask, in one pass; the *_lo arrays with "
          "what rounding each sum left out.");
    m.def("min_sum_pairs", &min_sum_pairs, py::arg("s"), py::arg("out"), py::arg("skipna"),
          py::arg("threads"), "out[i, j, r] = sum_k min(s[i, r, k], s[j, r, k]).");
    m.def("co_occurrence", &co_occurrence, py::arg("bits"), py::arg("out"), py::arg("threads"),
          "out[i, j] = number of bits set in both rows i and j of bits (uint64 words).");
}
