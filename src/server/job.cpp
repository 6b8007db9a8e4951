#include "server/job.h"

namespace locus::server {

const char* finish_reason_name(FinishReason r) {
    switch (r) {
        case FinishReason::Stop: return "stop";
        case FinishReason::Length: return "length";
        case FinishReason::Cancelled: return "cancelled";
        case FinishReason::Error: return "error";
    }
    return "?";
}

bool Job::wait(std::vector<Piece>& out, std::chrono::milliseconds timeout) {
    std::unique_lock lk(mu_);
    cv_.wait_for(lk, timeout, [&] { return finished_ || !pieces_.empty(); });
    for (Piece& p : pieces_) out.push_back(std::move(p));
    pieces_.clear();
    return finished_;
}

JobOutcome Job::outcome() const {
    std::lock_guard lk(mu_);
    return outcome_;
}

void Job::push(Piece p) {
    {
        std::lock_guard lk(mu_);
        pieces_.push_back(std::move(p));
    }
    if (spec_.wake_per_piece) cv_.notify_all();
}

void Job::finish(JobOutcome o) {
    {
        std::lock_guard lk(mu_);
        if (finished_) return;
        outcome_ = std::move(o);
        finished_ = true;
    }
    cv_.notify_all();
}

bool Job::finished() const {
    std::lock_guard lk(mu_);
    return finished_;
}

}  // namespace locus::server
