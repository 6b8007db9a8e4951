#include "api/generation.h"

#include <algorithm>

namespace locus::api {
namespace {
constexpr const char* kFn = "locus_generate";
locus_status cancelled() { return fail(LOCUS_ERR_CANCELLED, "locus_generate: cancelled by locus_session_cancel"); }
}  // namespace

Generation::Generation(std::shared_ptr<SessionObject> s, UseGuard su, std::shared_ptr<SamplerObject> sm, UseGuard smu,
                       const locus_generate_options& o)
    : so_(std::move(s)), session_use_(std::move(su)), sampler_obj_(std::move(sm)), sampler_use_(std::move(smu)),
      opts_(o) {
    if (sampler_obj_) {
        sampler_ = &sampler_obj_->sampler;
    } else {
        text::SamplerParams greedy;
        greedy.temperature = 0.0f;
        sampler_ = &greedy_.emplace(greedy);
    }
}

// The cancel request is used up by the generation it stopped (or by the one it found on starting).
Generation::~Generation() { so_->cancel.store(false); }

locus_status Generation::start(std::shared_ptr<SessionObject> session, UseGuard session_use,
                               std::shared_ptr<SamplerObject> sampler, UseGuard sampler_use, const char* prompt,
                               const locus_generate_options& options, std::unique_ptr<Generation>& out) {
    std::unique_ptr<Generation> g(new Generation(std::move(session), std::move(session_use), std::move(sampler),
                                                 std::move(sampler_use), options));
    if (locus_status st = g->run_prompt(prompt); st != LOCUS_OK) return st;
    out = std::move(g);
    return LOCUS_OK;
}

locus_status Generation::run_prompt(const char* prompt) {
    SessionObject& so = *so_;
    Session& s = *so.session;
    const text::Tokenizer& tok = so.model->engine->tokenizer();
    const bool fresh = s.n_past(0) == 0;
    std::vector<int32_t> tokens;
    if (!fresh && so.pending >= 0) tokens.push_back(so.pending);
    so.pending = -1;
    const std::vector<int32_t> text_tokens = tok.encode(prompt, fresh, opts_.parse_special != 0);
    tokens.insert(tokens.end(), text_tokens.begin(), text_tokens.end());
    if (tokens.empty() && fresh && tok.bos() >= 0) tokens.push_back(tok.bos());
    if (tokens.empty()) return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_generate: the prompt has no tokens");
    if (s.n_past(0) + int64_t(tokens.size()) >= s.n_ctx())
        return fail(LOCUS_ERR_CONTEXT_FULL, "locus_generate: the prompt is " + std::to_string(tokens.size()) +
                                                " tokens long, but " + std::to_string(s.n_ctx() - s.n_past(0)) +
                                                " of the context are free");
    for (int32_t t : tokens) sampler_->accept(t);

    // The decoder sees the prompt too, so the first generated piece keeps or drops its leading space exactly
    // as `locus run` prints it after the prompt.
    out_.emplace(tok, fresh);
    for (int32_t t : tokens) out_->feed(t);
    out_->flush();

    // The prompt runs in chunks of n_batch (the passes Session::decode would make), so a cancel request is seen
    // between them.
    const size_t chunk = size_t(std::max<int64_t>(1, s.n_batch()));
    for (size_t b = 0; b < tokens.size(); b += chunk) {
        if (so.cancel.load()) return cancelled();
        const size_t e = std::min(tokens.size(), b + chunk);
        const int64_t base = s.n_past(0);
        Batch batch;
        for (size_t i = b; i < e; ++i) batch.add(tokens[i], 0, int32_t(base + int64_t(i - b)), i + 1 == e);
        if (locus_status st = run_batch(so, batch, true, kFn); st != LOCUS_OK) return st;
    }
    limit_ = opts_.n_predict < 0 ? s.n_ctx() - s.n_past(0) : opts_.n_predict;
    finished_ = limit_ == 0;
    return LOCUS_OK;
}

locus_status Generation::next(std::string& piece, int32_t& token, bool& done) {
    SessionObject& so = *so_;
    Session& s = *so.session;
    piece.clear();
    token = -1;
    done = false;
    if (!finished_) {
        if (so.cancel.load()) return cancelled();
        if (to_run_ >= 0) {
            Batch one;
            one.add(to_run_, 0, int32_t(s.n_past(0)), true);
            to_run_ = -1;
            so.pending = -1;
            if (locus_status st = run_batch(so, one, false, kFn); st != LOCUS_OK) return st;
        }
        const int32_t next = sampler_->sample(s.logits(0), int(s.n_vocab()));
        sampler_->accept(next);
        ++n_gen_;
        ++so.timings.n_sampled;
        if (s.n_past(0) < s.n_ctx()) so.pending = next;
        if (!so.model->engine->tokenizer().is_eog(next) || opts_.ignore_eos) {
            piece = out_->feed(next);
            token = next;
            if (n_gen_ >= limit_ || s.n_past(0) >= s.n_ctx())
                finished_ = true;
            else
                to_run_ = next;
            return LOCUS_OK;
        }
        finished_ = true;
    }
    if (!flushed_) {
        flushed_ = true;
        piece = out_->flush();
        if (!piece.empty()) return LOCUS_OK;
    }
    done = true;
    return LOCUS_OK;
}

}  // namespace locus::api
