// Dense matrix products of weight matrices (any computable type) with F32 activations:
// Y[t][r] = W.row(r) · X[t] for every token t. Activations are converted once to the weight type's
// vec_dot_type; one dispatch to the thread pool can serve several matrices that share the same input
// (Q, K and V; gate and up), which halves the synchronisation cost of a decode step.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/thread_pool.h"
#include "model/weights.h"

namespace locus {

struct MatmulOut {
    const Matrix* w;
    float* y;          // y[t * y_stride + r]
    int64_t y_stride;
};

// Reusable buffers for converted activations, one per vec_dot_type in use.
class ActivationScratch {
public:
    // Converts n_tok rows of x (row stride x_stride floats, `cols` used) to `type` into buffer `slot`;
    // returns the converted rows (or x itself when no conversion is needed).
    const uint8_t* convert(int slot, DType type, const float* x, int64_t x_stride, int64_t n_tok, int64_t cols,
                           ThreadPool& pool, size_t* row_bytes_out);
    // Buffer `slot` for activations re-laid out for the prefill kernels (at least `bytes` long).
    uint8_t* packed(int slot, size_t bytes);
private:
    std::vector<AlignedBuffer<uint8_t>> bufs_;
    std::vector<AlignedBuffer<uint8_t>> packed_;
};

void matmul(std::span<const MatmulOut> outs, const float* x, int64_t x_stride, int64_t n_tok, ThreadPool& pool,
            ActivationScratch& scratch);

// Single-matrix convenience form; y has stride W.rows.
void matmul(const Matrix& w, const float* x, int64_t n_tok, float* y, ThreadPool& pool, ActivationScratch& scratch);

// Reference: dequantise each row and accumulate in double. For tests.
void matmul_reference(const Matrix& w, const float* x, int64_t n_tok, float* y);

}  // namespace locus
