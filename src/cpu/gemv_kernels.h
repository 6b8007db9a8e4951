// Multi-row decode kernels: kGemvRows weight rows against one activation vector at once. Sharing the
// activation loads (and its block scales) across the rows, and streaming several rows in parallel, is what
// lets single-token decode approach memory bandwidth. rows[k] is row k (anywhere: consecutive rows for dense
// matvec, listed neurons for the row-sparse FFN); x is the activation already in the weight type's
// vec_dot_type. If pf is not null, the kernel also prefetches the same byte ranges of the kGemvRows rows
// pf[k], spread over its loop.
// Every SIMD version has a scalar twin (the type's vec_dot_scalar per row) that tests compare it against.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/cpu_features.h"
#include "quant/types.h"

namespace locus::gemv {

constexpr int kGemvRows = 4;

using Dot4Fn = void (*)(int64_t n, const uint8_t* const* rows, const void* x, float* y, const uint8_t* const* pf);

// The version for this CPU (respecting LOCUS_ISA), or nullptr when the type has no multi-row kernel.
Dot4Fn dot4_for(DType t);
// The version built for `isa` (scalar, avx2, avx512: the AVX-512 entry may need VNNI, see gemv.cpp), or
// nullptr where none exists or this CPU cannot run it.
Dot4Fn dot4_by_isa(DType t, Isa isa);

// Every version built for type t that this CPU can run, the scalar twin first (for tests).
std::vector<Dot4Fn> dot4_variants(DType t);

// Per-ISA versions (call only when cpu_features() says so).
void dot4_q4_0_avx512vnni(int64_t n, const uint8_t* const* rows, const void* x, float* y, const uint8_t* const* pf);
void dot4_q8_0_avx512vnni(int64_t n, const uint8_t* const* rows, const void* x, float* y, const uint8_t* const* pf);
void dot4_q4_0_avx512vnni_onepass(int64_t n, const uint8_t* const* rows, const void* x, float* y, const uint8_t* const* pf);
void dot4_q8_0_avx512vnni_onepass(int64_t n, const uint8_t* const* rows, const void* x, float* y, const uint8_t* const* pf);
void dot4_f16_avx512(int64_t n, const uint8_t* const* rows, const void* x, float* y, const uint8_t* const* pf);
void dot4_f32_avx512(int64_t n, const uint8_t* const* rows, const void* x, float* y, const uint8_t* const* pf);
void dot4_q4_0_avx2(int64_t n, const uint8_t* const* rows, const void* x, float* y, const uint8_t* const* pf);
void dot4_q8_0_avx2(int64_t n, const uint8_t* const* rows, const void* x, float* y, const uint8_t* const* pf);
void dot4_f16_avx2(int64_t n, const uint8_t* const* rows, const void* x, float* y, const uint8_t* const* pf);

// Group kernels: the same four dots over one group of the row-interleaved layout (cpu/interleave.h), rows
// 4g..4g+3 as one stream; n is a multiple of 32. y[k] = row k . x.
using DotGroupFn = void (*)(int64_t n, const uint8_t* group, const void* x, float* y);

// The version for this CPU (respecting LOCUS_ISA), or nullptr when the type has none (then matrices of the
// type are not interleaved).
DotGroupFn dot_group_for(DType t);
// Every version built for type t that this CPU can run, the scalar twin first (for tests).
std::vector<DotGroupFn> dot_group_variants(DType t);

void dot_group_q4_0_avx512vnni(int64_t n, const uint8_t* group, const void* x, float* y);
void dot_group_q8_0_avx512vnni(int64_t n, const uint8_t* group, const void* x, float* y);
void dot_group_f16_avx512(int64_t n, const uint8_t* group, const void* x, float* y);
void dot_group_q4_0_avx2(int64_t n, const uint8_t* group, const void* x, float* y);
void dot_group_q8_0_avx2(int64_t n, const uint8_t* group, const void* x, float* y);
void dot_group_f16_avx2(int64_t n, const uint8_t* group, const void* x, float* y);

}  // namespace locus::gemv
