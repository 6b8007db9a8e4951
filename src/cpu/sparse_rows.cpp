#include "cpu/sparse_rows.h"

namespace locus {
namespace {

// Rows of the next neurons are requested this far ahead: the list jumps around the matrix, which defeats the
// hardware prefetcher at every jump.
constexpr int64_t kAhead = 2;

inline void prefetch_row(const Matrix* m, int32_t i) {
    if (!m) return;
    const uint8_t* p = m->row(i);
    for (size_t off = 0; off < m->row_bytes; off += 64) __builtin_prefetch(p + off, 0, 0);
}

}  // namespace

void sparse_ffn_rows(const SparseRowsArgs& a, const int32_t* idx, int64_t n, float* h, bool scalar) {
    const bool gated = a.mode != FfnMode::seq;
    const VecDotFn gdot = gated && !a.gate_pre ? (scalar ? type_traits(a.gate->type).vec_dot_scalar
                                                         : type_traits(a.gate->type).vec_dot)
                                               : nullptr;
    const VecDotFn udot = a.up_pre ? nullptr
                                   : (scalar ? type_traits(a.up->type).vec_dot_scalar : type_traits(a.up->type).vec_dot);
    for (int64_t j = 0; j < n; ++j) {
        const int32_t i = idx[j];
        if (j + kAhead < n) {
            if (gdot) prefetch_row(a.gate, idx[j + kAhead]);
            if (udot) prefetch_row(a.up, idx[j + kAhead]);
        }
        float g = 0.0f;
        if (gated) {
            g = a.gate_pre ? a.gate_pre[i] : gdot(a.gate->cols, a.gate->row(i), a.x_gate);
            if (!(g > 0.0f)) {
                h[j] = 0.0f;
                continue;
            }
        }
        const float u = a.up_pre ? a.up_pre[i] : udot(a.up->cols, a.up->row(i), a.x_up);
        h[j] = relu_ffn(a.mode, g, u);
    }
}

}  // namespace locus
