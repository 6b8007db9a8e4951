#include "sparse/footprint.h"

namespace locus {
namespace {

uint64_t matrix_bytes(const Matrix& m) { return m.present() ? uint64_t(m.rows) * m.row_bytes : 0; }
uint64_t vector_bytes(const std::vector<float>& v) { return uint64_t(v.size()) * sizeof(float); }

}  // namespace

uint64_t ModelFootprint::ffn_bytes() const {
    uint64_t s = 0;
    for (const LayerFootprint& l : layers) s += uint64_t(l.n_ff) * l.neuron_bytes;
    return s;
}

Expected<ModelFootprint> model_footprint(const ModelSpec& spec, const ModelWeights& w, int64_t n_ctx) {
    if (n_ctx <= 0) return Expected<ModelFootprint>::failure("context size must be positive, got " + std::to_string(n_ctx));
    if (int64_t(w.layers.size()) != spec.n_layer)
        return Expected<ModelFootprint>::failure("model has " + std::to_string(w.layers.size()) +
                                                 " bound layers, its spec says " + std::to_string(spec.n_layer));
    ModelFootprint f;
    f.n_ctx = n_ctx;
    f.output_bytes = matrix_bytes(w.output) + vector_bytes(w.output_norm);
    f.embd_bytes = matrix_bytes(w.tok_embd);
    const uint64_t kv_bytes = uint64_t(n_ctx) * uint64_t(spec.kv_dim()) * 2;  // F16, as KvCache
    for (size_t i = 0; i < w.layers.size(); ++i) {
        const LayerWeights& L = w.layers[i];
        LayerFootprint l;
        l.attn_bytes = matrix_bytes(L.wq) + matrix_bytes(L.wk) + matrix_bytes(L.wv) + matrix_bytes(L.wo) +
                       vector_bytes(L.attn_norm) + vector_bytes(L.bq) + vector_bytes(L.bk) + vector_bytes(L.bv);
        l.predictor_bytes = matrix_bytes(L.fc1) + matrix_bytes(L.fc2);
        l.ffn_norm_bytes = vector_bytes(L.ffn_norm);
        l.k_cache_bytes = l.v_cache_bytes = kv_bytes;
        l.n_ff = spec.n_ff;
        if (l.n_ff <= 0 || !L.ffn_up.present())
            return Expected<ModelFootprint>::failure("layer " + std::to_string(i) + " has no FFN up projection");
        uint64_t down = 0;
        if (L.ffn_down_t.present()) down = L.ffn_down_t.row_bytes;
        else if (L.ffn_down.present()) down = (matrix_bytes(L.ffn_down) + uint64_t(l.n_ff) - 1) / uint64_t(l.n_ff);
        l.neuron_bytes = L.ffn_up.row_bytes + (L.ffn_gate.present() ? L.ffn_gate.row_bytes : 0) + down;
        f.layers.push_back(l);
    }
    return f;
}

}  // namespace locus
