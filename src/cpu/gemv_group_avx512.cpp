// Four-row F16 decode kernel over the row-interleaved layout (cpu/interleave.h): per unit, 32 halves of each
// row (64 bytes), two 16-lane accumulators per row against F32 activations.
#include "cpu/gemv_kernels.h"
#include "cpu/simd_avx512.h"

#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace locus::gemv {
namespace {

inline __m512 half16(const uint8_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }

}  // namespace

void dot_group_f16_avx512(int64_t n, const uint8_t* g, const void* xv, float* y) {
    const float* x = static_cast<const float*>(xv);
    __m512 a[4][2];
    for (auto& r : a) r[0] = r[1] = _mm512_setzero_ps();
    for (int64_t i = 0; i < n; i += 32, g += 256) {
        const __m512 x0 = _mm512_loadu_ps(x + i), x1 = _mm512_loadu_ps(x + i + 16);
        for (int k = 0; k < 4; ++k) {
            a[k][0] = _mm512_fmadd_ps(half16(g + 64 * k), x0, a[k][0]);
            a[k][1] = _mm512_fmadd_ps(half16(g + 64 * k + 32), x1, a[k][1]);
        }
    }
    for (int k = 0; k < 4; ++k) y[k] = hsum(_mm512_add_ps(a[k][0], a[k][1]));
}

}  // namespace locus::gemv
