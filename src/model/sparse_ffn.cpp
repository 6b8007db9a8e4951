// The FFN block over the active neurons only (PowerInfer's idea, on the CPU):
//   1. which neurons: the predictor fc2 · ReLU(fc1 · x) >= threshold (predictor mode), the gate's sign
//      (oracle mode: exact), or all of them (off, for PowerInfer files);
//   2. the listed rows of gate and up (row-sparse), combined with the ReLU-family activation;
//   3. the down projection as a sum of the transposed rows of the neurons that fired (column-sparse axpy).
// Biases (opt) go where the dense FFN has them: up's before the activation (so the oracle's sign test sees
// it), down's once on the output.
// Threads never share an output element: step 2 splits the neuron list, step 3 splits the output columns,
// so results do not depend on the thread count and no partial sums are merged.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <optional>

#include "cpu/bias.h"
#include "cpu/norm.h"
#include "cpu/sparse_axpy.h"
#include "cpu/sparse_rows.h"
#include "model/sparse_ffn.h"

namespace locus {
namespace {

// Activation-scratch slots for the FFN input, clear of the ones matmul uses.
constexpr int kSlotGate = 8, kSlotUp = 9;
// Prefill down projection: output tiles of this many tokens by this many columns fit in L2, so each
// dequantised row slice is reused across the tile's tokens.
constexpr int64_t kDownTileTokens = 32, kDownTileCols = 512;
// Single-token predictor mode: neurons per slice of the parallel selection (select_and_rows).
constexpr int64_t kSelectSlice = 512;

// Row-sparse dots cost more per weight byte than the dense kernels (no activation loads shared across rows,
// scattered rows); past these shares of the matrix the dense kernels win.
bool prefer_dense_rows(int64_t pairs, int64_t n_tok, int64_t n_ff) {
    return n_tok == 1 ? pairs * 10 > n_ff * 8 : pairs * 4 > n_tok * n_ff;
}

inline int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// The row-sparse kernel's arguments for layer L over the T tokens of s.cur: the matrices, up's bias, products
// already computed (gate_pre / up_pre, null where not), and the input converted to gate's and up's vec_dot
// types where a product is still to come (once when the two types agree). x_*_bytes: one token's converted row.
struct RowsInput {
    SparseRowsArgs args;
    size_t x_gate_bytes = 0, x_up_bytes = 0;
};

RowsInput rows_input(const LayerWeights& L, FfnMode mode, const float* gate_pre, const float* up_pre, int64_t T,
                     int64_t E, ThreadPool& pool, ForwardScratch& s) {
    const bool gated = mode != FfnMode::seq;
    RowsInput in;
    SparseRowsArgs& a = in.args;
    a.mode = mode;
    a.gate = gated ? &L.ffn_gate : nullptr;
    a.up = &L.ffn_up;
    a.up_bias = L.ffn_up_b.empty() ? nullptr : L.ffn_up_b.data();
    a.gate_pre = gate_pre;
    a.up_pre = up_pre;
    const DType gate_x = gated ? type_traits(L.ffn_gate.type).vec_dot_type : DType::F32;
    const DType up_x = type_traits(L.ffn_up.type).vec_dot_type;
    if (gated && !gate_pre)
        a.x_gate = s.act.convert(kSlotGate, gate_x, s.cur.data(), E, T, E, pool, &in.x_gate_bytes);
    if (!up_pre && a.x_gate && gate_x == up_x) {  // the same conversion: once (a few us per layer at T = 1)
        a.x_up = a.x_gate;
        in.x_up_bytes = in.x_gate_bytes;
    } else if (!up_pre) {
        a.x_up = s.act.convert(kSlotUp, up_x, s.cur.data(), E, T, E, pool, &in.x_up_bytes);
    }
    return in;
}

// Adds the time since t0 and the weight bytes read since bytes0 to a stage's statistics.
class StageTimer {
public:
    StageTimer(ForwardScratch::FfnStats& stats, ForwardScratch::FfnStats::Stage& stage)
        : stats(stats), stage(stage), t0(std::chrono::steady_clock::now()), bytes0(stats.weight_bytes) {}
    StageTimer(const StageTimer&) = delete;
    StageTimer& operator=(const StageTimer&) = delete;
    ~StageTimer() {
        stage.ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        stage.bytes += stats.weight_bytes - bytes0;
    }

private:
    ForwardScratch::FfnStats& stats;
    ForwardScratch::FfnStats::Stage& stage;
    std::chrono::steady_clock::time_point t0;
    uint64_t bytes0;
};

}  // namespace

void SparseFfn::forward(const LayerWeights& L, int64_t l, int64_t T, ThreadPool& pool, ForwardScratch& s) const {
    const int64_t E = spec_.n_embd, F = spec_.n_ff;
    s.cur.resize(T * E);
    s.gate.resize(T * F);
    s.up.resize(T * F);
    s.hidden.resize(T * F);
    // Parallel blocks (falcon): s.cur already holds the FFN input (the attention LayerNorm), and s.x, the layer
    // input, is what the predictor reads. Sequential: normalise here; the predictor reads the residual.
    if (!spec_.parallel_block)
        for (int64_t t = 0; t < T; ++t) {
            const float* x = s.x.data() + t * E;
            float* y = s.cur.data() + t * E;
            if (spec_.norm == NormType::layer)
                layer_norm(x, L.ffn_norm.data(), L.ffn_norm_b.empty() ? nullptr : L.ffn_norm_b.data(), E,
                           spec_.norm_eps, y);
            else
                rms_norm(x, L.ffn_norm.data(), E, spec_.norm_eps, y);
        }
    sparse_hidden(L, l, T, pool, s, Subset{});
    if (s.counts && sparsity_.mode == SparseMode::Oracle && L.fc1.present()) count_predictions(L, l, T, pool, s);
    sparse_down(L, l, T, pool, s);
    add_bias_rows(L.ffn_down_b, T, s.cur.data());
    for (int64_t i = 0; i < T * E; ++i) s.x[i] += s.cur[i];
}

void SparseFfn::forward_subset(const LayerWeights& L, int64_t l, int64_t T, ThreadPool& pool, ForwardScratch& s,
                               const uint8_t* allowed, const float* logits) const {
    const int64_t E = spec_.n_embd, F = spec_.n_ff;
    s.cur.resize(T * E);
    s.gate.resize(T * F);
    s.up.resize(T * F);
    s.hidden.resize(T * F);
    sparse_hidden(L, l, T, pool, s, Subset{allowed, logits});
    sparse_down(L, l, T, pool, s);
}

// Fills s.neurons (the neurons any token may use; several tokens: via s.mask) and the activations:
// one token: s.h_compact[j] for neuron s.neurons[j], and s.nz_neurons / s.nz_coef, the ones that fired;
// several: s.hidden (T x n_ff, zero outside the mask).
void SparseFfn::sparse_hidden(const LayerWeights& L, int64_t l, int64_t T, ThreadPool& pool, ForwardScratch& s,
                              const Subset& sub) const {
    const int64_t E = spec_.n_embd, F = spec_.n_ff;
    const FfnMode mode = spec_.ffn_mode;
    const bool gated = mode != FfnMode::seq;
    s.mask.resize(size_t(T * F));
    const float* gate_pre = nullptr;
    const float* up_pre = nullptr;

    std::optional<StageTimer> stage;
    stage.emplace(s.ffn_stats, s.ffn_stats.select);
    // One token in predictor mode: the neuron list comes straight from the scores below (no mask).
    const float* scores = nullptr;
    switch (sparsity_.mode) {
        case SparseMode::Predictor: {
            const float thr = sparsity_.threshold;
            if (sub.logits) {
                if (T == 1) scores = sub.logits;
                else for (int64_t i = 0; i < T * F; ++i) s.mask[i] = sub.logits[i] >= thr;
                break;
            }
            const int64_t r = L.fc1.rows;
            s.pred_h.resize(T * r);
            s.pred.resize(T * F);
            const MatmulOut h[] = {{&L.fc1, s.pred_h.data(), r}};
            matmul(h, s.x.data(), E, T, pool, s.act);
            for (int64_t i = 0; i < T * r; ++i) s.pred_h[i] = s.pred_h[i] > 0.0f ? s.pred_h[i] : 0.0f;
            const MatmulOut p[] = {{&L.fc2, s.pred.data(), F}};
            matmul(p, s.pred_h.data(), r, T, pool, s.act);
            s.ffn_stats.weight_bytes += L.fc1.rows * L.fc1.row_bytes + L.fc2.rows * L.fc2.row_bytes;
            if (T == 1) scores = s.pred.data();
            else for (int64_t i = 0; i < T * F; ++i) s.mask[i] = s.pred[i] >= thr;
            break;
        }
        case SparseMode::Oracle: {
            const Matrix& m = gated ? L.ffn_gate : L.ffn_up;
            float* dst = gated ? s.gate.data() : s.up.data();
            const MatmulOut o[] = {{&m, dst, F}};
            matmul(o, s.cur.data(), E, T, pool, s.act);
            if (!gated) add_bias_rows(L.ffn_up_b, T, dst);
            s.ffn_stats.weight_bytes += m.rows * m.row_bytes;
            for (int64_t i = 0; i < T * F; ++i) s.mask[i] = dst[i] > 0.0f;
            (gated ? gate_pre : up_pre) = dst;
            break;
        }
        default:
            std::fill(s.mask.begin(), s.mask.end(), uint8_t(1));
            break;
    }

    if (scores) {  // one token, predictor mode: selection and rows in one parallel pass (below)
        stage.reset();
        select_and_rows(L, l, pool, s, scores, sub.allowed);
        return;
    }

    // The neurons any token uses, and how many (token, neuron) products that means.
    s.neurons.clear();
    int64_t pairs = 0;
    if (sub.allowed)
        for (int64_t t = 0; t < T; ++t)
            for (int64_t i = 0; i < F; ++i) s.mask[t * F + i] &= sub.allowed[i];
    for (int64_t i = 0; i < F; ++i) {
        int64_t n = 0;
        for (int64_t t = 0; t < T; ++t) n += s.mask[t * F + i];
        if (n) s.neurons.push_back(int32_t(i));
        pairs += n;
    }
    const int64_t N = int64_t(s.neurons.size());
    stage.reset();
    stage.emplace(s.ffn_stats, s.ffn_stats.rows);

    if (sparsity_.mode == SparseMode::Off || prefer_dense_rows(pairs, T, F)) {
        // Dense products for whatever is not computed yet; the mask still applies below.
        std::vector<MatmulOut> outs;
        if (gated && !gate_pre) outs.push_back({&L.ffn_gate, s.gate.data(), F});
        if (!up_pre) outs.push_back({&L.ffn_up, s.up.data(), F});
        if (!outs.empty()) matmul(outs, s.cur.data(), E, T, pool, s.act);
        if (!up_pre) add_bias_rows(L.ffn_up_b, T, s.up.data());
        for (const MatmulOut& o : outs) s.ffn_stats.weight_bytes += o.w->rows * o.w->row_bytes;
        gate_pre = gated ? s.gate.data() : nullptr;
        up_pre = s.up.data();
    }

    const RowsInput in = rows_input(L, mode, gate_pre, up_pre, T, E, pool, s);
    const SparseRowsArgs& args = in.args;
    const uint8_t* xg = args.x_gate;
    const uint8_t* xu = args.x_up;

    if (T == 1) {
        s.h_compact.resize(std::max<int64_t>(N, 1));
        // Chunks of the list to whichever thread asks next: balanced however the active neurons cluster, and
        // when a thread loses its core for a while. Each neuron's value does not depend on the chunking.
        const int64_t chunk = std::max<int64_t>(16, N / (8 * int64_t(pool.size())));
        const int64_t n_chunks = (N + chunk - 1) / chunk;
        std::atomic<int64_t> next{0};
        pool.run([&](int, int) {
            for (int64_t c; (c = next.fetch_add(1, std::memory_order_relaxed)) < n_chunks;) {
                const int64_t b = c * chunk, e = std::min(N, b + chunk);
                sparse_ffn_rows(args, s.neurons.data() + b, e - b, s.h_compact.data() + b);
            }
        });
        s.nz_neurons.clear();
        s.nz_coef.resize(std::max<int64_t>(N, 1));
        for (int64_t j = 0; j < N; ++j) {
            if (s.h_compact[j] == 0.0f) continue;
            s.nz_coef[int64_t(s.nz_neurons.size())] = s.h_compact[j];
            s.nz_neurons.push_back(s.neurons[j]);
        }
        if (s.counts) s.counts->add_list(l, s.nz_neurons.data(), int64_t(s.nz_neurons.size()));
        if (s.samples) s.samples->add_list(l, s.x.data(), s.nz_neurons.data(), int64_t(s.nz_neurons.size()));
        // Rows read: every listed gate row, and the up rows of the neurons whose gate fired (counted as the
        // ones that fired: an up product of exactly zero is rare).
        if (gated && !gate_pre) s.ffn_stats.weight_bytes += uint64_t(N) * L.ffn_gate.row_bytes;
        if (!up_pre) s.ffn_stats.weight_bytes += uint64_t(gated ? s.nz_neurons.size() : size_t(N)) * L.ffn_up.row_bytes;
        return;
    }

    std::fill(s.hidden.data(), s.hidden.data() + T * F, 0.0f);
    pool.parallel_for(N, [&](int64_t b, int64_t e, int) {
        SparseRowsArgs a = args;
        for (int64_t j = b; j < e; ++j) {
            const int32_t i = s.neurons[j];
            for (int64_t t = 0; t < T; ++t) {
                if (!s.mask[t * F + i]) continue;
                a.gate_pre = gate_pre ? gate_pre + t * F : nullptr;
                a.up_pre = up_pre ? up_pre + t * F : nullptr;
                a.x_gate = xg ? xg + t * in.x_gate_bytes : nullptr;
                a.x_up = xu ? xu + t * in.x_up_bytes : nullptr;
                sparse_ffn_rows(a, &i, 1, s.hidden.data() + t * F + i);
            }
        }
    }, 16);
    if (gated && !gate_pre) s.ffn_stats.weight_bytes += uint64_t(N) * L.ffn_gate.row_bytes;
    if (!up_pre) s.ffn_stats.weight_bytes += uint64_t(N) * L.ffn_up.row_bytes;
    if (s.counts) s.counts->add_dense(l, s.hidden.data(), T);
    if (s.samples) s.samples->add_dense(l, s.x.data(), s.hidden.data(), T);
}

// One token with the predictor's scores: the threshold test and the rows in one dispatch. The neuron range is cut
// into slices that threads take in turn (balanced however the listed neurons cluster); each slice lists its
// neurons and computes their rows into its own part of s.neurons / s.h_compact, and the slices are joined in
// order after. At n_ff 28672 this saves the hybrid step a serial scan of the scores (17 us on the dev machine)
// on its critical path. Never dense: a predictor lists far fewer than the 80% of neurons where dense rows win.
void SparseFfn::select_and_rows(const LayerWeights& L, int64_t l, ThreadPool& pool, ForwardScratch& s,
                                const float* scores, const uint8_t* allowed) const {
    const int64_t E = spec_.n_embd, F = spec_.n_ff;
    const FfnMode mode = spec_.ffn_mode;
    const bool gated = mode != FfnMode::seq;
    const StageTimer stage{s.ffn_stats, s.ffn_stats.rows};
    const SparseRowsArgs args = rows_input(L, mode, nullptr, nullptr, 1, E, pool, s).args;

    const float thr = sparsity_.threshold;
    const int64_t n_slices = (F + kSelectSlice - 1) / kSelectSlice;
    s.neurons.resize(size_t(F));
    s.h_compact.resize(F);
    s.slice_count.resize(size_t(n_slices));
    std::atomic<int64_t> next{0};
    pool.run([&](int, int) {
        for (int64_t c; (c = next.fetch_add(1, std::memory_order_relaxed)) < n_slices;) {
            const int64_t b = c * kSelectSlice, e = std::min(F, b + kSelectSlice);
            int32_t* list = s.neurons.data() + b;
            int64_t n = 0;
            if (allowed) {
                for (int64_t i = b; i < e; ++i)
                    if (scores[i] >= thr && allowed[i]) list[n++] = int32_t(i);
            } else {
                for (int64_t i = b; i < e; ++i)
                    if (scores[i] >= thr) list[n++] = int32_t(i);
            }
            if (n) sparse_ffn_rows(args, list, n, s.h_compact.data() + b);
            s.slice_count[size_t(c)] = n;
        }
    });
    // Join the slices: the listed neurons in index order, and the ones that fired with their activations.
    int64_t N = 0;
    s.nz_neurons.clear();
    s.nz_coef.resize(F);
    for (int64_t c = 0; c < n_slices; ++c) {
        const int64_t b = c * kSelectSlice, n = s.slice_count[size_t(c)];
        for (int64_t k = 0; k < n; ++k) {
            const int32_t i = s.neurons[size_t(b + k)];
            const float h = s.h_compact[b + k];
            s.neurons[size_t(N++)] = i;
            if (h == 0.0f) continue;
            s.nz_coef[int64_t(s.nz_neurons.size())] = h;
            s.nz_neurons.push_back(i);
        }
    }
    s.neurons.resize(size_t(N));
    if (s.counts) s.counts->add_list(l, s.nz_neurons.data(), int64_t(s.nz_neurons.size()));
    if (s.samples) s.samples->add_list(l, s.x.data(), s.nz_neurons.data(), int64_t(s.nz_neurons.size()));
    if (gated) s.ffn_stats.weight_bytes += uint64_t(N) * L.ffn_gate.row_bytes;
    s.ffn_stats.weight_bytes += uint64_t(gated ? s.nz_neurons.size() : size_t(N)) * L.ffn_up.row_bytes;
}

// Profiling: evaluates the predictor beside the true activations (oracle mode) and counts hits.
void SparseFfn::count_predictions(const LayerWeights& L, int64_t l, int64_t T, ThreadPool& pool, ForwardScratch& s) const {
    const int64_t E = spec_.n_embd, F = spec_.n_ff, r = L.fc1.rows;
    s.pred_h.resize(T * r);
    s.pred.resize(T * F);
    const MatmulOut h[] = {{&L.fc1, s.pred_h.data(), r}};
    matmul(h, s.x.data(), E, T, pool, s.act);
    for (int64_t i = 0; i < T * r; ++i) s.pred_h[i] = s.pred_h[i] > 0.0f ? s.pred_h[i] : 0.0f;
    const MatmulOut p[] = {{&L.fc2, s.pred.data(), F}};
    matmul(p, s.pred_h.data(), r, T, pool, s.act);
    std::vector<uint8_t> pm(static_cast<size_t>(F)), fm(static_cast<size_t>(F));
    for (int64_t t = 0; t < T; ++t) {
        for (int64_t i = 0; i < F; ++i) pm[size_t(i)] = s.pred[t * F + i] >= sparsity_.threshold;
        if (T == 1) {
            std::fill(fm.begin(), fm.end(), uint8_t(0));
            for (int32_t i : s.nz_neurons) fm[size_t(i)] = 1;
        } else {
            for (int64_t i = 0; i < F; ++i) fm[size_t(i)] = s.hidden[t * F + i] != 0.0f;
        }
        s.counts->add_prediction(l, pm.data(), fm.data());
    }
}

// s.cur = down projection of the activations left by sparse_hidden.
void SparseFfn::sparse_down(const LayerWeights& L, int64_t l, int64_t T, ThreadPool& pool, ForwardScratch& s) const {
    const int64_t E = spec_.n_embd, F = spec_.n_ff;
    const StageTimer stage{s.ffn_stats, s.ffn_stats.down};

    if (!L.ffn_down_t.present()) {
        // Dense GGUF: the down matrix is stored by output row; multiply the (mostly zero) activations densely.
        if (T == 1) {
            std::fill(s.hidden.data(), s.hidden.data() + F, 0.0f);
            for (size_t j = 0; j < s.nz_neurons.size(); ++j) s.hidden[s.nz_neurons[j]] = s.nz_coef[int64_t(j)];
        }
        const MatmulOut d[] = {{&L.ffn_down, s.cur.data(), E}};
        matmul(d, s.hidden.data(), F, T, pool, s.act);
        s.ffn_stats.weight_bytes += L.ffn_down.rows * L.ffn_down.row_bytes;
        return;
    }

    const Matrix& D = L.ffn_down_t;
    const TypeTraits& tt = type_traits(D.type);
    const int64_t grain = std::max<int64_t>(tt.block_size, 64);

    if (T == 1) {
        const int64_t N = int64_t(s.nz_neurons.size());
        s.ffn_stats.weight_bytes += uint64_t(N) * D.row_bytes;
        const int32_t* idx = s.nz_neurons.data();
        const float* coef = s.nz_coef.data();
        pool.run([&](int tid, int nth) {
            const int64_t per = round_up((E + nth - 1) / nth, grain);
            const int64_t c0 = std::min<int64_t>(E, per * tid), c1 = std::min<int64_t>(E, c0 + per);
            if (c0 < c1) axpy::axpy_token_columns(D, idx, coef, N, c0, c1, s.cur.data() + c0);
        });
        return;
    }

    // Several tokens: tiles of (tokens x columns); in each, every neuron that fired for some token of the tile
    // has its row slice dequantised once and added to those tokens' outputs.
    s.nz_neurons.clear();
    for (int32_t i : s.neurons)
        for (int64_t t = 0; t < T; ++t)
            if (s.hidden[t * F + i] != 0.0f) {
                s.nz_neurons.push_back(i);
                break;
            }
    const int64_t N = int64_t(s.nz_neurons.size());
    s.ffn_stats.weight_bytes += uint64_t(N) * D.row_bytes;
    const int64_t cols = round_up(kDownTileCols, grain);
    const int64_t n_ct = (E + cols - 1) / cols, n_tt = (T + kDownTileTokens - 1) / kDownTileTokens;
    s.down_buf.resize(int64_t(pool.size()) * cols);
    const axpy::AxpyFn axpy_f32 = axpy::axpy_for(DType::F32);
    pool.parallel_for(n_ct * n_tt, [&](int64_t b, int64_t e, int tid) {
        float* buf = s.down_buf.data() + int64_t(tid) * cols;
        for (int64_t u = b; u < e; ++u) {
            const int64_t t0 = (u / n_ct) * kDownTileTokens, t1 = std::min(T, t0 + kDownTileTokens);
            const int64_t c0 = (u % n_ct) * cols, c1 = std::min(E, c0 + cols);
            const size_t off = row_bytes(tt, c0);
            for (int64_t t = t0; t < t1; ++t) std::fill(s.cur.data() + t * E + c0, s.cur.data() + t * E + c1, 0.0f);
            for (int64_t j = 0; j < N; ++j) {
                const int32_t i = s.nz_neurons[j];
                bool any = false;
                for (int64_t t = t0; t < t1 && !any; ++t) any = s.hidden[t * F + i] != 0.0f;
                if (!any) continue;
                tt.to_float(D.row(i) + off, buf, c1 - c0);
                const uint8_t* row = reinterpret_cast<const uint8_t*>(buf);
                for (int64_t t = t0; t < t1; ++t) {
                    const float h = s.hidden[t * F + i];
                    if (h != 0.0f) axpy_f32(c1 - c0, 1, &row, &h, s.cur.data() + t * E + c0);
                }
            }
        }
    });
}

}  // namespace locus
