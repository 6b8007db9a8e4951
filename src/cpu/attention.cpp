#include "cpu/attention.h"
#include "cpu/softmax.h"

#include <cmath>

#include "core/cpu_features.h"
#include "core/fp16.h"

namespace locus {

void attend_head_scalar(const HeadAttention& a) {
    float mx = -INFINITY;
    for (int64_t p = 0; p < a.n_kv; ++p) {
        const uint16_t* k = a.k + p * a.kv_stride;
        float s = 0;
        for (int64_t i = 0; i < a.head_dim; ++i) s += a.q[i] * fp16_to_fp32(k[i]);
        s *= a.scale;
        a.scores[p] = s;
        mx = s > mx ? s : mx;
    }
    const float inv = exp_in_place_inv_sum(a.scores, a.n_kv, mx);
    for (int64_t i = 0; i < a.head_dim; ++i) a.out[i] = 0;
    for (int64_t p = 0; p < a.n_kv; ++p) {
        const uint16_t* v = a.v + p * a.kv_stride;
        const float w = a.scores[p] * inv;
        for (int64_t i = 0; i < a.head_dim; ++i) a.out[i] += w * fp16_to_fp32(v[i]);
    }
}

AttendFn attend_head_best() {
    return best_isa() >= Isa::avx2 ? attend_head_avx2 : attend_head_scalar;
}

}  // namespace locus
