// Decode-kernel efficiency on one thread: GB/s of weight bytes for each kernel of a sparse decode step, next
// to a plain streaming read of the same memory, on 7B-shaped Q4_0 matrices (random bytes: speed only).
//   build/release/bench_decode_kernels [MiB per kernel = 1024] [active share = 0.1]
// LOCUS_PREFETCH=spread|burst and LOCUS_ISA=avx2 select the prefetch style and instruction set under test.
// Times are thread CPU time (CLOCK_THREAD_CPUTIME_ID), not wall time: on the shared 2-core machines another
// process often holds the core, and CPU time keeps those slices out; the figures are for comparing kernel
// versions, not for tokens/s. Each kernel walks a working set of several hundred MiB (far past the caches),
// best of 5 passes.
#include <sys/mman.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <immintrin.h>
#include <random>
#include <string>
#include <vector>

#include "cpu/gemv_kernels.h"
#include "cpu/interleave.h"
#include "cpu/matmul_kernels.h"
#include "cpu/sparse_axpy.h"
#include "cpu/sparse_rows.h"
#include "quant/types.h"

namespace {

using namespace locus;

double cpu_seconds() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

uint8_t* huge_alloc(size_t bytes) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        std::fprintf(stderr, "error: cannot allocate %zu MiB\n", bytes >> 20);
        std::exit(1);
    }
    madvise(p, bytes, MADV_HUGEPAGE);
    return static_cast<uint8_t*>(p);
}

// Q4_0 blocks of random quants with a small positive scale (no NaN or infinity on the way).
void fill_q4_0(uint8_t* p, size_t bytes) {
    std::mt19937_64 rng(7);
    for (size_t i = 0; i + 8 <= bytes; i += 8) {
        const uint64_t v = rng();
        std::memcpy(p + i, &v, 8);
    }
    for (size_t b = 0; b + 18 <= bytes; b += 18) {
        const uint16_t d = 0x211F;  // fp16 0.01
        std::memcpy(p + b, &d, 2);
    }
}

__attribute__((target("avx2"))) long long stream_read(const uint8_t* p, size_t n) {
    __m256i a = _mm256_setzero_si256(), b = a;
    for (size_t i = 0; i + 64 <= n; i += 64) {
        a = _mm256_add_epi64(a, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i)));
        b = _mm256_add_epi64(b, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 32)));
    }
    return _mm256_extract_epi64(_mm256_add_epi64(a, b), 0);
}

// Best GB/s of 5 passes of fn, which reads `bytes` of weights per pass.
double best_gbs(size_t bytes, const std::function<void()>& fn) {
    double best = 0;
    for (int rep = 0; rep < 5; ++rep) {
        const double t0 = cpu_seconds();
        fn();
        best = std::max(best, double(bytes) / (cpu_seconds() - t0) / 1e9);
    }
    return best;
}

struct Shape { const char* name; int64_t rows, cols; };

}  // namespace

int main(int argc, char** argv) {
    const size_t budget = size_t(argc > 1 ? std::atol(argv[1]) : 1024) << 20;
    const double active = argc > 2 ? std::atof(argv[2]) : 0.1;
    const TypeTraits& q4 = type_traits(DType::Q4_0);
    uint8_t* mem = huge_alloc(budget);
    fill_q4_0(mem, budget);
    long long sink = 0;

    const double read = best_gbs(budget, [&] { sink += stream_read(mem, budget); });
    std::printf("stream read                     %7.2f GB/s  (100%%)\n", read);

    // Activations for any row length up to 11008 (Q8_0, the Q4_0 dot type).
    std::vector<float> xf(11008);
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (float& v : xf) v = u(rng);
    std::vector<uint8_t> xq(row_bytes(DType::Q8_0, 11008));
    type_traits(DType::Q8_0).from_float(xf.data(), xq.data(), 11008);
    std::vector<float> y(size_t(budget / 18 + 16));

    auto report = [&](const char* what, double gbs) {
        std::printf("%-44s %7.2f GB/s  (%3.0f%%)\n", what, gbs, 100.0 * gbs / read);
    };

    // Dense matvec: the whole budget as consecutive matrices of the shape (attention, FFN, predictor).
    const Shape dense[] = {{"dense 4096x4096 (attention)", 4096, 4096},
                           {"dense 11008x4096 (gate/up)", 11008, 4096},
                           {"dense 4096x11008 (down)", 4096, 11008},
                           {"dense 11008x1024 (fc2)", 11008, 1024},
                           {"dense 1024x4096 (fc1)", 1024, 4096}};
    for (const Shape& s : dense) {
        const size_t rb = row_bytes(q4, s.cols), mb = rb * size_t(s.rows);
        const int64_t n_mat = int64_t(budget / mb);
        const double gbs = best_gbs(size_t(n_mat) * mb, [&] {
            for (int64_t m = 0; m < n_mat; ++m) {
                const Matrix w{"w", DType::Q4_0, s.cols, s.rows, rb, mem + size_t(m) * mb};
                gemv_rows(w, 0, w.rows, xq.data(), y.data());
            }
        });
        report(s.name, gbs);
    }

    // The same matrices repacked into the row-interleaved layout the engine uses for matrices read whole
    // (cpu/interleave.h: one memory stream per four-row group). Repacks `mem` in place, so it runs after the
    // plain-layout lines that share the memory and before the lines that only need random bytes.
    for (const Shape& s : dense) {
        const size_t rb = row_bytes(q4, s.cols), mb = rb * size_t(s.rows);
        const int64_t n_mat = int64_t(budget / mb);
        std::vector<Matrix> ms;
        for (int64_t m = 0; m < n_mat; ++m) {
            ms.push_back(Matrix{"w", DType::Q4_0, s.cols, s.rows, rb, mem + size_t(m) * mb});
            if (!interleave_supported(ms.back())) break;
            interleave_rows(ms.back(), mem + size_t(m) * mb);
            ms.back().interleaved = true;
        }
        if (ms.size() != size_t(n_mat)) continue;
        const double gbs = best_gbs(size_t(n_mat) * mb, [&] {
            for (const Matrix& w : ms) gemv_rows(w, 0, w.rows, xq.data(), y.data());
        });
        report((std::string(s.name) + " interleaved").c_str(), gbs);
        for (const Matrix& w : ms) deinterleave_rows(w, const_cast<uint8_t*>(w.data));
    }

    // Every multi-row Q4_0 kernel this CPU can run (scalar twin first, then AVX2, AVX-512, CPU-specific
    // versions: see gemv.cpp), on 4096-column rows from memory, with the in-loop prefetch of the next group.
    {
        const int64_t cols = 4096, R = gemv::kGemvRows;
        const size_t rb = row_bytes(q4, cols);
        const int64_t rows = int64_t(budget / rb) / R * R;
        const std::vector<gemv::Dot4Fn> variants = gemv::dot4_variants(DType::Q4_0);
        for (size_t v = 1; v < variants.size(); ++v) {
            const double gbs = best_gbs(size_t(rows) * rb, [&] {
                for (int64_t r = 0; r + R <= rows; r += R) {
                    const uint8_t* g[R] = {mem + size_t(r) * rb, mem + size_t(r + 1) * rb, mem + size_t(r + 2) * rb,
                                           mem + size_t(r + 3) * rb};
                    const bool ahead = r + 2 * R <= rows;
                    const uint8_t* pf[R] = {g[0] + R * rb, g[1] + R * rb, g[2] + R * rb, g[3] + R * rb};
                    variants[v](cols, g, xq.data(), y.data() + r, ahead ? pf : nullptr);
                }
            });
            const gemv::Dot4Fn f = variants[v];
            report(f == gemv::dot4_q4_0_avx2                  ? "  4-row Q4_0 AVX2"
                   : f == gemv::dot4_q4_0_avx512vnni          ? "  4-row Q4_0 VNNI two-pass"
                   : f == gemv::dot4_q4_0_avx512vnni_onepass  ? "  4-row Q4_0 VNNI one-pass"
                                                              : "  4-row Q4_0 other",
                   gbs);
        }
    }

    // The same kernel on a matrix that stays in L2 (compute speed, no memory stalls).
    {
        const Shape s{"dense 64x4096 in L2 (compute)", 64, 4096};
        const size_t rb = row_bytes(q4, s.cols);
        const Matrix w{"w", DType::Q4_0, s.cols, s.rows, rb, mem};
        constexpr int kReps = 2000;
        report(s.name, best_gbs(rb * size_t(s.rows) * kReps, [&] {
            for (int r = 0; r < kReps; ++r) gemv_rows(w, 0, w.rows, xq.data(), y.data());
        }));
    }

    // Sparse FFN: matrices of 11008 rows of 4096 (gate, up and down_t alike), `active` of the rows listed at
    // random positions (ascending, as the FFN lists them).
    const int64_t F = 11008, E = 4096;
    const size_t rb = row_bytes(q4, E), mb = rb * size_t(F);
    const int64_t n_mat = int64_t(budget / mb);
    std::vector<int32_t> idx;
    std::bernoulli_distribution pick(active);
    for (int32_t i = 0; i < F; ++i)
        if (pick(rng)) idx.push_back(i);
    const int64_t N = int64_t(idx.size());
    const size_t sparse_bytes = size_t(n_mat) * size_t(N) * rb;

    SparseRowsArgs args;
    args.mode = FfnMode::seq;  // up rows only: one row-sparse matvec
    args.x_up = xq.data();
    std::vector<float> h(static_cast<size_t>(N));
    report("row-sparse dots (up)", best_gbs(sparse_bytes, [&] {
        for (int64_t m = 0; m < n_mat; ++m) {
            const Matrix w{"w", DType::Q4_0, E, F, rb, mem + size_t(m) * mb};
            args.up = &w;
            sparse_ffn_rows(args, idx.data(), N, h.data());
        }
    }));

    std::vector<float> coef(static_cast<size_t>(N), 0.5f), out(static_cast<size_t>(E));
    // The decode step splits the columns between threads: per thread a slice of E / threads columns of every row
    // (E / 16: the share of one of 16 threads, as on the device machine).
    for (int64_t slice : {E, E / 2, E / 8, E / 16}) {
        const double gbs = best_gbs(sparse_bytes * size_t(slice) / size_t(E), [&] {
            for (int64_t m = 0; m < n_mat; ++m) {
                const Matrix d{"d", DType::Q4_0, E, F, rb, mem + size_t(m) * mb};
                axpy::axpy_token_columns(d, idx.data(), coef.data(), N, 0, slice, out.data());
            }
        });
        char name[64];
        std::snprintf(name, sizeof name, "column-sparse axpy, %lld cols", static_cast<long long>(slice));
        report(name, gbs);
    }
    std::printf("(Q4_0, %lld of %lld neurons active, %zu MiB working set; thread CPU time)\n",
                static_cast<long long>(N), static_cast<long long>(F), budget >> 20);
    return sink == 42 && y[0] == 1.0f && out[0] == 1.0f ? 2 : 0;
}
