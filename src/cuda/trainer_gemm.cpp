#include "cuda/trainer_gemm.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

#include "cuda/check.h"

namespace locus::cuda {
namespace {

Status blas(cublasStatus_t s, const char* what) {
    if (s == CUBLAS_STATUS_SUCCESS) return Status::ok();
    return Status::error(std::string(what) + ": " + cublasGetStatusName(s) + ": " + cublasGetStatusString(s));
}

// One handle and three growing device buffers, shared by every call (calls are serialised).
struct Context {
    std::mutex mu;
    cublasHandle_t handle = nullptr;
    float* buf[3] = {nullptr, nullptr, nullptr};
    size_t cap[3] = {0, 0, 0};

    Status reserve(int i, size_t floats) {
        if (cap[i] >= floats) return Status::ok();
        if (buf[i]) cudaFree(buf[i]);
        buf[i] = nullptr;
        cap[i] = 0;
        LOCUS_CUDA_TRY(cudaMalloc(&buf[i], floats * sizeof(float)));
        cap[i] = floats;
        return Status::ok();
    }
};

Context& context() {
    static Context* c = new Context();  // never destroyed: the CUDA runtime may be torn down first at exit
    return *c;
}

// Row-major rows x cols (leading dimension ld) between host and a packed device buffer (leading dimension cols).
Status to_device(float* dst, const float* src, int64_t rows, int64_t cols, int64_t ld) {
    return cuda_status(cudaMemcpy2D(dst, size_t(cols) * 4, src, size_t(ld) * 4, size_t(cols) * 4, size_t(rows),
                                    cudaMemcpyHostToDevice),
                       "cudaMemcpy2D to the GPU");
}

}  // namespace

Status trainer_gemm_nn(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb,
                       float* C, int64_t ldc, bool accumulate) {
    if (M <= 0 || N <= 0) return Status::ok();
    if (K <= 0 || lda < K || ldb < N || ldc < N) return Status::error("trainer_gemm_nn: bad shape or leading dimension");
    Context& c = context();
    std::lock_guard<std::mutex> lock(c.mu);
    if (!c.handle) {
        LOCUS_TRY(blas(cublasCreate(&c.handle), "cublasCreate"));
        // Plain FP32 arithmetic, as the CPU path: no TF32 for the training math.
        LOCUS_TRY(blas(cublasSetMathMode(c.handle, CUBLAS_PEDANTIC_MATH), "cublasSetMathMode"));
    }
    LOCUS_TRY(c.reserve(0, size_t(M) * size_t(K)));
    LOCUS_TRY(c.reserve(1, size_t(K) * size_t(N)));
    LOCUS_TRY(c.reserve(2, size_t(M) * size_t(N)));
    float *dA = c.buf[0], *dB = c.buf[1], *dC = c.buf[2];
    LOCUS_TRY(to_device(dA, A, M, K, lda));
    LOCUS_TRY(to_device(dB, B, K, N, ldb));
    if (accumulate) LOCUS_TRY(to_device(dC, C, M, N, ldc));
    // Row-major C = A B is column-major C^T = B^T A^T: cuBLAS sees B as an N x K matrix and A as K x M.
    const float alpha = 1.0f, beta = accumulate ? 1.0f : 0.0f;
    LOCUS_TRY(blas(cublasSgemm(c.handle, CUBLAS_OP_N, CUBLAS_OP_N, int(N), int(M), int(K), &alpha, dB, int(N), dA,
                               int(K), &beta, dC, int(N)),
                   "cublasSgemm"));
    LOCUS_CUDA_TRY(cudaMemcpy2D(C, size_t(ldc) * 4, dC, size_t(N) * 4, size_t(N) * 4, size_t(M), cudaMemcpyDeviceToHost));
    return Status::ok();
}

bool trainer_gemm_offload(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb,
                          float* C, int64_t ldc, bool accumulate) {
    static std::atomic<bool> failed{false};
    if (failed.load() || double(M) * double(N) * double(K) < double(1 << 24)) return false;
    const Status st = trainer_gemm_nn(M, N, K, A, lda, B, ldb, C, ldc, accumulate);
    if (st) return true;
    if (!failed.exchange(true))
        std::fprintf(stderr, "locus: GPU training products failed (%s); continuing on the CPU\n", st.message().c_str());
    return false;
}

}  // namespace locus::cuda
