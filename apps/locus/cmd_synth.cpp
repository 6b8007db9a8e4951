// locus synth: write a llama-family GGUF of a chosen shape with seeded random weights in any supported type,
// for speed tests. The weights carry no knowledge: never use such a model for quality figures.
#include <cmath>
#include <cstdio>
#include <fmt/format.h>

#include "commands.h"
#include "common.h"
#include "core/thread_pool.h"
#include "gguf/gguf.h"
#include "quant/types.h"

namespace locus::app {
namespace {

struct Shape { const char* name; int64_t embd, ff, layers, heads, heads_kv, vocab; };
constexpr Shape kShapes[] = {
    {"tiny", 256, 768, 4, 8, 4, 1024},
    {"1b", 2048, 5632, 22, 32, 4, 32000},     // TinyLlama-1.1B
    {"7b", 4096, 11008, 32, 32, 32, 32000},   // Llama-2-7B
    {"13b", 5120, 13824, 40, 40, 40, 32000},  // Llama-2-13B
    {"70b", 8192, 28672, 80, 64, 8, 32000},   // Llama-2-70B
};

struct SynthArgs {
    std::string out, shape = "1b", type = "q4_0", act = "silu";
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

int synth(SynthArgs a) {
    const Shape* base = nullptr;
    for (const Shape& s : kShapes)
        if (a.shape == s.name) base = &s;
    if (!base) {
        std::fprintf(stderr, "error: unknown shape '%s' (tiny, 1b, 7b, 13b, 70b)\n", a.shape.c_str());
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
    const TypeTraits* tt = nullptr;
    DType type = DType::F32;
    for (uint32_t id = 0; id < 64; ++id) {
        const TypeTraits* t = find_type_traits(id);
        if (t && a.type == t->name) { tt = t; type = DType(id); }
    }
    if (!tt || !tt->can_compute || !tt->from_float) {
        std::fprintf(stderr, "error: unknown or unsupported weight type '%s'\n", a.type.c_str());
        return 1;
    }
    if (s.embd % s.heads || s.heads % s.heads_kv || s.embd % tt->block_size || s.ff % tt->block_size) {
        std::fprintf(stderr, "error: shape %lld/%lld with %lld heads does not fit type %s (block %lld)\n",
                     (long long)s.embd, (long long)s.ff, (long long)s.heads, tt->name, (long long)tt->block_size);
        return 1;
    }

    gguf::Writer w;
    w.set("general.architecture", gguf::Value::make_string("llama"));
    w.set("general.name", gguf::Value::make_string(fmt::format("locus-synth-{}-{}", a.shape, tt->name)));
    w.set("llama.context_length", gguf::Value::make_u32(uint32_t(a.ctx)));
    w.set("llama.embedding_length", gguf::Value::make_u32(uint32_t(s.embd)));
    w.set("llama.block_count", gguf::Value::make_u32(uint32_t(s.layers)));
    w.set("llama.feed_forward_length", gguf::Value::make_u32(uint32_t(s.ff)));
    w.set("llama.attention.head_count", gguf::Value::make_u32(uint32_t(s.heads)));
    w.set("llama.attention.head_count_kv", gguf::Value::make_u32(uint32_t(s.heads_kv)));
    w.set("llama.rope.dimension_count", gguf::Value::make_u32(uint32_t(s.embd / s.heads)));
    w.set("llama.attention.layer_norm_rms_epsilon", gguf::Value::make_f32(1e-5f));
    w.set("locus.ffn_activation", gguf::Value::make_string(a.act));
    add_vocab(w, s.vocab);

    ThreadPool pool(a.threads > 0 ? a.threads : default_thread_count());
    uint64_t tensor_id = 0;
    auto add_matrix = [&](const std::string& name, int64_t cols, int64_t rows, DType t) -> Status {
        const uint64_t id = tensor_id++;
        const uint64_t seed = a.seed;
        return w.add_tensor_lazy(name, t, {cols, rows}, [&pool, cols, t, id, seed](uint8_t* dst, size_t size) {
            const TypeTraits& tr = type_traits(t);
            const size_t rb = row_bytes(tr, cols);
            const int64_t rows_here = int64_t(size / rb);
            const float amp = std::sqrt(3.0f / float(cols));  // uniform with variance 1/cols
            pool.parallel_for(rows_here, [&](int64_t b, int64_t e, int) {
                std::vector<float> row(cols);
                for (int64_t r = b; r < e; ++r) {
                    uint64_t st = mix(seed ^ mix(id * 0x100000001b3ull + uint64_t(r)));
                    for (int64_t c = 0; c < cols; ++c) {
                        st = mix(st);
                        row[c] = amp * (float(st >> 40) * (2.0f / 16777216.0f) - 1.0f);
                    }
                    tr.from_float(row.data(), dst + size_t(r) * rb, cols);
                }
            });
        });
    };
    auto add_ones = [&](const std::string& name, int64_t n) {
        std::vector<float> v(n, 1.0f);
        return w.add_tensor(name, DType::F32, {n}, v.data(), v.size() * 4);
    };
    const int64_t hd = s.embd / s.heads, kv = hd * s.heads_kv;
    Status st = add_matrix("token_embd.weight", s.embd, s.vocab, type);
    for (int64_t l = 0; st && l < s.layers; ++l) {
        const std::string p = fmt::format("blk.{}.", l);
        if (st) st = add_ones(p + "attn_norm.weight", s.embd);
        if (st) st = add_matrix(p + "attn_q.weight", s.embd, s.embd, type);
        if (st) st = add_matrix(p + "attn_k.weight", s.embd, kv, type);
        if (st) st = add_matrix(p + "attn_v.weight", s.embd, kv, type);
        if (st) st = add_matrix(p + "attn_output.weight", s.embd, s.embd, type);
        if (st) st = add_ones(p + "ffn_norm.weight", s.embd);
        if (st) st = add_matrix(p + "ffn_gate.weight", s.embd, s.ff, type);
        if (st) st = add_matrix(p + "ffn_up.weight", s.embd, s.ff, type);
        if (st) st = add_matrix(p + "ffn_down.weight", s.ff, s.embd, type);
    }
    if (st) st = add_ones("output_norm.weight", s.embd);
    if (st) st = add_matrix("output.weight", s.embd, s.vocab, type);
    if (st) st = w.write(a.out);
    if (!st) {
        std::fprintf(stderr, "error: %s\n", st.message().c_str());
        return 1;
    }
    std::fprintf(stderr, "synth: wrote %s (%s shape, %s, %lld layers, n_embd %lld, n_ff %lld)\n", a.out.c_str(),
                 a.shape.c_str(), tt->name, (long long)s.layers, (long long)s.embd, (long long)s.ff);
    return 0;
}

}  // namespace

Runner add_synth(CLI::App& app) {
    auto a = std::make_shared<SynthArgs>();
    CLI::App* c = app.add_subcommand("synth", "Write a model of a given shape with random weights (speed tests only)");
    c->add_option("-o,--output", a->out, "Output GGUF file")->required();
    c->add_option("--shape", a->shape, "tiny, 1b, 7b, 13b or 70b");
    c->add_option("--type", a->type, "Weight type: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_K, q5_K, q6_K");
    c->add_option("--act", a->act, "FFN activation: silu or relu")->check(CLI::IsMember({"silu", "relu"}));
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
