#include <algorithm>

#include "cpu/matmul_kernels.h"

namespace locus {
namespace {

// The weights stream from memory once per token. On the machines measured, the out-of-order window alone keeps
// too few cache lines in flight for a dot kernel to reach memory bandwidth, so rows a little ahead are
// prefetched explicitly (this more than doubled single-thread Q4_0 decode on the 2-core dev machine).
constexpr int64_t kPrefetchRows = 2;

inline void prefetch_row(const Matrix& w, int64_t r) {
    const uint8_t* p = w.row(r);
    for (size_t off = 0; off < w.row_bytes; off += 64) __builtin_prefetch(p + off, 0, 3);
}

}  // namespace

void gemv_rows(const Matrix& w, int64_t lo, int64_t hi, const uint8_t* x, float* y) {
    const VecDotFn dot = type_traits(w.type).vec_dot;
    for (int64_t r = lo; r < hi; ++r) {
        if (r + kPrefetchRows < hi) prefetch_row(w, r + kPrefetchRows);
        y[r] = dot(w.cols, w.row(r), x);
    }
}

}  // namespace locus
