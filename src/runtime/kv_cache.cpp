#include "runtime/kv_cache.h"

#include <fmt/format.h>

namespace locus {

Expected<KvCache> KvCache::create(const ModelSpec& spec, int64_t n_ctx, int n_seq) {
    if (n_ctx <= 0) return Status::error(fmt::format("context size must be positive (got {})", n_ctx));
    if (n_seq <= 0) return Status::error(fmt::format("number of sequences must be positive (got {})", n_seq));
    KvCache c;
    c.n_ctx_ = n_ctx;
    c.n_seq_ = n_seq;
    c.n_layer_ = spec.n_layer;
    c.kv_dim_ = spec.kv_dim();
    const double bytes = 2.0 * 2.0 * double(n_seq) * double(spec.n_layer) * double(n_ctx) * double(c.kv_dim_);
    if (bytes > 256.0 * (1ull << 30))
        return Status::error(fmt::format("KV cache of {:.1f} GiB for context {} x {} sequences is too large",
                                         bytes / (1ull << 30), n_ctx, n_seq));
    try {
        c.data_.resize(size_t(bytes / 2));
    } catch (const std::bad_alloc&) {
        return Status::error(fmt::format("out of memory allocating a KV cache of {:.1f} MiB", bytes / (1 << 20)));
    }
    return c;
}

}  // namespace locus
