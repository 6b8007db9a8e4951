// A tiny self-contained test harness for the GPU kernel tests (no GoogleTest: the device machine may lack it).
// Each check records one row of the summary table printed at the end.
#pragma once
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/status.h"
#include "cuda/memory.h"

namespace locus::gputest {

struct Row {
    std::string kernel, type, shape;
    double err = 0, tol = 0;
    bool pass = false;
    std::string note;
};

std::vector<Row>& rows();
std::mt19937_64& rng();

// Records a check; returns its pass flag.
bool record(const std::string& kernel, const std::string& type, const std::string& shape, double err, double tol,
            const std::string& note = "");
// Records a failure that prevented a check from running (an error Status).
void record_error(const std::string& kernel, const std::string& type, const std::string& shape, const Status& st);

// ||out - ref|| / ||ref|| in double; infinity if any output is not finite (poisoned elements left unwritten).
double rel_l2(const float* out, const double* ref, size_t n);

std::vector<float> randn(size_t n, float scale = 1.0f);
std::string shape_str(int64_t a, int64_t b);

// Upload a host vector into a new device buffer (aborting the test run on failure is not wanted: returns
// an empty buffer and records nothing; callers check .data()).
template <class T>
Expected<cuda::DeviceBuffer> to_device(const std::vector<T>& v) {
    auto b = cuda::DeviceBuffer::create(v.size() * sizeof(T));
    if (!b) return b;
    if (Status s = b->upload(v.data(), v.size() * sizeof(T)); !s) return s;
    return b;
}
template <class T>
Expected<std::vector<T>> to_host(const cuda::DeviceBuffer& b, size_t n) {
    std::vector<T> v(n);
    if (Status s = b.download(v.data(), n * sizeof(T)); !s) return s;
    return v;
}
// A device buffer filled with 0xFF bytes: NaN as floats, so unwritten outputs fail the check.
Expected<cuda::DeviceBuffer> poisoned(size_t bytes);

// Test groups (one file each).
void test_weight_kernels();  // matvec, row-sparse, axpy, dequantise, prefill GEMM
void test_ffn_kernels();     // predictor, selection, activation
void test_attention_kernels();  // attention, RMSNorm, RoPE, add, KV store
void test_trainer_gemm();       // predictor training's GPU products (cuBLAS)
void run_benchmarks();

}  // namespace locus::gputest

// Inside a test function returning void: record an error row and return when a Status/Expected failed.
#define GT_TRY(expr, kernel, type, shape)                                   \
    do {                                                                    \
        ::locus::Status gt_st_ = ::locus::to_status(expr);                  \
        if (!gt_st_) {                                                      \
            ::locus::gputest::record_error(kernel, type, shape, gt_st_);    \
            return;                                                         \
        }                                                                   \
    } while (0)
