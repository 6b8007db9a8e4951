// Attention of one query head over the cached keys and values of its sequence (positions 0..n_kv-1).
// The cache holds F16 rows of kv_stride elements per position; the head's slice starts at the given pointers.
#pragma once
#include <cstdint>

namespace locus {

struct HeadAttention {
    const float* q;        // head_dim query values
    const uint16_t* k;     // key of position 0 for this KV head; position p at k + p * kv_stride
    const uint16_t* v;     // value of position 0 likewise
    int64_t kv_stride;
    int64_t n_kv;          // positions to attend to (causal: the query's own position + 1)
    int64_t head_dim;
    float scale;           // 1 / sqrt(head_dim)
    float* out;            // head_dim outputs
    float* scores;         // scratch of n_kv floats
};

using AttendFn = void (*)(const HeadAttention& a);
void attend_head_scalar(const HeadAttention& a);
void attend_head_avx2(const HeadAttention& a);
// The fastest version this CPU can run.
AttendFn attend_head_best();

}  // namespace locus
