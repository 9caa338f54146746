// Bindings for the share kernels. Python (sharecube._dispatch) has already validated every
// argument; here arrays are only read for their dtype, shape and strides.
#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
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

// groups: (ptr, idx) in compressed rows along `axis`, ngroups > 0; or ngroups == 0 with
// reduce_mask naming the reduced axes, out then having only the kept axes.
bool share_sums(const py::array& x, py::array& out, std::uint64_t reduce_mask, py::ssize_t axis,
                const py::array_t<std::int64_t, py::array::c_style>& ptr,
                const py::array_t<std::int64_t, py::array::c_style>& idx,
                const py::array_t<std::int64_t, py::array::c_style>& cptr,
                const py::array_t<std::int64_t, py::array::c_style>& cidx, py::ssize_t ngroups,
                bool skipna, double fill, int threads, bool raw) {
    check_ndim(x);
    std::vector<Dim> kept, reduced;
    Call c = make_call(x, out, skipna, fill, threads);
    c.raw = raw;
    sharecube::Groups& g = c.groups;
    g.count = ngroups;
    if (ngroups > 0) {
        if (axis < 0 || axis >= x.ndim() || out.ndim() != x.ndim())
            throw std::out_of_range("sharecube._core: bad axis or out ndim for grouped sums");
        if (ptr.size() != x.shape(axis) + 1 || out.shape(axis) != ngroups)
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
        if (cptr.size() != ngroups + 1 || cidx.size() != idx.size() ||
            cptr.data()[ngroups] != cidx.size() || ptr.data()[n] != idx.size())
            throw std::invalid_argument("sharecube._core: member lists do not match the groups");
        for (py::ssize_t e = 0; e < cidx.size(); ++e)
            if (cidx.data()[e] < 0 || cidx.data()[e] >= n)
                throw std::invalid_argument("sharecube._core: a member position is out of range");
        g.ptr = ptr.data();
        g.idx = idx.data();
        g.cptr = cptr.data();
        g.cidx = cidx.data();
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
