// K-quant dots with AVX-512 VNNI: the scaled int16 products accumulate with one vpdpwssd.
// GCC 12's AVX-512 headers trip -W(maybe-)uninitialized on their own _mm512_undefined_* (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

namespace {
inline __m512i madd_acc(__m512i acc, __m512i a, __m512i b) { return _mm512_dpwssd_epi32(acc, a, b); }
}  // namespace

#include "quant/dot_k_avx512.inc"

namespace locus::kq {
float dot_q4k_q8k_avx512vnni(int64_t n, const void* w, const void* x) { return q4k_dot(n, w, x); }
float dot_q5k_q8k_avx512vnni(int64_t n, const void* w, const void* x) { return q5k_dot(n, w, x); }
float dot_q6k_q8k_avx512vnni(int64_t n, const void* w, const void* x) { return q6k_dot(n, w, x); }
}  // namespace locus::kq
