// The sparse FFN of an OPT layer (LayerNorm with bias, ReLU(up x + b_up) without a gate, down with its bias)
// against a double-precision reference restricted to the predicted neurons: predictor mode for one token (decode)
// and several (prefill), for any thread count; oracle mode equals off.
#include <gtest/gtest.h>

#include <cmath>

#include "cpu/cpu_test_util.h"
#include "cpu/matmul.h"
#include "model/sparse_ffn.h"
#include "sparse_ffn_run.h"

namespace locus {
namespace {

struct OptLayer {
    std::vector<test::QuantMatrix> store;
    LayerWeights w;
};

OptLayer make_opt_layer(DType t, int64_t E, int64_t F, int64_t r, uint32_t seed) {
    OptLayer L;
    L.store.reserve(4);
    L.store.push_back(test::make_quant_matrix(t, E, F, seed + 1));
    L.store.push_back(test::make_quant_matrix(t, E, F, seed + 2));
    L.store.push_back(test::make_quant_matrix(DType::F32, E, r, seed + 3));
    L.store.push_back(test::make_quant_matrix(DType::F32, r, F, seed + 4));
    L.w.ffn_up = L.store[0].m;
    L.w.ffn_down_t = L.store[1].m;
    L.w.fc1 = L.store[2].m;
    L.w.fc2 = L.store[3].m;
    auto vec = [](int64_t n, uint32_t s, float lo, float hi) {
        const auto v = test::random_floats(size_t(n), s, lo, hi);
        return std::vector<float>(v.begin(), v.end());
    };
    L.w.ffn_norm = vec(E, seed + 5, 0.5f, 1.5f);
    L.w.ffn_norm_b = vec(E, seed + 6, -0.5f, 0.5f);
    // Up's bias large enough to change which neurons fire (the products are O(sqrt(E)) / 2 here).
    L.w.ffn_up_b = vec(F, seed + 7, -8.0f, 8.0f);
    L.w.ffn_down_b = vec(E, seed + 8, -1.0f, 1.0f);
    return L;
}

ModelSpec opt_spec(int64_t E, int64_t F) {
    ModelSpec spec;
    spec.arch = "opt";
    spec.n_embd = E;
    spec.n_ff = F;
    spec.norm = NormType::layer;
    spec.ffn_act = FfnActivation::relu;
    spec.ffn_mode = FfnMode::seq;
    spec.linear_biases = true;
    spec.sparse_file = true;
    spec.has_predictors = true;
    return spec;
}

std::vector<double> layer_norm_ref(const float* x, const LayerWeights& L, int64_t E, double eps) {
    double mean = 0, var = 0;
    for (int64_t i = 0; i < E; ++i) mean += x[i];
    mean /= double(E);
    for (int64_t i = 0; i < E; ++i) var += (x[i] - mean) * (x[i] - mean);
    var /= double(E);
    std::vector<double> y(static_cast<size_t>(E));
    for (int64_t i = 0; i < E; ++i)
        y[size_t(i)] = (x[i] - mean) / std::sqrt(var + eps) * L.ffn_norm[size_t(i)] + L.ffn_norm_b[size_t(i)];
    return y;
}

// Dequantised row r of m, as doubles.
std::vector<double> row_of(const Matrix& m, int64_t r) {
    std::vector<float> f(size_t(m.cols));
    type_traits(m.type).to_float(m.row(r), f.data(), m.cols);
    return {f.begin(), f.end()};
}

TEST(SparseFfnBias, OptLayerPredictorModeEqualsMaskedReference) {
    const int64_t E = 256, F = 203, r = 64;  // F odd: tails everywhere
    const ModelSpec spec = opt_spec(E, F);
    for (DType t : {DType::F32, DType::F16, DType::Q8_0, DType::Q4_0}) {
        const OptLayer L = make_opt_layer(t, E, F, r, 40 + uint32_t(t));
        for (int64_t T : {1, 5}) {
            const auto x0 = test::random_floats(size_t(T * E), 17);
            const SparseFfn ffn(spec, {SparseMode::Predictor, 0.0f});
            std::vector<float> first;
            std::vector<uint8_t> mask;
            for (int threads : {1, 2}) {
                auto [out, out_mask] = test::run_sparse_ffn(ffn, L.w, x0, T, threads);
                if (first.empty()) {
                    first = out;
                    mask = out_mask;
                } else {
                    ASSERT_EQ(out, first) << type_traits(t).name << ": thread counts differ";
                }
            }
            const TypeTraits& tt = type_traits(t);
            int64_t n_active = 0, n_bias_decided = 0;
            for (int64_t tok = 0; tok < T; ++tok) {
                const float* x = x0.data() + tok * E;
                // The predictor reads the residual before the norm (as upstream for opt).
                std::vector<float> h1(static_cast<size_t>(r)), logits(static_cast<size_t>(F));
                matmul_reference(L.w.fc1, x, 1, h1.data());
                for (float& v : h1) v = v > 0 ? v : 0;
                matmul_reference(L.w.fc2, h1.data(), 1, logits.data());
                const auto xn = layer_norm_ref(x, L.w, E, spec.norm_eps);
                std::vector<double> y(x, x + E);
                double scale = 0;
                for (int64_t i = 0; i < F; ++i) {
                    const bool m = mask[size_t(tok * F + i)];
                    if (std::fabs(logits[size_t(i)]) > 1e-2f) {
                        ASSERT_EQ(m, logits[size_t(i)] >= 0.0f) << "token " << tok << " neuron " << i;
                    }
                    if (!m) continue;
                    ++n_active;
                    const auto up = row_of(L.w.ffn_up, i);
                    double u = 0;
                    for (int64_t e = 0; e < E; ++e) u += up[size_t(e)] * xn[size_t(e)];
                    // Neurons the bias switches on or off: without it they would go the other way.
                    n_bias_decided += (u > 0) != (u + L.w.ffn_up_b[size_t(i)] > 0);
                    u += L.w.ffn_up_b[size_t(i)];
                    const double h = u > 0 ? u : 0;
                    const auto d = row_of(L.w.ffn_down_t, i);
                    for (int64_t e = 0; e < E; ++e) y[size_t(e)] += h * d[size_t(e)];
                    scale += h;
                }
                for (int64_t e = 0; e < E; ++e) y[size_t(e)] += L.w.ffn_down_b[size_t(e)];
                const double tol = (tt.is_quantized ? 0.02 : 1e-4) * (1 + scale);
                for (int64_t e = 0; e < E; ++e)
                    ASSERT_NEAR(first[size_t(tok * E + e)], y[size_t(e)], tol)
                        << tt.name << " tokens " << T << " token " << tok << " column " << e;
            }
            EXPECT_GT(n_active, 0);
            EXPECT_LT(n_active, T * F);
            EXPECT_GT(n_bias_decided, 0) << "the biases must matter for this test to mean anything";
        }
    }
}

TEST(SparseFfnBias, OptLayerOracleEqualsOff) {
    const int64_t E = 256, F = 203;
    ModelSpec spec = opt_spec(E, F);
    for (DType t : {DType::F32, DType::Q4_0}) {
        const OptLayer L = make_opt_layer(t, E, F, 64, 90);
        for (int64_t T : {1, 4}) {
            const auto x0 = test::random_floats(size_t(T * E), 23);
            std::vector<float> out[2];
            int k = 0;
            for (SparseMode m : {SparseMode::Oracle, SparseMode::Off})
                out[k++] = test::run_sparse_ffn(SparseFfn(spec, {m, 0.0f}), L.w, x0, T, 2).x;
            for (size_t i = 0; i < x0.size(); ++i)
                ASSERT_NEAR(out[0][i], out[1][i], 1e-4 * (1 + std::fabs(out[1][i]))) << type_traits(t).name;
        }
    }
}

}  // namespace
}  // namespace locus
