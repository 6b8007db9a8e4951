// Streaming read bandwidth of host memory with T threads (the roofline for weight-streaming decode).
// Usage: membw THREADS [MiB=1024]. Prints GB/s (best of 5 passes).
#include <immintrin.h>
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

__attribute__((target("avx2"))) static long long read_range(const char* p, size_t n) {
    __m256i a = _mm256_setzero_si256(), b = a;
    for (size_t i = 0; i + 64 <= n; i += 64) {
        a = _mm256_add_epi64(a, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i)));
        b = _mm256_add_epi64(b, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 32)));
    }
    a = _mm256_add_epi64(a, b);
    return _mm256_extract_epi64(a, 0);
}

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
    const size_t bytes = size_t(argc > 2 ? std::atol(argv[2]) : 1024) << 20;
    char* p = static_cast<char*>(mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (p == MAP_FAILED) return 1;
    madvise(p, bytes, MADV_HUGEPAGE);
    std::memset(p, 1, bytes);
    double best = 0;
    long long sink = 0;
    for (int rep = 0; rep < 5; ++rep) {
        std::vector<long long> part(threads);
        const auto t0 = std::chrono::steady_clock::now();
        std::vector<std::thread> ts;
        const size_t chunk = bytes / threads / 64 * 64;
        for (int t = 0; t < threads; ++t) ts.emplace_back([&, t] { part[t] = read_range(p + t * chunk, chunk); });
        for (auto& t : ts) t.join();
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        for (long long v : part) sink += v;
        best = std::max(best, double(chunk) * threads / s / 1e9);
    }
    std::printf("%.2f\n", best);
    return sink == 42 ? 2 : 0;
}
