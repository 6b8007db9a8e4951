#include "server/metrics.h"

#include <fmt/format.h>

namespace locus::server {

void RequestCounters::count(const std::string& endpoint, int status) {
    std::lock_guard lk(mu_);
    ++counts_[{endpoint, status}];
}

std::map<std::pair<std::string, int>, uint64_t> RequestCounters::snapshot() const {
    std::lock_guard lk(mu_);
    return counts_;
}

namespace {

void metric(std::string& out, const char* name, const char* type, const char* help, double value) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type, value);
}

}  // namespace

std::string render_metrics(const RequestCounters& requests, const SchedulerStats& s) {
    std::string out;
    out += "# HELP locus_requests_total HTTP requests answered, by endpoint and status.\n"
           "# TYPE locus_requests_total counter\n";
    for (const auto& [key, n] : requests.snapshot())
        out += fmt::format("locus_requests_total{{endpoint=\"{}\",status=\"{}\"}} {}\n", key.first, key.second, n);
    metric(out, "locus_prompt_tokens_total", "counter", "Prompt tokens evaluated.", double(s.prompt_tokens));
    metric(out, "locus_generated_tokens_total", "counter", "Tokens sampled.", double(s.generated_tokens));
    metric(out, "locus_tokens_per_second", "gauge", "Tokens sampled per second over the last 10 s.",
           s.tokens_per_second);
    metric(out, "locus_batch_steps_total", "counter", "Batched forward passes.", double(s.steps));
    metric(out, "locus_jobs_finished_total", "counter", "Generations that ran to a stop or a length limit.",
           double(s.jobs_finished));
    metric(out, "locus_jobs_cancelled_total", "counter", "Generations cancelled (client gone).",
           double(s.jobs_cancelled));
    metric(out, "locus_queue_depth", "gauge", "Requests waiting for a slot.", double(s.queue_depth));
    metric(out, "locus_slots_busy", "gauge", "Slots generating.", double(s.slots_busy));
    metric(out, "locus_slots_total", "gauge", "Slots (--parallel).", double(s.slots_total));
    return out;
}

}  // namespace locus::server
