// Predictor training's F32 matrix products on the GPU (cuBLAS SGEMM, full FP32: no TF32), for `locus sparsify`
// when built with CUDA. Same contract as train::gemm_nn (sparse/trainer_gemm.h): row-major C (M x N, ldc) =
// A (M x K, lda) · B (K x N, ldb), plus C when accumulate. Operands are copied to device buffers kept between
// calls (grown as needed) and the result copied back, so it pays only for products large enough to amortise
// the copies (trainer_gemm_offload decides). Compiled only in the CUDA-on configuration (LOCUS_HAVE_CUDA).
#pragma once
#include <cstdint>

#include "core/status.h"

namespace locus::cuda {

Status trainer_gemm_nn(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb,
                       float* C, int64_t ldc, bool accumulate);

// The offload hook for train::set_gemm_offload: the GPU for products of at least 2^24 multiply-adds, the CPU
// (returns false) for smaller ones or after a GPU error (reported once on stderr, then CPU only).
bool trainer_gemm_offload(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb,
                          float* C, int64_t ldc, bool accumulate);

}  // namespace locus::cuda
