// Bindings for the share kernels. Python (sharecube._dispatch) has already validated every
// argument; here arrays are only read for their dtype, shape and strides.
#include "pybind11.hpp"

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "sharecube/kernel_api.hpp"
#include "sharecube/parallel.hpp"

namespace {

using sharecube::Call;
using sharecube::Dim;
using sharecube::Elem;
using sharecube::index_t;

bool non_native(const py::dtype& dt) {
    const char bo = dt.byteorder();
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return bo == '>';
#else
    return bo == '<';
#endif
}

Elem element_type(const py::dtype& dt) {
    const char kind = dt.kind();
    const auto size = dt.itemsize();
    if (kind == 'f' && size == 8) return Elem::f64;
    if (kind == 'f' && size == 4) return Elem::f32;
    if ((kind == 'u' || kind == 'b') && size == 1) return Elem::u8;
    if (kind == 'i' && size == 1) return Elem::i8;
    if (kind == 'u' && size == 2) return Elem::u16;
    if (kind == 'i' && size == 2) return Elem::i16;
    if (kind == 'u' && size == 4) return Elem::u32;
    if (kind == 'i' && size == 4) return Elem::i32;
    if (kind == 'u' && size == 8) return Elem::u64;
    if (kind == 'i' && size == 8) return Elem::i64;
    throw std::invalid_argument("sharecube._core: unsupported input dtype " +
                                std::string(py::str(py::object(dt))));
}

Call make_call(const py::array& x, py::array& out, bool skipna, double fill, int threads) {
    const py::dtype odt = out.dtype();
    if (odt.kind() != 'f' || non_native(odt) || (odt.itemsize() != 8 && odt.itemsize() != 4))
        throw std::invalid_argument("sharecube._core: out must be native float32 or float64, got " +
                                    std::string(py::str(py::object(odt))));
    Call c;
    c.x = x.data();
    c.out = out.mutable_data();
    c.in = element_type(x.dtype());
    c.swap = non_native(x.dtype());
    c.out_f64 = odt.itemsize() == 8;
    c.skipna = skipna;
    c.fill = fill;
    c.threads = threads;
    return c;
}

// The instruction sets compiled in, best first, and the one in use.
struct Isa {
    const char* name;
    void (*shares)(const Call&);
    void (*share_sums)(const Call&);
    bool supported;
};

std::vector<Isa> compiled_isas() {
    std::vector<Isa> v;
#if defined(SHARECUBE_HAVE_X86_ISAS)
    __builtin_cpu_init();
    v.push_back({"avx512", &sharecube::isa_avx512::shares, &sharecube::isa_avx512::share_sums,
                 __builtin_cpu_supports("x86-64-v4") != 0});
    v.push_back({"avx2", &sharecube::isa_avx2::shares, &sharecube::isa_avx2::share_sums,
                 __builtin_cpu_supports("x86-64-v3") != 0});
#endif
    v.push_back({"baseline", &sharecube::isa_baseline::shares, &sharecube::isa_baseline::share_sums,
                 true});
    return v;
}

const std::vector<Isa>& isas() {
    static const std::vector<Isa> v = compiled_isas();
    return v;
}

std::atomic<const Isa*> active_isa{nullptr};

const Isa& current_isa() {
    const Isa* isa = active_isa.load(std::memory_order_acquire);
    if (isa != nullptr) return *isa;
    for (const Isa& candidate : isas())
        if (candidate.supported) {
            active_isa.store(&candidate, std::memory_order_release);
            return candidate;
        }
    return isas().back();
}

std::string get_isa() { return current_isa().name; }

void set_isa(const std::string& name) {
    for (const Isa& candidate : isas())
        if (name == candidate.name) {
            if (!candidate.supported)
                throw std::invalid_argument("sharecube._core: this CPU lacks " + name);
            active_isa.store(&candidate, std::memory_order_release);
            return;
        }
    throw std::invalid_argument("sharecube._core: no instruction set named " + name);
}

std::vector<std::string> supported_isas() {
    std::vector<std::string> names;
    for (const Isa& candidate : isas())
        if (candidate.supported) names.emplace_back(candidate.name);
    return names;
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
    Call c = make_call(x, out, skipna, fill, threads);
    c.layout = sharecube::make_layout(std::move(kept), std::move(reduced), true);
    const Isa& isa = current_isa();
    // Safe without the GIL: x and out are kept alive by the caller for the whole call, and the
    // kernel touches only their raw buffers, never a Python object.
    py::gil_scoped_release release;
    isa.shares(c);
}

// groups: (ptr, idx) in compressed rows along `axis`, ngroups > 0; or ngroups == 0 with
// reduce_mask naming the reduced axes, out then having only the kept axes.
void share_sums(const py::array& x, py::array& out, std::uint64_t reduce_mask, py::ssize_t axis,
                const py::array_t<std::int64_t, py::array::c_style>& ptr,
                const py::array_t<std::int64_t, py::array::c_style>& idx, py::ssize_t ngroups,
                bool skipna, double fill, int threads) {
    check_ndim(x);
    std::vector<Dim> kept, reduced;
    Call c = make_call(x, out, skipna, fill, threads);
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
    c.layout = sharecube::make_layout(std::move(kept), std::move(reduced), ngroups == 0);
    const Isa& isa = current_isa();
    // Safe without the GIL: as in shares(); ptr and idx are owned by the caller too.
    py::gil_scoped_release release;
    isa.share_sums(c);
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
    m.def("isa", &get_isa, "The instruction set the kernels run with.");
    m.def("supported_isas", &supported_isas, "Compiled-in instruction sets this CPU runs, best first.");
    m.def("_set_isa", &set_isa, py::arg("name"), "Run the kernels with another instruction set (for tests).");
}
