#include "cpu/sparse_rows.h"

#include <vector>

#include "cpu/gemv_kernels.h"
#include "cpu/weight_prefetch.h"

namespace locus {
namespace {

constexpr int R = gemv::kGemvRows;

// dots[j] = m.row(idx[j]) . x for j < n: groups of R rows through the multi-row decode kernel (shared
// activation loads, R streams in flight, the next group prefetched: the list jumps around the matrix, which
// defeats the hardware prefetcher at every jump). A last partial group is padded with its own last row, so
// every row goes through the same kernel wherever the list was split between threads (each row's result in
// the kernel does not depend on the other rows of its group): results do not depend on the thread count.
void rows_dot(const Matrix& m, const int32_t* idx, int64_t n, const uint8_t* x, float* dots, bool scalar) {
    const TypeTraits& tt = type_traits(m.type);
    const gemv::Dot4Fn dot4 = scalar ? gemv::dot4_by_isa(m.type, Isa::scalar) : gemv::dot4_for(m.type);
    int64_t j = 0;
    if (dot4) {
        const bool burst = burst_prefetch_rows(m.row_bytes);
        for (; j + R <= n; j += R) {
            const uint8_t* rows[R];
            const uint8_t* pf[R];
            for (int k = 0; k < R; ++k) rows[k] = m.row(idx[j + k]);
            const bool ahead = j + 2 * R <= n;
            if (ahead)
                for (int k = 0; k < R; ++k) pf[k] = m.row(idx[j + R + k]);
            if (ahead && burst)
                for (int k = 0; k < R; ++k) prefetch_l2(pf[k], m.row_bytes);
            dot4(m.cols, rows, x, dots + j, ahead && !burst ? pf : nullptr);
        }
        if (j < n) {
            const uint8_t* rows[R];
            float y[R];
            for (int k = 0; k < R; ++k) rows[k] = m.row(idx[j + k < n ? j + k : n - 1]);
            dot4(m.cols, rows, x, y, nullptr);
            for (int k = 0; j + k < n; ++k) dots[j + k] = y[k];
            j = n;
        }
    }
    const VecDotFn dot = scalar ? tt.vec_dot_scalar : tt.vec_dot;
    for (; j < n; ++j) dots[j] = dot(m.cols, m.row(idx[j]), x);
}

}  // namespace

void sparse_ffn_rows(const SparseRowsArgs& a, const int32_t* idx, int64_t n, float* h, bool scalar) {
    const bool gated = a.mode != FfnMode::seq;
    // Scratch per thread, reused across calls.
    thread_local std::vector<float> gate, up;
    thread_local std::vector<int32_t> sel, sel_pos;
    gate.resize(size_t(n));
    up.resize(size_t(n));

    if (gated) {
        if (a.gate_pre)
            for (int64_t j = 0; j < n; ++j) gate[size_t(j)] = a.gate_pre[idx[j]];
        else
            rows_dot(*a.gate, idx, n, a.x_gate, gate.data(), scalar);
    }
    // Up rows only where the gate fires (PAR, SYM): elsewhere the product is multiplied by zero.
    sel.clear();
    sel_pos.clear();
    for (int64_t j = 0; j < n; ++j) {
        if (gated && !(gate[size_t(j)] > 0.0f)) continue;
        sel.push_back(idx[j]);
        sel_pos.push_back(int32_t(j));
    }
    const int64_t ns = int64_t(sel.size());
    if (a.up_pre)
        for (int64_t s = 0; s < ns; ++s) up[size_t(s)] = a.up_pre[sel[size_t(s)]];
    else {
        rows_dot(*a.up, sel.data(), ns, a.x_up, up.data(), scalar);
        if (a.up_bias)
            for (int64_t s = 0; s < ns; ++s) up[size_t(s)] += a.up_bias[sel[size_t(s)]];
    }

    for (int64_t j = 0; j < n; ++j) h[j] = 0.0f;
    for (int64_t s = 0; s < ns; ++s) {
        const int32_t j = sel_pos[size_t(s)];
        h[j] = relu_ffn(a.mode, gated ? gate[size_t(j)] : 0.0f, up[size_t(s)]);
    }
}

}  // namespace locus
