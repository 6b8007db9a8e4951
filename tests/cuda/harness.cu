#include "harness.h"

#include "cuda/check.h"

#include <cmath>
#include <cstdio>

namespace locus::gputest {

std::vector<Row>& rows() {
    static std::vector<Row> r;
    return r;
}

std::mt19937_64& rng() {
    static std::mt19937_64 g;
    return g;
}

bool record(const std::string& kernel, const std::string& type, const std::string& shape, double err, double tol,
            const std::string& note) {
    const bool pass = std::isfinite(err) && err <= tol;
    rows().push_back({kernel, type, shape, err, tol, pass, note});
    if (!pass)
        std::printf("FAIL %s %s %s: error %.3e > %.1e %s\n", kernel.c_str(), type.c_str(), shape.c_str(), err, tol,
                    note.c_str());
    return pass;
}

void record_error(const std::string& kernel, const std::string& type, const std::string& shape, const Status& st) {
    rows().push_back({kernel, type, shape, INFINITY, 0, false, st.message()});
    std::printf("FAIL %s %s %s: %s\n", kernel.c_str(), type.c_str(), shape.c_str(), st.message().c_str());
}

double rel_l2(const float* out, const double* ref, size_t n) {
    double num = 0, den = 0;
    for (size_t i = 0; i < n; ++i) {
        if (!std::isfinite(out[i])) return INFINITY;
        const double d = double(out[i]) - ref[i];
        num += d * d;
        den += ref[i] * ref[i];
    }
    if (den == 0) return num == 0 ? 0 : INFINITY;
    return std::sqrt(num / den);
}

std::vector<float> randn(size_t n, float scale) {
    std::normal_distribution<float> nd(0.0f, scale);
    std::vector<float> v(n);
    for (float& x : v) x = nd(rng());
    return v;
}

std::string shape_str(int64_t a, int64_t b) { return std::to_string(a) + "x" + std::to_string(b); }

Expected<cuda::DeviceBuffer> poisoned(size_t bytes) {
    auto b = cuda::DeviceBuffer::create(bytes);
    if (!b) return b;
    if (Status s = cuda::cuda_status(cudaMemset(b->data(), 0xFF, bytes), "cudaMemset"); !s) return s;
    return b;
}

}  // namespace locus::gputest
