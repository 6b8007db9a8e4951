// Predictor training's GPU products (cuda/trainer_gemm.h) against a double-precision reference: odd shapes,
// leading dimensions wider than the rows, with and without accumulation; and which products the offload takes.
#include <cmath>

#include "cuda/trainer_gemm.h"
#include "harness.h"

namespace locus::gputest {
namespace {

void check_gemm(int64_t M, int64_t N, int64_t K, int64_t pad, bool accumulate) {
    const std::string shape = "M" + std::to_string(M) + " N" + std::to_string(N) + " K" + std::to_string(K) +
                              (pad ? " ld+" + std::to_string(pad) : "") + (accumulate ? " acc" : "");
    const int64_t lda = K + pad, ldb = N + pad, ldc = N + pad;
    const std::vector<float> A = randn(size_t(M * lda)), B = randn(size_t(K * ldb));
    std::vector<float> C = randn(size_t(M * ldc));
    std::vector<double> ref(size_t(M * N));
    for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j) {
            double s = accumulate ? double(C[size_t(i * ldc + j)]) : 0.0;
            for (int64_t k = 0; k < K; ++k) s += double(A[size_t(i * lda + k)]) * double(B[size_t(k * ldb + j)]);
            ref[size_t(i * N + j)] = s;
        }
    const std::vector<float> before = C;
    GT_TRY(cuda::trainer_gemm_nn(M, N, K, A.data(), lda, B.data(), ldb, C.data(), ldc, accumulate), "trainer_gemm_nn",
           "f32", shape);
    std::vector<float> out(size_t(M * N));
    int64_t pad_touched = 0;
    for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < ldc; ++j) {
            if (j < N) out[size_t(i * N + j)] = C[size_t(i * ldc + j)];
            else pad_touched += C[size_t(i * ldc + j)] != before[size_t(i * ldc + j)];
        }
    // FP32 sums of K products: a few ulps times sqrt(K) relative.
    record("trainer_gemm_nn", "f32", shape, pad_touched ? INFINITY : rel_l2(out.data(), ref.data(), ref.size()), 1e-5,
           pad_touched ? "wrote past N in a padded row" : "");
}

void check_offload_choice() {
    // Small products stay on the CPU (false, C untouched); large ones run on the GPU (true).
    std::vector<float> a(64 * 64, 1.0f), b(64 * 64, 1.0f), c(64 * 64, -1.0f);
    const bool small = cuda::trainer_gemm_offload(64, 64, 64, a.data(), 64, b.data(), 64, c.data(), 64, false);
    const int64_t n = 512;
    std::vector<float> A = randn(size_t(n * n)), B = randn(size_t(n * n)), C(size_t(n * n), NAN);
    const bool large = cuda::trainer_gemm_offload(n, n, n, A.data(), n, B.data(), n, C.data(), n, false);
    double sum0 = 0;
    for (int64_t k = 0; k < n; ++k) sum0 += double(A[size_t(k)]) * double(B[size_t(k * n)]);
    const double err = std::fabs(C[0] - sum0) / (std::fabs(sum0) + 1.0);
    record("trainer_gemm_offload", "f32", "64^3 cpu, 512^3 gpu",
           (!small && c[0] == -1.0f && large) ? err : INFINITY, 1e-5, "small declined, large taken");
}

}  // namespace

void test_trainer_gemm() {
    check_gemm(1, 1, 1, 0, false);
    check_gemm(37, 53, 71, 0, false);
    check_gemm(37, 53, 71, 5, true);
    check_gemm(256, 1024, 4096, 0, false);
    check_gemm(300, 2752, 129, 3, true);
    check_offload_choice();
}

}  // namespace locus::gputest
