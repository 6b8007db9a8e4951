#include "model/llama_model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fmt/format.h>

#include "core/fp16.h"
#include "cpu/activation.h"
#include "cpu/attention.h"
#include "cpu/bias.h"
#include "cpu/norm.h"
#include "model/forward_hooks.h"

namespace locus {

LlamaModel::LlamaModel(const ModelSpec& spec, const ModelWeights& weights, FfnSparsity sparsity)
    : spec_(spec), w_(weights), sparsity_(sparsity), sparse_ffn_(spec, sparsity) {
    sparse_path_ = sparsity.mode != SparseMode::Off || spec.sparse_file;
    rope_.style = spec.rope_style;
    rope_.head_dim = spec.head_dim;
    rope_.rope_dims = spec.rope_dims;
    rope_.freq_base = spec.rope_freq_base;
    rope_.freq_scale = spec.rope_freq_scale;
}

Status LlamaModel::forward(const Batch& batch, KvCache& kv, float* logits, ThreadPool& pool,
                           ForwardScratch& s) const {
    const int64_t T = batch.size();
    if (T == 0) return Status::ok();
    for (int64_t t = 0; t < T; ++t) {
        if (batch.tokens[t] < 0 || batch.tokens[t] >= spec_.n_vocab)
            return Status::error(fmt::format("token id {} is outside the vocabulary (0..{})", batch.tokens[t],
                                             spec_.n_vocab - 1));
        if (batch.seq[t] < 0 || batch.seq[t] >= kv.n_seq())
            return Status::error(fmt::format("sequence id {} is outside 0..{}", batch.seq[t], kv.n_seq() - 1));
        if (batch.pos[t] < 0 || batch.pos[t] >= kv.n_ctx())
            return Status::error(fmt::format("position {} is outside the context of {} tokens", batch.pos[t],
                                             kv.n_ctx()));
        if (spec_.positions == Positions::learned && batch.pos[t] >= spec_.n_ctx_train)
            return Status::error(fmt::format("position {} is beyond the {} positions '{}' has learned embeddings for",
                                             batch.pos[t], spec_.n_ctx_train, spec_.arch));
    }
    const int64_t E = spec_.n_embd, F = spec_.n_ff;
    s.x.resize(T * E);
    s.cur.resize(T * E);
    s.q.resize(T * spec_.q_dim());
    s.k.resize(T * spec_.kv_dim());
    s.v.resize(T * spec_.kv_dim());
    s.attn.resize(T * spec_.q_dim());
    s.attn_out.resize(T * E);
    s.gate.resize(T * F);
    s.up.resize(T * F);
    s.hidden.resize(T * F);
    s.scores.resize(size_t(pool.size()) * kv.n_ctx());

    if (s.counts) s.counts->begin_pass(spec_.n_layer, F, T);
    embed(batch, s.x.data());
    ForwardHooks* hooks = s.hooks;
    if (hooks && hooks->resident_layers(T)) {
        LOCUS_TRY(hooks->run_resident(batch, pool, s, logits));
        if (!hooks->device_output_head()) output_head(batch, logits, pool, s);
        s.ffn_stats.tokens += T;
        return Status::ok();
    }
    const int64_t n_cpu_layers = hooks ? std::min(spec_.n_layer, hooks->first_device_layer()) : spec_.n_layer;
    for (int64_t l = 0; l < n_cpu_layers; ++l) {
        if (hooks && hooks->attention_on_device(l)) LOCUS_TRY(hooks->attention(l, batch, s));
        else attention_block(l, batch, kv, pool, s);
        // Sequential blocks: the attention output joins the residual before the FFN; parallel (falcon): the FFN
        // reads the layer input too, and both outputs are added after it.
        if (!spec_.parallel_block)
            for (int64_t i = 0; i < T * E; ++i) s.x[i] += s.attn_out[i];
        const auto t0 = std::chrono::steady_clock::now();
        if (hooks && hooks->ffn_on_device(l)) LOCUS_TRY(hooks->ffn(l, T, pool, s));
        else if (sparse_path_) sparse_ffn_.forward(w_.layers[l], l, T, pool, s);
        else ffn_block(l, T, pool, s);
        s.ffn_stats.ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        if (spec_.parallel_block)
            for (int64_t i = 0; i < T * E; ++i) s.x[i] += s.attn_out[i];
    }
    if (hooks && (n_cpu_layers < spec_.n_layer || hooks->device_output_head()))
        LOCUS_TRY(hooks->run_device_tail(batch, s.x.data(), logits));
    if (!hooks || !hooks->device_output_head()) output_head(batch, logits, pool, s);
    s.ffn_stats.tokens += T;
    return Status::ok();
}

void LlamaModel::norm(const float* x, const std::vector<float>& w, const std::vector<float>& b, float* y) const {
    if (spec_.norm == NormType::layer)
        layer_norm(x, w.data(), b.empty() ? nullptr : b.data(), spec_.n_embd, spec_.norm_eps, y);
    else
        rms_norm(x, w.data(), spec_.n_embd, spec_.norm_eps, y);
}

void LlamaModel::embed(const Batch& batch, float* x) const {
    const int64_t E = spec_.n_embd;
    const TypeTraits& tt = type_traits(w_.tok_embd.type);
    for (int64_t t = 0; t < batch.size(); ++t) tt.to_float(w_.tok_embd.row(batch.tokens[t]), x + t * E, E);
    if (spec_.positions != Positions::learned) return;
    const TypeTraits& pt = type_traits(w_.pos_embd.type);
    std::vector<float> row(static_cast<size_t>(E));
    for (int64_t t = 0; t < batch.size(); ++t) {
        pt.to_float(w_.pos_embd.row(batch.pos[t] + spec_.position_offset), row.data(), E);
        for (int64_t i = 0; i < E; ++i) x[t * E + i] += row[size_t(i)];
    }
}

void LlamaModel::attention_block(int64_t l, const Batch& batch, KvCache& kv, ThreadPool& pool,
                                 ForwardScratch& s) const {
    const LayerWeights& L = w_.layers[l];
    const int64_t T = batch.size(), E = spec_.n_embd, Q = spec_.q_dim(), KV = spec_.kv_dim();
    const int64_t hd = spec_.head_dim;

    for (int64_t t = 0; t < T; ++t) norm(s.x.data() + t * E, L.attn_norm, L.attn_norm_b, s.cur.data() + t * E);
    // s.cur stays the FFN input of a parallel block; falcon-40B normalises the attention input separately.
    const float* att_in = s.cur.data();
    if (!L.attn_norm_2.empty()) {
        s.attn_in.resize(T * E);
        for (int64_t t = 0; t < T; ++t)
            norm(s.x.data() + t * E, L.attn_norm_2, L.attn_norm_2_b, s.attn_in.data() + t * E);
        att_in = s.attn_in.data();
    }
    if (L.wqkv.present()) {
        const int64_t W = Q + 2 * KV;
        s.qkv.resize(T * W);
        const MatmulOut o[] = {{&L.wqkv, s.qkv.data(), W}};
        matmul(o, att_in, E, T, pool, s.act);
        for (int64_t t = 0; t < T; ++t) {
            const float* r = s.qkv.data() + t * W;
            std::copy(r, r + Q, s.q.data() + t * Q);
            std::copy(r + Q, r + Q + KV, s.k.data() + t * KV);
            std::copy(r + Q + KV, r + W, s.v.data() + t * KV);
        }
    } else {
        const MatmulOut qkv[] = {{&L.wq, s.q.data(), Q}, {&L.wk, s.k.data(), KV}, {&L.wv, s.v.data(), KV}};
        matmul(qkv, att_in, E, T, pool, s.act);
    }

    // Biases, RoPE, and the new keys/values into the cache (F16).
    pool.parallel_for(T, [&](int64_t b, int64_t e, int) {
        for (int64_t t = b; t < e; ++t) {
            float* q = s.q.data() + t * Q;
            float* k = s.k.data() + t * KV;
            float* v = s.v.data() + t * KV;
            if (!L.bq.empty()) for (int64_t i = 0; i < Q; ++i) q[i] += L.bq[i];
            if (!L.bk.empty()) for (int64_t i = 0; i < KV; ++i) k[i] += L.bk[i];
            if (!L.bv.empty()) for (int64_t i = 0; i < KV; ++i) v[i] += L.bv[i];
            if (spec_.positions == Positions::rope) {
                rope(rope_, q, spec_.n_head, batch.pos[t]);
                rope(rope_, k, spec_.n_head_kv, batch.pos[t]);
            }
            uint16_t* kc = kv.k(batch.seq[t], l) + int64_t(batch.pos[t]) * KV;
            uint16_t* vc = kv.v(batch.seq[t], l) + int64_t(batch.pos[t]) * KV;
            for (int64_t i = 0; i < KV; ++i) {
                kc[i] = fp32_to_fp16(k[i]);
                vc[i] = fp32_to_fp16(v[i]);
            }
        }
    });

    // Each (token, head) attends over its sequence's positions 0..pos (causal).
    const AttendFn attend = attend_head_best();
    const int64_t group = spec_.n_head / spec_.n_head_kv;
    const float scale = 1.0f / std::sqrt(float(hd));
    // Causal attention costs grow with the position, so units are dealt round-robin rather than in ranges.
    pool.run([&](int tid, int nth) {
        float* scores = s.scores.data() + int64_t(tid) * kv.n_ctx();
        for (int64_t u = tid; u < T * spec_.n_head; u += nth) {
            const int64_t t = u / spec_.n_head, h = u % spec_.n_head, g = h / group;
            HeadAttention a;
            a.q = s.q.data() + t * Q + h * hd;
            a.k = kv.k(batch.seq[t], l) + g * hd;
            a.v = kv.v(batch.seq[t], l) + g * hd;
            a.kv_stride = KV;
            a.n_kv = int64_t(batch.pos[t]) + 1;
            a.head_dim = hd;
            a.scale = scale;
            a.out = s.attn.data() + t * Q + h * hd;
            a.scores = scores;
            attend(a);
        }
    });

    const MatmulOut o[] = {{&L.wo, s.attn_out.data(), E}};
    matmul(o, s.attn.data(), Q, T, pool, s.act);
    add_bias_rows(L.bo, T, s.attn_out.data());
}

void LlamaModel::ffn_block(int64_t l, int64_t T, ThreadPool& pool, ForwardScratch& s) const {
    const LayerWeights& L = w_.layers[l];
    const int64_t E = spec_.n_embd, F = spec_.n_ff;
    if (!spec_.parallel_block)  // parallel blocks: s.cur already holds the FFN input
        for (int64_t t = 0; t < T; ++t) norm(s.x.data() + t * E, L.ffn_norm, L.ffn_norm_b, s.cur.data() + t * E);
    if (L.ffn_gate.present()) {
        const MatmulOut gu[] = {{&L.ffn_gate, s.gate.data(), F}, {&L.ffn_up, s.up.data(), F}};
        matmul(gu, s.cur.data(), E, T, pool, s.act);
    } else {
        const MatmulOut u[] = {{&L.ffn_up, s.up.data(), F}};
        matmul(u, s.cur.data(), E, T, pool, s.act);
    }
    add_bias_rows(L.ffn_up_b, T, s.up.data());
    const bool gated = L.ffn_gate.present();
    pool.parallel_for(T * F, [&](int64_t b, int64_t e, int) {
        ffn_activate(spec_.ffn_act, spec_.ffn_mode, gated ? s.gate.data() + b : nullptr, s.up.data() + b,
                     s.hidden.data() + b, e - b);
    }, 64);
    if (s.counts) s.counts->add_dense(l, s.hidden.data(), T);
    if (s.samples) s.samples->add_dense(l, s.x.data(), s.hidden.data(), T);  // s.x: the predictor input
    s.ffn_stats.weight_bytes += L.ffn_up.rows * L.ffn_up.row_bytes + L.ffn_down.rows * L.ffn_down.row_bytes +
                                (gated ? L.ffn_gate.rows * L.ffn_gate.row_bytes : 0);
    const MatmulOut d[] = {{&L.ffn_down, s.cur.data(), E}};
    matmul(d, s.hidden.data(), F, T, pool, s.act);
    add_bias_rows(L.ffn_down_b, T, s.cur.data());
    for (int64_t i = 0; i < T * E; ++i) s.x[i] += s.cur[i];
}

void LlamaModel::output_head(const Batch& batch, float* logits, ThreadPool& pool, ForwardScratch& s) const {
    const int64_t E = spec_.n_embd;
    const int64_t n_out = batch.n_logits();
    if (n_out == 0) return;
    s.out_rows.resize(n_out * E);
    int64_t j = 0;
    for (int64_t t = 0; t < batch.size(); ++t) {
        if (!batch.logits[t]) continue;
        norm(s.x.data() + t * E, w_.output_norm, w_.output_norm_b, s.out_rows.data() + j * E);
        ++j;
    }
    const MatmulOut o[] = {{&w_.output, logits, spec_.n_vocab}};
    matmul(o, s.out_rows.data(), E, n_out, pool, s.act);
}

}  // namespace locus
