#include "runtime/session.h"

#include "sparse/activation_counts.h"

#include <fmt/format.h>

namespace locus {

Session::Session(Engine& e, KvCache kv, int64_t n_batch)
    : engine_(e), kv_(std::move(kv)), n_batch_(n_batch), n_vocab_(e.spec().n_vocab), n_past_(kv_.n_seq(), 0) {}

Expected<std::unique_ptr<Session>> Session::create(Engine& engine, const SessionOptions& opts) {
    const int64_t n_ctx = opts.n_ctx > 0 ? opts.n_ctx : engine.spec().n_ctx_train;
    if (opts.n_batch <= 0) return Status::error(fmt::format("batch size must be positive (got {})", opts.n_batch));
    // Learned position embeddings (opt) end where the table ends; RoPE models may run past their training length.
    const ModelSpec& spec = engine.spec();
    if (spec.positions == Positions::learned && n_ctx > spec.n_ctx_train)
        return Status::error(fmt::format("a context of {} tokens is longer than the {} positions '{}' has learned "
                                         "embeddings for (-c {} at most)", n_ctx, spec.n_ctx_train, spec.arch,
                                         spec.n_ctx_train));
    auto kv = KvCache::create(engine.spec(), n_ctx, opts.n_seq);
    if (!kv) return kv.status();
    std::unique_ptr<Session> s(new Session(engine, std::move(*kv), opts.n_batch));
    if (engine.gpu()) {
        auto hooks = make_gpu_hooks(*engine.gpu(), n_ctx, opts.n_seq, opts.n_batch);
        if (!hooks) return hooks.status();
        s->hooks_ = std::move(*hooks);
        s->scratch_.hooks = s->hooks_.get();
    }
    return s;
}

Status Session::decode(const Batch& batch) {
    for (int64_t t = 0; t < batch.size(); ++t) {
        const int s = batch.seq[t];
        if (s < 0 || s >= kv_.n_seq())
            return Status::error(fmt::format("sequence id {} is outside 0..{}", s, kv_.n_seq() - 1));
        if (batch.pos[t] >= kv_.n_ctx())
            return Status::error(fmt::format("context is full: position {} does not fit a context of {} tokens",
                                             batch.pos[t], kv_.n_ctx()));
    }
    n_logits_ = batch.n_logits();
    logits_.resize(size_t(n_logits_ * n_vocab_));
    int64_t out = 0;
    for (int64_t b = 0; b < batch.size(); b += n_batch_) {
        const int64_t e = std::min(batch.size(), b + n_batch_);
        sub_.clear();
        for (int64_t t = b; t < e; ++t) sub_.add(batch.tokens[t], batch.seq[t], batch.pos[t], batch.logits[t]);
        LOCUS_TRY(engine_.model().forward(sub_, kv_, logits_.data() + out * n_vocab_, engine_.pool(), scratch_));
        out += sub_.n_logits();
    }
    for (int64_t t = 0; t < batch.size(); ++t)
        n_past_[batch.seq[t]] = std::max<int64_t>(n_past_[batch.seq[t]], int64_t(batch.pos[t]) + 1);
    return Status::ok();
}

Status Session::eval(std::span<const int32_t> tokens, int seq, bool all_logits) {
    if (seq < 0 || seq >= kv_.n_seq())
        return Status::error(fmt::format("sequence id {} is outside 0..{}", seq, kv_.n_seq() - 1));
    if (n_past_[seq] + int64_t(tokens.size()) > kv_.n_ctx())
        return Status::error(fmt::format("{} tokens do not fit: {} of the context of {} are used", tokens.size(),
                                         n_past_[seq], kv_.n_ctx()));
    Batch b;
    for (size_t i = 0; i < tokens.size(); ++i)
        b.add(tokens[i], seq, int32_t(n_past_[seq] + int64_t(i)), all_logits || i + 1 == tokens.size());
    return decode(b);
}

Status Session::set_activation_counts(ActivationCounts* c) {
    if (hooks_) {
        ForwardHooks::ActivationObserver obs;
        if (c) obs = counting_observer(c);
        if (!hooks_->set_activation_observer(std::move(obs)) && c)
            return Status::error("activation counts are not available with the hybrid hot/cold placement: profile "
                                 "with layer offload (-ngl) or on the CPU");
    }
    scratch_.counts = c;
    return Status::ok();
}

}  // namespace locus
