// OPT end to end on synthetic models from `locus synth --arch opt`: the forward pass against a plain scalar
// reference written here from OPT's definition (pre-LayerNorm blocks, learned positions read at p + 2, biases on
// every projection, ReLU(up x + b) then down, tied head), the sparse modes against each other, `locus info`, and
// the errors of broken files and impossible requests.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "core/fp16.h"
#include "gguf/gguf.h"
#include "runtime/engine.h"
#include "runtime/session.h"
#include "logits_compare.h"
#include "synth_fixtures.h"
#include "test_util.h"

using locus::test::argmaxes;
using locus::test::max_rel_diff;

namespace locus {
namespace {

std::string synth(const std::string& name, const std::string& args) {
    return test::synth_tiny(name, "--arch opt " + args);
}

Expected<std::unique_ptr<Engine>> try_load(const std::string& path, SparseMode mode) {
    return test::try_load_engine(path, mode);
}

std::unique_ptr<Engine> load(const std::string& path, SparseMode mode) { return test::load_engine(path, mode); }

std::vector<int32_t> test_tokens(int n) {
    std::vector<int32_t> toks = {1};
    for (int i = 1; i < n; ++i) toks.push_back(int32_t(3 + (i * 37 + 11) % 900));
    return toks;
}




// ---- The reference: OPT's decoder in double, straight from the file's tensors -------------------------------

// A tensor of the file as doubles (any type the reader can dequantise), with its GGUF shape.
struct Tensor {
    std::vector<double> v;
    int64_t cols = 0, rows = 1;
};

Tensor get(const gguf::File& f, const std::string& name) {
    const gguf::TensorInfo* t = f.tensor(name);
    EXPECT_NE(t, nullptr) << name;
    Tensor r;
    if (!t) return r;
    r.cols = t->shape[0];
    r.rows = t->shape.size() > 1 ? t->shape[1] : 1;
    std::vector<float> tmp(size_t(r.cols * r.rows));
    const TypeTraits& tt = type_traits(t->type);
    const size_t rb = row_bytes(tt, r.cols);
    for (int64_t i = 0; i < r.rows; ++i) tt.to_float(t->data + size_t(i) * rb, tmp.data() + i * r.cols, r.cols);
    r.v.assign(tmp.begin(), tmp.end());
    return r;
}

std::vector<double> layer_norm_ref(const std::vector<double>& x, const Tensor& w, const Tensor& b, double eps) {
    const size_t n = x.size();
    double mean = 0, var = 0;
    for (double v : x) mean += v;
    mean /= double(n);
    for (double v : x) var += (v - mean) * (v - mean);
    var /= double(n);
    std::vector<double> y(n);
    for (size_t i = 0; i < n; ++i) y[i] = (x[i] - mean) / std::sqrt(var + eps) * w.v[i] + b.v[i];
    return y;
}

// y = W x + b for a [cols, rows] matrix stored by output row.
std::vector<double> linear(const Tensor& w, const std::vector<double>& x, const Tensor* b) {
    std::vector<double> y(size_t(w.rows));
    for (int64_t r = 0; r < w.rows; ++r) {
        double acc = b ? b->v[size_t(r)] : 0.0;
        for (int64_t c = 0; c < w.cols; ++c) acc += w.v[size_t(r * w.cols + c)] * x[size_t(c)];
        y[size_t(r)] = acc;
    }
    return y;
}

// What the reference may get wrong on purpose: a sensitivity check that the test can fail.
struct RefVariant {
    int64_t position_offset = 2;
    bool down_bias = true;
};

// Logits (n x n_vocab) of the tokens at positions 0..n-1. K and V are rounded to F16 as Locus's KV cache keeps
// them; everything else is double.
std::vector<float> reference_logits(const std::string& path, const std::vector<int32_t>& toks, RefVariant var = {}) {
    auto fo = gguf::File::open(path);
    EXPECT_TRUE(fo) << fo.error();
    const gguf::File& f = **fo;
    const int64_t E = *f.get_int("opt.embedding_length").value();
    const int64_t L = *f.get_int("opt.block_count").value();
    const int64_t H = *f.get_int("opt.attention.head_count").value();
    const int64_t hd = E / H;
    const double eps = 1e-5;  // nn.LayerNorm's default; PowerInfer's converter writes no epsilon for OPT
    const bool sparse = f.is_powerinfer();
    const Tensor tok = get(f, "token_embd.weight"), pos = get(f, "position_embd.weight");
    const int64_t n = int64_t(toks.size());

    std::vector<std::vector<double>> x(static_cast<size_t>(n), std::vector<double>(size_t(E)));
    for (int64_t t = 0; t < n; ++t)
        for (int64_t e = 0; e < E; ++e)
            x[size_t(t)][size_t(e)] = tok.v[size_t(toks[size_t(t)] * E + e)] + pos.v[size_t((t + var.position_offset) * E + e)];

    for (int64_t l = 0; l < L; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        const Tensor n1w = get(f, p + "attn_norm.weight"), n1b = get(f, p + "attn_norm.bias");
        const Tensor wq = get(f, p + "attn_q.weight"), bq = get(f, p + "attn_q.bias");
        const Tensor wk = get(f, p + "attn_k.weight"), bk = get(f, p + "attn_k.bias");
        const Tensor wv = get(f, p + "attn_v.weight"), bv = get(f, p + "attn_v.bias");
        const Tensor wo = get(f, p + "attn_output.weight"), bo = get(f, p + "attn_output.bias");
        const Tensor n2w = get(f, p + "ffn_norm.weight"), n2b = get(f, p + "ffn_norm.bias");
        const Tensor wu = get(f, p + "ffn_up.weight"), bu = get(f, p + "ffn_up.bias");
        const Tensor wd = get(f, p + (sparse ? "ffn_down_t.weight" : "ffn_down.weight"));
        const Tensor bd = get(f, p + (sparse ? "ffn_down_t.bias" : "ffn_down.bias"));
        std::vector<std::vector<double>> q(static_cast<size_t>(n)), k(static_cast<size_t>(n)), v(static_cast<size_t>(n));
        for (int64_t t = 0; t < n; ++t) {
            const auto a = layer_norm_ref(x[size_t(t)], n1w, n1b, eps);
            q[size_t(t)] = linear(wq, a, &bq);
            k[size_t(t)] = linear(wk, a, &bk);
            v[size_t(t)] = linear(wv, a, &bv);
            for (auto* kv : {&k[size_t(t)], &v[size_t(t)]})
                for (double& e : *kv) e = fp16_to_fp32(fp32_to_fp16(float(e)));
        }
        for (int64_t t = 0; t < n; ++t) {
            std::vector<double> att(static_cast<size_t>(E));
            for (int64_t h = 0; h < H; ++h) {
                std::vector<double> s(size_t(t + 1));
                double mx = -1e300, sum = 0;
                for (int64_t j = 0; j <= t; ++j) {
                    double d = 0;
                    for (int64_t i = 0; i < hd; ++i) d += q[size_t(t)][size_t(h * hd + i)] * k[size_t(j)][size_t(h * hd + i)];
                    s[size_t(j)] = d / std::sqrt(double(hd));
                    mx = std::max(mx, s[size_t(j)]);
                }
                for (double& e : s) sum += (e = std::exp(e - mx));
                for (int64_t j = 0; j <= t; ++j)
                    for (int64_t i = 0; i < hd; ++i) att[size_t(h * hd + i)] += s[size_t(j)] / sum * v[size_t(j)][size_t(h * hd + i)];
            }
            const auto o = linear(wo, att, &bo);
            for (int64_t e = 0; e < E; ++e) x[size_t(t)][size_t(e)] += o[size_t(e)];
            const auto m = layer_norm_ref(x[size_t(t)], n2w, n2b, eps);
            auto u = linear(wu, m, &bu);
            for (double& e : u) e = e > 0 ? e : 0;
            std::vector<double> d(size_t(E), 0.0);
            if (sparse) {  // ffn_down_t: row i is neuron i's output column
                for (int64_t i = 0; i < wd.rows; ++i)
                    for (int64_t e = 0; e < E; ++e) d[size_t(e)] += u[size_t(i)] * wd.v[size_t(i * E + e)];
            } else {
                d = linear(wd, u, nullptr);
            }
            for (int64_t e = 0; e < E; ++e) x[size_t(t)][size_t(e)] += d[size_t(e)] + (var.down_bias ? bd.v[size_t(e)] : 0.0);
        }
    }
    const Tensor onw = get(f, "output_norm.weight"), onb = get(f, "output_norm.bias");
    EXPECT_EQ(f.tensor("output.weight"), nullptr);  // tied head
    std::vector<float> out;
    for (int64_t t = 0; t < n; ++t) {
        const auto y = linear(tok, layer_norm_ref(x[size_t(t)], onw, onb, eps), nullptr);
        out.insert(out.end(), y.begin(), y.end());
    }
    return out;
}

// ---- Tests ------------------------------------------------------------------------------------------------

TEST(OptModel, ForwardMatchesScalarReference) {
    const auto toks = test_tokens(7);
    for (const char* args : {"--type f32 --n-layer 2", "--type f32 --n-layer 2 --sparse"}) {
        const std::string m = synth(std::string("opt-ref") + (std::string(args).find("sparse") != std::string::npos ? "-sparse" : ""), args);
        auto e = load(m, SparseMode::Off);
        ASSERT_TRUE(e);
        EXPECT_EQ(e->spec().arch, "opt");
        EXPECT_EQ(e->spec().positions, Positions::learned);
        EXPECT_EQ(e->spec().ffn_mode, FfnMode::seq);
        EXPECT_EQ(e->spec().ffn_act, FfnActivation::relu);  // from the architecture: the file does not say
        const auto ref = reference_logits(m, toks);
        const auto got = test::session_logits(*e, toks, false, 64);
        EXPECT_LT(max_rel_diff(got, ref), 1e-5) << args;
        EXPECT_EQ(argmaxes(got, e->spec().n_vocab), argmaxes(ref, e->spec().n_vocab)) << args;
        EXPECT_LT(max_rel_diff(test::session_logits(*e, toks, true, 64), ref), 1e-5) << args;
        // The comparison can fail: positions read without OPT's offset, or the down bias left out, are visible.
        EXPECT_GT(max_rel_diff(got, reference_logits(m, toks, {.position_offset = 0})), 1e-3) << args;
        EXPECT_GT(max_rel_diff(got, reference_logits(m, toks, {.down_bias = false})), 1e-4) << args;
    }
}

TEST(OptModel, OracleEqualsOffAndPredictorRunsOnSparseFile) {
    const std::string m = synth("opt-sparse-f32", "--type f32 --sparse");
    auto pred = load(m, SparseMode::Auto), oracle = load(m, SparseMode::Oracle), off = load(m, SparseMode::Off);
    ASSERT_TRUE(pred && oracle && off);
    EXPECT_TRUE(pred->spec().sparse_file);
    EXPECT_EQ(pred->sparsity().mode, SparseMode::Predictor);
    const auto toks = test_tokens(40);
    const auto a = test::session_logits(*off, toks, false, 64), b = test::session_logits(*oracle, toks, false, 64),
               c = test::session_logits(*pred, toks, false, 64);
    EXPECT_LT(max_rel_diff(b, a), 1e-4);
    EXPECT_EQ(argmaxes(a, off->spec().n_vocab), argmaxes(b, off->spec().n_vocab));
    // The synthetic predictor reads the residual before the LayerNorm: close to the true set, not exact.
    EXPECT_LT(max_rel_diff(c, a), 1e-2);
    EXPECT_LT(max_rel_diff(test::session_logits(*pred, toks, true, 64), c), 1e-4);  // batch == token by token

    // The profile synth asked for holds, and the predictor finds it.
    test::expect_default_synthetic_profile(*oracle, 0.9);
}

TEST(OptModel, DenseReluFileRunsOracleEqualToOff) {
    const std::string m = synth("opt-dense-f16", "--type f16");
    auto autom = load(m, SparseMode::Auto), off = load(m, SparseMode::Off);
    ASSERT_TRUE(autom && off);
    EXPECT_FALSE(autom->spec().sparse_file);
    EXPECT_EQ(autom->sparsity().mode, SparseMode::Oracle);  // ReLU without predictors
    const auto toks = test_tokens(24);
    const auto a = test::session_logits(*off, toks, false, 64), b = test::session_logits(*autom, toks, false, 64);
    EXPECT_LT(max_rel_diff(b, a), 1e-4);
    EXPECT_EQ(argmaxes(a, off->spec().n_vocab), argmaxes(b, off->spec().n_vocab));
    auto pred = try_load(m, SparseMode::Predictor);
    ASSERT_FALSE(pred);
    EXPECT_NE(pred.error().find("no activation predictors"), std::string::npos) << pred.error();
}

TEST(OptModel, InfoShowsTheArchitecture) {
    const std::string m = synth("opt-sparse-f32", "--type f32 --sparse");
    const auto r = test::run_command(test::locus_binary() + " info " + m);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    for (const char* want : {"model: arch opt, 4 layers", "context 4096", "learned positions (position_embd, offset 2)",
                             "ffn relu (no gate)", "layernorm eps 1e-05, biases, sparse file",
                             "predictors in every layer", "--sparse auto runs it as: predictor"})
        EXPECT_NE(r.output.find(want), std::string::npos) << want << "\n" << r.output;
}

// Rewrites `src` without tensor `drop` and with tensor `add` (a copy of `add_from`), then loads it.
std::string load_error_of_edit(const std::string& src, const std::string& drop, const std::string& add = "",
                               const std::string& add_from = "") {
    auto f = gguf::File::open(src);
    EXPECT_TRUE(f) << f.error();
    gguf::Writer w;
    w.set_powerinfer((*f)->is_powerinfer());
    for (const auto& [k, v] : (*f)->metadata()) w.set(k, v);
    for (const auto& t : (*f)->tensors()) {
        if (t.name != drop) {
            EXPECT_TRUE(w.add_tensor(t.name, t.type, t.shape, t.data, t.size_bytes));
        }
        if (!add.empty() && t.name == add_from) {
            EXPECT_TRUE(w.add_tensor(add, t.type, t.shape, t.data, t.size_bytes));
        }
    }
    const std::string out = test::temp_dir() + "/opt-edited.gguf";
    EXPECT_TRUE(w.write(out));
    auto e = try_load(out, SparseMode::Auto);
    return e ? std::string() : e.error();
}

TEST(OptModel, BrokenFilesAndImpossibleRequestsAreClearErrors) {
    const std::string m = synth("opt-sparse-f32", "--type f32 --sparse");
    for (const char* t : {"position_embd.weight", "blk.1.ffn_up.bias", "blk.0.ffn_down_t.bias", "blk.2.attn_output.bias",
                          "blk.3.ffn_norm.bias", "output_norm.bias"}) {
        const std::string err = load_error_of_edit(m, t);
        EXPECT_NE(err.find(std::string("missing tensor '") + t + "'"), std::string::npos) << t << ": " << err;
    }
    // A gate does not belong in OPT (its FFN is ReLU(up) then down).
    const std::string gate = load_error_of_edit(m, "", "blk.2.ffn_gate.weight", "blk.2.ffn_up.weight");
    EXPECT_NE(gate.find("'blk.2.ffn_gate.weight' does not fit architecture 'opt'"), std::string::npos) << gate;

    // A context longer than the learned position table.
    auto e = load(m, SparseMode::Auto);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->spec().n_ctx_train, 4096);  // synth's 4098 rows, less OPT's offset of 2
    auto s = Session::create(*e, {.n_ctx = 5000});
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().find("longer than the 4096 positions 'opt' has learned embeddings for"), std::string::npos)
        << s.error();

#ifndef LOCUS_HAVE_CUDA
    // A GPU request in a CPU build.
    EngineOptions o;
    o.model_path = m;
    o.n_threads = 1;
    o.gpu.vram_budget_gib = 4.0;
    auto g = Engine::load(o);
    ASSERT_FALSE(g);
    EXPECT_NE(g.error().find("built without CUDA"), std::string::npos) << g.error();
#endif
}

}  // namespace
}  // namespace locus
