#include "cpu/sparse_axpy.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "cpu/weight_prefetch.h"

namespace locus::axpy {
namespace {

// Scalar twin for any type that can be dequantised: the type's own to_float, a chunk at a time (256 elements:
// a multiple of every block size, and small enough for the stack), then y = fma(a, w, y) row by row.
template <DType T>
void axpy_scalar(int64_t n, int k, const uint8_t* const* rows, const float* a, float* y) {
    const TypeTraits& tt = type_traits(T);
    constexpr int64_t kChunk = 256;
    float w[kChunk];
    for (int64_t c0 = 0; c0 < n; c0 += kChunk) {
        const int64_t m = n - c0 < kChunk ? n - c0 : kChunk;
        for (int j = 0; j < k; ++j) {
            tt.to_float(rows[j] + row_bytes(tt, c0), w, m);
            for (int64_t c = 0; c < m; ++c) y[c0 + c] = std::fma(a[j], w[c], y[c0 + c]);
        }
    }
}

struct Entry {
    DType type;
    AxpyFn by_isa[3];  // scalar, avx2, avx512
};

#define LOCUS_AXPY_ENTRY(T, name) {DType::T, {axpy_scalar<DType::T>, axpy_##name##_avx2, axpy_##name##_avx512}}
const Entry kEntries[] = {
    LOCUS_AXPY_ENTRY(F32, f32),   LOCUS_AXPY_ENTRY(F16, f16),   LOCUS_AXPY_ENTRY(BF16, bf16),
    LOCUS_AXPY_ENTRY(Q8_0, q8_0), LOCUS_AXPY_ENTRY(Q4_0, q4_0), LOCUS_AXPY_ENTRY(Q4_K, q4_k),
    {DType::Q4_1, {axpy_scalar<DType::Q4_1>, nullptr, nullptr}},
    {DType::Q5_0, {axpy_scalar<DType::Q5_0>, nullptr, nullptr}},
    {DType::Q5_1, {axpy_scalar<DType::Q5_1>, nullptr, nullptr}},
    {DType::Q5_K, {axpy_scalar<DType::Q5_K>, nullptr, nullptr}},
    {DType::Q6_K, {axpy_scalar<DType::Q6_K>, nullptr, nullptr}},
};
#undef LOCUS_AXPY_ENTRY

bool can_run(Isa isa) {
    switch (isa) {
        case Isa::scalar: return true;
        case Isa::avx2: return cpu_features().avx2;
        case Isa::avx512: return cpu_features().avx512;
    }
    return false;
}

}  // namespace

AxpyFn axpy_by_isa(DType t, Isa isa) {
    for (const Entry& e : kEntries)
        if (e.type == t) return can_run(isa) ? e.by_isa[int(isa)] : nullptr;
    return nullptr;
}

AxpyFn axpy_for(DType t) {
    static const auto table = [] {
        std::array<AxpyFn, 64> a{};
        for (const Entry& e : kEntries)
            for (int isa = int(best_isa()); isa >= int(Isa::scalar); --isa)
                if (AxpyFn f = axpy_by_isa(e.type, Isa(isa))) { a[size_t(e.type)] = f; break; }
        return a;
    }();
    return size_t(t) < table.size() ? table[size_t(t)] : nullptr;
}

void axpy_token_columns(const Matrix& D, const int32_t* idx, const float* coef, int64_t n, int64_t c0, int64_t c1,
                        float* y) {
    const TypeTraits& tt = type_traits(D.type);
    const AxpyFn axpy = axpy_for(D.type);
    std::fill(y, y + (c1 - c0), 0.0f);
    const size_t off = row_bytes(tt, c0), slice = row_bytes(tt, c1 - c0);
    // Spread L1 prefetching measured slower than none here (the slices are long enough for the hardware
    // prefetcher on Sapphire Rapids); where burst_l2 is the style, the next group's slices go to L2 up front.
    // Slices under 1 KiB (16 threads splitting a 70B row of Q4_0: 288 bytes) are too short for the hardware
    // prefetcher on Intel too: burst there made the hybrid's down stage 7-12% faster on the device's Xeon
    // (bench/RESULTS.md, 2026-12-06).
    const bool burst = weight_prefetch_style() == PrefetchStyle::burst_l2 || slice < 1024;
    const uint8_t* rows[kAxpyRows];
    for (int64_t j = 0; j < n; j += kAxpyRows) {
        const int k = int(std::min<int64_t>(kAxpyRows, n - j));
        for (int q = 0; q < k; ++q) rows[q] = D.row(idx[j + q]) + off;
        if (burst)
            for (int64_t q = j + kAxpyRows; q < std::min(n, j + 2 * kAxpyRows); ++q) prefetch_l2(D.row(idx[q]) + off, slice);
        axpy(c1 - c0, k, rows, coef + j, y);
    }
}

}  // namespace locus::axpy
