// Multi-row decode kernels (cpu/gemv_kernels.h) and gemv_rows against the scalar reference dot, per row.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "cpu/gemv_kernels.h"
#include "cpu/matmul_kernels.h"
#include "test_util.h"

namespace locus {
namespace {

const DType kTypes[] = {DType::F32, DType::F16, DType::Q4_0, DType::Q8_0};

struct Data {
    std::vector<uint8_t> w;  // rows x row_bytes
    std::vector<uint8_t> x;  // activation in vec_dot_type
    size_t row_bytes = 0;
};

Data make_data(DType type, int64_t cols, int64_t rows, uint32_t seed) {
    const TypeTraits& tt = type_traits(type);
    const TypeTraits& xt = type_traits(tt.vec_dot_type);
    Data d;
    d.row_bytes = row_bytes(tt, cols);
    d.w.resize(d.row_bytes * size_t(rows));
    const auto f = test::random_floats(size_t(cols * rows), seed);
    for (int64_t r = 0; r < rows; ++r) tt.from_float(f.data() + r * cols, d.w.data() + r * d.row_bytes, cols);
    const auto xf = test::random_floats(size_t(cols), seed + 1);
    d.x.resize(row_bytes(xt, cols));
    if (tt.vec_dot_type == DType::F32) std::memcpy(d.x.data(), xf.data(), d.x.size());
    else xt.from_float(xf.data(), d.x.data(), cols);
    return d;
}

float reference(DType type, const Data& d, int64_t cols, int64_t r) {
    return type_traits(type).vec_dot_scalar(cols, d.w.data() + size_t(r) * d.row_bytes, d.x.data());
}

// Integer dots are exact; only the order of float additions differs from the scalar reference.
double tolerance(int64_t cols) { return 1e-4 * std::sqrt(double(cols)) + 1e-5; }

std::vector<int64_t> col_counts(DType type) {
    const int64_t bs = type_traits(type).block_size == 1 ? 32 : type_traits(type).block_size;
    std::vector<int64_t> c = {bs, bs * 3, bs * 64};
    if (type_traits(type).block_size == 1)
        for (int64_t odd : {1, 3, 17, 64, 100}) c.push_back(odd);
    return c;
}

TEST(Gemv, EveryMultiRowKernelMatchesScalarTwin) {
    int tested = 0;
    for (DType type : kTypes) {
        const std::vector<gemv::Dot4Fn> variants = gemv::dot4_variants(type);
        for (size_t isa = 0; isa < variants.size(); ++isa) {
            const gemv::Dot4Fn f = variants[isa];
            ++tested;
            for (int64_t cols : col_counts(type)) {
                const Data d = make_data(type, cols, 2 * gemv::kGemvRows, 5);
                for (bool pf : {false, true}) {
                    float y[gemv::kGemvRows];
                    // Rows in a scrambled order: the kernels take any four rows.
                    const uint8_t* rows[gemv::kGemvRows], *pf_rows[gemv::kGemvRows];
                    for (int k = 0; k < gemv::kGemvRows; ++k) {
                        rows[k] = d.w.data() + size_t((k * 3) % gemv::kGemvRows) * d.row_bytes;
                        pf_rows[k] = d.w.data() + size_t(gemv::kGemvRows + k) * d.row_bytes;
                    }
                    f(cols, rows, d.x.data(), y, pf ? pf_rows : nullptr);
                    for (int k = 0; k < gemv::kGemvRows; ++k)
                        ASSERT_NEAR(y[k], reference(type, d, cols, (k * 3) % gemv::kGemvRows), tolerance(cols))
                            << dtype_name(type) << " variant " << isa << " cols " << cols << " row " << k;
                }
            }
        }
    }
    EXPECT_GE(tested, 4);  // at least the scalar twins
}

// F32 rows must equal the one-row kernel bit for bit (greedy golden tests depend on F32 numerics).
TEST(Gemv, F32MultiRowEqualsOneRowKernelExactly) {
    const DType type = DType::F32;
    const gemv::Dot4Fn f = gemv::dot4_for(type);
    if (!f) GTEST_SKIP() << "no multi-row F32 kernel on this CPU";
    for (int64_t cols : col_counts(type)) {
        const Data d = make_data(type, cols, gemv::kGemvRows, 9);
        float y[gemv::kGemvRows];
        const uint8_t* rows[gemv::kGemvRows];
        for (int k = 0; k < gemv::kGemvRows; ++k) rows[k] = d.w.data() + k * d.row_bytes;
        f(cols, rows, d.x.data(), y, nullptr);
        for (int k = 0; k < gemv::kGemvRows; ++k)
            EXPECT_EQ(y[k], type_traits(type).vec_dot(cols, d.w.data() + k * d.row_bytes, d.x.data())) << cols;
    }
}

TEST(Gemv, RowsMatchScalarForRowCountsAndRanges) {
    for (DType type : kTypes) {
        for (int64_t cols : col_counts(type)) {
            for (int64_t rows : {1, 2, 3, 4, 5, 6, 7, 8, 9, 37}) {
                const Data d = make_data(type, cols, rows, 21);
                Matrix m;
                m.type = type;
                m.cols = cols;
                m.rows = rows;
                m.row_bytes = d.row_bytes;
                m.data = d.w.data();
                // The whole range, and an inner range (as a thread's share of the rows).
                for (auto [lo, hi] : {std::pair<int64_t, int64_t>{0, rows}, {rows / 3, rows - rows / 4}}) {
                    std::vector<float> y(rows, -1.0f);
                    gemv_rows(m, lo, hi, d.x.data(), y.data());
                    for (int64_t r = 0; r < rows; ++r) {
                        if (r < lo || r >= hi) {
                            ASSERT_EQ(y[r], -1.0f) << "row outside the range written";
                            continue;
                        }
                        ASSERT_NEAR(y[r], reference(type, d, cols, r), tolerance(cols))
                            << dtype_name(type) << " cols " << cols << " rows " << rows << " r " << r;
                    }
                }
            }
        }
    }
}

}  // namespace
}  // namespace locus
