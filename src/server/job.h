// One generation request travelling between an HTTP handler thread (the consumer) and the scheduler thread
// (the producer): its spec, the text produced so far, and how it ended. All methods are thread-safe.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "text/sampler.h"

namespace locus::server {

struct GenerationParams {
    int64_t max_tokens = -1;  // < 0: until the context is full
    text::SamplerParams sampler;
    float presence_penalty = 0.0f;   // OpenAI's: subtracted once from every token already generated
    float frequency_penalty = 0.0f;  // OpenAI's: subtracted per occurrence among the generated tokens
    std::vector<std::string> stop;   // stop strings (not included in the output)
    int logprobs = -1;               // < 0: none; else how many alternatives to report per token (0..20)
    bool ignore_eos = false;
};

struct JobSpec {
    std::vector<int32_t> prompt;
    GenerationParams params;
    std::vector<int32_t> stop_tokens;  // extra tokens that end the turn (a chat format's end-of-turn token)
    bool text_start = false;           // the output starts a text (drop SPM's leading space), as for chat replies
    // Wake the consumer for every piece (streaming); otherwise only when the job finishes, which saves a thread
    // switch per token for whole-body replies.
    bool wake_per_piece = true;
};

struct TokenLogprob {
    int32_t token = -1;
    float logprob = 0.0f;
    std::vector<std::pair<int32_t, float>> top;  // most likely tokens and their log-probabilities
};

// Text that became ready, with the tokens generated since the previous piece (text can lag tokens: a stop
// string or a UTF-8 character may be incomplete).
struct Piece {
    std::string text;
    std::vector<TokenLogprob> tokens;
};

enum class FinishReason { Stop, Length, Cancelled, Error };
const char* finish_reason_name(FinishReason r);  // "stop", "length", "cancelled", "error"

struct JobOutcome {
    FinishReason reason = FinishReason::Stop;
    std::string error;  // reason Error: what went wrong
    int64_t prompt_tokens = 0;
    int64_t completion_tokens = 0;
};

class Job {
public:
    explicit Job(JobSpec spec) : spec_(std::move(spec)) {}
    const JobSpec& spec() const { return spec_; }

    // Consumer: waits up to `timeout` for output, appends it to `out`; true once the job has finished and all of
    // its output has been taken.
    bool wait(std::vector<Piece>& out, std::chrono::milliseconds timeout);
    // Consumer: the client is gone; the scheduler frees the slot at its next step.
    void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
    bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }
    JobOutcome outcome() const;

    // Producer.
    void push(Piece p);
    void finish(JobOutcome o);
    bool finished() const;

private:
    JobSpec spec_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::vector<Piece> pieces_;
    bool finished_ = false;
    JobOutcome outcome_;
    std::atomic<bool> cancelled_{false};
};

}  // namespace locus::server
