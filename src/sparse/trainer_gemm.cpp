#include "sparse/trainer_gemm.h"

#include <cstring>

#include <algorithm>
#include <atomic>

namespace locus::train {
#define LOCUS_GEMM_ROWS gemm_rows_generic
#include "sparse/trainer_gemm.inc"
#undef LOCUS_GEMM_ROWS

GemmRowsFn gemm_rows_for(Isa isa) {
    if (isa >= Isa::avx2 && cpu_features().avx2) return gemm_rows_avx2;
    return gemm_rows_generic;
}

namespace {
std::atomic<GemmOffloadFn> g_offload{nullptr};
}  // namespace

void set_gemm_offload(GemmOffloadFn f) { g_offload.store(f); }
GemmOffloadFn gemm_offload() { return g_offload.load(); }

void gemm_nn(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
             int64_t ldc, bool accumulate, ThreadPool& pool) {
    if (const GemmOffloadFn off = g_offload.load(); off && off(M, N, K, A, lda, B, ldb, C, ldc, accumulate)) return;
    static const GemmRowsFn fn = gemm_rows_for(best_isa());
    // Row tiles of 4 never straddle two threads (except at the end), so every thread runs the 4-row kernel.
    pool.parallel_for(M, [&](int64_t b, int64_t e, int) { fn(b, e, N, K, A, lda, B, ldb, C, ldc, accumulate); }, 4);
}

void gemm_nn_reference(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb,
                       float* C, int64_t ldc, bool accumulate) {
    for (int64_t m = 0; m < M; ++m)
        for (int64_t j = 0; j < N; ++j) {
            float s = accumulate ? C[m * ldc + j] : 0.0f;
            for (int64_t k = 0; k < K; ++k) s += A[m * lda + k] * B[k * ldb + j];
            C[m * ldc + j] = s;
        }
}

void transpose(int64_t rows, int64_t cols, const float* src, float* dst, ThreadPool& pool) {
    constexpr int64_t T = 32;  // square tiles keep both sides' cache lines in use
    const int64_t n_rt = (rows + T - 1) / T, n_ct = (cols + T - 1) / T;
    pool.parallel_for(n_rt * n_ct, [&](int64_t b, int64_t e, int) {
        for (int64_t u = b; u < e; ++u) {
            const int64_t r0 = (u / n_ct) * T, c0 = (u % n_ct) * T;
            const int64_t r1 = std::min(rows, r0 + T), c1 = std::min(cols, c0 + T);
            for (int64_t r = r0; r < r1; ++r)
                for (int64_t c = c0; c < c1; ++c) dst[c * rows + r] = src[r * cols + c];
        }
    });
}

}  // namespace locus::train
