// A fork-join loop over independent work items on plain std::threads.
#pragma once

#include <algorithm>
#include <cstddef>
#include <system_error>
#include <thread>
#include <vector>

#include "sharecube/portable.hpp"

namespace sharecube {

// Below this many elements a thread costs more to start than it saves.
inline constexpr std::ptrdiff_t kParallelMinElements = std::ptrdiff_t{1} << 17;

// Runs f(begin, end) over [0, items) split into one contiguous block per thread. Each item is
// computed by exactly one thread in a fixed order, so results never depend on the thread
// count. threads <= 0 means every available core.
template <class F>
void parallel_for(std::ptrdiff_t items, int threads, std::ptrdiff_t elements, F&& f) {
    if (items <= 0) return;
    // Small calls never ask for the affinity mask: that system call costs more than their work.
    std::ptrdiff_t nt = 1;
    if (elements >= kParallelMinElements) nt = threads > 0 ? threads : available_cores();
    nt = std::min(nt, items);
    if (nt <= 1) {
        f(std::ptrdiff_t{0}, items);
        return;
    }
    std::vector<std::thread> pool;
    pool.reserve(static_cast<std::size_t>(nt - 1));
    std::ptrdiff_t t = 1;
    try {
        for (; t < nt; ++t) pool.emplace_back(f, items * t / nt, items * (t + 1) / nt);
    } catch (const std::system_error&) {
        // Out of threads: the blocks that got none run here instead.
        for (std::ptrdiff_t u = t; u < nt; ++u) f(items * u / nt, items * (u + 1) / nt);
    }
    f(std::ptrdiff_t{0}, items / nt);
    for (auto& th : pool) th.join();
}

}  // namespace sharecube
