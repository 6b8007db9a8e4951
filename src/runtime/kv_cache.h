// Per-sequence key/value cache in F16 (as llama.cpp's default): for each sequence and layer, n_ctx rows of
// kv_dim values for K and for V. Sequences have fixed slots, so a batch can mix sequences freely.
#pragma once
#include <cstdint>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/status.h"
#include "model/model_spec.h"

namespace locus {

class KvCache {
public:
    static Expected<KvCache> create(const ModelSpec& spec, int64_t n_ctx, int n_seq);

    int64_t n_ctx() const { return n_ctx_; }
    int n_seq() const { return n_seq_; }
    int64_t kv_dim() const { return kv_dim_; }
    uint16_t* k(int seq, int64_t layer) { return data_.data() + offset(seq, layer, 0); }
    uint16_t* v(int seq, int64_t layer) { return data_.data() + offset(seq, layer, 1); }
    uint64_t bytes() const { return uint64_t(data_.size()) * 2; }

private:
    size_t offset(int seq, int64_t layer, int kv) const {
        return ((size_t(seq) * n_layer_ + size_t(layer)) * 2 + kv) * size_t(n_ctx_) * size_t(kv_dim_);
    }
    int64_t n_ctx_ = 0, n_layer_ = 0, kv_dim_ = 0;
    int n_seq_ = 0;
    AlignedBuffer<uint16_t> data_;
};

}  // namespace locus
