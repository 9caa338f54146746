// Bindings for the share kernels. Python (sharecube._dispatch) has already validated every
// argument; here arrays are only read for their dtype, shape and strides.
#include <atomic>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "arrays.hpp"
#include "isa_table.hpp"
#include "pybind11.hpp"
#include "sharecube/kernel_api.hpp"
#include "sharecube/parallel.hpp"

namespace {

using namespace sharecube::bindings;
using sharecube::Call;
using sharecube::Dim;
using sharecube::index_t;

// Returns whether some slice total was inf or NaN (see shares_along).
bool shares(const py::array& x, py::array& out, std::uint64_t reduce_mask, bool skipna, double fill,
            int threads) {
    check_ndim(x);
    if (out.ndim() != x.ndim()) throw std::invalid_argument("sharecube._core: out ndim differs");
    std::vector<Dim> kept, reduced;
    for (py::ssize_t d = 0; d < x.ndim(); ++d) {
        if (out.shape(d) != x.shape(d))
            throw std::invalid_argument("sharecube._core: out shape differs from x");
        const Dim dim{x.shape(d), element_stride(x, d), element_stride(out, d)};
        (in_mask(reduce_mask, d) ? reduced : kept).push_back(dim);
    }
    Call c = make_call(x, out, skipna, fill, threads);
    c.layout = sharecube::make_layout(std::move(kept), std::move(reduced), true);
    std::atomic<bool> nonfinite{false};
    c.nonfinite = &nonfinite;
    const Isa& isa = current_isa();
    {
        // Safe without the GIL: x and out are kept alive by the caller for the whole call, and
        // the kernel touches only their raw buffers, never a Python object.
        py::gil_scoped_release release;
        isa.shares(c);
    }
    return nonfinite.load();
}

// The bytes an array spans, [lo, hi).
std::pair<std::uintptr_t, std::uintptr_t> extent(const py::array& a) {
    auto lo = reinterpret_cast<std::uintptr_t>(a.data()), hi = lo;
    for (py::ssize_t d = 0; d < a.ndim(); ++d) {
        if (a.shape(d) == 0) return {lo, lo};
        const py::ssize_t span = (a.shape(d) - 1) * a.strides(d);
        if (span < 0)
            lo -= static_cast<std::uintptr_t>(-span);
        else
            hi += static_cast<std::uintptr_t>(span);
    }
    return {lo, hi + static_cast<std::uintptr_t>(a.itemsize())};
}

// `out` where it is a plain target for x: an exact ndarray of x's shape and dtype, writeable,
// aligned, no zero strides, and not overlapping x (in place is the general path's: the rescue
// of an overflowed slice needs x as it was).
bool plain_out(const py::array& x, py::handle oh) {
    const auto& api = py::detail::npy_api::get();
    if (Py_TYPE(oh.ptr()) != api.PyArray_Type_) return false;
    const auto out = py::reinterpret_borrow<py::array>(oh);
    const int need =
        py::detail::npy_api::NPY_ARRAY_ALIGNED_ | py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
    if ((out.flags() & need) != need || out.ndim() != x.ndim()) return false;
    const py::dtype odt = out.dtype();  // x's: a native float64 or float32
    if (odt.kind() != 'f' || odt.itemsize() != x.itemsize() || non_native(odt)) return false;
    for (py::ssize_t d = 0; d < x.ndim(); ++d)
        if (out.shape(d) != x.shape(d) || (out.strides(d) == 0 && out.shape(d) > 1)) return false;
    const auto a = extent(x), b = extent(out);
    return a.first == a.second || b.first == b.second || a.second <= b.first || b.second <= a.first;
}

// sharecube.shares(x, axis[, out]) at its defaults for a small call, whose time is all overhead:
// x an exact ndarray, native aligned float64 or float32, axis an int in range. Returns the new
// array of shares, or None where anything differs (or a float64 total was not finite: the
// general path computes those slices again, scaled) so that the caller takes the general path.
py::object shares_new(py::handle xh, py::handle axis_h, py::handle out_h, int threads) {
    const auto& api = py::detail::npy_api::get();
    if (Py_TYPE(xh.ptr()) != api.PyArray_Type_ || !PyLong_CheckExact(axis_h.ptr()))
        return py::none();
    const auto x = py::reinterpret_borrow<py::array>(xh);
    const py::ssize_t nd = x.ndim();
    long axis = PyLong_AsLong(axis_h.ptr());
    if (axis == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return py::none();
    }
    if (axis < -nd || axis >= nd || nd == 0 || nd > 64) return py::none();
    if (axis < 0) axis += static_cast<long>(nd);
    if (!(x.flags() & py::detail::npy_api::NPY_ARRAY_ALIGNED_)) return py::none();
    const py::dtype dt = x.dtype();
    if (dt.kind() != 'f' || non_native(dt) || (dt.itemsize() != 8 && dt.itemsize() != 4))
        return py::none();
    py::array out;
    if (out_h.is_none())
        out = py::array(dt, std::vector<py::ssize_t>(x.shape(), x.shape() + nd));
    else if (plain_out(x, out_h))
        out = py::reinterpret_borrow<py::array>(out_h);
    else
        return py::none();
    const bool flagged = shares(x, out, std::uint64_t{1} << axis, true,
                                std::numeric_limits<double>::quiet_NaN(), threads);
    if (flagged && dt.itemsize() == 8) return py::none();
    return std::move(out);
}

// An int64 index array as the caller built it (1-D, C-contiguous, native): read as it is (an
// array_t argument costs a conversion call each, a quarter of a small call's time).
const std::int64_t* index_array(const py::array& a, const char* name) {
    const py::dtype dt = a.dtype();
    if (a.ndim() != 1 || dt.kind() != 'i' || dt.itemsize() != 8 || non_native(dt) ||
        !(a.flags() & py::array::c_style))
        throw std::invalid_argument(std::string("sharecube._core: ") + name +
                                    " must be a 1-D C-contiguous int64 array");
    return static_cast<const std::int64_t*>(a.data());
}

// groups: (ptr, idx) in compressed rows along `axis`, ngroups > 0; or ngroups == 0 with
// reduce_mask naming the reduced axes, out then having only the kept axes.
bool share_sums(const py::array& x, py::array& out, std::uint64_t reduce_mask, py::ssize_t axis,
                const py::array& ptr_a, const py::array& idx_a, const py::array& cptr_a,
                const py::array& cidx_a, py::ssize_t ngroups, bool skipna, double fill, int threads,
                bool raw) {
    check_ndim(x);
    std::vector<Dim> kept, reduced;
    Call c = make_call(x, out, skipna, fill, threads);
    c.raw = raw;
    sharecube::Groups& g = c.groups;
    g.count = ngroups;
    if (ngroups > 0) {
        if (axis < 0 || axis >= x.ndim() || out.ndim() != x.ndim())
            throw std::out_of_range("sharecube._core: bad axis or out ndim for grouped sums");
        const std::int64_t *ptr = index_array(ptr_a, "ptr"), *idx = index_array(idx_a, "idx");
        const std::int64_t *cptr = index_array(cptr_a, "cptr"), *cidx = index_array(cidx_a, "cidx");
        if (ptr_a.size() != x.shape(axis) + 1 || out.shape(axis) != ngroups)
            throw std::invalid_argument("sharecube._core: groups do not match the axis");
        for (py::ssize_t d = 0; d < x.ndim(); ++d) {
            if (d == axis) {
                reduced.push_back(Dim{x.shape(d), element_stride(x, d), 0});
                continue;
            }
            if (out.shape(d) != x.shape(d))
                throw std::invalid_argument("sharecube._core: out shape differs from x");
            kept.push_back(Dim{x.shape(d), element_stride(x, d), element_stride(out, d)});
        }
        // the member lists by group too, as the caller built them once (Groups.by_group)
        const py::ssize_t n = x.shape(axis);
        if (cptr_a.size() != ngroups + 1 || cidx_a.size() != idx_a.size() ||
            cptr[ngroups] != cidx_a.size() || ptr[n] != idx_a.size())
            throw std::invalid_argument("sharecube._core: member lists do not match the groups");
        for (py::ssize_t e = 0; e < cidx_a.size(); ++e)
            if (cidx[e] < 0 || cidx[e] >= n)
                throw std::invalid_argument("sharecube._core: a member position is out of range");
        g.ptr = ptr;
        g.idx = idx;
        g.cptr = cptr;
        g.cidx = cidx;
        g.out_stride = element_stride(out, axis);
    } else {
        split_reduced(x, out, reduce_mask, kept, reduced);
    }
    c.layout = sharecube::make_layout(std::move(kept), std::move(reduced), ngroups == 0);
    std::atomic<bool> nonfinite{false};
    c.nonfinite = &nonfinite;
    const Isa& isa = current_isa();
    {
        // Safe without the GIL: as in shares(); ptr and idx are owned by the caller too.
        py::gil_scoped_release release;
        isa.share_sums(c);
    }
    return nonfinite.load();
}

}  // namespace

void register_shares(py::module_& m) {
    m.def("shares", &shares, py::arg("x"), py::arg("out"), py::arg("reduce_mask"),
          py::arg("skipna"), py::arg("fill"), py::arg("threads"),
          "Fill out with x / sum(x over the axes in reduce_mask); True where a total was inf or "
          "NaN.");
    m.def("shares_new", &shares_new, py::arg("x"), py::arg("axis"), py::arg("out"),
          py::arg("threads"),
          "shares(x, axis, out=out) for a plain float ndarray, an int axis and out None (a new "
          "array) or a plain target; else None (the caller then takes the general path).");
    m.def("share_sums", &share_sums, py::arg("x"), py::arg("out"), py::arg("reduce_mask"),
          py::arg("axis"), py::arg("ptr"), py::arg("idx"), py::arg("cptr"), py::arg("cidx"),
          py::arg("ngroups"), py::arg("skipna"), py::arg("fill"), py::arg("threads"),
          py::arg("raw") = false,
          "Fill out with each group's share sum along axis (or total/total if ngroups == 0);\n"
          "with raw, each group's sum (or the total). True where a total or group sum was inf or "
          "NaN.");
    m.def("available_cores", &sharecube::available_cores,
          "Cores this process may run on (its CPU affinity).");
    m.def("isa", &get_isa, "The instruction set the kernels run with.");
    m.def("supported_isas", &supported_isas,
          "Compiled-in instruction sets this CPU runs, best first.");
    m.def("_set_isa", &set_isa, py::arg("name"),
          "Run the kernels with another instruction set (for tests).");
}
