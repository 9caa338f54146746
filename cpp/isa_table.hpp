// The table of kernel entry points per instruction set, shared by the binding files.
#pragma once

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include "sharecube/kernel_api.hpp"
#include "sharecube/portable.hpp"

namespace sharecube::bindings {

// The instruction sets compiled in, best first, and the one in use.
struct Isa {
    const char* name;
    void (*shares)(const Call&);
    void (*share_sums)(const Call&);
    void (*stats)(const Call&, const Stats&);
    void (*min_sum_pairs)(const double*, double*, index_t, index_t, index_t, bool, int);
    void (*co_occurrence)(const std::uint64_t*, double*, index_t, index_t, int);
    void (*quotients)(const Quotients&);
    bool supported;
};

#define SHARECUBE_ISA_ENTRY(name, ns, ok)                                                       \
    Isa {                                                                                       \
        name, &ns::shares, &ns::share_sums, &ns::stats, &ns::min_sum_pairs, &ns::co_occurrence, \
            &ns::quotients, ok                                                                  \
    }

inline std::vector<Isa> compiled_isas() {
    std::vector<Isa> v;
#if defined(SHARECUBE_HAVE_AVX512)
    v.push_back(SHARECUBE_ISA_ENTRY("avx512", isa_avx512, cpu_supports_v4()));
#endif
#if defined(SHARECUBE_HAVE_AVX2)
    v.push_back(SHARECUBE_ISA_ENTRY("avx2", isa_avx2, cpu_supports_v3()));
#endif
    v.push_back(SHARECUBE_ISA_ENTRY("baseline", isa_baseline, true));
    return v;
}

inline const std::vector<Isa>& isas() {
    static const std::vector<Isa> v = compiled_isas();
    return v;
}

inline std::atomic<const Isa*> active_isa{nullptr};

inline const Isa& current_isa() {
    const Isa* isa = active_isa.load(std::memory_order_acquire);
    if (isa != nullptr) return *isa;
    for (const Isa& candidate : isas())
        if (candidate.supported) {
            active_isa.store(&candidate, std::memory_order_release);
            return candidate;
        }
    return isas().back();
}

inline std::string get_isa() { return current_isa().name; }

inline void set_isa(const std::string& name) {
    for (const Isa& candidate : isas())
        if (name == candidate.name) {
            if (!candidate.supported)
                throw std::invalid_argument("sharecube._core: this CPU lacks " + name);
            active_isa.store(&candidate, std::memory_order_release);
            return;
        }
    throw std::invalid_argument("sharecube._core: no instruction set named " + name);
}

inline std::vector<std::string> supported_isas() {
    std::vector<std::string> names;
    for (const Isa& candidate : isas())
        if (candidate.supported) names.emplace_back(candidate.name);
    return names;
}

}  // namespace sharecube::bindings
