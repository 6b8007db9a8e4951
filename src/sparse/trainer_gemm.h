// Dense F32 matrix products for predictor training (no BLAS in the product): C = A · B (+ C), row-major.
// Each element of C is summed over k in ascending order by one thread, so results do not depend on the thread
// count. The AVX2 build of the kernel (trainer_gemm_avx2.cpp) may fuse multiply-adds; the portable one
// (trainer_gemm.cpp) computes exactly what gemm_nn_reference does.
#pragma once
#include <cstdint>

#include "core/cpu_features.h"
#include "core/thread_pool.h"

namespace locus::train {

// Rows [m0, m1) of C (M x N, leading dimension ldc) = A (M x K, lda) · B (K x N, ldb), plus C when accumulate.
using GemmRowsFn = void (*)(int64_t m0, int64_t m1, int64_t N, int64_t K, const float* A, int64_t lda,
                            const float* B, int64_t ldb, float* C, int64_t ldc, bool accumulate);
void gemm_rows_generic(int64_t m0, int64_t m1, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
                       int64_t ldb, float* C, int64_t ldc, bool accumulate);
void gemm_rows_avx2(int64_t m0, int64_t m1, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
                    int64_t ldb, float* C, int64_t ldc, bool accumulate);
// The version for `isa` (scalar: the portable one); falls back to the portable one where the CPU lacks it.
GemmRowsFn gemm_rows_for(Isa isa);

// Another implementation gemm_nn offers each product to first (the GPU's where built with CUDA: see
// cuda/trainer_gemm.h); it returns false to leave the product to the CPU. Null (the default): CPU only.
using GemmOffloadFn = bool (*)(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
                               int64_t ldb, float* C, int64_t ldc, bool accumulate);
void set_gemm_offload(GemmOffloadFn f);
GemmOffloadFn gemm_offload();

// C = A · B (+ C) over the pool, with the best kernel for this CPU (respecting LOCUS_ISA), unless the offload
// takes the product.
void gemm_nn(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
             int64_t ldc, bool accumulate, ThreadPool& pool);

// Plain triple loop, k ascending per element: what the kernels are tested against.
void gemm_nn_reference(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb,
                       float* C, int64_t ldc, bool accumulate);

// dst (cols x rows) = src (rows x cols) transposed, over the pool.
void transpose(int64_t rows, int64_t cols, const float* src, float* dst, ThreadPool& pool);

}  // namespace locus::train
