// How the decode kernels prefetch the weight rows they will read next. Two styles: spread_l1 (L1 prefetches of
// the next group of rows, spread through the kernel's loop) and burst_l2 (the next group's lines requested into
// L2 in one burst before the group is computed). Measured with bench/kernels/decode_kernels.cpp (bench/RESULTS.md):
// on Sapphire Rapids spread_l1 was best everywhere; on AMD EPYC (Zen 4 class) burst_l2 makes rows shorter than
// 1 KiB (predictor fc2, 1024 columns of Q4_0) ~1.3x faster and the column-sparse slices ~1.2x, while long rows
// stay at least as fast with spread_l1. Chosen once from the CPU vendor; LOCUS_PREFETCH=spread|burst overrides.
#pragma once
#include <cstddef>
#include <cstdint>

namespace locus {

enum class PrefetchStyle { spread_l1, burst_l2 };

PrefetchStyle weight_prefetch_style();

// Whether the row kernels (dense and row-sparse matvec) should burst-prefetch rows of this length.
inline bool burst_prefetch_rows(size_t row_bytes) {
    return weight_prefetch_style() == PrefetchStyle::burst_l2 && row_bytes < 1024;
}

// Requests the cache lines of p[0, bytes) into L2 (burst_l2 style).
inline void prefetch_l2(const uint8_t* p, size_t bytes) {
    for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch(p + off, 0, 2);
}

}  // namespace locus
