// Tokens per second over a sliding window of recent steps (for /metrics).
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <utility>

namespace locus::server {

class ThroughputMeter {
public:
    using Clock = std::chrono::steady_clock;
    explicit ThroughputMeter(std::chrono::seconds window = std::chrono::seconds(10)) : window_(window) {}

    void add(int64_t n, Clock::time_point now = Clock::now()) {
        events_.emplace_back(now, n);
        trim(now);
    }
    // Tokens per second over the window (0 when idle for a whole window).
    double rate(Clock::time_point now = Clock::now()) {
        trim(now);
        if (events_.empty()) return 0.0;
        int64_t sum = 0;
        for (const auto& e : events_) sum += e.second;
        // Measure from the first event in the window, but over at least one second so a single step does not
        // read as a huge rate.
        const double span = std::max(1.0, std::chrono::duration<double>(now - events_.front().first).count());
        return double(sum) / span;
    }

private:
    void trim(Clock::time_point now) {
        while (!events_.empty() && now - events_.front().first > window_) events_.pop_front();
    }
    std::chrono::seconds window_;
    std::deque<std::pair<Clock::time_point, int64_t>> events_;
};

}  // namespace locus::server
