// Column-sparse axpy kernels: every SIMD version against its scalar twin (bit for bit: they compute each element
// the same way) and against a double-precision reference, for every type, group size and tail length.
#include <gtest/gtest.h>

#include <cmath>

#include "cpu/sparse_axpy.h"
#include "cpu_test_util.h"

namespace locus {
namespace {

const DType kTypes[] = {DType::F32, DType::F16, DType::BF16, DType::Q8_0, DType::Q4_0, DType::Q4_K,
                        DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q5_K, DType::Q6_K};

std::vector<int64_t> lengths(DType t) {
    const int64_t bs = type_traits(t).block_size;
    if (bs == 1) return {1, 7, 8, 15, 16, 17, 33, 100, 255, 513};
    return {bs, 2 * bs, 3 * bs, 7 * bs};
}

TEST(SparseAxpy, EveryIsaMatchesScalarTwinAndReference) {
    for (DType t : kTypes) {
        const TypeTraits& tt = type_traits(t);
        for (int64_t n : lengths(t)) {
            // Rows are taken from the middle of a wider matrix, as a thread's column slice is.
            const int64_t bs = tt.block_size, lead = bs == 1 ? 3 : bs;
            const int64_t cols = lead + n + bs;
            const auto q = test::make_quant_matrix(t, cols, 2 * axpy::kAxpyRows + 1, uint32_t(n * 31 + int(t)));
            const size_t off = row_bytes(tt, lead);
            const auto a = test::random_floats(axpy::kAxpyRows, uint32_t(n), -2.0f, 2.0f);
            const auto y0 = test::random_floats(size_t(n), uint32_t(n + 5));
            for (int k = 1; k <= axpy::kAxpyRows; ++k) {
                const uint8_t* rows[axpy::kAxpyRows];
                for (int j = 0; j < k; ++j) rows[j] = q.m.row(2 * j + 1) + off;
                // Reference: dequantised rows, summed in double.
                std::vector<float> full(static_cast<size_t>(cols));
                std::vector<double> ref(y0.begin(), y0.end());
                for (int j = 0; j < k; ++j) {
                    tt.to_float(q.m.row(2 * j + 1), full.data(), cols);
                    for (int64_t c = 0; c < n; ++c) ref[size_t(c)] += double(a[size_t(j)]) * full[size_t(lead + c)];
                }
                std::vector<float> scalar = y0;
                axpy::axpy_by_isa(t, Isa::scalar)(n, k, rows, a.data(), scalar.data());
                for (int64_t c = 0; c < n; ++c)
                    ASSERT_NEAR(scalar[size_t(c)], ref[size_t(c)], 1e-5 * (1 + std::fabs(ref[size_t(c)])))
                        << tt.name << " n=" << n << " k=" << k << " c=" << c;
                for (Isa isa : {Isa::avx2, Isa::avx512}) {
                    const axpy::AxpyFn f = axpy::axpy_by_isa(t, isa);
                    if (!f) continue;
                    std::vector<float> y = y0;
                    f(n, k, rows, a.data(), y.data());
                    // Q4_0 and Q8_0 fold the row factor into the block scale: a few ulps apart. The rest match
                    // bit for bit.
                    const bool folded = t == DType::Q4_0 || t == DType::Q8_0;
                    for (int64_t c = 0; c < n; ++c) {
                        if (folded)
                            ASSERT_NEAR(y[size_t(c)], scalar[size_t(c)], 1e-5 * (1 + std::fabs(ref[size_t(c)])))
                                << tt.name << " " << isa_name(isa) << " n=" << n << " k=" << k << " c=" << c;
                        else
                            ASSERT_EQ(y[size_t(c)], scalar[size_t(c)])
                                << tt.name << " " << isa_name(isa) << " n=" << n << " k=" << k << " c=" << c;
                    }
                }
            }
        }
    }
}

// One token's down projection by column ranges: each range equals the double-precision sum over the listed rows,
// and the ranges of a split give the same floats as the whole (list order, kAxpyRows at a time, in both).
TEST(SparseAxpy, TokenColumnsMatchReferenceAndDoNotDependOnTheSplit) {
    for (DType t : {DType::F16, DType::Q8_0, DType::Q4_0, DType::Q4_K}) {
        const TypeTraits& tt = type_traits(t);
        const int64_t cols = 3 * 256, rows = 61;
        const auto q = test::make_quant_matrix(t, cols, rows, uint32_t(int(t) + 11));
        // 19 listed rows: two full groups and a partial one.
        std::vector<int32_t> idx;
        for (int32_t i = 1; i < rows && idx.size() < 19; i += 3) idx.push_back(i);
        const int64_t n = int64_t(idx.size());
        const auto coef = test::random_floats(size_t(n), 5, -1.0f, 1.0f);
        std::vector<float> whole(static_cast<size_t>(cols)), split(static_cast<size_t>(cols));
        axpy::axpy_token_columns(q.m, idx.data(), coef.data(), n, 0, cols, whole.data());
        axpy::axpy_token_columns(q.m, idx.data(), coef.data(), n, 0, 256, split.data());
        axpy::axpy_token_columns(q.m, idx.data(), coef.data(), n, 256, cols, split.data() + 256);
        std::vector<double> ref(static_cast<size_t>(cols), 0.0);
        std::vector<float> row(static_cast<size_t>(cols));
        for (int64_t j = 0; j < n; ++j) {
            tt.to_float(q.m.row(idx[size_t(j)]), row.data(), cols);
            for (int64_t c = 0; c < cols; ++c) ref[size_t(c)] += double(coef[size_t(j)]) * row[size_t(c)];
        }
        for (int64_t c = 0; c < cols; ++c) {
            ASSERT_NEAR(whole[size_t(c)], ref[size_t(c)], 1e-4 * (1 + std::fabs(ref[size_t(c)]))) << tt.name << " c=" << c;
            ASSERT_EQ(whole[size_t(c)], split[size_t(c)]) << tt.name << " c=" << c;
        }
    }
}

TEST(SparseAxpy, FastestVersionExistsForEveryComputableType) {
    for (DType t : kTypes) EXPECT_NE(axpy::axpy_for(t), nullptr) << type_traits(t).name;
    // The SIMD set the issue asks for is there on a CPU that has the instructions.
    if (cpu_features().avx2) {
        for (DType t : {DType::F16, DType::BF16, DType::Q8_0, DType::Q4_0, DType::Q4_K})
            EXPECT_NE(axpy::axpy_by_isa(t, Isa::avx2), nullptr) << type_traits(t).name;
    }
}

}  // namespace
}  // namespace locus
