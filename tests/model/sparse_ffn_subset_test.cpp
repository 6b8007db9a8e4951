// SparseFfn::forward_subset, the CPU half of a hybrid step: for a neuron subset and its complement, the two
// partial outputs add up to the full FFN output of forward(), in every sparse mode, for one token and several;
// predictor logits handed in give the same result as the predictor computed inside; an empty subset gives zero.
#include <gtest/gtest.h>

#include <cmath>

#include "cpu/cpu_test_util.h"
#include "cpu/matmul.h"
#include "cpu/norm.h"
#include "model/sparse_ffn.h"

namespace locus {
namespace {

struct Layer {
    std::vector<test::QuantMatrix> store;
    LayerWeights w;
};

Layer make_layer(DType t, int64_t E, int64_t F, int64_t r, uint32_t seed) {
    Layer L;
    L.store.reserve(5);
    L.store.push_back(test::make_quant_matrix(t, E, F, seed + 1));
    L.store.push_back(test::make_quant_matrix(t, E, F, seed + 2));
    L.store.push_back(test::make_quant_matrix(t, E, F, seed + 3));
    L.store.push_back(test::make_quant_matrix(DType::F16, E, r, seed + 4));
    L.store.push_back(test::make_quant_matrix(DType::F16, r, F, seed + 5));
    L.w.ffn_gate = L.store[0].m;
    L.w.ffn_up = L.store[1].m;
    L.w.ffn_down_t = L.store[2].m;
    L.w.fc1 = L.store[3].m;
    L.w.fc2 = L.store[4].m;
    const auto norm = test::random_floats(static_cast<size_t>(E), seed + 6, 0.5f, 1.5f);
    L.w.ffn_norm.assign(norm.begin(), norm.end());
    return L;
}

constexpr int64_t E = 256, F = 1203, R = 64;  // F: above two of the single-token selection's slices of 512

ModelSpec make_spec() {
    ModelSpec spec;
    spec.n_embd = E;
    spec.n_ff = F;
    spec.ffn_act = FfnActivation::relu;
    spec.ffn_mode = FfnMode::par;
    spec.sparse_file = true;
    spec.has_predictors = true;
    return spec;
}

// FFN(x) of the neurons in `allowed` (all when null), per token, through forward or forward_subset.
std::vector<float> ffn_out(const SparseFfn& ffn, const Layer& L, const ModelSpec& spec, const std::vector<float>& x0,
                           int64_t T, const uint8_t* allowed, bool subset, const float* logits = nullptr) {
    ThreadPool pool(2);
    ForwardScratch s;
    s.x.resize(x0.size());
    std::copy(x0.begin(), x0.end(), s.x.data());
    if (!subset) {
        ffn.forward(L.w, 0, T, pool, s);
        std::vector<float> y(x0.size());
        for (size_t i = 0; i < y.size(); ++i) y[i] = s.x[i] - x0[i];
        return y;
    }
    s.cur.resize(T * E);
    for (int64_t t = 0; t < T; ++t) rms_norm(s.x.data() + t * E, L.w.ffn_norm.data(), E, spec.norm_eps, s.cur.data() + t * E);
    ffn.forward_subset(L.w, 0, T, pool, s, allowed, logits);
    return std::vector<float>(s.cur.data(), s.cur.data() + T * E);
}

TEST(SparseFfnSubset, HalvesAddUpToTheWhole) {
    const ModelSpec spec = make_spec();
    std::vector<uint8_t> hot(F), cold(F);
    for (int64_t i = 0; i < F; ++i) hot[size_t(i)] = (i * 7919 % 5) < 2;  // about 40%, scattered
    for (int64_t i = 0; i < F; ++i) cold[size_t(i)] = !hot[size_t(i)];
    for (DType t : {DType::F32, DType::F16, DType::Q4_0}) {
        const Layer L = make_layer(t, E, F, R, 500 + uint32_t(t));
        for (SparseMode m : {SparseMode::Predictor, SparseMode::Oracle, SparseMode::Off}) {
            const SparseFfn ffn(spec, {m, 0.05f});
            for (int64_t T : {1, 5}) {
                const auto x0 = test::random_floats(static_cast<size_t>(T * E), 11);
                const auto whole = ffn_out(ffn, L, spec, x0, T, nullptr, false);
                const auto a = ffn_out(ffn, L, spec, x0, T, hot.data(), true);
                const auto b = ffn_out(ffn, L, spec, x0, T, cold.data(), true);
                // Equal up to summation order (the halves may take the dense or the row-sparse kernels).
                double norm = 0, diff = 0;
                for (size_t i = 0; i < whole.size(); ++i) {
                    norm += double(whole[i]) * whole[i];
                    const double d = double(a[i]) + b[i] - whole[i];
                    diff += d * d;
                }
                ASSERT_GT(norm, 0.0);
                EXPECT_LT(std::sqrt(diff / norm), 2e-5) << type_traits(t).name << " mode " << int(m) << " T " << T;
            }
        }
    }
}

TEST(SparseFfnSubset, GivenLogitsEqualComputedOnesAndEmptySubsetIsZero) {
    const ModelSpec spec = make_spec();
    const Layer L = make_layer(DType::F16, E, F, R, 700);
    const SparseFfn ffn(spec, {SparseMode::Predictor, 0.05f});
    std::vector<uint8_t> all(F, 1), none(F, 0);
    for (int64_t T : {1, 3}) {
        const auto x0 = test::random_floats(static_cast<size_t>(T * E), 13);
        // The predictor's logits, as the GPU (or the hybrid hook) would hand them over.
        ThreadPool pool(1);
        ActivationScratch act;
        std::vector<float> h(size_t(T * R)), logits(size_t(T * F));
        matmul(L.w.fc1, x0.data(), T, h.data(), pool, act);
        for (float& v : h) v = v > 0 ? v : 0;
        matmul(L.w.fc2, h.data(), T, logits.data(), pool, act);
        const auto inside = ffn_out(ffn, L, spec, x0, T, all.data(), true);
        const auto given = ffn_out(ffn, L, spec, x0, T, all.data(), true, logits.data());
        ASSERT_EQ(inside, given);
        const auto zero = ffn_out(ffn, L, spec, x0, T, none.data(), true, logits.data());
        for (float v : zero) ASSERT_EQ(v, 0.0f);
    }
}

}  // namespace
}  // namespace locus
