#include "cuda/prefill_gemm.h"

#include <string>

#include "cuda/check.h"
#include "cuda/dispatch.cuh"
#include "cuda/weights_check.h"

namespace locus::cuda {
namespace {

Status blas_status(cublasStatus_t s, const char* what) {
    if (s == CUBLAS_STATUS_SUCCESS) return Status::ok();
    return Status::error(std::string(what) + ": " + cublasGetStatusName(s) + ": " + cublasGetStatusString(s));
}

// One thread per chunk of one row.
template <class T>
__global__ void dequant_f16_kernel(const uint8_t* __restrict__ w, size_t row_bytes, int64_t rows, int cols,
                                   __half* __restrict__ out) {
    constexpr int G = T::kGroups;
    const int n_chunks = cols / T::kElems;
    const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= rows * n_chunks) return;
    const int64_t r = i / n_chunks;
    const int c = int(i % n_chunks);
    chunks::Chunk<G> ch;
    T::load(w + size_t(r) * row_bytes, c, ch);
    int xo[G];
    T::offsets(c, xo);
    __half* o = out + size_t(r) * cols;
#pragma unroll
    for (int g = 0; g < G; ++g) {
        // The CPU computes s * q - m without contraction; do the same so the F32 values are identical.
        const float v0 = __fsub_rn(__fmul_rn(ch.s[g], ch.q[g][0]), ch.m[g]);
        const float v1 = __fsub_rn(__fmul_rn(ch.s[g], ch.q[g][1]), ch.m[g]);
        const float v2 = __fsub_rn(__fmul_rn(ch.s[g], ch.q[g][2]), ch.m[g]);
        const float v3 = __fsub_rn(__fmul_rn(ch.s[g], ch.q[g][3]), ch.m[g]);
        __half2* p = reinterpret_cast<__half2*>(o + xo[g]);
        p[0] = __floats2half2_rn(v0, v1);
        p[1] = __floats2half2_rn(v2, v3);
    }
}

__global__ void f32_to_f16_kernel(const float* __restrict__ x, int64_t n, __half* __restrict__ y) {
    const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n) y[i] = __float2half_rn(x[i]);
}

}  // namespace

Expected<CublasHandle> CublasHandle::create() {
    Expected<CublasHandle> out{CublasHandle()};  // built in place: nvcc's front end wants no copy on return
    LOCUS_TRY(blas_status(cublasCreate(&out->h_), "cublasCreate"));
    return out;
}

CublasHandle& CublasHandle::operator=(CublasHandle&& o) noexcept {
    if (this != &o) {
        if (h_) cublasDestroy(h_);
        h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
}

CublasHandle::~CublasHandle() {
    if (h_) cublasDestroy(h_);
}

Status dequantize_to_f16(const DeviceMatrix& w, uint16_t* w_f16, cudaStream_t stream) {
    LOCUS_TRY(check_matrix(w, "dequantize_to_f16"));
    if (!w_f16 || reinterpret_cast<uintptr_t>(w_f16) % 8 != 0) return Status::error("dequantize_to_f16: bad output");
    return dispatch_weight_type(w.type, "dequantize_to_f16", [&](auto dec) -> Status {
        using T = decltype(dec);
        const int64_t n = w.rows * (w.cols / T::kElems);
        dequant_f16_kernel<T><<<unsigned((n + 255) / 256), 256, 0, stream>>>(w.data, w.row_bytes, w.rows, int(w.cols),
                                                                            reinterpret_cast<__half*>(w_f16));
        return launch_status("dequant_f16_kernel");
    });
}

Status matmul_prefill(cublasHandle_t handle, const PrefillArgs& a, cudaStream_t stream) {
    LOCUS_TRY(check_matrix(a.w, "matmul_prefill"));
    if (!handle || a.n_tokens <= 0 || !a.x || !a.y || !a.w_f16 || !a.x_f16)
        return Status::error("matmul_prefill: bad arguments");
    if (!a.w_f16_ready) LOCUS_TRY(dequantize_to_f16(a.w, a.w_f16, stream));
    const int64_t nx = int64_t(a.n_tokens) * a.w.cols;
    f32_to_f16_kernel<<<unsigned((nx + 255) / 256), 256, 0, stream>>>(a.x, nx, reinterpret_cast<__half*>(a.x_f16));
    LOCUS_TRY(launch_status("f32_to_f16_kernel"));
    LOCUS_TRY(blas_status(cublasSetStream(handle, stream), "cublasSetStream"));
    // Column-major view: W (rows x cols, row-major) is a cols x rows matrix, used transposed; X (n_tokens x
    // cols, row-major) is cols x n_tokens; Y (n_tokens x rows) is rows x n_tokens. Y = W^T' X.
    const float alpha = 1.0f, beta = 0.0f;
    return blas_status(cublasGemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, int(a.w.rows), a.n_tokens, int(a.w.cols), &alpha,
                                    a.w_f16, CUDA_R_16F, int(a.w.cols), a.x_f16, CUDA_R_16F, int(a.w.cols), &beta, a.y,
                                    CUDA_R_32F, int(a.w.rows), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                       "cublasGemmEx");
}

}  // namespace locus::cuda
