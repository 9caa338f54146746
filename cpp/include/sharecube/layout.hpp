// Layout planning: turns an N-d strided array and a set of reduced axes into the few loops the
// kernels run. No Python headers here; strides are in elements, not bytes.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdlib>
#include <vector>

namespace sharecube {

using index_t = std::ptrdiff_t;
inline constexpr std::size_t kMaxDims = 64;

// One dimension of the iteration: its length and the element strides in the input (xs) and in
// the output (os).
struct Dim {
    index_t n;
    index_t xs;
    index_t os;
};

// Orders dims outermost first (largest |x stride|), drops length-1 dims and merges neighbours
// that a single stride walks in both arrays, so that the kernels loop over as few dims as
// possible whatever the memory order of the caller's arrays.
inline std::vector<Dim> coalesce(std::vector<Dim> dims) {
    dims.erase(std::remove_if(dims.begin(), dims.end(), [](const Dim& d) { return d.n == 1; }),
               dims.end());
    std::stable_sort(dims.begin(), dims.end(), [](const Dim& a, const Dim& b) {
        const index_t ax = std::abs(a.xs), bx = std::abs(b.xs);
        return ax != bx ? ax > bx : std::abs(a.os) > std::abs(b.os);
    });
    std::vector<Dim> merged;
    for (const Dim& d : dims) {
        if (!merged.empty()) {
            Dim& outer = merged.back();
            if (outer.xs == d.n * d.xs && outer.os == d.n * d.os) {
                outer = Dim{outer.n * d.n, d.xs, d.os};
                continue;
            }
        }
        merged.push_back(d);
    }
    return merged;
}

inline index_t count(const std::vector<Dim>& dims) {
    index_t c = 1;
    for (const Dim& d : dims) c *= d.n;
    return c;
}

// The plan every kernel follows: `outer` dims are independent work items, `inner` is the kept
// dim walked in strips (its lanes are accumulated side by side, so it should be the kept dim
// with the smallest stride), `reduced` are the dims summed over.
struct Layout {
    std::vector<Dim> outer;
    Dim inner{1, 0, 0};
    std::vector<Dim> reduced;
};

inline Layout make_layout(std::vector<Dim> kept, std::vector<Dim> reduced, bool merge_reduced) {
    Layout L;
    kept = coalesce(std::move(kept));
    if (!kept.empty()) {
        auto it = std::min_element(kept.begin(), kept.end(), [](const Dim& a, const Dim& b) {
            return std::abs(a.xs) < std::abs(b.xs);
        });
        L.inner = *it;
        kept.erase(it);
    }
    L.outer = std::move(kept);
    L.reduced = merge_reduced ? coalesce(std::move(reduced)) : std::move(reduced);
    return L;
}

// Offsets of outer work item `index` (row-major over `dims`).
inline void unravel(const std::vector<Dim>& dims, index_t index, index_t& xoff, index_t& ooff) {
    xoff = 0;
    ooff = 0;
    for (auto k = static_cast<index_t>(dims.size()) - 1; k >= 0; --k) {
        const Dim& d = dims[static_cast<std::size_t>(k)];
        const index_t i = index % d.n;
        index /= d.n;
        xoff += i * d.xs;
        ooff += i * d.os;
    }
}

// Work item `item` of a kernel that walks L.inner in strips of `lanes` positions (`nstrips` per
// outer position): its first inner position j0, its width w, and the offsets of its first
// element in x and out.
struct Strip {
    index_t j0, w, xo, oo;
};
inline Strip strip_of(const Layout& L, index_t item, index_t nstrips, index_t lanes) {
    Strip st{};
    st.j0 = (item % nstrips) * lanes;
    st.w = std::min(lanes, L.inner.n - st.j0);
    unravel(L.outer, item / nstrips, st.xo, st.oo);
    st.xo += st.j0 * L.inner.xs;
    st.oo += st.j0 * L.inner.os;
    return st;
}

// Calls f(position, xoff, ooff) once for the start of each run of the last dim of `dims` (runs
// are dims.back().n positions long; position counts positions, as in for_each_offset). For
// kernels that walk the last dim themselves, several positions at a time.
template <class F>
inline void for_each_run(const std::vector<Dim>& dims, F&& f) {
    const std::size_t nd = dims.size();
    if (nd == 0) return;
    for (const Dim& d : dims)
        if (d.n == 0) return;
    const index_t n = dims[nd - 1].n;
    std::array<index_t, kMaxDims> idx{};
    index_t xoff = 0, ooff = 0, pos = 0;
    for (;;) {
        f(pos, xoff, ooff);
        pos += n;
        std::size_t k = nd - 1;
        for (;;) {
            if (k == 0) return;
            --k;
            const Dim& d = dims[k];
            xoff += d.xs;
            ooff += d.os;
            if (++idx[k] < d.n) break;
            xoff -= d.xs * d.n;
            ooff -= d.os * d.n;
            idx[k] = 0;
        }
    }
}

// Calls f(position, xoff, ooff) for every index of `dims`, row-major, where position counts
// from 0: for_each_run with the innermost dim as a plain loop.
template <class F>
inline void for_each_offset(const std::vector<Dim>& dims, F&& f) {
    if (dims.empty()) {
        f(index_t{0}, index_t{0}, index_t{0});
        return;
    }
    const Dim& in = dims.back();
    for_each_run(dims, [&](index_t pos, index_t xoff, index_t ooff) {
        for (index_t i = 0; i < in.n; ++i) f(pos + i, xoff + i * in.xs, ooff + i * in.os);
    });
}

}  // namespace sharecube
