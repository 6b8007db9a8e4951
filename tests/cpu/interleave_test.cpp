// Row-interleaved weights (cpu/interleave.h): the layout round-trips, every group kernel matches its scalar
// twin and the plain per-row reference, and matmul over an interleaved matrix gives the plain matrix's results
// for decode (any row range, groups cut at both ends) and prefill (bit for bit: prefill reads plain copies).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/thread_pool.h"
#include "cpu/cpu_test_util.h"
#include "cpu/gemv_kernels.h"
#include "cpu/interleave.h"
#include "cpu/matmul.h"
#include "cpu/matmul_kernels.h"

namespace locus {
namespace {

const DType kTypes[] = {DType::F16, DType::Q4_0, DType::Q8_0};

// An interleaved copy of a plain matrix (the plain one stays as it is).
struct Interleaved {
    std::vector<uint8_t> bytes;
    Matrix m;
    explicit Interleaved(const Matrix& plain) : bytes(plain.data, plain.data + plain.row_bytes * size_t(plain.rows)), m(plain) {
        interleave_rows(plain, bytes.data());
        m.data = bytes.data();
        m.interleaved = true;
    }
};

std::vector<uint8_t> activation(DType type, int64_t cols, uint32_t seed) {
    const DType vt = type_traits(type).vec_dot_type;
    const auto xf = test::random_floats(size_t(cols), seed);
    std::vector<uint8_t> x(row_bytes(type_traits(vt), cols));
    if (vt == DType::F32) std::memcpy(x.data(), xf.data(), x.size());
    else type_traits(vt).from_float(xf.data(), x.data(), cols);
    return x;
}

double tolerance(int64_t cols) { return 1e-4 * std::sqrt(double(cols)) + 1e-5; }

TEST(Interleave, LayoutRoundTripsAndKeepsGroupsInPlace) {
    for (DType type : kTypes)
        for (int64_t cols : {32, 96, 2080})
            for (int64_t rows : {4, 5, 7, 8, 13}) {
                const auto q = test::make_quant_matrix(type, cols, rows, 3);
                ASSERT_TRUE(interleave_supported(q.m)) << dtype_name(type);
                Interleaved il(q.m);
                // Plain rows past the last group are untouched, and each group holds only its own rows' bytes.
                const size_t grouped = size_t(rows / 4 * 4) * q.m.row_bytes;
                EXPECT_EQ(0, std::memcmp(il.bytes.data() + grouped, q.bytes.data() + grouped, q.bytes.size() - grouped));
                if (cols > 32) {
                    EXPECT_NE(0, std::memcmp(il.bytes.data(), q.bytes.data(), grouped)) << "nothing moved";
                }
                std::vector<uint8_t> row(q.m.row_bytes);
                for (int64_t r = 0; r < rows; ++r) {
                    const uint8_t* got = read_row(il.m, r, row.data());
                    ASSERT_EQ(0, std::memcmp(got, q.m.row(r), q.m.row_bytes))
                        << dtype_name(type) << " cols " << cols << " rows " << rows << " r " << r;
                }
                deinterleave_rows(il.m, il.bytes.data());
                EXPECT_EQ(il.bytes, q.bytes);
            }
}

TEST(Interleave, OnlyTypesAndShapesWithAGroupKernel) {
    auto supported = [](DType t, int64_t cols, int64_t rows) {
        return interleave_supported(test::make_quant_matrix(t, cols, rows, 1).m);
    };
    EXPECT_FALSE(supported(DType::F32, 64, 8));
    EXPECT_FALSE(supported(DType::Q4_K, 256, 8));
    EXPECT_FALSE(supported(DType::F16, 48, 8));  // not a whole number of 32-element units
    EXPECT_FALSE(supported(DType::Q8_0, 64, 3));  // no full group
    if (gemv::dot_group_for(DType::Q4_0)) {
        EXPECT_TRUE(supported(DType::Q4_0, 64, 4));
    }
}

TEST(Interleave, EveryGroupKernelMatchesScalarTwinAndPlainRows) {
    int tested = 0;
    for (DType type : kTypes) {
        const auto variants = gemv::dot_group_variants(type);
        ASSERT_FALSE(variants.empty());
        for (size_t v = 0; v < variants.size(); ++v) {
            ++tested;
            for (int64_t cols : {32, 64, 96, 288, 4096}) {
                const auto q = test::make_quant_matrix(type, cols, 4, 11 + uint32_t(cols));
                Interleaved il(q.m);
                const auto x = activation(type, cols, 5);
                float y[4] = {NAN, NAN, NAN, NAN};
                variants[v](cols, il.bytes.data(), x.data(), y);
                for (int k = 0; k < 4; ++k)
                    ASSERT_NEAR(y[k], type_traits(type).vec_dot_scalar(cols, q.m.row(k), x.data()), tolerance(cols))
                        << dtype_name(type) << " variant " << v << " cols " << cols << " row " << k;
            }
        }
    }
    EXPECT_GE(tested, 3);
}

TEST(Interleave, GemvRowsMatchesPlainForRowCountsAndRanges) {
    for (DType type : kTypes)
        for (int64_t cols : {32, 160})
            for (int64_t rows : {4, 5, 6, 7, 8, 9, 37}) {
                const auto q = test::make_quant_matrix(type, cols, rows, 21);
                Interleaved il(q.m);
                const auto x = activation(type, cols, 22);
                for (auto [lo, hi] : {std::pair<int64_t, int64_t>{0, rows}, {1, rows - 1}, {rows / 3, rows - rows / 4}}) {
                    std::vector<float> y(size_t(rows), -1.0f);
                    gemv_rows(il.m, lo, hi, x.data(), y.data());
                    for (int64_t r = 0; r < rows; ++r) {
                        if (r < lo || r >= hi) {
                            ASSERT_EQ(y[size_t(r)], -1.0f) << "row outside the range written";
                            continue;
                        }
                        ASSERT_NEAR(y[size_t(r)], type_traits(type).vec_dot_scalar(cols, q.m.row(r), x.data()),
                                    tolerance(cols))
                            << dtype_name(type) << " rows " << rows << " r " << r << " range " << lo << ".." << hi;
                    }
                }
            }
}

TEST(Interleave, MatmulEqualsPlainMatrix) {
    ThreadPool pool(3);
    ActivationScratch scratch;
    for (DType type : kTypes)
        for (int64_t rows : {8, 70}) {
            const int64_t cols = 256;
            const auto q = test::make_quant_matrix(type, cols, rows, 31);
            Interleaved il(q.m);
            for (int64_t n_tok : {1, 2, 5, 17, 40}) {
                const auto x = test::random_floats(size_t(n_tok * cols), 32);
                std::vector<float> yp(size_t(n_tok * rows)), yi(yp.size(), NAN);
                matmul(q.m, x.data(), n_tok, yp.data(), pool, scratch);
                matmul(il.m, x.data(), n_tok, yi.data(), pool, scratch);
                for (size_t i = 0; i < yp.size(); ++i) {
                    // Decode: the same integer dots, float sums in another order.
                    if (n_tok == 1) ASSERT_NEAR(yi[i], yp[i], tolerance(cols)) << dtype_name(type) << " i " << i;
                    else ASSERT_EQ(yi[i], yp[i]) << dtype_name(type) << " n_tok " << n_tok << " i " << i;
                }
            }
        }
}

}  // namespace
}  // namespace locus
