// The unsigned-weight form of the Q4_0 and Q8_0 dots shared by the AVX-512 VNNI decode kernels
// (gemv_avx512vnni.cpp, gemv_group_avx512vnni.cpp): each row's integer dot of a block is one vpdpbusd of
// unsigned weight bytes against the activation's signed bytes, started from a correction term computed once
// per activation block (Q4_0: sum((q - 8) x) = sum(q x) - 8 sum(x); Q8_0: sum(w x) = sum((w ^ 0x80) x) -
// 128 sum(x)). Include only from files compiled with -mavx512vnni on top of the AVX-512 flags (*_avx512vnni.cpp).
#pragma once
#if !defined(__AVX512VNNI__)
#error "cpu/simd_avx512vnni.h needs -mavx512vnni (include it only from *_avx512vnni.cpp files)"
#endif
#include "cpu/simd_avx512.h"
#include "quant/legacy_blocks.h"

namespace locus::gemv {
namespace {

template <class W>
struct Vnni;

// Q4_0: 16 bytes of nibbles -> low 128-bit lane: elements 0..15 (low nibbles, 0..15); high lane: elements
// 16..31 times 16 (high nibbles left in place, 0..240). One broadcast load and one AND, no shift; the factor
// 16 of the high lanes is taken out of the accumulators at the end (exact: a power of two).
template <>
struct Vnni<BlockQ4_0> {
    static constexpr size_t kBody = sizeof(BlockQ4_0::qs);
    static __m256i weights(const void* qs) {
        const __m256i b = _mm256_broadcastsi128_si256(_mm_loadu_si128(static_cast<const __m128i*>(qs)));
        return _mm256_and_si256(b, _mm256_set_epi64x(-0x0f0f0f0f0f0f0f10, -0x0f0f0f0f0f0f0f10, 0x0f0f0f0f0f0f0f0f,
                                                     0x0f0f0f0f0f0f0f0f));
    }
    // The bias of the unsigned weight bytes per element: 8 (16 * 8 in the high lane).
    static __m256i bias() {
        return _mm256_set_epi64x(int64_t(0x8080808080808080), int64_t(0x8080808080808080), 0x0808080808080808,
                                 0x0808080808080808);
    }
    // The factor the accumulator lanes carry (16 in the high lane), undone before the horizontal sum.
    static __m256 unscale() { return _mm256_set_ps(0.0625f, 0.0625f, 0.0625f, 0.0625f, 1, 1, 1, 1); }
};

// Q8_0: the signed weight bytes offset by 128.
template <>
struct Vnni<BlockQ8_0> {
    static constexpr size_t kBody = sizeof(BlockQ8_0::qs);
    static __m256i weights(const void* qs) { return _mm256_xor_si256(load256(qs), _mm256_set1_epi8(char(0x80))); }
    static __m256i bias() { return _mm256_set1_epi8(char(0x80)); }
    static __m256 unscale() { return _mm256_set1_ps(1.0f); }
};

// -bias * (sums of 4 consecutive activation bytes), 8 int32 lanes: the start of every row's vpdpbusd.
template <class W>
inline __m256i correction(__m256i xq) {
    const __m256i s = _mm256_dpbusd_epi32(_mm256_setzero_si256(), Vnni<W>::bias(), xq);
    return _mm256_sub_epi32(_mm256_setzero_si256(), s);
}

}  // namespace
}  // namespace locus::gemv
