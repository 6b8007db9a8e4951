#include "cpu/attention.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/cpu_features.h"
#include "core/fp16.h"
#include "test_util.h"

namespace locus {
namespace {

// Plain double-precision attention over the same F16 cache.
std::vector<float> reference(const std::vector<float>& q, const std::vector<uint16_t>& k, const std::vector<uint16_t>& v,
                             int64_t n_kv, int64_t d, int64_t stride) {
    std::vector<double> s(n_kv);
    double mx = -1e300;
    for (int64_t p = 0; p < n_kv; ++p) {
        double acc = 0;
        for (int64_t i = 0; i < d; ++i) acc += double(q[i]) * fp16_to_fp32(k[p * stride + i]);
        s[p] = acc / std::sqrt(double(d));
        mx = std::max(mx, s[p]);
    }
    double sum = 0;
    for (auto& x : s) sum += (x = std::exp(x - mx));
    std::vector<float> out(d, 0);
    for (int64_t i = 0; i < d; ++i) {
        double acc = 0;
        for (int64_t p = 0; p < n_kv; ++p) acc += s[p] / sum * fp16_to_fp32(v[p * stride + i]);
        out[i] = float(acc);
    }
    return out;
}

TEST(Attention, ScalarAndAvx2MatchReference) {
    for (int64_t d : {8, 13, 64, 128}) {
        for (int64_t n_kv : {1, 2, 7, 100}) {
            const int64_t stride = d * 3;  // the head's slice inside a wider KV row
            auto q = test::random_floats(d, 1);
            auto kf = test::random_floats(n_kv * stride, 2, -2, 2);
            auto vf = test::random_floats(n_kv * stride, 3, -2, 2);
            std::vector<uint16_t> k(kf.size()), v(vf.size());
            for (size_t i = 0; i < kf.size(); ++i) { k[i] = fp32_to_fp16(kf[i]); v[i] = fp32_to_fp16(vf[i]); }
            const auto want = reference(q, k, v, n_kv, d, stride);
            for (AttendFn fn : {attend_head_scalar, attend_head_avx2}) {
                if (fn == attend_head_avx2 && !cpu_features().avx2) continue;
                std::vector<float> out(d), scores(n_kv);
                HeadAttention a{q.data(), k.data(), v.data(), stride, n_kv, d, 1.0f / std::sqrt(float(d)), out.data(),
                                scores.data()};
                fn(a);
                for (int64_t i = 0; i < d; ++i)
                    ASSERT_NEAR(out[i], want[i], 1e-5f + 1e-5f * std::fabs(want[i])) << "d=" << d << " n_kv=" << n_kv;
            }
        }
    }
}

}  // namespace
}  // namespace locus
