#include "cpu/interleave.h"

#include <cstring>
#include <vector>

#include "cpu/gemv_kernels.h"

namespace locus {

InterleaveLayout interleave_layout(DType t) {
    switch (t) {
        case DType::Q4_0: return {row_bytes(type_traits(t), kInterleaveUnit), 2};
        case DType::Q8_0: return {row_bytes(type_traits(t), kInterleaveUnit), 2};
        case DType::F16: return {row_bytes(type_traits(t), kInterleaveUnit), 0};
        default: return {};
    }
}

bool interleave_supported(const Matrix& m) {
    return interleave_layout(m.type).unit_bytes && m.cols > 0 && m.cols % kInterleaveUnit == 0 &&
           m.rows >= kInterleaveRows && gemv::dot_group_for(m.type) != nullptr;
}

namespace {

// One group: plain rows (4 x row_bytes at `plain`) <-> interleaved bytes at `il`.
void group_to_interleaved(const InterleaveLayout& L, int64_t units, size_t rb, const uint8_t* plain, uint8_t* il) {
    const size_t body = L.unit_bytes - L.head_bytes;
    for (int64_t u = 0; u < units; ++u) {
        uint8_t* out = il + size_t(u) * kInterleaveRows * L.unit_bytes;
        for (int64_t k = 0; k < kInterleaveRows; ++k) {
            const uint8_t* src = plain + size_t(k) * rb + size_t(u) * L.unit_bytes;
            std::memcpy(out + size_t(k) * L.head_bytes, src, L.head_bytes);
            std::memcpy(out + kInterleaveRows * L.head_bytes + size_t(k) * body, src + L.head_bytes, body);
        }
    }
}

// Sizes known at compile time turn the copies into a few moves (prefill reads interleaved rows this way).
template <size_t Head, size_t Body>
void row_from_interleaved_fixed(int64_t units, const uint8_t* il, int64_t k, uint8_t* dst) {
    constexpr size_t kUnit = Head + Body;
    for (int64_t u = 0; u < units; ++u, il += kInterleaveRows * kUnit, dst += kUnit) {
        if constexpr (Head > 0) std::memcpy(dst, il + size_t(k) * Head, Head);
        std::memcpy(dst + Head, il + kInterleaveRows * Head + size_t(k) * Body, Body);
    }
}

void row_from_interleaved(const InterleaveLayout& L, int64_t units, const uint8_t* il, int64_t k, uint8_t* dst) {
    const size_t body = L.unit_bytes - L.head_bytes;
    if (L.head_bytes == 2 && body == 16) return row_from_interleaved_fixed<2, 16>(units, il, k, dst);
    if (L.head_bytes == 2 && body == 32) return row_from_interleaved_fixed<2, 32>(units, il, k, dst);
    if (L.head_bytes == 0 && body == 64) return row_from_interleaved_fixed<0, 64>(units, il, k, dst);
    for (int64_t u = 0; u < units; ++u) {
        const uint8_t* in = il + size_t(u) * kInterleaveRows * L.unit_bytes;
        uint8_t* d = dst + size_t(u) * L.unit_bytes;
        std::memcpy(d, in + size_t(k) * L.head_bytes, L.head_bytes);
        std::memcpy(d + L.head_bytes, in + kInterleaveRows * L.head_bytes + size_t(k) * body, body);
    }
}

// The group loop of interleave_rows and deinterleave_rows: each whole group of rows is copied to a scratch
// buffer, then rearrange(L, units, tmp, p) writes it back in place at p in the other layout.
template <class Rearrange>
void rearrange_groups(const Matrix& m, uint8_t* data, Rearrange rearrange) {
    const InterleaveLayout L = interleave_layout(m.type);
    const int64_t units = m.cols / kInterleaveUnit;
    const size_t group = kInterleaveRows * m.row_bytes;
    std::vector<uint8_t> tmp(group);
    for (int64_t g = 0; g < m.rows / kInterleaveRows; ++g) {
        uint8_t* p = data + size_t(g) * group;
        std::memcpy(tmp.data(), p, group);
        rearrange(L, units, tmp.data(), p);
    }
}

}  // namespace

void interleave_rows(const Matrix& m, uint8_t* data) {
    rearrange_groups(m, data, [&](const InterleaveLayout& L, int64_t units, const uint8_t* plain, uint8_t* il) {
        group_to_interleaved(L, units, m.row_bytes, plain, il);
    });
}

void deinterleave_rows(const Matrix& m, uint8_t* data) {
    rearrange_groups(m, data, [&](const InterleaveLayout& L, int64_t units, const uint8_t* il, uint8_t* plain) {
        for (int64_t k = 0; k < kInterleaveRows; ++k) row_from_interleaved(L, units, il, k, plain + size_t(k) * m.row_bytes);
    });
}

uint8_t* row_tmp(const Matrix& m) {
    thread_local std::vector<uint8_t> buf;
    if (buf.size() < m.row_bytes) buf.resize(m.row_bytes);
    return buf.data();
}

void deinterleave_row(const Matrix& m, int64_t r, uint8_t* dst) {
    const InterleaveLayout L = interleave_layout(m.type);
    const int64_t g = r / kInterleaveRows;
    row_from_interleaved(L, m.cols / kInterleaveUnit, m.data + size_t(g) * kInterleaveRows * m.row_bytes,
                         r % kInterleaveRows, dst);
}

}  // namespace locus
