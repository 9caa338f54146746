// Bindings for the share kernels. Python (sharecube._dispatch) has already validated every
// argument; here arrays are only read for their dtype, shape and strides.
#include "pybind11.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "sharecube/shares.hpp"

namespace {

using sharecube::Dim;
using sharecube::index_t;
using sharecube::Layout;

template <class T>
struct Tag {
    using type = T;
};

bool non_native(const py::dtype& dt) {
    const char bo = dt.byteorder();
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return bo == '>';
#else
    return bo == '<';
#endif
}

// Calls f(Tag<T>, std::bool_constant<Swap>) for the element type of x.
template <class F>
void visit_input(const py::array& x, F&& f) {
    const py::dtype dt = x.dtype();
    const bool swap = non_native(dt);
    const char kind = dt.kind();
    const auto size = dt.itemsize();
    auto go = [&](auto tag) {
        if (swap)
            f(tag, std::true_type{});
        else
            f(tag, std::false_type{});
    };
    if (kind == 'f' && size == 8) return go(Tag<double>{});
    if (kind == 'f' && size == 4) return go(Tag<float>{});
    if ((kind == 'u' || kind == 'b') && size == 1) return f(Tag<std::uint8_t>{}, std::false_type{});
    if (kind == 'i' && size == 1) return f(Tag<std::int8_t>{}, std::false_type{});
    if (kind == 'u' && size == 2) return go(Tag<std::uint16_t>{});
    if (kind == 'i' && size == 2) return go(Tag<std::int16_t>{});
    if (kind == 'u' && size == 4) return go(Tag<std::uint32_t>{});
    if (kind == 'i' && size == 4) return go(Tag<std::int32_t>{});
    if (kind == 'u' && size == 8) return go(Tag<std::uint64_t>{});
    if (kind == 'i' && size == 8) return go(Tag<std::int64_t>{});
    throw std::invalid_argument("sharecube._core: unsupported input dtype " +
                                std::string(py::str(py::object(dt))));
}

// Calls f(Tag<O>) for the (native float32 or float64) element type of out.
template <class F>
void visit_output(const py::array& out, F&& f) {
    const py::dtype dt = out.dtype();
    if (dt.kind() == 'f' && !non_native(dt)) {
        if (dt.itemsize() == 8) return f(Tag<double>{});
        if (dt.itemsize() == 4) return f(Tag<float>{});
    }
    throw std::invalid_argument("sharecube._core: out must be native float32 or float64, got " +
                                std::string(py::str(py::object(out.dtype()))));
}

index_t element_stride(const py::array& a, py::ssize_t axis) {
    const auto bytes = a.strides(axis);
    const auto size = a.itemsize();
    if (bytes % size != 0)
        throw std::invalid_argument("sharecube._core: stride not a multiple of the item size");
    return bytes / size;
}

void check_ndim(const py::array& a) {
    if (a.ndim() > static_cast<py::ssize_t>(sharecube::kMaxDims))
        throw std::invalid_argument("sharecube._core: too many dimensions");
}

bool in_mask(std::uint64_t mask, py::ssize_t d) { return (mask >> d) & 1U; }

void shares(const py::array& x, py::array& out, std::uint64_t reduce_mask, bool skipna,
            double fill, int threads) {
    check_ndim(x);
    if (out.ndim() != x.ndim()) throw std::invalid_argument("sharecube._core: out ndim differs");
    std::vector<Dim> kept, reduced;
    for (py::ssize_t d = 0; d < x.ndim(); ++d) {
        if (out.shape(d) != x.shape(d))
            throw std::invalid_argument("sharecube._core: out shape differs from x");
        const Dim dim{x.shape(d), element_stride(x, d), element_stride(out, d)};
        (in_mask(reduce_mask, d) ? reduced : kept).push_back(dim);
    }
    const Layout L = sharecube::make_layout(std::move(kept), std::move(reduced), true);
    const void* xp = x.data();
    void* op = out.mutable_data();
    visit_input(x, [&](auto in, auto swap) {
        using T = typename decltype(in)::type;
        visit_output(out, [&](auto o) {
            using O = typename decltype(o)::type;
            // Safe without the GIL: x and out are kept alive by the caller for the whole call,
            // and the kernel touches only their raw buffers, never a Python object.
            py::gil_scoped_release release;
            sharecube::shares_along<T, decltype(swap)::value, O>(
                static_cast<const T*>(xp), static_cast<O*>(op), L, skipna, fill, threads);
        });
    });
}

// groups: (ptr, idx) in compressed rows along `axis`, ngroups > 0; or ngroups == 0 with
// reduce_mask naming the reduced axes, out then having only the kept axes.
void share_sums(const py::array& x, py::array& out, std::uint64_t reduce_mask, py::ssize_t axis,
                const py::array_t<std::int64_t, py::array::c_style>& ptr,
                const py::array_t<std::int64_t, py::array::c_style>& idx, py::ssize_t ngroups,
                bool skipna, double fill, int threads) {
    check_ndim(x);
    std::vector<Dim> kept, reduced;
    sharecube::Groups g;
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
        g.ptr = ptr.data();
        g.idx = idx.data();
        g.out_stride = element_stride(out, axis);
    } else {
        py::ssize_t od = 0;
        for (py::ssize_t d = 0; d < x.ndim(); ++d) {
            if (in_mask(reduce_mask, d)) {
                reduced.push_back(Dim{x.shape(d), element_stride(x, d), 0});
                continue;
            }
            if (od >= out.ndim() || out.shape(od) != x.shape(d))
                throw std::invalid_argument("sharecube._core: out shape differs from kept axes");
            kept.push_back(Dim{x.shape(d), element_stride(x, d), element_stride(out, od)});
            ++od;
        }
        if (od != out.ndim()) throw std::invalid_argument("sharecube._core: out ndim differs");
    }
    const Layout L = sharecube::make_layout(std::move(kept), std::move(reduced), ngroups == 0);
    const void* xp = x.data();
    void* op = out.mutable_data();
    visit_input(x, [&](auto in, auto swap) {
        using T = typename decltype(in)::type;
        visit_output(out, [&](auto o) {
            using O = typename decltype(o)::type;
            // Safe without the GIL: as in shares(); ptr and idx are owned by the caller too.
            py::gil_scoped_release release;
            sharecube::share_sums_along<T, decltype(swap)::value, O>(
                static_cast<const T*>(xp), static_cast<O*>(op), L, g, skipna, fill, threads);
        });
    });
}

}  // namespace

void register_shares(py::module_& m) {
    m.def("shares", &shares, py::arg("x"), py::arg("out"), py::arg("reduce_mask"),
          py::arg("skipna"), py::arg("fill"), py::arg("threads"),
          "Fill out with x / sum(x over the axes in reduce_mask).");
    m.def("share_sums", &share_sums, py::arg("x"), py::arg("out"), py::arg("reduce_mask"),
          py::arg("axis"), py::arg("ptr"), py::arg("idx"), py::arg("ngroups"), py::arg("skipna"),
          py::arg("fill"), py::arg("threads"),
          "Fill out with each group's share sum along axis (or total/total if ngroups == 0).");
    m.def("available_cores", &sharecube::available_cores,
          "Cores this process may run on (its CPU affinity).");
}
