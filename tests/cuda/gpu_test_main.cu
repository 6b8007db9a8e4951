// GPU kernel tests: every CUDA kernel against its CPU reference on fresh random data, then (with --bench) the
// bandwidth timings. Exit code 0 all passed, 1 a check failed, 77 no CUDA device (skipped; ctest reads 77 as
// a skip, scripts/gpu_test.sh as a failure).
//   locus_gpu_test [--bench] [--bench-only] [--seed N]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "cuda/device.h"
#include "harness.h"

using namespace locus;

int main(int argc, char** argv) {
    bool bench = false, tests = true;
    uint64_t seed = std::random_device{}() | (uint64_t(std::random_device{}()) << 32);
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--bench")) bench = true;
        else if (!std::strcmp(argv[i], "--bench-only")) { bench = true; tests = false; }
        else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 10);
        else { std::fprintf(stderr, "usage: %s [--bench] [--bench-only] [--seed N]\n", argv[0]); return 2; }
    }
    auto devices = cuda::list_devices();
    if (!devices || devices->empty()) {
        std::printf("SKIP: no CUDA device (%s)\n", devices ? "none visible" : devices.error().c_str());
        return 77;
    }
    const cuda::DeviceInfo& d = (*devices)[0];
    std::printf("device 0: %s, sm_%d%d, %d SMs, %.1f GiB; seed %llu\n", d.name.c_str(), d.cc_major, d.cc_minor,
                d.sm_count, double(d.total_bytes) / (1 << 30), (unsigned long long)seed);
    gputest::rng().seed(seed);

    if (tests) {
        gputest::test_weight_kernels();
        gputest::test_ffn_kernels();
        gputest::test_attention_kernels();
        gputest::test_trainer_gemm();
    }
    // A sticky error (illegal address in some kernel) would make every later call fail: report it.
    if (cudaError_t e = cudaDeviceSynchronize(); e != cudaSuccess) {
        std::printf("FAIL: device error after the tests: %s\n", cudaGetErrorString(e));
        return 1;
    }
    int failed = 0;
    if (tests) {
        std::printf("\n%-14s %-12s %-26s %10s %8s  %s\n", "kernel", "type", "shape", "rel_err", "tol", "result");
        for (const gputest::Row& r : gputest::rows()) {
            std::printf("%-14s %-12s %-26s %10.2e %8.0e  %s %s\n", r.kernel.c_str(), r.type.c_str(), r.shape.c_str(),
                        r.err, r.tol, r.pass ? "pass" : "FAIL", r.pass ? "" : r.note.c_str());
            failed += !r.pass;
        }
        std::printf("\n%zu checks, %d failed (seed %llu)\n", gputest::rows().size(), failed, (unsigned long long)seed);
    }
    if (bench) gputest::run_benchmarks();
    return failed ? 1 : 0;
}
