// Non-temporal (streaming) stores for large outputs: written lines go straight to memory
// instead of being read first and evicting the input from cache. Only worth it when the output
// is far larger than the caches; on small outputs they cost more than they save.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "sharecube/isa.hpp"
#include "sharecube/portable.hpp"

#if defined(SHARECUBE_X86) && defined(__SSE2__)
#define SHARECUBE_STREAM_SSE2 1
// GCC 12's AVX-512 headers start some intrinsics from a self-initialised "undefined" vector,
// which -Wmaybe-uninitialized reports where they are inlined (GCC bug 105593, fixed in 13).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#else
#include <immintrin.h>
#endif
#endif

namespace sharecube {
namespace SHARECUBE_ISA {

inline constexpr std::ptrdiff_t kStreamMinBytes = std::ptrdiff_t{16} << 20;

inline bool wants_streaming(std::ptrdiff_t out_bytes) { return out_bytes >= kStreamMinBytes; }

// Copies n elements from src (a small cached buffer) to dst with streaming stores where dst is
// vector-aligned; the unaligned head and tail are stored normally.
template <class O>
inline void stream_store(O* dst, const O* src, std::ptrdiff_t n) noexcept {
    char* d = reinterpret_cast<char*>(dst);
    const char* s = reinterpret_cast<const char*>(src);
    std::size_t bytes = static_cast<std::size_t>(n) * sizeof(O);
#if !defined(SHARECUBE_STREAM_SSE2)
    constexpr std::size_t V = 0;
#elif defined(__AVX512F__)
    constexpr std::size_t V = 64;
#elif defined(__AVX__)
    constexpr std::size_t V = 32;
#else
    constexpr std::size_t V = 16;
#endif
    if constexpr (V > 0) {
        constexpr std::size_t A = V > 0 ? V : 1;  // (V is 0 only where this is discarded)
        std::size_t head = (A - reinterpret_cast<std::uintptr_t>(d) % A) % A;
        if (head > bytes) head = bytes;
        std::memcpy(d, s, head);
        d += head;
        s += head;
        bytes -= head;
        for (; bytes >= A; bytes -= A, d += A, s += A) {
#if !defined(SHARECUBE_STREAM_SSE2)
#elif defined(__AVX512F__)
            _mm512_stream_si512(reinterpret_cast<__m512i*>(d), _mm512_loadu_si512(s));
#elif defined(__AVX__)
            _mm256_stream_si256(reinterpret_cast<__m256i*>(d),
                                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s)));
#else
            _mm_stream_si128(reinterpret_cast<__m128i*>(d),
                             _mm_loadu_si128(reinterpret_cast<const __m128i*>(s)));
#endif
        }
    }
    std::memcpy(d, s, bytes);
}

// Orders this thread's streaming stores before anything it does next (joining the caller).
inline void stream_fence() noexcept {
#if defined(SHARECUBE_STREAM_SSE2)
    _mm_sfence();
#endif
}

}  // namespace SHARECUBE_ISA
}  // namespace sharecube
