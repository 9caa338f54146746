#include "pybind11.hpp"

void register_shares(py::module_& m);
void register_indicators(py::module_& m);

PYBIND11_MODULE(_core, m) {
    m.doc() = "sharecube's compiled kernels (private: use the functions in sharecube).";
    register_shares(m);
    register_indicators(m);
}
