#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace locus {

TEST(ThreadPool, EveryThreadRunsOncePerJob) {
    for (int n : {1, 2, 3, 5}) {
        ThreadPool pool(n);
        for (int rep = 0; rep < 200; ++rep) {
            std::vector<std::atomic<int>> hits(n);
            pool.run([&](int tid, int nth) {
                ASSERT_EQ(nth, n);
                hits[tid].fetch_add(1);
            });
            for (int t = 0; t < n; ++t) ASSERT_EQ(hits[t].load(), 1) << "thread " << t << " rep " << rep;
        }
    }
}

TEST(ThreadPool, ParallelForCoversRangeExactlyOnce) {
    ThreadPool pool(3);
    for (int64_t n : {0, 1, 2, 7, 100, 1001}) {
        for (int64_t grain : {1, 4, 32}) {
            std::vector<int> seen(n, 0);
            pool.parallel_for(n, [&](int64_t b, int64_t e, int) {
                for (int64_t i = b; i < e; ++i) seen[i]++;
            }, grain);
            for (int64_t i = 0; i < n; ++i) ASSERT_EQ(seen[i], 1) << "n=" << n << " grain=" << grain << " i=" << i;
        }
    }
}

TEST(ThreadPool, SplitBoundariesAreGrainMultiples) {
    for (int nth = 1; nth <= 4; ++nth) {
        int64_t prev_end = 0;
        for (int t = 0; t < nth; ++t) {
            auto [b, e] = ThreadPool::split(1000, t, nth, 32);
            EXPECT_EQ(b, prev_end);
            if (e != 1000) {
                EXPECT_EQ(e % 32, 0);
            }
            prev_end = e;
        }
        EXPECT_EQ(prev_end, 1000);
    }
}

}  // namespace locus
