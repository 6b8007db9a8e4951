#include <algorithm>
#include <array>
#include <cstdlib>

#include "cpu/gemv_kernels.h"
#include "cpu/interleave.h"
#include "cpu/matmul_kernels.h"
#include "cpu/weight_prefetch.h"

namespace locus {
namespace gemv {
namespace {

// Scalar twins of the multi-row kernels: the type's reference dot per row.
template <DType T>
void dot4_scalar(int64_t n, const uint8_t* const* rows, const void* x, float* y, const uint8_t* const*) {
    const VecDotFn dot = type_traits(T).vec_dot_scalar;
    for (int k = 0; k < kGemvRows; ++k) y[k] = dot(n, rows[k], x);
}

struct Entry {
    DType type;
    Dot4Fn by_isa[3];  // scalar, avx2, avx512
    bool avx512_needs_vnni;
    Dot4Fn avx512_amd = nullptr;  // the AVX-512 version for AMD CPUs, where it differs
};

// Q4_0/Q8_0 with VNNI: the two-pass loop was fastest on Sapphire Rapids, the one-pass loop on AMD EPYC
// (bench/kernels/decode_kernels.cpp; figures in bench/RESULTS.md).
const Entry kEntries[] = {
    {DType::F32, {dot4_scalar<DType::F32>, nullptr, dot4_f32_avx512}, false},
    {DType::F16, {dot4_scalar<DType::F16>, dot4_f16_avx2, dot4_f16_avx512}, false},
    {DType::Q4_0, {dot4_scalar<DType::Q4_0>, dot4_q4_0_avx2, dot4_q4_0_avx512vnni}, true, dot4_q4_0_avx512vnni_onepass},
    {DType::Q8_0, {dot4_scalar<DType::Q8_0>, dot4_q8_0_avx2, dot4_q8_0_avx512vnni}, true, dot4_q8_0_avx512vnni_onepass},
};

bool can_run(Isa isa, bool needs_vnni) {
    const CpuFeatures& f = cpu_features();
    switch (isa) {
        case Isa::scalar: return true;
        case Isa::avx2: return f.avx2;
        case Isa::avx512: return f.avx512 && (!needs_vnni || f.avx512_vnni);
    }
    return false;
}

}  // namespace

Dot4Fn dot4_by_isa(DType t, Isa isa) {
    for (const Entry& e : kEntries) {
        if (e.type != t) continue;
        if (!can_run(isa, e.avx512_needs_vnni)) return nullptr;
        if (isa == Isa::avx512 && e.avx512_amd && cpu_features().amd) return e.avx512_amd;
        return e.by_isa[int(isa)];
    }
    return nullptr;
}

std::vector<Dot4Fn> dot4_variants(DType t) {
    std::vector<Dot4Fn> out;
    for (const Entry& e : kEntries) {
        if (e.type != t) continue;
        for (int isa = 0; isa < 3; ++isa)
            if (e.by_isa[isa] && can_run(Isa(isa), e.avx512_needs_vnni)) out.push_back(e.by_isa[isa]);
        if (e.avx512_amd && can_run(Isa::avx512, e.avx512_needs_vnni)) out.push_back(e.avx512_amd);
    }
    return out;
}

Dot4Fn dot4_for(DType t) {
    static const auto table = [] {
        std::array<Dot4Fn, 64> a{};
        for (const Entry& e : kEntries)
            for (int isa = int(best_isa()); isa > int(Isa::scalar); --isa)
                if (Dot4Fn f = dot4_by_isa(e.type, Isa(isa))) { a[size_t(e.type)] = f; break; }
        return a;
    }();
    return size_t(t) < table.size() ? table[size_t(t)] : nullptr;
}

namespace {

// Scalar twin of the group kernels: each row of the group back in the plain layout, then the reference dot.
template <DType T>
void dot_group_scalar(int64_t n, const uint8_t* group, const void* x, float* y) {
    Matrix m;
    m.type = T;
    m.cols = n;
    m.rows = kInterleaveRows;
    m.row_bytes = row_bytes(type_traits(T), n);
    m.data = group;
    m.interleaved = true;
    std::vector<uint8_t> row(m.row_bytes);
    for (int64_t k = 0; k < kInterleaveRows; ++k) {
        deinterleave_row(m, k, row.data());
        y[k] = type_traits(T).vec_dot_scalar(n, row.data(), x);
    }
}

struct GroupEntry {
    DType type;
    DotGroupFn by_isa[3];  // scalar, avx2, avx512
    bool avx512_needs_vnni;
};

const GroupEntry kGroupEntries[] = {
    {DType::F16, {dot_group_scalar<DType::F16>, dot_group_f16_avx2, dot_group_f16_avx512}, false},
    {DType::Q4_0, {dot_group_scalar<DType::Q4_0>, dot_group_q4_0_avx2, dot_group_q4_0_avx512vnni}, true},
    {DType::Q8_0, {dot_group_scalar<DType::Q8_0>, dot_group_q8_0_avx2, dot_group_q8_0_avx512vnni}, true},
};

}  // namespace

std::vector<DotGroupFn> dot_group_variants(DType t) {
    std::vector<DotGroupFn> out;
    for (const GroupEntry& e : kGroupEntries)
        if (e.type == t)
            for (int isa = 0; isa < 3; ++isa)
                if (can_run(Isa(isa), e.avx512_needs_vnni)) out.push_back(e.by_isa[isa]);
    return out;
}

DotGroupFn dot_group_for(DType t) {
    static const auto table = [] {
        std::array<DotGroupFn, 64> a{};
        for (const GroupEntry& e : kGroupEntries)
            for (int isa = int(best_isa()); isa > int(Isa::scalar); --isa)
                if (can_run(Isa(isa), e.avx512_needs_vnni)) { a[size_t(e.type)] = e.by_isa[isa]; break; }
        return a;
    }();
    return size_t(t) < table.size() ? table[size_t(t)] : nullptr;
}

}  // namespace gemv

namespace {

// The weights stream from memory once per token. On the machines measured, the out-of-order window alone keeps
// too few cache lines in flight for a dot kernel to reach memory bandwidth, so rows a little ahead are
// prefetched explicitly (this more than doubled single-thread Q4_0 decode on the 2-core dev machine).
constexpr int64_t kPrefetchRows = 2;

inline void prefetch_row(const Matrix& w, int64_t r) {
    const uint8_t* p = w.row(r);
    for (size_t off = 0; off < w.row_bytes; off += 64) __builtin_prefetch(p + off, 0, 3);
}

// How many rows ahead of the current group the multi-row kernels prefetch (one group: measured best for Q4_0
// and Q8_0 against 0, 8, 12, 16 on the dev machine; 0 is much slower). LOCUS_GEMV_PF overrides it, for tuning.
int64_t group_prefetch_rows() {
    static const int64_t v = [] {
        const char* s = std::getenv("LOCUS_GEMV_PF");
        return s ? int64_t(std::atoi(s)) : int64_t(gemv::kGemvRows);
    }();
    return v;
}

}  // namespace

int64_t gemv_row_grain() { return gemv::kGemvRows; }

namespace {

// gemv_rows over an interleaved matrix: whole groups through the group kernel (one stream, which the hardware
// prefetcher follows), rows of partial groups at the range's ends one at a time from a plain copy.
void gemv_rows_interleaved(const Matrix& w, int64_t lo, int64_t hi, const uint8_t* x, float* y) {
    const gemv::DotGroupFn dot_group = gemv::dot_group_for(w.type);
    const VecDotFn dot = type_traits(w.type).vec_dot;
    const int64_t grouped = w.rows / kInterleaveRows * kInterleaveRows;
    auto one = [&](int64_t r) { y[r] = dot(w.cols, read_row(w, r, row_tmp(w)), x); };
    int64_t r = lo;
    for (; r < hi && r % kInterleaveRows; ++r) one(r);
    for (; r + kInterleaveRows <= std::min(hi, grouped); r += kInterleaveRows)
        dot_group(w.cols, w.row_address(r), x, y + r);
    for (; r < hi; ++r) one(r);
}

}  // namespace

void gemv_rows(const Matrix& w, int64_t lo, int64_t hi, const uint8_t* x, float* y) {
    if (w.interleaved) return gemv_rows_interleaved(w, lo, hi, x, y);
    constexpr int64_t R = gemv::kGemvRows;
    int64_t r = lo;
    // Groups of rows; each group's kernel prefetches the rows `ahead` further on as it goes.
    if (const gemv::Dot4Fn dot4 = gemv::dot4_for(w.type)) {
        const int64_t ahead = group_prefetch_rows();
        const bool burst = burst_prefetch_rows(w.row_bytes);
        for (; r + R <= hi; r += R) {
            const uint8_t* rows[R] = {w.row(r), w.row(r + 1), w.row(r + 2), w.row(r + 3)};
            const uint8_t* pf_rows[R] = {};
            // Past hi too (up to the matrix end): the rows after a chunk are usually the next chunk's.
            const bool pf = ahead > 0 && r + ahead + R <= w.rows;
            if (pf && burst) {
                // The group's rows are consecutive: one contiguous range.
                prefetch_l2(w.row(r + ahead), size_t(R) * w.row_bytes);
            } else if (pf) {
                for (int64_t k = 0; k < R; ++k) pf_rows[k] = w.row(r + ahead + k);
            }
            dot4(w.cols, rows, x, y + r, pf && !burst ? pf_rows : nullptr);
        }
    }
    const VecDotFn dot = type_traits(w.type).vec_dot;
    for (; r < hi; ++r) {
        if (r + kPrefetchRows < hi) prefetch_row(w, r + kPrefetchRows);
        y[r] = dot(w.cols, w.row(r), x);
    }
}

}  // namespace locus
