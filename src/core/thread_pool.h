// A fixed pool of worker threads for data-parallel kernels. The calling thread takes part as thread 0, so a
// pool of N threads starts N-1 workers. Workers spin briefly between jobs (decode issues many small jobs per
// token) and then sleep, so an idle pool costs no CPU.
#pragma once
#include <atomic>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

namespace locus {

class ThreadPool {
public:
    explicit ThreadPool(int n_threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return n_threads_; }

    // Calls fn(thread_index, n_threads) once on every thread and returns when all have finished.
    template <class F>
    void run(F&& fn) {
        auto trampoline = [](void* ctx, int tid, int nth) { (*static_cast<F*>(ctx))(tid, nth); };
        dispatch(trampoline, &fn);
    }

    // Splits [0, n) into one contiguous range per thread (multiples of `grain`); fn(begin, end, thread_index).
    template <class F>
    void parallel_for(int64_t n, F&& fn, int64_t grain = 1) {
        run([&](int tid, int nth) {
            const auto [b, e] = split(n, tid, nth, grain);
            if (b < e) fn(b, e, tid);
        });
    }

    // The range of thread `tid` of `nth` over [0, n), boundaries rounded to multiples of grain.
    static std::pair<int64_t, int64_t> split(int64_t n, int tid, int nth, int64_t grain = 1) {
        const int64_t blocks = (n + grain - 1) / grain;
        const int64_t per = blocks / nth, rem = blocks % nth;
        const int64_t b = tid * per + (tid < rem ? tid : rem);
        const int64_t e = b + per + (tid < rem ? 1 : 0);
        return {std::min(n, b * grain), std::min(n, e * grain)};
    }

private:
    using Job = void (*)(void* ctx, int tid, int nth);
    void dispatch(Job job, void* ctx);
    void worker_loop(int tid);

    int n_threads_;
    std::vector<std::thread> workers_;
    Job job_ = nullptr;
    void* ctx_ = nullptr;
    std::atomic<uint64_t> generation_{0};
    std::atomic<int> pending_{0};
    std::atomic<bool> stop_{false};
};

}  // namespace locus
