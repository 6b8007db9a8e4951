// The sparse FFN block against a masked double-precision reference: for each weight type, activation mode,
// batch size (one token: the decode path; several: the prefill path) and thread count, the result equals the
// dense FFN restricted to the neurons the predictor chose; and it is bit-identical for any thread count.
#include <gtest/gtest.h>

#include <cmath>

#include "cpu/cpu_test_util.h"
#include "cpu/matmul.h"
#include "cpu/norm.h"
#include "cpu/sparse_rows.h"
#include "model/sparse_ffn.h"
#include "sparse_ffn_run.h"

namespace locus {
namespace {

struct Layer {
    std::vector<test::QuantMatrix> store;
    LayerWeights w;
};

// One PowerInfer-layout layer: gate, up, down_t in `t`, F16 predictors of rank r.
Layer make_layer(DType t, int64_t E, int64_t F, int64_t r, FfnMode mode, uint32_t seed) {
    Layer L;
    L.store.reserve(5);
    L.store.push_back(test::make_quant_matrix(t, E, F, seed + 1));
    L.store.push_back(test::make_quant_matrix(t, E, F, seed + 2));
    L.store.push_back(test::make_quant_matrix(t, E, F, seed + 3));
    L.store.push_back(test::make_quant_matrix(DType::F16, E, r, seed + 4));
    L.store.push_back(test::make_quant_matrix(DType::F16, r, F, seed + 5));
    if (mode != FfnMode::seq) L.w.ffn_gate = L.store[0].m;
    L.w.ffn_up = L.store[1].m;
    L.w.ffn_down_t = L.store[2].m;
    L.w.fc1 = L.store[3].m;
    L.w.fc2 = L.store[4].m;
    const auto norm = test::random_floats(static_cast<size_t>(E), seed + 6, 0.5f, 1.5f);
    L.w.ffn_norm.assign(norm.begin(), norm.end());
    return L;
}

struct Case {
    DType type;
    FfnMode mode;
    int64_t n_tok;
};

void check_case(const Case& c) {
    // F odd: no neuron count is a multiple of anything; above two of the single-token selection's slices of 512.
    const int64_t E = 256, F = 1203, r = 64;
    ModelSpec spec;
    spec.n_embd = E;
    spec.n_ff = F;
    spec.ffn_act = FfnActivation::relu;
    spec.ffn_mode = c.mode;
    spec.sparse_file = true;
    spec.has_predictors = true;
    const Layer L = make_layer(c.type, E, F, r, c.mode, 100 + uint32_t(c.type));
    const auto x0 = test::random_floats(static_cast<size_t>(c.n_tok * E), 7);
    // A threshold off zero so both sides of it occur.
    const FfnSparsity sp{SparseMode::Predictor, 0.05f};
    const SparseFfn ffn(spec, sp);

    std::vector<float> first;
    std::vector<uint8_t> mask;
    for (int threads : {1, 2, 3}) {
        auto [out, out_mask] = test::run_sparse_ffn(ffn, L.w, x0, c.n_tok, threads);
        if (first.empty()) {
            first = out;
            mask = out_mask;
        } else {
            ASSERT_EQ(out, first) << type_traits(c.type).name << ": " << threads << " threads differ from 1";
        }
    }

    // Reference, per token, in double from dequantised weights, over the predicted set.
    const TypeTraits& tt = type_traits(c.type);
    std::vector<float> row(static_cast<size_t>(E));
    int64_t n_active = 0;
    for (int64_t t = 0; t < c.n_tok; ++t) {
        const float* x = x0.data() + t * E;
        std::vector<float> xn(static_cast<size_t>(E)), h1(static_cast<size_t>(r)), logits(static_cast<size_t>(F));
        rms_norm(x, L.w.ffn_norm.data(), E, spec.norm_eps, xn.data());
        matmul_reference(L.w.fc1, x, 1, h1.data());
        for (float& v : h1) v = v > 0 ? v : 0;
        matmul_reference(L.w.fc2, h1.data(), 1, logits.data());
        std::vector<float> g(static_cast<size_t>(F)), u(static_cast<size_t>(F));
        if (c.mode != FfnMode::seq) matmul_reference(L.w.ffn_gate, xn.data(), 1, g.data());
        matmul_reference(L.w.ffn_up, xn.data(), 1, u.data());
        std::vector<double> y(x, x + E);
        double scale = 0;
        for (int64_t i = 0; i < F; ++i) {
            const bool m = mask[size_t(t * F + i)];
            // The predictor ran on the same weights: its choice may differ only right at the threshold.
            if (std::fabs(logits[size_t(i)] - sp.threshold) > 1e-2f) {
                ASSERT_EQ(m, logits[size_t(i)] >= sp.threshold) << "token " << t << " neuron " << i;
            }
            if (!m) continue;
            ++n_active;
            const double h = relu_ffn(c.mode, g[size_t(i)], u[size_t(i)]);
            tt.to_float(L.w.ffn_down_t.row(i), row.data(), E);
            for (int64_t e = 0; e < E; ++e) y[size_t(e)] += h * row[size_t(e)];
            scale += std::fabs(h);
        }
        // Quantised types also quantise the activations for their dots (about 1% per product).
        const double tol = (tt.is_quantized ? 0.02 : 1e-4) * (1 + scale);
        for (int64_t e = 0; e < E; ++e)
            ASSERT_NEAR(first[size_t(t * E + e)], y[size_t(e)], tol)
                << tt.name << " mode " << int(c.mode) << " token " << t << " column " << e;
    }
    // The test is only meaningful if the predictor left some neurons out and kept others.
    EXPECT_GT(n_active, 0);
    EXPECT_LT(n_active, c.n_tok * F);
}

TEST(SparseFfn, PredictorModeEqualsMaskedReference) {
    for (DType t : {DType::F32, DType::F16, DType::BF16, DType::Q8_0, DType::Q4_0, DType::Q4_K})
        for (FfnMode m : {FfnMode::par, FfnMode::sym, FfnMode::seq})
            for (int64_t n_tok : {1, 5})
                check_case({t, m, n_tok});
}

// Oracle mode is exact: the same FFN output as the dense computation (off) up to rounding.
TEST(SparseFfn, OracleEqualsOff) {
    const int64_t E = 256, F = 203;
    ModelSpec spec;
    spec.n_embd = E;
    spec.n_ff = F;
    spec.ffn_act = FfnActivation::relu;
    spec.sparse_file = true;
    for (DType t : {DType::F32, DType::F16, DType::Q4_0, DType::Q4_K}) {
        const Layer L = make_layer(t, E, F, 64, FfnMode::par, 300);
        for (int64_t n_tok : {1, 4}) {
            const auto x0 = test::random_floats(static_cast<size_t>(n_tok * E), 9);
            std::vector<float> out[2];
            int k = 0;
            for (SparseMode m : {SparseMode::Oracle, SparseMode::Off})
                out[k++] = test::run_sparse_ffn(SparseFfn(spec, {m, 0.0f}), L.w, x0, n_tok, 2).x;
            for (size_t i = 0; i < x0.size(); ++i)
                ASSERT_NEAR(out[0][i], out[1][i], 1e-4 * (1 + std::fabs(out[1][i]))) << type_traits(t).name;
        }
    }
}

}  // namespace
}  // namespace locus
