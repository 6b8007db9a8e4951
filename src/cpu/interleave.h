// Row-interleaved weight layout for decode. A decode step streams every weight once; the four-row kernels
// read four rows at once, and with plain rows that is four memory streams per thread. On some CPUs (AMD EPYC,
// Zen 4 class, measured in bench/RESULTS.md) four streams read at about half the rate of one, so matrices that
// are only ever read whole are repacked at load so that a group of four rows is one stream:
//
//   rows 4g..4g+3 (a group) occupy the same bytes as in the plain layout, arranged unit by unit, where a unit
//   is 32 elements of each of the four rows: first the four rows' block heads (the fp16 scale of Q4_0/Q8_0,
//   nothing for F16), then the four rows' remaining block bytes, row 0 first.
//
// Rows after the last full group stay plain. Only matrices of a type with a group kernel on this CPU, whose
// rows are a whole number of units long, are repacked (interleave_supported).
#pragma once
#include <cstddef>
#include <cstdint>

#include "model/weights.h"

namespace locus {

constexpr int64_t kInterleaveRows = 4;
constexpr int64_t kInterleaveUnit = 32;  // elements of a row per unit

struct InterleaveLayout {
    size_t unit_bytes = 0;  // bytes of 32 elements of one row (0: the type has no interleaved layout)
    size_t head_bytes = 0;  // bytes at the start of each unit that are gathered first (the block scale)
};
InterleaveLayout interleave_layout(DType t);

// Whether m can be repacked here: a group kernel for its type on this CPU, whole units, at least one group.
bool interleave_supported(const Matrix& m);

// Rearranges the plain rows at `data` (m's bytes, writable) into the interleaved layout, in place.
void interleave_rows(const Matrix& m, uint8_t* data);
// The inverse, for tests and tools.
void deinterleave_rows(const Matrix& m, uint8_t* data);

// Row r of an interleaved group, copied to dst in the plain layout (row_bytes bytes).
void deinterleave_row(const Matrix& m, int64_t r, uint8_t* dst);

// A per-thread scratch row of at least m.row_bytes bytes, for read_row (valid until the next call).
uint8_t* row_tmp(const Matrix& m);

// Row r in the plain layout: in place for plain rows, else copied to tmp (row_bytes bytes) and tmp returned.
inline const uint8_t* read_row(const Matrix& m, int64_t r, uint8_t* tmp) {
    if (!m.interleaved || r >= m.rows / kInterleaveRows * kInterleaveRows) return m.row(r);
    deinterleave_row(m, r, tmp);
    return tmp;
}

}  // namespace locus
