#include "server/slot.h"

#include <algorithm>

#include "server/logprobs.h"

namespace locus::server {

void Slot::start(std::shared_ptr<Job> job) {
    job_ = std::move(job);
    const JobSpec& s = job_->spec();
    fed_ = 0;
    n_past_ = 0;
    last_ = -1;
    n_generated_ = 0;
    sampler_.emplace(s.params.sampler);
    for (int32_t t : s.prompt) sampler_->accept(t);  // the repetition penalty looks at the prompt too
    decoder_.emplace(*tok_, s.text_start);
    stops_.emplace(s.params.stop);
    counts_.clear();
    pending_logprobs_.clear();
}

int64_t Slot::add_input(Batch& batch, int64_t budget, bool* wants_logits) {
    *wants_logits = false;
    if (!busy() || budget <= 0) return 0;
    const std::vector<int32_t>& prompt = job_->spec().prompt;
    if (fed_ < int64_t(prompt.size())) {
        const int64_t n = std::min(budget, int64_t(prompt.size()) - fed_);
        for (int64_t i = 0; i < n; ++i) {
            const bool last = fed_ + i + 1 == int64_t(prompt.size());
            batch.add(prompt[size_t(fed_ + i)], seq_, int32_t(n_past_ + i), last);
            *wants_logits = last;
        }
        fed_ += n;
        n_past_ += n;
        return n;
    }
    batch.add(last_, seq_, int32_t(n_past_), true);
    ++n_past_;
    *wants_logits = true;
    return 1;
}

void Slot::on_logits(const float* logits, int n_vocab) {
    const GenerationParams& p = job_->spec().params;
    const float* use = logits;
    if (p.presence_penalty != 0.0f || p.frequency_penalty != 0.0f) {
        penalized_.assign(logits, logits + n_vocab);
        for (const auto& [tok, n] : counts_)
            penalized_[size_t(tok)] -= p.presence_penalty + p.frequency_penalty * float(n);
        use = penalized_.data();
    }
    const int32_t t = sampler_->sample(use, n_vocab);
    sampler_->accept(t);
    last_ = t;
    ++counts_[t];

    const std::vector<int32_t>& stop_tokens = job_->spec().stop_tokens;
    const bool end_of_turn = (tok_->is_eog(t) && !p.ignore_eos) ||
                             std::find(stop_tokens.begin(), stop_tokens.end(), t) != stop_tokens.end();
    if (end_of_turn) {
        finish(FinishReason::Stop);
        return;
    }
    ++n_generated_;
    if (p.logprobs >= 0) pending_logprobs_.push_back(token_logprob(logits, n_vocab, t, p.logprobs));
    const std::string text = stops_->push(decoder_->feed(t));
    if (!text.empty() || stops_->stopped()) {
        job_->push(Piece{text, std::move(pending_logprobs_)});
        pending_logprobs_.clear();
    }
    if (stops_->stopped()) {
        finish(FinishReason::Stop);
        return;
    }
    // The sampled token is fed at the next step, which needs a free cache row.
    if ((p.max_tokens >= 0 && n_generated_ >= p.max_tokens) || n_past_ >= n_ctx_) finish(FinishReason::Length);
}

void Slot::finish(FinishReason reason, std::string error) {
    if (!job_) return;
    if (reason == FinishReason::Stop || reason == FinishReason::Length) {
        std::string rest = stops_->push(decoder_->flush());
        rest += stops_->flush();
        if (!rest.empty() || !pending_logprobs_.empty()) job_->push(Piece{rest, std::move(pending_logprobs_)});
    }
    JobOutcome o;
    o.reason = reason;
    o.error = std::move(error);
    o.prompt_tokens = int64_t(job_->spec().prompt.size());
    o.completion_tokens = n_generated_;
    job_->finish(std::move(o));
    job_.reset();
    pending_logprobs_.clear();
}

}  // namespace locus::server
