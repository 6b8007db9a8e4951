// One sequence of the batched session serving one job: feeds its prompt, then its last token, samples from its
// logits with its own sampler, turns tokens into text (UTF-8 safe, stop strings held back) and finishes the job.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "runtime/batch.h"
#include "server/job.h"
#include "server/stop_matcher.h"
#include "text/detokenizer.h"
#include "text/sampler.h"
#include "text/tokenizer.h"

namespace locus::server {

class Slot {
public:
    Slot(int seq, const text::Tokenizer& tok, int64_t n_ctx) : seq_(seq), tok_(&tok), n_ctx_(n_ctx) {}

    int seq() const { return seq_; }
    bool busy() const { return job_ != nullptr; }
    const std::shared_ptr<Job>& job() const { return job_; }
    bool prefilling() const { return busy() && fed_ < int64_t(job_->spec().prompt.size()); }

    // Takes a job; its sequence must have been cleared in the session.
    void start(std::shared_ptr<Job> job);
    // Adds this slot's next input to the batch: up to `budget` prompt tokens, or the last sampled token. Returns
    // the number of tokens added; *wants_logits says whether the batch asks for logits of the last one.
    int64_t add_input(Batch& batch, int64_t budget, bool* wants_logits);
    // Consumes the logits of this slot's last input: samples, emits text; may finish the job.
    void on_logits(const float* logits, int n_vocab);
    // Ends the job (flushing held text unless cancelled or failed) and frees the slot.
    void finish(FinishReason reason, std::string error = {});
    int64_t generated() const { return n_generated_; }

private:
    int seq_;
    const text::Tokenizer* tok_;
    int64_t n_ctx_;
    std::shared_ptr<Job> job_;
    int64_t fed_ = 0;        // prompt tokens fed so far
    int64_t n_past_ = 0;     // tokens in this sequence's cache
    int32_t last_ = -1;      // last sampled token, fed at the next step
    int64_t n_generated_ = 0;
    std::optional<text::Sampler> sampler_;
    std::optional<text::StreamDecoder> decoder_;
    std::optional<StopMatcher> stops_;
    std::unordered_map<int32_t, int> counts_;  // generated tokens, for presence/frequency penalties
    std::vector<float> penalized_;
    std::vector<TokenLogprob> pending_logprobs_;
};

}  // namespace locus::server
