#include "cpu/matmul.h"

#include <gtest/gtest.h>

#include <cmath>

#include "cpu_test_util.h"

namespace locus {
namespace {

using test::make_quant_matrix;

std::vector<DType> computable_types() {
    std::vector<DType> out;
    for (uint32_t id = 0; id < 64; ++id) {
        const TypeTraits* t = find_type_traits(id);
        if (t && t->can_compute && t->vec_dot && t->from_float) out.push_back(DType(id));
    }
    return out;
}

// Activations are quantised for the dot (e.g. to Q8), so the tolerance is relative to the row's magnitude.
TEST(Matmul, MatchesDequantisedReferenceForEveryTypeAndThreadCount) {
    const auto types = computable_types();
    ASSERT_FALSE(types.empty());
    for (DType type : types) {
        const int64_t bs = type_traits(type).block_size;
        for (int64_t cols : {bs, bs * 3, bs * 9}) {
            if (cols < 32) continue;
            const int64_t rows = 37;
            auto w = make_quant_matrix(type, cols, rows, 7);
            for (int64_t n_tok : {1, 3, 17}) {
                const auto x = test::random_floats(size_t(cols * n_tok), 11);
                std::vector<float> want(rows * n_tok);
                matmul_reference(w.m, x.data(), n_tok, want.data());
                for (int threads : {1, 2, 3}) {
                    ThreadPool pool(threads);
                    ActivationScratch scratch;
                    std::vector<float> got(rows * n_tok);
                    matmul(w.m, x.data(), n_tok, got.data(), pool, scratch);
                    for (size_t i = 0; i < got.size(); ++i)
                        ASSERT_NEAR(got[i], want[i], 0.02 * std::sqrt(double(cols)) * 0.6)
                            << dtype_name(type) << " cols=" << cols << " tokens=" << n_tok << " threads=" << threads;
                }
            }
        }
    }
}

// Several matrices in one dispatch give the same results as one at a time, bit for bit.
TEST(Matmul, FusedDispatchEqualsSeparate) {
    for (DType type : computable_types()) {
        const int64_t cols = type_traits(type).block_size * 8;
        if (cols < 32) continue;
        auto a = make_quant_matrix(type, cols, 19, 1), b = make_quant_matrix(type, cols, 40, 2);
        const auto x = test::random_floats(size_t(cols * 2), 3);
        ThreadPool pool(3);
        ActivationScratch scratch;
        std::vector<float> ya(19 * 2), yb(40 * 2), ya2(19 * 2), yb2(40 * 2);
        const MatmulOut outs[] = {{&a.m, ya.data(), 19}, {&b.m, yb.data(), 40}};
        matmul(outs, x.data(), cols, 2, pool, scratch);
        matmul(a.m, x.data(), 2, ya2.data(), pool, scratch);
        matmul(b.m, x.data(), 2, yb2.data(), pool, scratch);
        EXPECT_EQ(ya, ya2) << dtype_name(type);
        EXPECT_EQ(yb, yb2) << dtype_name(type);
    }
}

// Decode (one token) hands rows out in chunks to whichever thread asks: the result must not depend on the thread
// count or the schedule, bit for bit (matrices of 4k rows: several chunks per thread; 4k + 2: a tail).
TEST(Matmul, DecodeIsBitIdenticalForAnyThreadCount) {
    for (DType type : {DType::Q4_0, DType::Q8_0, DType::F16, DType::F32}) {
        const int64_t cols = 64;
        auto a = make_quant_matrix(type, cols, 4096, 5), b = make_quant_matrix(type, cols, 4098, 6);
        const auto x = test::random_floats(size_t(cols), 9);
        std::vector<float> first_a, first_b;
        for (int threads : {1, 2, 3, 4}) {
            ThreadPool pool(threads);
            ActivationScratch scratch;
            for (int rep = 0; rep < 3; ++rep) {
                std::vector<float> ya(4096), yb(4098);
                const MatmulOut outs[] = {{&a.m, ya.data(), 4096}, {&b.m, yb.data(), 4098}};
                matmul(outs, x.data(), cols, 1, pool, scratch);
                if (first_a.empty()) first_a = ya, first_b = yb;
                ASSERT_EQ(ya, first_a) << dtype_name(type) << " threads=" << threads;
                ASSERT_EQ(yb, first_b) << dtype_name(type) << " threads=" << threads;
            }
        }
    }
}

}  // namespace
}  // namespace locus
