#include <algorithm>

#include "cpu/matmul_kernels.h"

namespace locus {

void gemm_rows(const Matrix& w, int64_t lo, int64_t hi, const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y,
               int64_t y_stride) {
    // Rows in small groups, every token against the group, so each weight row is read from memory once.
    constexpr int64_t kGroup = 16;
    const VecDotFn dot = type_traits(w.type).vec_dot;
    for (int64_t g = lo; g < hi; g += kGroup) {
        const int64_t ge = std::min(hi, g + kGroup);
        for (int64_t t = 0; t < n_tok; ++t) {
            const uint8_t* xt = x + size_t(t) * x_row_bytes;
            for (int64_t r = g; r < ge; ++r) y[t * y_stride + r] = dot(w.cols, w.row(r), xt);
        }
    }
}

}  // namespace locus
