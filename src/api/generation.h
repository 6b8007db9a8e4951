// One generation in progress: the loop of `locus run` turned inside out, so a caller can pull it a piece at a
// time (locus_stream_next) or have it pushed through a callback (locus_generate).
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "api/objects.h"
#include "text/detokenizer.h"

namespace locus::api {

class Generation {
public:
    // Takes the session (and the sampler, if any; null: greedy) for the generation's lifetime, appends the
    // prompt to sequence 0 and runs it. On failure returns the status with the message set, and `out` stays null.
    static locus_status start(std::shared_ptr<SessionObject> session, UseGuard session_use,
                              std::shared_ptr<SamplerObject> sampler, UseGuard sampler_use, const char* prompt,
                              const locus_generate_options& options, std::unique_ptr<Generation>& out);
    ~Generation();

    // Produces the next piece of text and the token it came from (-1 for bytes flushed at the end); sets done
    // (and nothing else) when the generation is over.
    locus_status next(std::string& piece, int32_t& token, bool& done);

private:
    Generation(std::shared_ptr<SessionObject> s, UseGuard su, std::shared_ptr<SamplerObject> sm, UseGuard smu,
               const locus_generate_options& o);
    locus_status run_prompt(const char* prompt);

    std::shared_ptr<SessionObject> so_;
    UseGuard session_use_;
    std::shared_ptr<SamplerObject> sampler_obj_;
    UseGuard sampler_use_;
    std::optional<text::Sampler> greedy_;
    text::Sampler* sampler_ = nullptr;
    std::optional<text::StreamDecoder> out_;
    locus_generate_options opts_;
    int64_t n_gen_ = 0, limit_ = 0;
    int32_t to_run_ = -1;  // the last sampled token, run before the next one is sampled
    bool finished_ = false, flushed_ = false;
};

}  // namespace locus::api
