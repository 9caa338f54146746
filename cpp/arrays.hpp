// Reading numpy arrays for the kernels: element types, strides, the Call for a kernel.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "pybind11.hpp"
#include "sharecube/kernel_api.hpp"

namespace sharecube::bindings {

using sharecube::Call;
using sharecube::Dim;
using sharecube::Elem;
using sharecube::index_t;

// Whether this machine stores the low byte first (standard C++17 has no std::endian yet).
inline bool little_endian() {
    const std::uint16_t one = 1;
    unsigned char first = 0;
    std::memcpy(&first, &one, 1);
    return first == 1;
}

// numpy writes the native order as '=' mostly, but a dtype made with newbyteorder('<') (as zarr
// makes them) says '<' on a little-endian machine: compare with the machine's order.
inline bool non_native(const py::dtype& dt) {
    const char bo = dt.byteorder();
    return little_endian() ? bo == '>' : bo == '<';
}

inline Elem element_type(const py::dtype& dt) {
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

inline Call make_call(const py::array& x, py::array& out, bool skipna, double fill, int threads) {
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

inline index_t element_stride(const py::array& a, py::ssize_t axis) {
    const auto bytes = a.strides(axis);
    const auto size = a.itemsize();
    if (bytes % size != 0)
        throw std::invalid_argument("sharecube._core: stride not a multiple of the item size");
    return bytes / size;
}

inline void check_ndim(const py::array& a) {
    if (a.ndim() > static_cast<py::ssize_t>(sharecube::kMaxDims))
        throw std::invalid_argument("sharecube._core: too many dimensions");
}

inline bool in_mask(std::uint64_t mask, py::ssize_t d) { return (mask >> d) & 1U; }

// Splits x's dims into reduced ones (the bits of reduce_mask) and kept ones, where out has
// exactly the kept dims in order (a reduction's result).
inline void split_reduced(const py::array& x, const py::array& out, std::uint64_t reduce_mask,
                          std::vector<Dim>& kept, std::vector<Dim>& reduced) {
    py::ssize_t od = 0;
    for (py::ssize_t d = 0; d < x.ndim(); ++d) {
        if (in_mask(reduce_mask, d)) {
            reduced.push_back(Dim{x.shape(d), element_stride(x, d), 0});
            continue;
        }
        if (od >= out.ndim() || out.shape(od) != x.shape(d))
            throw std::invalid_argument("sharecube._core: output shape differs from kept axes");
        kept.push_back(Dim{x.shape(d), element_stride(x, d), element_stride(out, od)});
        ++od;
    }
    if (od != out.ndim()) throw std::invalid_argument("sharecube._core: output ndim differs");
}

}  // namespace sharecube::bindings
