// The predictor trainer's matrix product against its plain reference, on odd sizes, for every kernel this CPU
// runs; results must not depend on the thread count.
#include <gtest/gtest.h>

#include <cmath>

#include "sparse/trainer_gemm.h"
#include "test_util.h"

namespace locus::train {
namespace {

struct Case { int64_t M, N, K; };

TEST(TrainerGemm, KernelsMatchReferenceOnOddSizes) {
    ThreadPool pool(2);
    for (const Case c : {Case{1, 1, 1}, Case{5, 17, 3}, Case{4, 16, 8}, Case{13, 33, 29}, Case{64, 48, 70}, Case{3, 100, 1}}) {
        const int64_t lda = c.K + 3, ldb = c.N + 1, ldc = c.N + 2;  // padded rows: leading dimensions are honoured
        const auto A = test::random_floats(size_t(c.M * lda), 1), B = test::random_floats(size_t(c.K * ldb), 2);
        for (bool acc : {false, true}) {
            std::vector<float> ref = test::random_floats(size_t(c.M * ldc), 3);
            std::vector<float> gen = ref, fast = ref, pooled = ref;
            gemm_nn_reference(c.M, c.N, c.K, A.data(), lda, B.data(), ldb, ref.data(), ldc, acc);
            gemm_rows_generic(0, c.M, c.N, c.K, A.data(), lda, B.data(), ldb, gen.data(), ldc, acc);
            EXPECT_EQ(gen, ref) << c.M << "x" << c.N << "x" << c.K;  // same operations in the same order
            gemm_rows_for(Isa::avx2)(0, c.M, c.N, c.K, A.data(), lda, B.data(), ldb, fast.data(), ldc, acc);
            for (size_t i = 0; i < ref.size(); ++i)
                ASSERT_NEAR(fast[i], ref[i], 1e-5f * (1.0f + float(c.K))) << i;  // may fuse multiply-adds
            gemm_nn(c.M, c.N, c.K, A.data(), lda, B.data(), ldb, pooled.data(), ldc, acc, pool);
            EXPECT_EQ(pooled, fast);  // the pool runs the best kernel, split by rows
        }
    }
}

TEST(TrainerGemm, ThreadCountDoesNotChangeResults) {
    const int64_t M = 37, N = 53, K = 41;
    const auto A = test::random_floats(size_t(M * K), 4), B = test::random_floats(size_t(K * N), 5);
    std::vector<float> first;
    for (int threads : {1, 2, 3}) {
        ThreadPool pool(threads);
        std::vector<float> C(size_t(M * N));
        gemm_nn(M, N, K, A.data(), K, B.data(), N, C.data(), N, false, pool);
        if (first.empty()) first = C;
        else EXPECT_EQ(C, first) << threads;
    }
}

// The offload hook (the GPU's in a CUDA build): a product it takes is not computed again on the CPU; one it
// declines is, and the CPU result is the same as without a hook.
int64_t g_offered = 0;
bool take_if_large(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
                   int64_t ldc, bool accumulate) {
    ++g_offered;
    if (M * N * K < 1000) return false;
    for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = -42.0f;  // a marker the CPU kernels never produce
    return true;
}

TEST(TrainerGemm, OffloadHookTakesOrDeclinesEachProduct) {
    ThreadPool pool(2);
    const auto A = test::random_floats(64 * 64, 6), B = test::random_floats(64 * 64, 7);
    std::vector<float> plain(64 * 64), small(64 * 64), large(64 * 64);
    gemm_nn(5, 5, 5, A.data(), 64, B.data(), 64, plain.data(), 64, false, pool);
    ASSERT_EQ(gemm_offload(), nullptr);
    set_gemm_offload(take_if_large);
    g_offered = 0;
    gemm_nn(5, 5, 5, A.data(), 64, B.data(), 64, small.data(), 64, false, pool);
    gemm_nn(64, 64, 64, A.data(), 64, B.data(), 64, large.data(), 64, false, pool);
    set_gemm_offload(nullptr);
    EXPECT_EQ(g_offered, 2);
    EXPECT_EQ(small, plain);      // declined: computed on the CPU as before
    EXPECT_EQ(large[0], -42.0f);  // taken: the hook's result stands
    EXPECT_EQ(large[63 * 64 + 63], -42.0f);
}

TEST(TrainerGemm, TransposeOddShape) {
    ThreadPool pool(2);
    const int64_t R = 45, C = 70;
    const auto src = test::random_floats(size_t(R * C), 6);
    std::vector<float> dst(src.size());
    transpose(R, C, src.data(), dst.data(), pool);
    for (int64_t r = 0; r < R; ++r)
        for (int64_t c = 0; c < C; ++c) ASSERT_EQ(dst[size_t(c * R + r)], src[size_t(r * C + c)]);
}

}  // namespace
}  // namespace locus::train
