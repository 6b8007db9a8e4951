// Row-sparse FFN rows: the fast dots and the scalar twin against a masked double-precision reference, for each
// weight type and activation mode.
#include <gtest/gtest.h>

#include <cmath>

#include "cpu/matmul.h"
#include "cpu/sparse_rows.h"
#include "cpu_test_util.h"

namespace locus {
namespace {

TEST(SparseRows, MatchReferenceOnListedNeurons) {
    const int64_t E = 512, F = 96;
    const auto x = test::random_floats(size_t(E), 3);
    for (DType t : {DType::F32, DType::F16, DType::BF16, DType::Q8_0, DType::Q4_0, DType::Q4_K, DType::Q6_K}) {
        const TypeTraits& tt = type_traits(t);
        const auto gate = test::make_quant_matrix(t, E, F, 11);
        const auto up = test::make_quant_matrix(t, E, F, 12);
        std::vector<float> g_ref(static_cast<size_t>(F)), u_ref(static_cast<size_t>(F));
        matmul_reference(gate.m, x.data(), 1, g_ref.data());
        matmul_reference(up.m, x.data(), 1, u_ref.data());
        std::vector<uint8_t> xq(row_bytes(tt.vec_dot_type, E));
        type_traits(tt.vec_dot_type).from_float(x.data(), xq.data(), E);
        // Every third neuron, plus a run at the end (odd count).
        std::vector<int32_t> idx;
        for (int32_t i = 0; i < F; i += 3) idx.push_back(i);
        for (int32_t i = int32_t(F) - 5; i < F; ++i)
            if (i % 3) idx.push_back(i);
        for (FfnMode mode : {FfnMode::par, FfnMode::sym, FfnMode::seq}) {
            SparseRowsArgs a;
            a.mode = mode;
            a.gate = mode == FfnMode::seq ? nullptr : &gate.m;
            a.up = &up.m;
            a.x_gate = xq.data();
            a.x_up = xq.data();
            std::vector<float> h_fast(idx.size()), h_scalar(idx.size());
            sparse_ffn_rows(a, idx.data(), int64_t(idx.size()), h_fast.data(), false);
            sparse_ffn_rows(a, idx.data(), int64_t(idx.size()), h_scalar.data(), true);
            // The activations were quantised for the dot (Q8 for the quantised types): allow for that.
            const double tol = tt.is_quantized ? 0.05 : 1e-3;
            for (size_t j = 0; j < idx.size(); ++j) {
                const float g = g_ref[size_t(idx[j])], u = u_ref[size_t(idx[j])];
                const float ref = relu_ffn(mode, g, u);
                // Near the ReLU kink the sign may differ by the activation's rounding; the value is then tiny.
                const double scale = 1 + std::fabs(g) + std::fabs(u);
                EXPECT_NEAR(h_fast[j], ref, tol * scale * scale) << tt.name << " neuron " << idx[j];
                EXPECT_NEAR(h_fast[j], h_scalar[j], 1e-4 * scale * scale) << tt.name << " neuron " << idx[j];
            }
        }
    }
}

// Up's bias (opt) is added to the row products before the activation, by the fast dots and the scalar twin alike.
TEST(SparseRows, UpBiasGoesBeforeTheActivation) {
    const int64_t E = 288, F = 77;  // E: 9 blocks of 32, not a multiple of the 4-row kernels' reach
    const auto x = test::random_floats(size_t(E), 5);
    const auto bias = test::random_floats(size_t(F), 6, -6.0f, 6.0f);
    for (DType t : {DType::F32, DType::F16, DType::Q8_0, DType::Q4_0}) {
        const TypeTraits& tt = type_traits(t);
        const auto up = test::make_quant_matrix(t, E, F, 21);
        std::vector<float> u_ref(static_cast<size_t>(F));
        matmul_reference(up.m, x.data(), 1, u_ref.data());
        std::vector<uint8_t> xq(row_bytes(tt.vec_dot_type, E));
        type_traits(tt.vec_dot_type).from_float(x.data(), xq.data(), E);
        std::vector<int32_t> idx;
        for (int32_t i = 1; i < F; i += 2) idx.push_back(i);
        SparseRowsArgs a;
        a.mode = FfnMode::seq;
        a.up = &up.m;
        a.x_up = xq.data();
        a.up_bias = bias.data();
        std::vector<float> h_fast(idx.size()), h_scalar(idx.size());
        sparse_ffn_rows(a, idx.data(), int64_t(idx.size()), h_fast.data(), false);
        sparse_ffn_rows(a, idx.data(), int64_t(idx.size()), h_scalar.data(), true);
        const double tol = tt.is_quantized ? 0.05 : 1e-3;
        int flipped = 0;
        for (size_t j = 0; j < idx.size(); ++j) {
            const float u = u_ref[size_t(idx[j])], b = bias[size_t(idx[j])];
            flipped += (u > 0) != (u + b > 0);
            const double scale = 1 + std::fabs(u) + std::fabs(b);
            EXPECT_NEAR(h_fast[j], relu_ffn(FfnMode::seq, 0.0f, u + b), tol * scale) << tt.name << " neuron " << idx[j];
            EXPECT_NEAR(h_fast[j], h_scalar[j], 1e-4 * scale) << tt.name << " neuron " << idx[j];
        }
        EXPECT_GT(flipped, 0) << "the bias must change some neurons' sign";
    }
}

}  // namespace
}  // namespace locus
