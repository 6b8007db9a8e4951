#include "cuda/gpu_runner.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "cuda/activation.h"
#include "cuda/attention.h"
#include "cuda/check.h"
#include "cuda/elementwise.h"
#include "cuda/gate_up.h"
#include "cuda/matvec.h"
#include "cuda/norm.h"
#include "cuda/predictor.h"
#include "cuda/rope.h"
#include "cuda/rows.h"
#include "cuda/select.h"
#include "cuda/sparse_axpy.h"

namespace locus::cuda {
namespace {

// Float work buffers (prefixed: locals named Q, K, E ... must not shadow an index).
enum Buf { B_X, B_CUR, B_QKV, B_Q, B_K, B_V, B_ATT, B_AO, B_GATE, B_UP, B_HID, B_OUT_ROWS, B_LOGITS, B_ATT_SCR, B_AXPY_SCR, B_HOT_LOG, B_HG,
           B_HU, B_HH, B_PRED_H, B_PRED_L, B_Y, B_YC, kNumBufs };

// Attention runs over at most this many tokens per launch (bounds its scratch).
constexpr int kAttnTokens = 64;

struct Sizes {
    int64_t f[kNumBufs] = {};
};

Sizes buffer_sizes(const ModelSpec& s, int64_t T, int64_t n_ctx, int64_t max_hot, int64_t max_rank, bool head) {
    const int64_t n_embd = s.n_embd, q_dim = s.q_dim(), kv_dim = s.kv_dim(), ff_pad = (s.n_ff + 31) / 32 * 32;
    Sizes z;
    z.f[B_X] = z.f[B_CUR] = z.f[B_AO] = z.f[B_OUT_ROWS] = z.f[B_Y] = z.f[B_YC] = T * n_embd;
    z.f[B_Q] = z.f[B_ATT] = T * q_dim;
    z.f[B_QKV] = q_dim + 2 * kv_dim;  // one token's q, k, v from the stacked matrix
    z.f[B_K] = z.f[B_V] = T * kv_dim;
    z.f[B_GATE] = z.f[B_UP] = z.f[B_HID] = T * ff_pad;
    z.f[B_LOGITS] = head ? T * s.n_vocab : 0;
    z.f[B_ATT_SCR] = attention_scratch_floats(int(std::min<int64_t>(T, kAttnTokens)), int(s.n_head), int(s.head_dim), n_ctx);
    z.f[B_AXPY_SCR] = max_hot ? sparse_axpy_scratch_floats(n_embd) : 0;
    z.f[B_HOT_LOG] = z.f[B_HG] = z.f[B_HU] = z.f[B_HH] = T * max_hot;
    z.f[B_PRED_H] = T * max_rank;
    z.f[B_PRED_L] = max_hot || max_rank ? T * s.n_ff : 0;
    return z;
}

// The int8 copy of a matvec's x (MatvecArgs::xq): for up to this many tokens (the matvec range) and columns.
int64_t xq_tokens(int64_t max_tokens) { return std::min<int64_t>(max_tokens, kGemmMinTokens); }
int64_t xq_cols(const ModelSpec& s, int64_t max_rank) {
    return std::max({s.n_embd, s.q_dim(), (s.n_ff + 31) / 32 * 32, max_rank});
}

}  // namespace

uint64_t runner_scratch_bytes(const ModelSpec& spec, int64_t max_tokens, int64_t n_ctx, int64_t max_hot,
                              int64_t max_rank) {
    const Sizes z = buffer_sizes(spec, max_tokens, n_ctx, max_hot, max_rank, true);
    uint64_t n = 0;
    for (int64_t v : z.f) n += uint64_t(v) * 4;
    return n + (uint64_t(max_hot) + 64) * 4 + matvec_x_scratch_bytes(xq_cols(spec, max_rank), int(xq_tokens(max_tokens)));
}

GpuRunner::~GpuRunner() {
    if (hot_pending_ && stream_.get()) cudaStreamSynchronize(stream_.get());
}

Expected<std::unique_ptr<GpuRunner>> GpuRunner::create(const GpuModel& m, const ModelSpec& spec, int64_t n_ctx,
                                                       int n_seq, int64_t max_tokens) {
    if (n_ctx <= 0 || n_seq <= 0 || max_tokens <= 0) return Status::error("GPU runner: bad context/sequence/batch size");
    std::unique_ptr<GpuRunner> r(new GpuRunner(m, spec));
    r->n_ctx_ = n_ctx;
    r->n_seq_ = n_seq;
    r->max_tokens_ = std::min<int64_t>(max_tokens, 65535);
    const int64_t T = r->max_tokens_;
    auto st = Stream::create();
    if (!st) return st.status();
    r->stream_ = std::move(*st);
    for (Event* e : {&r->ev_start_, &r->ev_logits_, &r->ev_done_}) {
        auto ev = Event::create();
        if (!ev) return ev.status();
        *e = std::move(*ev);
    }
    // KV cache of the layers whose attention is here: per layer, per sequence, K then V (n_ctx x kv_dim, F16).
    const uint64_t per_layer = uint64_t(n_seq) * 2 * uint64_t(n_ctx) * uint64_t(spec.kv_dim()) * 2;
    r->kv_.resize(size_t(spec.n_layer));
    int64_t max_hot = 0, max_rank = 0, n_attn = 0;
    for (int64_t l = 0; l < spec.n_layer; ++l) {
        const GpuLayer& g = m.layer(l);
        max_hot = std::max(max_hot, g.n_hot);
        if (g.predictor) max_rank = std::max(max_rank, g.fc1.rows);
        if (!g.attn) continue;
        ++n_attn;
        auto b = DeviceBuffer::create(per_layer);
        if (!b)
            return Status::error("the GPU KV cache (" + std::to_string(n_attn) + " layers x " + std::to_string(n_ctx) +
                                 " positions x " + std::to_string(n_seq) + " sequences, " +
                                 std::to_string(per_layer >> 20) + " MiB per layer) does not fit: " + b.error() +
                                 "; use a smaller context (-c) or fewer GPU layers");
        r->kv_[size_t(l)] = std::move(*b);
        r->kv_bytes_ += per_layer;
    }
    const Sizes z = buffer_sizes(spec, T, n_ctx, max_hot, max_rank, m.has_output());
    r->f_.resize(kNumBufs);
    for (int i = 0; i < kNumBufs; ++i) {
        auto b = DeviceBuffer::create(size_t(z.f[i]) * 4);
        if (!b) return Status::error("GPU work buffers for " + std::to_string(T) + " tokens: " + b.error());
        if (z.f[i]) LOCUS_TRY(b->fill_bytes(0, r->stream_.get()));  // padding columns of the FFN must read zero
        r->f_[size_t(i)] = std::move(*b);
    }
    r->xq_tokens_ = xq_tokens(T);
    r->xq_cols_ = xq_cols(spec, max_rank);
    if (auto b = DeviceBuffer::create(matvec_x_scratch_bytes(r->xq_cols_, int(r->xq_tokens_))); b)
        r->xq_ = std::move(*b);
    else
        return Status::error("GPU work buffers (int8 activations): " + b.error());
    for (auto [dst, n] : {std::pair{&r->idx_, std::max<int64_t>(max_hot, 1)}, {&r->count_, 1}, {&r->pos_, 2 * T}}) {
        auto b = DeviceBuffer::create(size_t(n) * 4);
        if (!b) return b.status();
        *dst = std::move(*b);
    }
    const size_t xe = size_t(T * spec.n_embd) * 4;
    for (auto [dst, bytes] : {std::pair{&r->p_in_, xe}, {&r->p_out_, xe}, {&r->p_cur_, xe}, {&r->p_x_, xe}, {&r->p_y_, xe},
                              {&r->p_yc_, xe}, {&r->p_logits_, size_t(T * spec.n_ff) * 4}, {&r->p_pos_, size_t(T) * 8},
                              {&r->p_head_, m.has_output() ? size_t(spec.n_vocab) * 4 : 0}}) {
        auto b = PinnedBuffer::create(bytes);
        if (!b) return Status::error("pinned host buffers: " + b.error());
        *dst = std::move(*b);
    }
    auto h = CublasHandle::create();
    if (!h) return h.status();
    r->blas_ = std::move(*h);
    if (const char* g = std::getenv("LOCUS_CUDA_GRAPHS")) r->graphs_on_ = std::string(g) != "0";
    if (const char* q = std::getenv("LOCUS_MATVEC_INT8")) r->int8_off_ = std::string(q) == "0";
    LOCUS_TRY(r->stream_.synchronize());
    return r;
}

uint16_t* GpuRunner::kcache(int seq, int64_t l) const {
    return kv_[size_t(l)].as<uint16_t>() + size_t(seq) * 2 * size_t(n_ctx_) * size_t(spec_.kv_dim());
}
uint16_t* GpuRunner::vcache(int seq, int64_t l) const {
    return kcache(seq, l) + size_t(n_ctx_) * size_t(spec_.kv_dim());
}

Status GpuRunner::linear(const DeviceMatrix& w, const float* x, int64_t x_stride, float* y, int64_t y_stride,
                         int64_t T, bool accumulate) {
    cudaStream_t s = stream_.get();
    if (T >= kGemmMinTokens && x_stride == w.cols && y_stride == w.rows && !accumulate) {
        if (!gemm_tried_) {  // the F16 scratch is only worth its memory once prompts come; without it, matvec
            gemm_tried_ = true;
            auto wf = DeviceBuffer::create(size_t(m_.max_matrix_elems()) * 2);
            auto xf = DeviceBuffer::create(size_t(max_tokens_) * size_t(std::max(spec_.n_embd, m_.ff_padded())) * 2);
            if (wf && xf) {
                w_f16_ = std::move(*wf);
                x_f16_ = std::move(*xf);
            }
        }
        if (w_f16_.data()) {
            PrefillArgs a;
            a.w = w;
            a.x = x;
            a.n_tokens = int(T);
            a.y = y;
            a.w_f16 = w_f16_.as<uint16_t>();
            a.x_f16 = x_f16_.as<uint16_t>();
            return matmul_prefill(blas_.get(), a, s);
        }
    }
    MatvecArgs a;
    a.w = w;
    a.x = x;
    a.x_stride = x_stride;
    a.y = y;
    a.y_stride = y_stride;
    a.n_tokens = int(T);
    a.n_out = w.rows;
    a.accumulate = accumulate;
    a.xq = int8_scratch(w.cols, T);
    return matvec(a, s);
}

template <class F>
Status GpuRunner::put(const std::string& sig, F&& op) {
    if (!graph_pass_) return op();
    seg_sig_ += sig;
    seg_ops_.emplace_back(std::forward<F>(op));
    return Status::ok();
}

Status GpuRunner::flush() {
    if (seg_ops_.empty()) return Status::ok();
    std::vector<std::function<Status()>> ops = std::move(seg_ops_);
    std::string sig = std::move(seg_sig_);
    seg_ops_.clear();
    seg_sig_.clear();
    cudaStream_t s = stream_.get();
    auto it = graphs_.find(sig);
    if (it == graphs_.end()) {
        if (graphs_.size() >= 4096) graphs_.clear();  // bounded: a pass has at most n_layer + 2 segments
        LOCUS_CUDA_TRY(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
        Status st = Status::ok();
        for (auto& op : ops) {
            st = op();
            if (!st) break;
        }
        auto g = Graph::end_capture(s);  // ends the capture even when an op failed
        if (!st) return st;
        if (!g) return Status::error("capturing a CUDA graph: " + g.error() + " (LOCUS_CUDA_GRAPHS=0 turns graphs off)");
        it = graphs_.emplace(std::move(sig), std::move(*g)).first;
    }
    return it->second.launch(s);
}

Expected<int64_t> GpuRunner::stage_positions(const Batch& b, int64_t t0, int64_t T) {
    int32_t* p = p_pos_.as<int32_t>();
    int64_t n_kv = 1;
    for (int64_t t = 0; t < T; ++t) {
        const int seq = b.seq[size_t(t0 + t)];
        const int32_t pos = b.pos[size_t(t0 + t)];
        if (seq < 0 || seq >= n_seq_ || pos < 0 || pos >= n_ctx_)
            return Status::error("GPU: token at sequence " + std::to_string(seq) + ", position " + std::to_string(pos) +
                                 " is outside the GPU KV cache (" + std::to_string(n_seq_) + " x " +
                                 std::to_string(n_ctx_) + ")");
        p[t] = pos;
        p[T + t] = seq;
        n_kv = std::max<int64_t>(n_kv, int64_t(pos) + 1);
    }
    return n_kv;
}

Status GpuRunner::enqueue_positions(int64_t T) {
    LOCUS_CUDA_TRY(cudaMemcpyAsync(pos_.data(), p_pos_.data(), size_t(T) * 8, cudaMemcpyHostToDevice, stream_.get()));
    return Status::ok();
}

// Every token carries its own position and sequence (pos_[t], pos_[T + t]): the K/V store and attention read
// them on the device, so one launch serves a batch that mixes sequences, and a graph replays at any position.
Status GpuRunner::attention_dev(int64_t l, int64_t T, int64_t n_kv_max, bool add_to_x) {
    const GpuLayer& g = m_.layer(l);
    if (!g.attn || !kv_[size_t(l)].data()) return Status::error("layer " + std::to_string(l) + ": attention not on the GPU");
    cudaStream_t s = stream_.get();
    const int64_t E = spec_.n_embd, Q = spec_.q_dim(), KV = spec_.kv_dim(), hd = spec_.head_dim;
    const int32_t* pos = pos_.as<int32_t>();
    const int32_t* seq = pos + T;
    const int64_t seq_stride = 2 * n_ctx_ * KV;  // halves from one sequence's K cache to the next's
    LOCUS_TRY(rms_norm(buf(B_X), g.attn_norm, E, T, spec_.norm_eps, buf(B_CUR), s));
    float *q = buf(B_Q), *k = buf(B_K), *v = buf(B_V);
    if (T == 1 && g.wqkv.rows > 0) {  // one launch for q, k and v
        q = buf(B_QKV);
        k = q + Q;
        v = k + KV;
        LOCUS_TRY(linear(g.wqkv, buf(B_CUR), E, q, Q + 2 * KV, T));
    } else {
        LOCUS_TRY(linear(g.wq, buf(B_CUR), E, q, Q, T));
        LOCUS_TRY(linear(g.wk, buf(B_CUR), E, k, KV, T));
        LOCUS_TRY(linear(g.wv, buf(B_CUR), E, v, KV, T));
    }
    LOCUS_TRY(add_bias_rows(q, Q, g.bq, g.bq ? Q : 0, T, s));
    LOCUS_TRY(add_bias_rows(k, KV, g.bk, g.bk ? KV : 0, T, s));
    LOCUS_TRY(add_bias_rows(v, KV, g.bv, g.bv ? KV : 0, T, s));
    RopeArgs rp;
    rp.style = spec_.rope_style;
    rp.head_dim = hd;
    rp.rope_dims = spec_.rope_dims;
    rp.freq_base = spec_.rope_freq_base;
    rp.freq_scale = spec_.rope_freq_scale;
    if (k == q + Q && T == 1) {  // one token, q and k adjacent (the fused projection): one launch for both
        LOCUS_TRY(rope(rp, q, spec_.n_head + spec_.n_head_kv, 1, Q + 2 * KV, pos, s));
    } else {
        LOCUS_TRY(rope(rp, q, spec_.n_head, int(T), Q, pos, s));
        LOCUS_TRY(rope(rp, k, spec_.n_head_kv, int(T), KV, pos, s));
    }
    LOCUS_TRY(store_kv(k, v, KV, kcache(0, l), vcache(0, l), KV, pos, seq, seq_stride, T, s));
    for (int64_t o = 0; o < T; o += kAttnTokens) {
        AttentionArgs a;
        a.q = q + o * Q;
        a.k = kcache(0, l);
        a.v = vcache(0, l);
        a.kv_stride = KV;
        a.n_head = int(spec_.n_head);
        a.n_head_kv = int(spec_.n_head_kv);
        a.head_dim = int(hd);
        a.n_tokens = int(std::min<int64_t>(kAttnTokens, T - o));
        a.pos = pos + o;
        a.seq = seq + o;
        a.seq_stride = seq_stride;
        a.n_kv_max = n_kv_max;
        a.scale = 1.0f / std::sqrt(float(hd));
        a.out = buf(B_ATT) + o * Q;
        a.scratch = buf(B_ATT_SCR);
        LOCUS_TRY(attention_decode(a, s));
    }
    if (!add_to_x) return linear(g.wo, buf(B_ATT), Q, buf(B_AO), E, T);
    if (T < kGemmMinTokens) return linear(g.wo, buf(B_ATT), Q, buf(B_X), E, T, true);  // x += wo . att
    LOCUS_TRY(linear(g.wo, buf(B_ATT), Q, buf(B_AO), E, T));
    return add(buf(B_X), buf(B_AO), buf(B_X), T * E, s);
}

Status GpuRunner::ffn_dense_dev(int64_t l, int64_t T) {
    const GpuLayer& g = m_.layer(l);
    if (!g.dense_ffn) return Status::error("layer " + std::to_string(l) + ": FFN not on the GPU");
    cudaStream_t s = stream_.get();
    const int64_t E = spec_.n_embd, Fp = m_.ff_padded();
    LOCUS_TRY(rms_norm(buf(B_X), g.ffn_norm, E, T, spec_.norm_eps, buf(B_CUR), s));
    const bool gated = g.gate.rows > 0;
    if (T < kGemmMinTokens && (!gated || g.gate.type == g.up.type)) {
        // Decode: gate, up and the activation in one launch, the down projection added to the residual in its
        // epilogue. The padding columns of B_HID (n_ff .. Fp) stay zero from the buffer's fill.
        GateUpArgs a;
        a.gate = g.gate;
        a.up = g.up;
        a.x = buf(B_CUR);
        a.x_stride = E;
        a.n_tokens = int(T);
        a.h = buf(B_HID);
        a.h_stride = Fp;
        a.n_out = g.up.rows;
        a.act = spec_.ffn_act;
        a.mode = spec_.ffn_mode;
        LOCUS_TRY(ffn_gate_up(a, s));
        LOCUS_TRY(observe_hidden(l, T));
        return linear(g.down, buf(B_HID), Fp, buf(B_X), E, T, true);
    }
    if (gated) LOCUS_TRY(linear(g.gate, buf(B_CUR), E, buf(B_GATE), Fp, T));
    LOCUS_TRY(linear(g.up, buf(B_CUR), E, buf(B_UP), Fp, T));
    // Over the padded rows too: zero gate and up give a zero activation, so the padding stays zero.
    LOCUS_TRY(ffn_activate(spec_.ffn_act, spec_.ffn_mode, gated ? buf(B_GATE) : nullptr, buf(B_UP), buf(B_HID), T * Fp, s));
    LOCUS_TRY(observe_hidden(l, T));
    LOCUS_TRY(linear(g.down, buf(B_HID), Fp, buf(B_AO), E, T));
    return add(buf(B_X), buf(B_AO), buf(B_X), T * E, s);
}

void GpuRunner::set_activation_observer(ActivationObserver observer) {
    if (observer && !observer_) graphs_wanted_ = graphs_on_;
    observer_ = std::move(observer);
    graphs_on_ = observer_ ? false : graphs_wanted_;  // the copy below waits on the stream: no graph capture
}

// Profiling: the activations in buf(B_HID) (T rows of n_ff, padded to ff_padded) to the observer.
Status GpuRunner::observe_hidden(int64_t l, int64_t T) {
    if (!observer_) return Status::ok();
    const int64_t F = spec_.n_ff, Fp = m_.ff_padded();
    observed_.resize(size_t(T * F));
    LOCUS_CUDA_TRY(cudaMemcpy2DAsync(observed_.data(), size_t(F) * 4, buf(B_HID), size_t(Fp) * 4, size_t(F) * 4,
                                     size_t(T), cudaMemcpyDeviceToHost, stream_.get()));
    LOCUS_TRY(stream_.synchronize());
    observer_(l, observed_.data(), T, F);
    return Status::ok();
}

Status GpuRunner::chunk_tail(const Batch& b, int64_t t0, int64_t T, int64_t first, float* x, bool head, float* logits) {
    cudaStream_t s = stream_.get();
    const int64_t E = spec_.n_embd;
    auto nkv = stage_positions(b, t0, T);
    if (!nkv) return nkv.status();
    std::memcpy(p_in_.data(), x + t0 * E, size_t(T * E) * 4);
    seg_ops_.clear();
    seg_sig_.clear();
    graph_pass_ = graphs_on_ && T == 1;
    // A graph is sized for the whole context: positions are read on the device.
    const int64_t n_kv_max = graph_pass_ ? n_ctx_ : *nkv;
    const bool flagged = head && b.logits[size_t(t0)];
    Status st = put("tail:" + std::to_string(first) + (head ? "h" : "") + (flagged ? "o" : ""), [this, T, s, E] {
        LOCUS_TRY(enqueue_positions(T));
        LOCUS_CUDA_TRY(cudaMemcpyAsync(buf(B_X), p_in_.data(), size_t(T * E) * 4, cudaMemcpyHostToDevice, s));
        return Status::ok();
    });
    for (int64_t l = first; l < spec_.n_layer && st; ++l)
        st = put("", [this, l, T, n_kv_max] {
            LOCUS_TRY(attention_dev(l, T, n_kv_max, true));
            return ffn_dense_dev(l, T);
        });
    if (st && !head)
        st = put("", [this, T, s, E] {
            LOCUS_CUDA_TRY(cudaMemcpyAsync(p_out_.data(), buf(B_X), size_t(T * E) * 4, cudaMemcpyDeviceToHost, s));
            return Status::ok();
        });
    if (st && head) st = put("", [this, &b, t0, T, logits] { return head_dev(b, t0, T, logits); });
    if (st) st = flush();
    const bool graphed = graph_pass_;
    graph_pass_ = false;
    seg_ops_.clear();
    seg_sig_.clear();
    LOCUS_TRY(st);
    LOCUS_TRY(stream_.synchronize());
    if (!head) std::memcpy(x + t0 * E, p_out_.data(), size_t(T * E) * 4);
    else if (graphed && flagged) std::memcpy(logits, p_head_.data(), size_t(spec_.n_vocab) * 4);
    return Status::ok();
}

Status GpuRunner::head_dev(const Batch& b, int64_t t0, int64_t T, float* logits) {
    if (!m_.has_output()) return Status::error("the output head is not on the GPU");
    cudaStream_t s = stream_.get();
    const int64_t E = spec_.n_embd;
    int64_t n_out = 0;
    for (int64_t t = 0; t < T; ++t) {
        if (!b.logits[size_t(t0 + t)]) continue;
        LOCUS_CUDA_TRY(cudaMemcpyAsync(buf(B_OUT_ROWS) + n_out * E, buf(B_X) + t * E, size_t(E) * 4,
                                       cudaMemcpyDeviceToDevice, s));
        ++n_out;
    }
    if (n_out > 0) {
        const int64_t V = spec_.n_vocab;
        LOCUS_TRY(rms_norm(buf(B_OUT_ROWS), m_.output_norm(), E, n_out, spec_.norm_eps, buf(B_OUT_ROWS), s));
        LOCUS_TRY(linear(m_.output(), buf(B_OUT_ROWS), E, buf(B_LOGITS), V, n_out));
        // In a graph the host buffer must be pinned and fixed: the logits of the one token go through p_head_.
        float* dst = graph_pass_ ? p_head_.as<float>() : logits;
        LOCUS_CUDA_TRY(cudaMemcpyAsync(dst, buf(B_LOGITS), size_t(n_out * V) * 4, cudaMemcpyDeviceToHost, s));
    }
    return Status::ok();
}

Status GpuRunner::run_tail(const Batch& b, int64_t first, float* x, bool head, float* logits) {
    int64_t out = 0;
    for (int64_t t0 = 0; t0 < b.size(); t0 += max_tokens_) {
        const int64_t T = std::min(max_tokens_, b.size() - t0);
        LOCUS_TRY(chunk_tail(b, t0, T, first, x, head, logits ? logits + out * spec_.n_vocab : nullptr));
        for (int64_t t = t0; t < t0 + T; ++t) out += b.logits[size_t(t)];
    }
    return Status::ok();
}

Status GpuRunner::attention(int64_t l, const Batch& b, const float* x, float* attn_out) {
    cudaStream_t s = stream_.get();
    const int64_t E = spec_.n_embd;
    for (int64_t t0 = 0; t0 < b.size(); t0 += max_tokens_) {
        const int64_t T = std::min(max_tokens_, b.size() - t0);
        auto nkv = stage_positions(b, t0, T);
        if (!nkv) return nkv.status();
        LOCUS_TRY(enqueue_positions(T));
        std::memcpy(p_in_.data(), x + t0 * E, size_t(T * E) * 4);
        LOCUS_CUDA_TRY(cudaMemcpyAsync(buf(B_X), p_in_.data(), size_t(T * E) * 4, cudaMemcpyHostToDevice, s));
        LOCUS_TRY(attention_dev(l, T, *nkv, false));
        LOCUS_CUDA_TRY(cudaMemcpyAsync(p_out_.data(), buf(B_AO), size_t(T * E) * 4, cudaMemcpyDeviceToHost, s));
        LOCUS_TRY(stream_.synchronize());
        std::memcpy(attn_out + t0 * E, p_out_.data(), size_t(T * E) * 4);
    }
    return Status::ok();
}

Status GpuRunner::predictor_dev(const GpuLayer& g, int T) {
    PredictorArgs pa;
    pa.fc1 = g.fc1;
    pa.fc2 = g.fc2;
    pa.x = buf(B_X);
    pa.n_tokens = T;
    pa.hidden = buf(B_PRED_H);
    pa.logits = buf(B_PRED_L);
    pa.xq = int8_scratch(std::max(g.fc1.cols, g.fc2.cols), T);
    return predictor_eval(pa, stream_.get());
}

// The active hot neurons of T tokens: input buf(B_CUR) (normalised), predictor logits in buf(B_PRED_L) (predictor
// mode; otherwise every hot neuron), output y (T x n_embd; overwritten, or added to when accumulate). Needs
// g.n_hot > 0.
Status GpuRunner::hot_ffn_dev(const GpuLayer& g, int T, const HybridStep& st, float* y, bool accumulate) {
    cudaStream_t s = stream_.get();
    const int64_t E = spec_.n_embd, F = spec_.n_ff, K = g.n_hot;
    const bool gated = g.hot_gate.rows > 0;
    const int32_t* idx = g.hot_iota;
    const int32_t* count = nullptr;
    if (!gated || g.hot_gate.type == g.hot_up.type) {
        // Gate, up and activation in one launch; rows no token needs are skipped there (h = 0), and the down
        // projection below skips zero coefficients: no compacted list, no mask.
        GateUpArgs a;
        a.gate = g.hot_gate;
        a.up = g.hot_up;
        a.x = buf(B_CUR);
        a.x_stride = E;
        a.n_tokens = T;
        a.h = buf(B_HH);
        a.h_stride = K;
        a.n_out = K;
        a.act = st.act;
        a.mode = st.mode;
        if (st.predictor_mode) {
            a.logits = buf(B_PRED_L);
            a.logits_stride = F;
            a.map = g.hot_map;
            a.threshold = st.threshold;
        }
        LOCUS_TRY(ffn_gate_up(a, s));
    } else {  // gate and up of different types: the compacted path (select, two products, activation, mask)
        if (st.predictor_mode) {
            LOCUS_TRY(gather_columns(buf(B_PRED_L), F, g.hot_map, K, T, buf(B_HOT_LOG), s));
            LOCUS_TRY(select_active(buf(B_HOT_LOG), T, K, st.threshold, idx_.as<int32_t>(), count_.as<int32_t>(), s));
            idx = idx_.as<int32_t>();
            count = count_.as<int32_t>();
        }
        MatvecArgs a;
        a.x = buf(B_CUR);
        a.x_stride = E;
        a.y_stride = K;
        a.n_tokens = T;
        a.idx = idx;
        a.n_out = K;
        a.d_count = count;
        a.w = g.hot_gate;
        a.y = buf(B_HG);
        LOCUS_TRY(matvec(a, s));
        a.w = g.hot_up;
        a.y = buf(B_HU);
        LOCUS_TRY(matvec(a, s));
        LOCUS_TRY(ffn_activate(st.act, st.mode, buf(B_HG), buf(B_HU), buf(B_HH), int64_t(T) * K, s));
        if (st.predictor_mode && T > 1)
            LOCUS_TRY(mask_by_logits(buf(B_HH), K, T, buf(B_HOT_LOG), idx, count, st.threshold, s));
    }
    if (!accumulate) LOCUS_CUDA_TRY(cudaMemsetAsync(y, 0, size_t(T * E) * 4, s));
    for (int t = 0; t < T; ++t) {
        SparseAxpyArgs x;
        x.wt = g.hot_down_t;
        x.idx = idx;
        x.a = buf(B_HH) + int64_t(t) * K;
        x.n_max = K;
        x.d_count = count;
        x.y = y + int64_t(t) * E;
        x.scratch = buf(B_AXPY_SCR);
        LOCUS_TRY(sparse_axpy(x, s));
    }
    return Status::ok();
}

Status GpuRunner::ffn_hot_begin(int64_t l, int T, const HybridStep& st) {
    const GpuLayer& g = m_.layer(l);
    if (T < 1 || T > max_tokens_) return Status::error("hybrid FFN: batch larger than the GPU work buffers");
    cudaStream_t s = stream_.get();
    const int64_t E = spec_.n_embd, F = spec_.n_ff, K = g.n_hot;
    hot_pending_ = true;
    LOCUS_TRY(ev_start_.record(s));
    LOCUS_CUDA_TRY(cudaMemcpyAsync(buf(B_CUR), p_cur_.data(), size_t(T * E) * 4, cudaMemcpyHostToDevice, s));
    if (st.predictor_mode) {
        if (st.predictor_on_gpu) {
            if (!g.predictor) return Status::error("layer " + std::to_string(l) + ": predictor not on the GPU");
            LOCUS_CUDA_TRY(cudaMemcpyAsync(buf(B_X), p_x_.data(), size_t(T * E) * 4, cudaMemcpyHostToDevice, s));
            LOCUS_TRY(predictor_dev(g, T));
            LOCUS_CUDA_TRY(cudaMemcpyAsync(p_logits_.data(), buf(B_PRED_L), size_t(T * F) * 4, cudaMemcpyDeviceToHost, s));
            LOCUS_TRY(ev_logits_.record(s));
        } else if (K > 0) {
            LOCUS_CUDA_TRY(cudaMemcpyAsync(buf(B_PRED_L), p_logits_.data(), size_t(T * F) * 4, cudaMemcpyHostToDevice, s));
        }
    }
    if (K > 0) {
        LOCUS_TRY(hot_ffn_dev(g, T, st, buf(B_Y), false));
        LOCUS_CUDA_TRY(cudaMemcpyAsync(p_y_.data(), buf(B_Y), size_t(T * E) * 4, cudaMemcpyDeviceToHost, s));
    } else {
        std::memset(p_y_.data(), 0, size_t(T * E) * 4);
    }
    return ev_done_.record(s);
}

Status GpuRunner::wait_logits() {
    LOCUS_TRY(flush());  // the queued segment of a graphed pass ends where the host waits
    return ev_logits_.synchronize();
}

Expected<float> GpuRunner::ffn_hot_end() {
    hot_pending_ = false;
    LOCUS_TRY(ev_done_.synchronize());
    return Event::elapsed_ms(ev_start_, ev_done_);
}

}  // namespace locus::cuda

namespace locus::cuda {

Status GpuRunner::resident_begin(const Batch& b, const float* x) {
    const int64_t T = b.size();
    if (T < 1 || T > max_tokens_) return Status::error("hybrid pass: batch larger than the GPU work buffers");
    auto nkv = stage_positions(b, 0, T);
    if (!nkv) return nkv.status();
    resident_T_ = int(T);
    graph_pass_ = graphs_on_ && T == 1;
    resident_nkv_ = graph_pass_ ? n_ctx_ : *nkv;
    seg_ops_.clear();
    seg_sig_.clear();
    const size_t bytes = size_t(T * spec_.n_embd) * 4;
    std::memcpy(p_in_.data(), x, bytes);
    hot_pending_ = true;
    return put("rb;", [this, T, bytes] {
        LOCUS_TRY(enqueue_positions(T));
        LOCUS_CUDA_TRY(cudaMemcpyAsync(buf(B_X), p_in_.data(), bytes, cudaMemcpyHostToDevice, stream_.get()));
        return Status::ok();
    });
}

Status GpuRunner::resident_layer(int64_t l, const HybridStep& st, bool send_cpu_input) {
    const GpuLayer& g = m_.layer(l);
    if (!g.ffn_norm) return Status::error("layer " + std::to_string(l) + ": ffn_norm not on the GPU");
    if (st.predictor_mode && !g.predictor) return Status::error("layer " + std::to_string(l) + ": predictor not on the GPU");
    LOCUS_TRY(put("L" + std::to_string(l) + (send_cpu_input ? "c;" : ";"), [this, l, st, send_cpu_input] {
        const GpuLayer& g = m_.layer(l);
        const int T = resident_T_;
        cudaStream_t s = stream_.get();
        const int64_t E = spec_.n_embd, F = spec_.n_ff;
        LOCUS_TRY(attention_dev(l, T, resident_nkv_, true));
        LOCUS_TRY(rms_norm(buf(B_X), g.ffn_norm, E, T, spec_.norm_eps, buf(B_CUR), s));
        if (st.predictor_mode) LOCUS_TRY(predictor_dev(g, T));  // reads the residual after attention, as the CPU
        if (send_cpu_input) {
            LOCUS_CUDA_TRY(cudaMemcpyAsync(p_cur_.data(), buf(B_CUR), size_t(T * E) * 4, cudaMemcpyDeviceToHost, s));
            if (st.predictor_mode)
                LOCUS_CUDA_TRY(cudaMemcpyAsync(p_logits_.data(), buf(B_PRED_L), size_t(T) * size_t(F) * 4,
                                               cudaMemcpyDeviceToHost, s));
        }
        return Status::ok();
    }));
    if (send_cpu_input) {
        // The CPU's input is complete here: a graphed segment ends, and the event the host waits on is recorded
        // on the stream between two graph launches (the hot neurons below run while the CPU computes).
        LOCUS_TRY(flush());
        LOCUS_TRY(ev_logits_.record(stream_.get()));
    }
    if (g.n_hot == 0) return Status::ok();
    return put("H" + std::to_string(l) + ";", [this, l, st] {
        return hot_ffn_dev(m_.layer(l), resident_T_, st, buf(B_X), true);  // added to the residual directly
    });
}

// Called after wait_logits() of the same layer: the copy of y into pinned memory cannot race an earlier upload
// of it, which the stream finished before it recorded that event.
Status GpuRunner::resident_add(const float* y) {
    const int T = resident_T_;
    const size_t bytes = size_t(T * spec_.n_embd) * 4;
    std::memcpy(p_yc_.data(), y, bytes);
    return put("ra;", [this, T, bytes] {
        cudaStream_t s = stream_.get();
        LOCUS_CUDA_TRY(cudaMemcpyAsync(buf(B_YC), p_yc_.data(), bytes, cudaMemcpyHostToDevice, s));
        return add(buf(B_X), buf(B_YC), buf(B_X), int64_t(T) * spec_.n_embd, s);
    });
}

Status GpuRunner::resident_end(const Batch& b, bool head, float* x, float* logits) {
    const int64_t T = resident_T_;
    hot_pending_ = false;
    const bool flagged = head && T == 1 && b.logits[0];
    Status st = put(std::string("re") + (head ? "h" : "") + (flagged ? "o" : ""), [this, &b, T, head, logits] {
        if (head) return head_dev(b, 0, T, logits);
        LOCUS_CUDA_TRY(cudaMemcpyAsync(p_out_.data(), buf(B_X), size_t(T * spec_.n_embd) * 4, cudaMemcpyDeviceToHost,
                                       stream_.get()));
        return Status::ok();
    });
    if (st) st = flush();
    const bool graphed = graph_pass_;
    graph_pass_ = false;
    seg_ops_.clear();
    seg_sig_.clear();
    LOCUS_TRY(st);
    LOCUS_TRY(stream_.synchronize());
    if (!head) std::memcpy(x, p_out_.data(), size_t(T * spec_.n_embd) * 4);
    else if (graphed && flagged) std::memcpy(logits, p_head_.data(), size_t(spec_.n_vocab) * 4);
    return Status::ok();
}

}  // namespace locus::cuda
