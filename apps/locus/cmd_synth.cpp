// locus synth: write a llama-family GGUF of a chosen shape with seeded random weights in any supported type,
// for speed tests. The weights carry no knowledge: never use such a model for quality figures.
//
// ReLU models (--act relu, and every --sparse one) get a controlled activation profile. Every token's residual
// carries a constant C in dimension 0 (the embeddings set it; no layer writes to it) and each layer's gate
// matrix is  G = gs * (b e0^T + A B)  with A (n_ff x k) of unit rows and B (k x n_embd, zero in column 0) random.
// So neuron i fires when b_i C + A_i . (B x) > 0, where A_i . (B x) is close to N(0, 1) over tokens (the
// residual stays near the embedding: attention and FFN outputs are scaled small), and b_i = Phi^-1(p_i) / C
// makes it fire with probability p_i, p a clipped power law (sparse/synthetic_profile.h) shuffled per layer.
// The predictor is built from the same structure: fc1 = [e0; B; -B; random rows], fc2 = [b', A, -A, 0], so
// fc2 . ReLU(fc1 . x) = b'_i C + A_i . (B x). With b' = b (--pred-precision 1) it has the gate's sign: exact up to
// quantisation. --pred-precision P < 1 raises b' to Phi^-1(p_i / P): every firing is still predicted (recall ~1)
// and neuron i is predicted active on p_i / P of the tokens, so precision is P, as trained predictors' (which reach
// about 0.8: docs/quality_report.md). In block-quantised predictors b' sits in a block of its own, A and -A in
// the blocks after it: sharing a block would round the small A entries to the large b's scale.
// --layer-spread S gives every layer its own profile (mean activity active * (1 + S c_l), c_l from -1 to 1 over
// the layers, in a shuffled order) and --alt-ffn-type T stores the FFN of every second (--alt-ffn-every N: Nth)
// layer in type T (as llama.cpp's Q4_K_M keeps some layers' FFN in more bits): layers then differ in value and
// cost per neuron, which is what the placement planner weighs. Sparse files carry each neuron's true firing probability
// (blk.N.ffn_act_count, F32) for the planner, as `locus sparsify` writes measured counts; --no-frequencies
// leaves them out (as upstream's files).
// --sparse writes the PowerInfer layout (PWRI magic, ffn_down_t, fc1/fc2); without it the same weight values
// go into a dense GGUF (ffn_down by output row) for llama.cpp and dense Locus. `locus profile` measures the
// profile a model really has.
//
// --arch opt writes OPT's layout (PowerInfer's converter's names and keys): learned positions (position_embd,
// context_length = positions + 2, OPT's offset), LayerNorms with weight and bias, biases on q/k/v/out, up and
// down, no gate, the head tied to token_embd. Norm weights and biases are random (not 1 and 0), so a forward
// pass that skips one of them is caught by the reference tests. Up carries the firing structure without the
// b_i column: b_i is up's bias, and up's rows are scaled for the LayerNorm (which divides by the residual's RMS)
// so that A_i . (B x) still decides firing; the predictor (unnormalised x, as upstream) is then close to exact.
#include <cmath>
#include <cstdio>
#include <fmt/format.h>

#include "commands.h"
#include "common.h"
#include "core/thread_pool.h"
#include "gguf/gguf.h"
#include "quant/types.h"
#include "sparse/synthetic_profile.h"
#include <algorithm>
#include <numeric>
#include <optional>
#include <random>

namespace locus::app {
namespace {

struct Shape { const char* name; int64_t embd, ff, layers, heads, heads_kv, vocab; };
constexpr Shape kShapes[] = {
    {"tiny", 256, 768, 4, 8, 4, 1024},
    {"1b", 2048, 5632, 22, 32, 4, 32000},     // TinyLlama-1.1B
    {"7b", 4096, 11008, 32, 32, 32, 32000},   // Llama-2-7B
    {"13b", 5120, 13824, 40, 40, 40, 32000},  // Llama-2-13B
    {"40b", 8192, 32768, 60, 128, 8, 65024},  // Falcon-40B
    {"70b", 8192, 28672, 80, 64, 8, 32000},   // Llama-2-70B
};

struct SynthArgs {
    std::string out, shape = "1b", type = "q4_0", act, pred_type, arch = "llama";
    bool sparse = false;
    ProfileShape profile;
    int64_t pred_rank = 0;
    double pred_precision = 1.0, layer_spread = 0.0;
    std::string alt_ffn_type;
    int64_t alt_ffn_every = 2;
    bool no_frequencies = false;
    int64_t embd = 0, ff = 0, layers = 0, heads = 0, heads_kv = 0, vocab = 0, ctx = 4096;
    uint64_t seed = 1;
    int threads = 0;
};

// splitmix64: a fast, well-mixed generator; one stream per (seed, tensor, row).
inline uint64_t mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// A SentencePiece-style vocabulary: <unk> <s> </s>, the 256 byte tokens, then letter strings with and
// without the word-start mark, so any text tokenizes.
void add_vocab(gguf::Writer& w, int64_t n_vocab) {
    std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
    std::vector<int32_t> types = {2, 3, 3};
    for (int b = 0; b < 256; ++b) {
        tokens.push_back(fmt::format("<0x{:02X}>", b));
        types.push_back(6);
    }
    const std::string mark = "\xe2\x96\x81";
    for (int len = 1; int64_t(tokens.size()) < n_vocab && len <= 4; ++len) {
        int64_t combos = 1;
        for (int i = 0; i < len; ++i) combos *= 26;
        for (int64_t c = 0; c < combos && int64_t(tokens.size()) < n_vocab; ++c) {
            std::string s;
            for (int64_t k = 0, v = c; k < len; ++k, v /= 26) s.insert(s.begin(), char('a' + v % 26));
            for (const std::string& piece : {mark + s, s}) {
                if (int64_t(tokens.size()) >= n_vocab) break;
                tokens.push_back(piece);
                types.push_back(1);
            }
        }
    }
    std::vector<float> scores(tokens.size());
    for (size_t i = 0; i < scores.size(); ++i) scores[i] = i < 259 ? 0.0f : -float(i);
    w.set("tokenizer.ggml.model", gguf::Value::make_string("llama"));
    w.set("tokenizer.ggml.tokens", gguf::Value::make_string_array(tokens));
    w.set("tokenizer.ggml.scores", gguf::Value::make_f32_array(scores));
    w.set("tokenizer.ggml.token_type", gguf::Value::make_i32_array(types));
    w.set("tokenizer.ggml.bos_token_id", gguf::Value::make_u32(1));
    w.set("tokenizer.ggml.eos_token_id", gguf::Value::make_u32(2));
    w.set("tokenizer.ggml.unknown_token_id", gguf::Value::make_u32(0));
}

// The type named `name` if synth can write it (known, computable, quantisable from floats).
std::optional<DType> computable_type(const std::string& name) {
    const std::optional<DType> t = find_type_by_name(name);
    if (!t) return std::nullopt;
    const TypeTraits& tr = type_traits(*t);
    return tr.can_compute && tr.from_float ? t : std::nullopt;
}

int synth(SynthArgs a) {
    const Shape* base = nullptr;
    for (const Shape& s : kShapes)
        if (a.shape == s.name) base = &s;
    if (!base) {
        std::fprintf(stderr, "error: unknown shape '%s' (tiny, 1b, 7b, 13b, 40b, 70b)\n", a.shape.c_str());
        return 1;
    }
    Shape s = *base;
    if (a.embd) s.embd = a.embd;
    if (a.ff) s.ff = a.ff;
    if (a.layers) s.layers = a.layers;
    if (a.heads) s.heads = a.heads;
    if (a.heads_kv) s.heads_kv = a.heads_kv;
    if (a.vocab) s.vocab = a.vocab;
    if (s.vocab < 259 + 26) {
        std::fprintf(stderr, "error: vocabulary must hold at least %d tokens\n", 259 + 26);
        return 1;
    }
    const std::optional<DType> type_found = computable_type(a.type);
    const DType type = type_found.value_or(DType::F32);
    const TypeTraits* tt = type_found ? &type_traits(type) : nullptr;
    if (!tt) {
        std::fprintf(stderr, "error: unknown or unsupported weight type '%s'\n", a.type.c_str());
        return 1;
    }
    if (s.embd % s.heads || s.heads % s.heads_kv || s.embd % tt->block_size || s.ff % tt->block_size) {
        std::fprintf(stderr, "error: shape %lld/%lld with %lld heads does not fit type %s (block %lld)\n",
                     (long long)s.embd, (long long)s.ff, (long long)s.heads, tt->name, (long long)tt->block_size);
        return 1;
    }

    const bool falcon = a.arch == "falcon", opt = a.arch == "opt";
    if (opt) s.heads_kv = s.heads;  // OPT has no grouped-query attention
    if (a.act.empty()) a.act = falcon ? "gelu" : opt ? "relu" : "silu";  // the architectures' usual activations
    const bool relu = a.sparse || a.act == "relu";
    const DType pred_type_default = type;
    DType pred_type = pred_type_default;
    if (!a.pred_type.empty()) {
        const std::optional<DType> pt = computable_type(a.pred_type);
        if (!pt) {
            std::fprintf(stderr, "error: unknown or unsupported predictor type '%s'\n", a.pred_type.c_str());
            return 1;
        }
        pred_type = *pt;
    }
    const int64_t pbs = type_traits(pred_type).block_size;
    int64_t rank = a.pred_rank > 0 ? a.pred_rank : std::max<int64_t>(s.embd / 4, 64);
    rank = (rank + pbs - 1) / pbs * pbs;
    if (a.sparse && s.embd % pbs) {
        std::fprintf(stderr, "error: n_embd %lld does not fit predictor type %s\n", (long long)s.embd,
                     type_traits(pred_type).name);
        return 1;
    }
    if (!(a.pred_precision > 0.0 && a.pred_precision <= 1.0)) {
        std::fprintf(stderr, "error: --pred-precision %g is outside (0, 1]\n", a.pred_precision);
        return 1;
    }
    if (!(a.layer_spread >= 0.0 && a.layer_spread < 1.0)) {
        std::fprintf(stderr, "error: --layer-spread %g is outside [0, 1)\n", a.layer_spread);
        return 1;
    }
    DType ffn_alt = type;
    if (!a.alt_ffn_type.empty()) {
        const std::optional<DType> at = computable_type(a.alt_ffn_type);
        const int64_t bs = at ? type_traits(*at).block_size : 1;
        if (!at || s.embd % bs || s.ff % bs) {
            std::fprintf(stderr, "error: unknown, unsupported or ill-fitting --alt-ffn-type '%s'\n",
                         a.alt_ffn_type.c_str());
            return 1;
        }
        ffn_alt = *at;
    }
    // Per layer firing probabilities (one profile per distinct layer activity; all layers alike without a spread).
    std::vector<std::shared_ptr<const std::vector<double>>> profiles(size_t(s.layers));
    if (relu) {
        std::vector<int64_t> order(size_t(s.layers));
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), std::mt19937_64(a.seed * 31 + 7));
        std::shared_ptr<const std::vector<double>> same;
        for (int64_t l = 0; l < s.layers; ++l) {
            ProfileShape ps = a.profile;
            if (a.layer_spread > 0 && s.layers > 1)
                ps.active *= 1.0 + a.layer_spread * (2.0 * double(order[size_t(l)]) / double(s.layers - 1) - 1.0);
            else if (same) {
                profiles[size_t(l)] = same;
                continue;
            }
            auto p = power_law_profile(s.ff, ps);
            if (!p) {
                std::fprintf(stderr, "error: layer %lld: %s\n", (long long)l, p.error().c_str());
                return 1;
            }
            profiles[size_t(l)] = same = std::make_shared<const std::vector<double>>(std::move(*p));
        }
    }

    gguf::Writer w;
    w.set_powerinfer(a.sparse);
    const std::string ap = a.arch + ".";
    w.set("general.architecture", gguf::Value::make_string(a.arch));
    w.set("general.name", gguf::Value::make_string(fmt::format("locus-synth-{}{}-{}{}", a.arch == "llama" ? "" : a.arch + "-", a.shape, tt->name,
                                                               a.sparse ? "-sparse" : relu ? "-relu" : "")));
    // OPT: the keys PowerInfer's converter writes (the activation and the epsilon are OPT's own, unwritten).
    const int64_t n_pos_rows = a.ctx + 2;
    w.set(ap + "context_length", gguf::Value::make_u32(uint32_t(opt ? n_pos_rows : a.ctx)));
    w.set(ap + "embedding_length", gguf::Value::make_u32(uint32_t(s.embd)));
    w.set(ap + "block_count", gguf::Value::make_u32(uint32_t(s.layers)));
    w.set(ap + "feed_forward_length", gguf::Value::make_u32(uint32_t(s.ff)));
    w.set(ap + "attention.head_count", gguf::Value::make_u32(uint32_t(s.heads)));
    if (!opt) {
        w.set(ap + "attention.head_count_kv", gguf::Value::make_u32(uint32_t(s.heads_kv)));
        w.set(ap + "rope.dimension_count", gguf::Value::make_u32(uint32_t(s.embd / s.heads)));
        w.set(ap + (falcon ? "attention.layer_norm_epsilon" : "attention.layer_norm_rms_epsilon"),
              gguf::Value::make_f32(1e-5f));
    }
    if (!opt || a.act != "relu") w.set("locus.ffn_activation", gguf::Value::make_string(relu ? "relu" : a.act));
    if (a.sparse) w.set("powerinfer.sparse_threshold", gguf::Value::make_f32(0.0f));
    if (relu) {
        w.set("locus.synth.active", gguf::Value::make_f32(float(a.profile.active)));
        w.set("locus.synth.hot_share", gguf::Value::make_f32(float(a.profile.hot_share)));
        w.set("locus.synth.hot_cover", gguf::Value::make_f32(float(a.profile.hot_cover)));
        w.set("locus.synth.layer_spread", gguf::Value::make_f32(float(a.layer_spread)));
        if (a.sparse) w.set("locus.synth.pred_precision", gguf::Value::make_f32(float(a.pred_precision)));
    }
    add_vocab(w, s.vocab);

    ThreadPool pool(a.threads > 0 ? a.threads : default_thread_count());
    const uint64_t seed = a.seed;
    const int64_t E = s.embd, F = s.ff;
    // Keys come from tensor names (the dense and sparse files of one seed hold the same values).
    auto key_of = [](const std::string& name) {
        uint64_t h = 0xcbf29ce484222325ull;
        for (char c : name) h = (h ^ uint8_t(c)) * 0x100000001b3ull;
        return h;
    };
    // Uniform in [-amp, amp) at (key, index): for tensors read in two layouts.
    auto unif_at = [seed](uint64_t key, uint64_t index, float amp) {
        const uint64_t v = mix(seed ^ mix(key ^ mix(index)));
        return amp * (float(v >> 40) * (2.0f / 16777216.0f) - 1.0f);
    };
    using RowFill = std::function<void(int64_t r, float* row)>;
    auto add_matrix = [&](const std::string& name, int64_t cols, int64_t rows, DType t, RowFill fill) -> Status {
        return w.add_tensor_lazy(name, t, {cols, rows}, [&pool, cols, t, fill](uint8_t* dst, size_t size) {
            const TypeTraits& tr = type_traits(t);
            const size_t rb = row_bytes(tr, cols);
            const int64_t rows_here = int64_t(size / rb);
            pool.parallel_for(rows_here, [&](int64_t b, int64_t e, int) {
                std::vector<float> row(cols);
                for (int64_t r = b; r < e; ++r) {
                    fill(r, row.data());
                    tr.from_float(row.data(), dst + size_t(r) * rb, cols);
                }
            });
        });
    };
    // Rows of uniform values with variance var (a sequential stream per row: fast).
    auto random_rows = [&](const std::string& name, int64_t cols, float var) -> RowFill {
        const uint64_t key = key_of(name);
        const float amp = std::sqrt(3.0f * var);
        return [key, cols, amp, seed](int64_t r, float* row) {
            uint64_t st = mix(seed ^ mix(key + uint64_t(r)));
            for (int64_t c = 0; c < cols; ++c) {
                st = mix(st);
                row[c] = amp * (float(st >> 40) * (2.0f / 16777216.0f) - 1.0f);
            }
        };
    };
    auto add_random = [&](const std::string& name, int64_t cols, int64_t rows, float var) {
        return add_matrix(name, cols, rows, type, random_rows(name, cols, var));
    };
    auto add_ones = [&](const std::string& name, int64_t n) {
        std::vector<float> v(n, 1.0f);
        return w.add_tensor(name, DType::F32, {n}, v.data(), v.size() * 4);
    };
    auto add_zeros = [&](const std::string& name, int64_t n) {
        std::vector<float> v(n, 0.0f);
        return w.add_tensor(name, DType::F32, {n}, v.data(), v.size() * 4);
    };
    // F32 vector of center + uniform [-amp, amp); element 0 stays `first` when given (dimension 0 carries C).
    // Values are keyed by `key` (default: the name), so a renamed tensor can keep them.
    auto add_vec = [&](const std::string& name, int64_t n, float center, float amp, std::optional<float> first = {},
                       const std::string& key = "") {
        std::vector<float> v(n);
        const uint64_t vkey = key_of(key.empty() ? name : key);
        for (int64_t i = 0; i < n; ++i) v[size_t(i)] = center + unif_at(vkey, uint64_t(i), amp);
        if (first) v[0] = *first;
        return w.add_tensor(name, DType::F32, {n}, v.data(), v.size() * 4);
    };
    // LayerNorm weight and bias: near 1 and 0 for the random models.
    auto add_layer_norm = [&](const std::string& prefix) {
        Status r = opt ? add_vec(prefix + ".weight", E, 1.0f, 0.1f) : add_ones(prefix + ".weight", E);
        if (r) r = opt ? add_vec(prefix + ".bias", E, 0.0f, 0.05f) : add_zeros(prefix + ".bias", E);
        return r;
    };

    // The activation structure of layer l (see the top of this file).
    constexpr float kC = 1.0f;
    // fc2's column 0 holds b'; A and -A start at column `off`: a block of their own in block-quantised predictors.
    const int64_t off = pbs > 1 && rank >= pbs + 2 ? pbs : 1;
    const int64_t k = std::min<int64_t>(32, (rank - off) / 2);
    // b[F] thresholds, bp[F] the predictor's (b' >= b), p[F] firing probabilities, A[F x k] unit rows,
    // B[k x E] with B[., 0] = 0.
    struct Structure { std::vector<float> b, bp, p, A, B; };
    auto structure = [&](int64_t l) {
        Structure st;
        std::vector<int32_t> perm(static_cast<size_t>(F));
        std::iota(perm.begin(), perm.end(), 0);
        std::mt19937_64 rng(seed * 7919 + uint64_t(l));
        std::shuffle(perm.begin(), perm.end(), rng);
        st.b.resize(size_t(F));
        st.bp.resize(size_t(F));
        st.p.resize(size_t(F));
        const std::vector<double>& profile = *profiles[size_t(l)];
        for (int64_t i = 0; i < F; ++i) {
            const double p = std::clamp(profile[size_t(perm[size_t(i)])], 1e-7, 1 - 1e-7);
            st.p[size_t(i)] = float(p);
            st.b[size_t(i)] = float(normal_quantile(p) / kC);
            st.bp[size_t(i)] = float(normal_quantile(std::min(p / a.pred_precision, 1 - 1e-7)) / kC);
        }
        const uint64_t ka = key_of(fmt::format("blk.{}.structure.A", l)), kb = key_of(fmt::format("blk.{}.structure.B", l));
        st.A.resize(size_t(F * k));
        for (int64_t i = 0; i < F; ++i) {
            double n2 = 0;
            for (int64_t j = 0; j < k; ++j) {
                const float v = unif_at(ka, uint64_t(i * k + j), 1.0f);
                st.A[size_t(i * k + j)] = v;
                n2 += double(v) * v;
            }
            for (int64_t j = 0; j < k; ++j) st.A[size_t(i * k + j)] /= float(std::sqrt(n2));
        }
        st.B.resize(size_t(k * E));
        for (int64_t j = 0; j < k; ++j)
            for (int64_t e = 1; e < E; ++e) st.B[size_t(j * E + e)] = unif_at(kb, uint64_t(j * E + e), std::sqrt(3.0f));
        return st;
    };
    // Attention and FFN outputs are kept small so the residual stays near the embedding (1e-3 of its
    // energy per block), which keeps A_i . (B x) close to N(0, 1) in every layer.
    const float out_var = 1e-3f / float(E);
    const float wo_var = relu ? out_var / float(E) : 1.0f / float(E);
    const float down_var = relu ? out_var / float(std::max(a.profile.active, 0.01) * double(F) * 0.5) : 1.0f / float(F);

    const int64_t hd = s.embd / s.heads, kv = hd * s.heads_kv;
    RowFill embd = random_rows("token_embd.weight", E, 1.0f / float(E));
    Status st = add_matrix("token_embd.weight", E, s.vocab, type, relu ? RowFill([embd](int64_t r, float* row) {
        embd(r, row);
        row[0] = kC;
    }) : embd);
    // OPT's learned positions, a quarter of the token embeddings' energy; nothing in dimension 0.
    const float pos_var = 0.25f / float(E);
    if (opt && st) {
        RowFill pos = random_rows("position_embd.weight", E, pos_var);
        st = add_matrix("position_embd.weight", E, n_pos_rows, type, [pos](int64_t r, float* row) {
            pos(r, row);
            row[0] = 0.0f;
        });
    }
    for (int64_t l = 0; st && l < s.layers; ++l) {
        const std::string p = fmt::format("blk.{}.", l);
        auto lay = relu ? std::make_shared<Structure>(structure(l)) : nullptr;
        const DType ft = l % a.alt_ffn_every == a.alt_ffn_every - 1 ? ffn_alt : type;  // this layer's FFN type
        // OPT: the positions add their energy to A_i . (B x) (variance 1 + E pos_var); the thresholds follow.
        if (opt && lay)
            for (auto* v : {&lay->b, &lay->bp})
                for (float& x : *v) x *= std::sqrt(1.0f + pos_var * float(E));
        if (falcon || opt) {
            if (st) st = add_layer_norm(p + "attn_norm");
        } else {
            if (st) st = add_ones(p + "attn_norm.weight", E);
        }
        if (falcon) {
            if (st) st = add_random(p + "attn_qkv.weight", E, E + 2 * kv, 1.0f / float(E));
        } else {
            if (st) st = add_random(p + "attn_q.weight", E, E, 1.0f / float(E));
            if (st) st = add_random(p + "attn_k.weight", E, kv, 1.0f / float(E));
            if (st) st = add_random(p + "attn_v.weight", E, kv, 1.0f / float(E));
        }
        if (opt) {
            if (st) st = add_vec(p + "attn_q.bias", E, 0.0f, 0.5f);
            if (st) st = add_vec(p + "attn_k.bias", kv, 0.0f, 0.5f);
            if (st) st = add_vec(p + "attn_v.bias", kv, 0.0f, 0.5f);
        }
        RowFill wo = random_rows(p + "attn_output.weight", E, wo_var);
        if (st) st = add_matrix(p + "attn_output.weight", E, E, type, relu ? RowFill([wo, E](int64_t r, float* row) {
            wo(r, row);
            if (r == 0) std::fill(row, row + E, 0.0f);
        }) : wo);
        // Output biases as large as the outputs themselves (nothing in dimension 0).
        const float out_amp = std::sqrt(3.0f * out_var);
        if (opt && st) st = add_vec(p + "attn_output.bias", E, 0.0f, out_amp, 0.0f);
        if (opt) {
            if (st) st = add_layer_norm(p + "ffn_norm");
        } else if (!falcon) {
            if (st) st = add_ones(p + "ffn_norm.weight", E);
        }
        // The profile lives in the matrix whose ReLU decides firing: the gate, or up when there is none (falcon,
        // opt). OPT: b_i moves to up's bias, and the scale is the residual's RMS (sqrt((C^2 + 1 + E pos_var) / E)),
        // which undoes the LayerNorm's division by it, so the pre-activation is close to A_i . (B x) + b_i.
        const std::string act_name = falcon || opt ? "ffn_up.weight" : "ffn_gate.weight";
        if (relu) {
            const float gs = opt ? std::sqrt((kC * kC + 1.0f + pos_var * float(E)) / float(E))
                                 : 1.0f / std::sqrt(float(E));
            if (st) st = add_matrix(p + act_name, E, F, ft, [lay, k, E, gs, opt](int64_t i, float* row) {
                std::fill(row, row + E, 0.0f);
                for (int64_t j = 0; j < k; ++j) {
                    const float aij = lay->A[size_t(i * k + j)];
                    const float* bj = lay->B.data() + j * E;
                    for (int64_t e = 0; e < E; ++e) row[e] += aij * bj[e];
                }
                row[0] = opt ? 0.0f : lay->b[size_t(i)];
                for (int64_t e = 0; e < E; ++e) row[e] *= gs;
            });
            if (opt && st) st = w.add_tensor(p + "ffn_up.bias", DType::F32, {F}, lay->b.data(), lay->b.size() * 4);
        } else {
            if (st) st = add_matrix(p + act_name, E, F, ft, random_rows(p + act_name, E, 1.0f / float(E)));
            if (opt && st) st = add_vec(p + "ffn_up.bias", F, 0.0f, 0.5f);
        }
        if (!falcon && !opt && st)
            st = add_matrix(p + "ffn_up.weight", E, F, ft, random_rows(p + "ffn_up.weight", E, 1.0f / float(E)));
        // Down: element (out e, neuron i) is the same value in either layout; nothing writes dimension 0.
        const uint64_t kd = key_of(p + "ffn_down");
        const float damp = std::sqrt(3.0f * down_var);
        if (a.sparse) {
            if (st) st = add_matrix(p + "ffn_down_t.weight", E, F, ft, [=](int64_t i, float* row) {
                for (int64_t e = 0; e < E; ++e) row[e] = unif_at(kd, uint64_t(e * F + i), damp);
                if (relu) row[0] = 0.0f;
            });
            // PowerInfer's converter renames the bias with its matrix (same values as the dense file's).
            if (opt && st) st = add_vec(p + "ffn_down_t.bias", E, 0.0f, out_amp, 0.0f, p + "ffn_down.bias");
            if (st) st = add_matrix(p + "fc1.weight", E, rank, pred_type, [=, rr = random_rows(p + "fc1.weight", E, 1.0f / float(E))](int64_t r, float* row) {
                if (r == 0) {
                    std::fill(row, row + E, 0.0f);
                    row[0] = 1.0f;
                } else if (r >= off && r < off + 2 * k) {
                    const int64_t j = (r - off) % k;
                    const float sign = r < off + k ? 1.0f : -1.0f;
                    for (int64_t e = 0; e < E; ++e) row[e] = sign * lay->B[size_t(j * E + e)];
                } else {
                    rr(r, row);
                }
            });
            if (st) st = add_matrix(p + "fc2.weight", rank, F, pred_type, [=](int64_t i, float* row) {
                std::fill(row, row + rank, 0.0f);
                row[0] = lay->bp[size_t(i)];
                for (int64_t j = 0; j < k; ++j) {
                    row[off + j] = lay->A[size_t(i * k + j)];
                    row[off + k + j] = -lay->A[size_t(i * k + j)];
                }
            });
            if (st && !a.no_frequencies)
                st = w.add_tensor(p + "ffn_act_count", DType::F32, {F}, lay->p.data(), lay->p.size() * 4);
        } else {
            if (st) st = add_matrix(p + "ffn_down.weight", F, E, ft, [=](int64_t e, float* row) {
                for (int64_t i = 0; i < F; ++i) row[i] = relu && e == 0 ? 0.0f : unif_at(kd, uint64_t(e * F + i), damp);
            });
            if (opt && st) st = add_vec(p + "ffn_down.bias", E, 0.0f, out_amp, 0.0f);
        }
    }
    if (opt) {
        if (st) st = add_layer_norm("output_norm");
    } else {
        if (st) st = add_ones("output_norm.weight", E);
        if (falcon && st) st = add_zeros("output_norm.bias", E);
    }
    // OPT ties the head to the token embeddings (no output.weight), as its checkpoints do.
    if (!opt && st) st = add_random("output.weight", E, s.vocab, 1.0f / float(E));
    if (st) st = w.write(a.out);
    if (!st) {
        std::fprintf(stderr, "error: %s\n", st.message().c_str());
        return 1;
    }
    std::fprintf(stderr, "synth: wrote %s (%s shape, %s, %lld layers, n_embd %lld, n_ff %lld%s)\n", a.out.c_str(),
                 a.shape.c_str(), tt->name, (long long)s.layers, (long long)s.embd, (long long)s.ff,
                 a.sparse ? fmt::format(", sparse, predictor rank {}", rank).c_str()
                          : relu ? ", relu" : "");
    return 0;
}

}  // namespace

Runner add_synth(CLI::App& app) {
    auto a = std::make_shared<SynthArgs>();
    CLI::App* c = app.add_subcommand("synth", "Write a model of a given shape with random weights (speed tests only)");
    c->add_option("-o,--output", a->out, "Output GGUF file")->required();
    c->add_option("--shape", a->shape, "tiny, 1b, 7b, 13b, 40b or 70b");
    c->add_option("--arch", a->arch,
                  "llama (gated FFN), falcon (LayerNorm, fused QKV, parallel blocks, no gate) or opt (LayerNorm, "
                  "learned positions, biases, ReLU without a gate, tied head)")
        ->check(CLI::IsMember({"llama", "falcon", "opt"}));
    c->add_option("--type", a->type, "Weight type: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_K, q5_K, q6_K");
    c->add_option("--act", a->act, "FFN activation: silu, gelu or relu (default silu; falcon gelu)")
        ->check(CLI::IsMember({"silu", "gelu", "relu"}));
    c->add_flag("--sparse", a->sparse, "Write a PowerInfer sparse file (PWRI: ffn_down_t, predictors); implies relu");
    c->add_option("--active", a->profile.active, "ReLU models: mean fraction of FFN neurons firing per token");
    c->add_option("--hot-share", a->profile.hot_share, "ReLU models: the hottest this share of neurons ...");
    c->add_option("--hot-cover", a->profile.hot_cover, "... covers this share of all firings (0.8: strong locality)");
    c->add_option("--pred-rank", a->pred_rank, "Predictor rank (default n_embd / 4; upstream ReluLLaMA-7B uses 1024-2048)");
    c->add_option("--pred-type", a->pred_type, "Predictor weight type (default: the weight type)");
    c->add_option("--pred-precision", a->pred_precision,
                  "Share of the predicted-active neurons that fire, recall staying 1 (default 1: exact up to "
                  "quantisation; trained predictors reach about 0.8)");
    c->add_option("--layer-spread", a->layer_spread,
                  "Layers' mean activity ranges over active * (1 +- S) (default 0: every layer alike)");
    c->add_option("--alt-ffn-type", a->alt_ffn_type,
                  "FFN weight type of every second layer (default: the weight type)");
    c->add_option("--alt-ffn-every", a->alt_ffn_every, "... of every Nth layer instead (layers N-1, 2N-1, ...)")
        ->check(CLI::PositiveNumber);
    c->add_flag("--no-frequencies", a->no_frequencies,
                "Sparse files: leave out the neurons' firing probabilities (blk.N.ffn_act_count)");
    c->add_option("--n-embd", a->embd, "Override the embedding width");
    c->add_option("--n-ff", a->ff, "Override the FFN width");
    c->add_option("--n-layer", a->layers, "Override the layer count");
    c->add_option("--n-head", a->heads, "Override the head count");
    c->add_option("--n-head-kv", a->heads_kv, "Override the KV head count");
    c->add_option("--n-vocab", a->vocab, "Override the vocabulary size");
    c->add_option("--ctx", a->ctx, "Context length written to the metadata");
    c->add_option("--seed", a->seed, "Random seed");
    c->add_option("-t,--threads", a->threads, "Threads");
    return [a] { return synth(*a); };
}

}  // namespace locus::app
