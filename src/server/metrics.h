// Counters of the HTTP side and their rendering, with the scheduler's, in Prometheus' text format.
#pragma once
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "server/scheduler.h"

namespace locus::server {

class RequestCounters {
public:
    // One answered request: its endpoint ("/v1/completions", ...) and HTTP status.
    void count(const std::string& endpoint, int status);
    std::map<std::pair<std::string, int>, uint64_t> snapshot() const;

private:
    mutable std::mutex mu_;
    std::map<std::pair<std::string, int>, uint64_t> counts_;
};

// Prometheus exposition text (version 0.0.4) of the request counters and the scheduler's figures.
std::string render_metrics(const RequestCounters& requests, const SchedulerStats& s);

}  // namespace locus::server
