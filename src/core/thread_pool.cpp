#include "core/thread_pool.h"

#include <algorithm>
#include <immintrin.h>
#include <sched.h>

namespace locus {
namespace {
// Waiting, in three stages: spin with pause (a decode step dispatches hundreds of jobs, each a few microseconds
// apart), then yield the core (when the machine is oversubscribed, the thread being waited for may need this very
// core: pure spinning then costs a whole scheduler time slice per job, measured at 100x slower decode on a busy
// 2-core machine), then sleep on the futex (a worker idle between requests).
constexpr int kPauseIterations = 1 << 11;
constexpr int kYieldIterations = 1 << 12;
inline void cpu_relax() { _mm_pause(); }

// One step of waiting; `spins` counts the steps so far.
inline void backoff(int spins) {
    if (spins < kPauseIterations) cpu_relax();
    else sched_yield();
}
}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(std::max(1, n_threads)) {
    workers_.reserve(n_threads_ - 1);
    for (int t = 1; t < n_threads_; ++t) workers_.emplace_back([this, t] { worker_loop(t); });
}

ThreadPool::~ThreadPool() {
    stop_.store(true, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    for (auto& w : workers_) w.join();
}

void ThreadPool::dispatch(Job job, void* ctx) {
    if (n_threads_ == 1) {
        job(ctx, 0, 1);
        return;
    }
    job_ = job;
    ctx_ = ctx;
    pending_.store(n_threads_ - 1, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);  // publishes job_ and ctx_
    generation_.notify_all();
    job(ctx, 0, n_threads_);
    for (int spins = 0; pending_.load(std::memory_order_acquire) != 0; ++spins) backoff(spins);
}

void ThreadPool::worker_loop(int tid) {
    uint64_t seen = 0;  // the generation at construction: a job dispatched before this thread ran is not missed
    for (;;) {
        int spins = 0;
        uint64_t now;
        while ((now = generation_.load(std::memory_order_acquire)) == seen) {
            if (++spins < kPauseIterations + kYieldIterations) {
                backoff(spins);
            } else {
                generation_.wait(seen, std::memory_order_acquire);
            }
        }
        seen = now;
        if (stop_.load(std::memory_order_relaxed)) return;
        job_(ctx_, tid, n_threads_);
        pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
}

}  // namespace locus
