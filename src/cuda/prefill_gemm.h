// Prefill (many tokens): Y[t] = W X[t] through cuBLAS. The weights are dequantised to F16 into a scratch
// matrix and the F32 activations rounded to F16, then one cublasGemmEx with F32 accumulation (tensor cores).
// The F16 rounding of x makes this ~5e-4 relative from the exact product: use matvec for decode.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <utility>

#include "core/status.h"
#include "cuda/weights.h"

namespace locus::cuda {

class CublasHandle {
public:
    CublasHandle() = default;
    static Expected<CublasHandle> create();
    CublasHandle(CublasHandle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    CublasHandle& operator=(CublasHandle&& o) noexcept;
    CublasHandle(const CublasHandle&) = delete;
    CublasHandle& operator=(const CublasHandle&) = delete;
    ~CublasHandle();
    cublasHandle_t get() const { return h_; }

private:
    cublasHandle_t h_ = nullptr;
};

// w_f16[r * cols + c] = W[r][c] as F16 (the same values as the CPU's to_float, rounded to nearest).
Status dequantize_to_f16(const DeviceMatrix& w, uint16_t* w_f16, cudaStream_t stream);

struct PrefillArgs {
    DeviceMatrix w;
    const float* x = nullptr;   // n_tokens rows of w.cols floats
    int n_tokens = 0;
    float* y = nullptr;         // n_tokens rows of w.rows floats
    uint16_t* w_f16 = nullptr;  // scratch: w.rows * w.cols halves (or the already dequantised weights)
    bool w_f16_ready = false;   // true: w_f16 already holds the weights (skip the dequantisation)
    uint16_t* x_f16 = nullptr;  // scratch: n_tokens * w.cols halves
};

Status matmul_prefill(cublasHandle_t handle, const PrefillArgs& a, cudaStream_t stream);

}  // namespace locus::cuda
