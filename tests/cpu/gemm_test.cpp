// Prefill kernels (gemm_rows and its variants) against one scalar vec_dot per (row, token).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/cpu_features.h"
#include "cpu/matmul.h"
#include "cpu/matmul_kernels.h"
#include "cpu_test_util.h"

namespace locus {
namespace {

struct Acts {
    std::vector<uint8_t> rows;  // vec_dot_type rows
    size_t rb = 0;
};

Acts make_acts(DType vt, int64_t cols, int64_t n_tok, uint32_t seed) {
    const TypeTraits& tt = type_traits(vt);
    Acts a;
    a.rb = row_bytes(tt, cols);
    a.rows.resize(a.rb * n_tok);
    const auto f = test::random_floats(size_t(cols * n_tok), seed);
    for (int64_t t = 0; t < n_tok; ++t) {
        if (vt == DType::F32) std::memcpy(a.rows.data() + t * a.rb, f.data() + t * cols, a.rb);
        else tt.from_float(f.data() + t * cols, a.rows.data() + t * a.rb, cols);
    }
    return a;
}

void expect_matches_vec_dot(const test::QuantMatrix& w, const Acts& a, int64_t n_tok, int64_t lo, int64_t hi,
                            const std::vector<float>& y, const char* what) {
    const TypeTraits& tt = type_traits(w.m.type);
    for (int64_t t = 0; t < n_tok; ++t)
        for (int64_t r = lo; r < hi; ++r) {
            const float want = tt.vec_dot_scalar(w.m.cols, w.m.row(r), a.rows.data() + t * a.rb);
            const float got = y[t * w.m.rows + r];
            ASSERT_NEAR(got, want, 1e-5 * w.m.cols + 1e-4 * std::fabs(want))
                << what << " " << tt.name << " cols " << w.m.cols << " rows " << w.m.rows << " n_tok " << n_tok
                << " r " << r << " t " << t;
        }
}

const std::vector<int64_t> kTokens = {1, 2, 3, 4, 5, 6, 7, 8, 9, 17, 64};

TEST(Gemm, TiledKernelVariantsMatchScalarVecDot) {
    for (DType type : {DType::Q4_0, DType::Q8_0, DType::F16, DType::F32}) {
        const DType vt = type_traits(type).vec_dot_type;
        const GemmPacking pk = vt == DType::F32 ? GemmPacking::f32 : GemmPacking::int8;
        for (int64_t nblk : {1, 3, 64}) {
            const int64_t cols = nblk * 32;
            for (int64_t rows : {1, 3, 37, 50}) {  // tails of the 16-row tile and 4-row micro-tile
                const test::QuantMatrix w = test::make_quant_matrix(type, cols, rows, 5 + uint32_t(rows));
                for (int64_t n_tok : kTokens) {
                    const Acts a = make_acts(vt, cols, n_tok, 9 + uint32_t(n_tok));
                    for (int variant : {0, 1, 2}) {
                        const GemmPacking vpk = variant == 2 && pk == GemmPacking::int8 ? GemmPacking::int8s : pk;
                        AlignedBuffer<uint8_t> packed(gemm_packed_bytes(vpk, n_tok, cols));
                        const int64_t n_panels = (n_tok + kGemmPanel - 1) / kGemmPanel;
                        gemm_pack_acts(vpk, a.rows.data(), a.rb, n_tok, cols, packed.data(), 0, n_panels);
                        // A sub-range of rows as a thread would get it, and the whole matrix.
                        for (auto [lo, hi] : {std::pair<int64_t, int64_t>{0, rows}, {rows / 3, rows}}) {
                            std::vector<float> y(size_t(rows * n_tok), -1.0f);
                            if (!gemm_rows_variant(variant, w.m, lo, hi, a.rows.data(), a.rb, n_tok, y.data(), rows,
                                                   packed.data())) {
                                ASSERT_NE(variant, 0);  // only the SIMD / AMX variants may be missing here
                                continue;
                            }
                            expect_matches_vec_dot(w, a, n_tok, lo, hi, y, variant == 2 ? "amx" : variant ? "simd" : "scalar");
                            for (int64_t t = 0; t < n_tok; ++t)  // rows outside [lo, hi) untouched
                                for (int64_t r = 0; r < lo; ++r) ASSERT_EQ(y[t * rows + r], -1.0f);
                        }
                    }
                }
            }
        }
    }
}

// Through matmul (packing, thread split, dispatch) for every computable type: the types without a tiled
// kernel go through the per-(row, token) loop.
TEST(Gemm, MatmulBatchMatchesScalarVecDotForEveryType) {
    for (uint32_t id = 0; id < 64; ++id) {
        const TypeTraits* tt = find_type_traits(id);
        if (!tt || !tt->can_compute || !tt->vec_dot || !tt->from_float) continue;
        const int64_t cols = std::max<int64_t>(256, tt->block_size) * 2, rows = 37;
        const test::QuantMatrix w = test::make_quant_matrix(DType(id), cols, rows, 3);
        for (int64_t n_tok : {2, 5, 8, 16, 17, 64}) {
            const auto x = test::random_floats(size_t(cols * n_tok), 21);
            const Acts a = [&] {
                Acts r;
                const TypeTraits& vt = type_traits(tt->vec_dot_type);
                r.rb = row_bytes(vt, cols);
                r.rows.resize(r.rb * n_tok);
                for (int64_t t = 0; t < n_tok; ++t) {
                    if (tt->vec_dot_type == DType::F32) std::memcpy(r.rows.data() + t * r.rb, x.data() + t * cols, r.rb);
                    else vt.from_float(x.data() + t * cols, r.rows.data() + t * r.rb, cols);
                }
                return r;
            }();
            for (int threads : {1, 2, 3}) {
                ThreadPool pool(threads);
                ActivationScratch scratch;
                std::vector<float> y(size_t(rows * n_tok));
                matmul(w.m, x.data(), n_tok, y.data(), pool, scratch);
                expect_matches_vec_dot(w, a, n_tok, 0, rows, y, "matmul");
            }
        }
    }
}

}  // namespace
}  // namespace locus
