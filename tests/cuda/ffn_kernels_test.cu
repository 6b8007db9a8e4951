// Predictor, active-neuron selection and FFN activations against the CPU reference.
#include <cmath>

#include "cpu/activation.h"
#include "cuda/activation.h"
#include "cuda/predictor.h"
#include "cuda/select.h"
#include "harness.h"
#include "quant/types.h"

namespace locus::gputest {
namespace {

void check_select(int64_t n, int n_tokens, float thr) {
    const std::string shape = "n" + std::to_string(n) + " t" + std::to_string(n_tokens);
    const std::vector<float> logits = randn(size_t(n * n_tokens));
    std::vector<int32_t> ref;
    for (int64_t i = 0; i < n; ++i) {
        bool on = false;
        for (int t = 0; t < n_tokens; ++t) on |= logits[t * n + i] >= thr;
        if (on) ref.push_back(int32_t(i));
    }
    auto dl = to_device(logits);
    GT_TRY(dl, "select_active", "f32", shape);
    auto di = poisoned(size_t(n) * 4);
    GT_TRY(di, "select_active", "f32", shape);
    auto dc = poisoned(4);
    GT_TRY(dc, "select_active", "f32", shape);
    GT_TRY(cuda::select_active(dl->as<float>(), n_tokens, n, thr, di->as<int32_t>(), dc->as<int32_t>(), nullptr),
           "select_active", "f32", shape);
    auto idx = to_host<int32_t>(*di, size_t(n));
    GT_TRY(idx, "select_active", "f32", shape);
    auto count = to_host<int32_t>(*dc, 1);
    GT_TRY(count, "select_active", "f32", shape);
    int64_t wrong = std::abs(int64_t((*count)[0]) - int64_t(ref.size()));
    for (size_t j = 0; j < ref.size() && j < size_t(n); ++j) wrong += (*idx)[j] != ref[j];
    record("select_active", "f32", shape, double(wrong), 0.0,
           "error = wrong entries; " + std::to_string(ref.size()) + " selected");
}

void check_predictor(DType t1, DType t2, int64_t n_embd, int64_t rank, int64_t n_ff, int n_tokens) {
    const std::string type = std::string(dtype_name(t1)) + "/" + dtype_name(t2);
    const std::string shape = std::to_string(n_embd) + ">" + std::to_string(rank) + ">" + std::to_string(n_ff) + " t" +
                              std::to_string(n_tokens);
    auto make = [](DType t, int64_t rows, int64_t cols, std::vector<uint8_t>& bytes, std::vector<float>& deq) {
        const TypeTraits& tt = type_traits(t);
        const size_t rb = row_bytes(tt, cols);
        const std::vector<float> src = randn(size_t(rows * cols), 0.2f);
        bytes.resize(rb * rows);
        deq.resize(size_t(rows * cols));
        for (int64_t r = 0; r < rows; ++r) {
            tt.from_float(&src[r * cols], &bytes[r * rb], cols);
            tt.to_float(&bytes[r * rb], &deq[r * cols], cols);
        }
        return rb;
    };
    std::vector<uint8_t> b1, b2;
    std::vector<float> w1, w2;
    const size_t rb1 = make(t1, rank, n_embd, b1, w1), rb2 = make(t2, n_ff, rank, b2, w2);
    const std::vector<float> x = randn(size_t(n_tokens * n_embd));
    auto d1 = to_device(b1);
    GT_TRY(d1, "predictor", type, shape);
    auto d2 = to_device(b2);
    GT_TRY(d2, "predictor", type, shape);
    auto dx = to_device(x);
    GT_TRY(dx, "predictor", type, shape);
    auto dh = poisoned(size_t(n_tokens * rank) * 4);
    GT_TRY(dh, "predictor", type, shape);
    auto dl = poisoned(size_t(n_tokens * n_ff) * 4);
    GT_TRY(dl, "predictor", type, shape);
    cuda::PredictorArgs a;
    a.fc1 = {t1, rank, n_embd, rb1, d1->as<uint8_t>()};
    a.fc2 = {t2, n_ff, rank, rb2, d2->as<uint8_t>()};
    a.x = dx->as<float>();
    a.n_tokens = n_tokens;
    a.hidden = dh->as<float>();
    a.logits = dl->as<float>();
    GT_TRY(cuda::predictor_eval(a, nullptr), "predictor", type, shape);
    auto out = to_host<float>(*dl, size_t(n_tokens * n_ff));
    GT_TRY(out, "predictor", type, shape);
    std::vector<double> ref(size_t(n_tokens * n_ff));
    std::vector<double> h(static_cast<size_t>(rank));
    for (int t = 0; t < n_tokens; ++t) {
        for (int64_t r = 0; r < rank; ++r) {
            double s = 0;
            for (int64_t c = 0; c < n_embd; ++c) s += double(w1[r * n_embd + c]) * x[t * n_embd + c];
            h[r] = s > 0 ? s : 0;
        }
        for (int64_t i = 0; i < n_ff; ++i) {
            double s = 0;
            for (int64_t r = 0; r < rank; ++r) s += double(w2[i * rank + r]) * h[r];
            ref[t * n_ff + i] = s;
        }
    }
    record("predictor", type, shape, rel_l2(out->data(), ref.data(), ref.size()), 1e-5);
}

void check_activation(FfnActivation act, FfnMode mode, int64_t n) {
    static const char* kAct[] = {"silu", "relu", "gelu"};
    static const char* kMode[] = {"par", "sym", "seq"};
    const std::string type = std::string(kAct[int(act)]) + "/" + kMode[int(mode)], shape = "n" + std::to_string(n);
    const std::vector<float> gate = randn(size_t(n), 3.0f), up = randn(size_t(n), 3.0f);
    std::vector<float> ref_f(static_cast<size_t>(n));
    ffn_activate(act, mode, gate.data(), up.data(), ref_f.data(), n);  // the CPU kernel
    auto dg = to_device(gate);
    GT_TRY(dg, "ffn_activate", type, shape);
    auto du = to_device(up);
    GT_TRY(du, "ffn_activate", type, shape);
    auto dh = poisoned(size_t(n) * 4);
    GT_TRY(dh, "ffn_activate", type, shape);
    GT_TRY(cuda::ffn_activate(act, mode, mode == FfnMode::seq ? nullptr : dg->as<float>(), du->as<float>(),
                              dh->as<float>(), n, nullptr),
           "ffn_activate", type, shape);
    auto h = to_host<float>(*dh, size_t(n));
    GT_TRY(h, "ffn_activate", type, shape);
    const std::vector<double> ref(ref_f.begin(), ref_f.end());
    record("ffn_activate", type, shape, rel_l2(h->data(), ref.data(), ref.size()), 1e-6);
}

}  // namespace

void test_ffn_kernels() {
    check_select(11008 + 3, 1, 1.0f);
    check_select(28672, 3, 2.0f);
    check_select(100, 1, 10.0f);  // nothing selected
    check_predictor(DType::F16, DType::F16, 1184, 256, 2051, 1);
    check_predictor(DType::F16, DType::F16, 4096, 1024, 11008, 3);
    check_predictor(DType::Q8_0, DType::Q4_0, 1184, 96, 1027, 1);
    for (FfnActivation act : {FfnActivation::silu, FfnActivation::relu, FfnActivation::gelu})
        for (FfnMode mode : {FfnMode::par, FfnMode::sym, FfnMode::seq}) check_activation(act, mode, 11008 + 5);
}

}  // namespace locus::gputest
