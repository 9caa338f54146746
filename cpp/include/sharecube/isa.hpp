// The kernels are compiled once per instruction set (see CMakeLists.txt). Every template and
// inline function whose code depends on the compiler flags lives in the namespace named by
// SHARECUBE_ISA, so that the copies compiled for AVX-512, AVX2 and the baseline stay distinct:
// with one shared name the linker would keep one copy and every entry point would run it.
#pragma once

#ifndef SHARECUBE_ISA
#define SHARECUBE_ISA isa_generic
#endif
