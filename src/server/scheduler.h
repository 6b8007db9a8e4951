// Continuous batching: N slots over one Session with N sequences. A single scheduler thread repeats one step:
// admit queued jobs into free slots, drop cancelled ones, put every active slot's next input (prompt chunk or
// last token) into ONE batch, run one forward pass, then let each slot sample from its own logits.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/status.h"
#include "runtime/engine.h"
#include "runtime/session.h"
#include "server/job.h"
#include "server/slot.h"
#include "server/throughput_meter.h"

namespace locus::server {

struct SchedulerOptions {
    int n_slots = 1;
    int64_t n_ctx = 0;       // per slot; 0: the model's training context
    size_t max_queue = 64;   // jobs waiting for a slot; submit() refuses more
    int64_t n_batch = 512;   // tokens per step (prompt chunks share it with the decoding slots)
};

struct SchedulerStats {
    int slots_total = 0;
    int slots_busy = 0;
    size_t queue_depth = 0;
    uint64_t steps = 0;
    uint64_t prompt_tokens = 0;      // prompt tokens evaluated
    uint64_t generated_tokens = 0;
    uint64_t jobs_finished = 0;
    uint64_t jobs_cancelled = 0;
    double tokens_per_second = 0.0;  // generated tokens, over the last 10 s
};

class Scheduler {
public:
    static Expected<std::unique_ptr<Scheduler>> create(Engine& engine, const SchedulerOptions& opts);
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // Queues a job; null when the queue is full or the scheduler is stopping. The prompt must be non-empty
    // and shorter than n_ctx() (the caller checks, to answer with a clear error).
    std::shared_ptr<Job> submit(JobSpec spec);
    // Finishes every job (Cancelled) and joins the thread; idempotent.
    void stop();

    SchedulerStats stats();
    int64_t n_ctx() const { return n_ctx_; }
    int n_slots() const { return int(slots_.size()); }

private:
    Scheduler(Engine& engine, std::unique_ptr<Session> session, const SchedulerOptions& opts);
    void loop();
    void admit();           // under mu_
    bool step();            // one batched forward pass; false when there was nothing to do

    Engine& engine_;
    std::unique_ptr<Session> session_;
    int64_t n_ctx_;
    size_t max_queue_;
    int64_t n_batch_;
    std::vector<Slot> slots_;
    Batch batch_;
    std::vector<int> batch_owner_;  // slot of each logits row of the batch

    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::shared_ptr<Job>> queue_;
    bool stopping_ = false;
    std::atomic<int> busy_{0};
    std::atomic<uint64_t> steps_{0}, prompt_tokens_{0}, generated_tokens_{0}, finished_{0}, cancelled_{0};
    std::mutex meter_mu_;
    ThroughputMeter meter_;
    std::mutex join_mu_;
    std::thread thread_;
};

}  // namespace locus::server
