// Test data for the CPU kernels: a weight matrix of any type quantised from seeded random floats.
#pragma once
#include <cstdint>
#include <vector>

#include "model/weights.h"
#include "quant/types.h"
#include "test_util.h"

namespace locus::test {

struct QuantMatrix {
    std::vector<uint8_t> bytes;
    Matrix m;
};

inline QuantMatrix make_quant_matrix(DType type, int64_t cols, int64_t rows, uint32_t seed) {
    const TypeTraits& tt = type_traits(type);
    QuantMatrix q;
    q.m.type = type;
    q.m.cols = cols;
    q.m.rows = rows;
    q.m.row_bytes = row_bytes(tt, cols);
    q.bytes.resize(q.m.row_bytes * size_t(rows));
    const auto f = random_floats(size_t(cols * rows), seed);
    for (int64_t r = 0; r < rows; ++r) tt.from_float(f.data() + r * cols, q.bytes.data() + r * q.m.row_bytes, cols);
    q.m.data = q.bytes.data();
    return q;
}

}  // namespace locus::test
