// Per-type weight decoders shared by every weight kernel (matvec, row-sparse, column-sparse axpy, dequantise).
// Layouts are ggml's, byte for byte (see quant/legacy_blocks.h, quant/k_blocks.h); the CPU scalar dequantisers
// (quant/*_types.cpp to_float) are the reference the tests compare against.
//
// A row is cut into chunks; a chunk is G groups of 4 consecutive elements (elements xo[g] .. xo[g] + 3 of the
// row), and element e of group g has the value  s[g] * q[g][e] - m[g].  Lane/thread c of a kernel decodes chunk
// c, so consecutive threads read consecutive bytes of the row. Row starts must be 4-byte aligned for Q4_K and
// 16-byte aligned for F32/F16/BF16 (true for rows of cudaMalloc'd matrices with cols % 32 == 0); Q4_0, Q8_0
// and Q6_K blocks are only 2-byte aligned, so they are read in 16-bit pieces.
//
// Small integers become floats through the exponent trick (2^23 + v has v in its mantissa): a byte permute and
// one float add instead of an int->float conversion, which runs at a quarter of the FMA rate.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

namespace locus::cuda::chunks {

constexpr float kMagic = 8388608.0f;  // 2^23

// Byte k (compile-time) of v as the float 2^23 + byte.
template <int k>
__device__ __forceinline__ float byte_magic(uint32_t v) {
    return __uint_as_float(__byte_perm(v, 0x4B000000u, 0x7540 | k));
}

__device__ __forceinline__ float half_at(const uint8_t* p) {
    return __half2float(__ushort_as_half(*reinterpret_cast<const unsigned short*>(p)));
}

// Four bytes from a 2-byte-aligned address.
__device__ __forceinline__ uint32_t u32_at2(const uint8_t* p) {
    const auto* h = reinterpret_cast<const uint16_t*>(p);
    return uint32_t(h[0]) | uint32_t(h[1]) << 16;
}

__device__ __forceinline__ uint32_t u32_at4(const uint8_t* p) { return *reinterpret_cast<const uint32_t*>(p); }

// q[e] = byte e of v minus `offset`.
template <int offset>
__device__ __forceinline__ void bytes_to_q(uint32_t v, float q[4]) {
    constexpr float sub = kMagic + float(offset);
    q[0] = byte_magic<0>(v) - sub;
    q[1] = byte_magic<1>(v) - sub;
    q[2] = byte_magic<2>(v) - sub;
    q[3] = byte_magic<3>(v) - sub;
}

template <int G>
struct Chunk {
    float q[G][4];
    float s[G];
    float m[G];
};

// ---- float types: 8 elements per chunk, s = 1, no min ----

struct F32 {
    static constexpr int kGroups = 2, kElems = 8, kBlock = 1;
    static constexpr bool kHasMin = false;
    __device__ static void offsets(int c, int xo[2]) { xo[0] = 8 * c; xo[1] = 8 * c + 4; }
    __device__ static void load(const uint8_t* row, int c, Chunk<2>& ch) {
        const float4* p = reinterpret_cast<const float4*>(row) + 2 * c;
        const float4 a = p[0], b = p[1];
        ch.q[0][0] = a.x; ch.q[0][1] = a.y; ch.q[0][2] = a.z; ch.q[0][3] = a.w;
        ch.q[1][0] = b.x; ch.q[1][1] = b.y; ch.q[1][2] = b.z; ch.q[1][3] = b.w;
        ch.s[0] = ch.s[1] = 1.0f;
        ch.m[0] = ch.m[1] = 0.0f;
    }
};

struct F16 {
    static constexpr int kGroups = 2, kElems = 8, kBlock = 1;
    static constexpr bool kHasMin = false;
    __device__ static void offsets(int c, int xo[2]) { xo[0] = 8 * c; xo[1] = 8 * c + 4; }
    __device__ static void load(const uint8_t* row, int c, Chunk<2>& ch) {
        const uint4 v = reinterpret_cast<const uint4*>(row)[c];
        const uint32_t w[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            const float2 f = __half22float2(*reinterpret_cast<const __half2*>(&w[i]));
            ch.q[i / 2][2 * (i % 2)] = f.x;
            ch.q[i / 2][2 * (i % 2) + 1] = f.y;
        }
        ch.s[0] = ch.s[1] = 1.0f;
        ch.m[0] = ch.m[1] = 0.0f;
    }
};

struct BF16 {
    static constexpr int kGroups = 2, kElems = 8, kBlock = 1;
    static constexpr bool kHasMin = false;
    __device__ static void offsets(int c, int xo[2]) { xo[0] = 8 * c; xo[1] = 8 * c + 4; }
    __device__ static void load(const uint8_t* row, int c, Chunk<2>& ch) {
        const uint4 v = reinterpret_cast<const uint4*>(row)[c];
        const uint32_t w[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
        for (int i = 0; i < 4; ++i) {  // bf16 -> f32 is a shift into the high half
            ch.q[i / 2][2 * (i % 2)] = __uint_as_float(w[i] << 16);
            ch.q[i / 2][2 * (i % 2) + 1] = __uint_as_float(w[i] & 0xFFFF0000u);
        }
        ch.s[0] = ch.s[1] = 1.0f;
        ch.m[0] = ch.m[1] = 0.0f;
    }
};

// ---- legacy blocks of 32: four chunks per block ----

// Q8_0 (34 bytes: f16 d, 32 x int8). Chunk t of a block: elements 8t .. 8t + 7.
struct Q8_0 {
    static constexpr int kGroups = 2, kElems = 8, kBlock = 32, kBytes = 34;
    static constexpr bool kHasMin = false;
    __device__ static void offsets(int c, int xo[2]) {
        xo[0] = 32 * (c >> 2) + 8 * (c & 3);
        xo[1] = xo[0] + 4;
    }
    __device__ static void load(const uint8_t* row, int c, Chunk<2>& ch) {
        const uint8_t* b = row + size_t(c >> 2) * kBytes;
        const int t = c & 3;
        const float d = half_at(b);
        // Flipping the sign bit maps int8 v to the unsigned byte v + 128.
        bytes_to_q<128>(u32_at2(b + 2 + 8 * t) ^ 0x80808080u, ch.q[0]);
        bytes_to_q<128>(u32_at2(b + 6 + 8 * t) ^ 0x80808080u, ch.q[1]);
        ch.s[0] = ch.s[1] = d;
        ch.m[0] = ch.m[1] = 0.0f;
    }
};

// Q4_0 (18 bytes: f16 d, 16 bytes of nibbles). Chunk t: qs[4t..4t+3], whose low nibbles are elements
// 4t..4t+3 and high nibbles elements 16+4t..16+4t+3; value (q - 8) * d.
struct Q4_0 {
    static constexpr int kGroups = 2, kElems = 8, kBlock = 32, kBytes = 18;
    static constexpr bool kHasMin = false;
    __device__ static void offsets(int c, int xo[2]) {
        xo[0] = 32 * (c >> 2) + 4 * (c & 3);
        xo[1] = xo[0] + 16;
    }
    __device__ static void load(const uint8_t* row, int c, Chunk<2>& ch) {
        const uint8_t* b = row + size_t(c >> 2) * kBytes;
        const float d = half_at(b);
        const uint32_t v = u32_at2(b + 2 + 4 * (c & 3));
        bytes_to_q<8>(v & 0x0F0F0F0Fu, ch.q[0]);
        bytes_to_q<8>((v >> 4) & 0x0F0F0F0Fu, ch.q[1]);
        ch.s[0] = ch.s[1] = d;
        ch.m[0] = ch.m[1] = 0.0f;
    }
};

// ---- K-quants: super-blocks of 256 ----

// Q4_K (144 bytes: f16 d, f16 dmin, 12 bytes of 6-bit scales/mins, 128 bytes of nibbles). 32 chunks per
// super-block: chunk w = 8 cc + u reads qs[32cc + 4u .. +3]: low nibbles are elements 64cc + 4u .. +3 (sub-block
// 2cc), high nibbles elements 64cc + 32 + 4u .. +3 (sub-block 2cc + 1); value d*sc*q - dmin*m.
struct Q4_K {
    static constexpr int kGroups = 2, kElems = 8, kBlock = 256, kBytes = 144;
    static constexpr bool kHasMin = true;
    __device__ static void offsets(int c, int xo[2]) {
        const int w = c & 31;
        xo[0] = 256 * (c >> 5) + 64 * (w >> 3) + 4 * (w & 7);
        xo[1] = xo[0] + 32;
    }
    // Byte k (0..11) of the packed scales held in three words.
    __device__ static uint32_t sbyte(uint32_t s0, uint32_t s1, uint32_t s2, int k) {
        const uint32_t word = k < 4 ? s0 : (k < 8 ? s1 : s2);
        return (word >> (8 * (k & 3))) & 0xFFu;
    }
    // Scale and min of sub-block j (as quant/k_blocks.h unpack_scales_mins).
    __device__ static void scale_min(uint32_t s0, uint32_t s1, uint32_t s2, int j, float& sc, float& mn) {
        if (j < 4) {
            sc = float(sbyte(s0, s1, s2, j) & 63);
            mn = float(sbyte(s0, s1, s2, j + 4) & 63);
        } else {
            sc = float((sbyte(s0, s1, s2, j + 4) & 0xF) | ((sbyte(s0, s1, s2, j - 4) >> 6) << 4));
            mn = float((sbyte(s0, s1, s2, j + 4) >> 4) | ((sbyte(s0, s1, s2, j) >> 6) << 4));
        }
    }
    __device__ static void load(const uint8_t* row, int c, Chunk<2>& ch) {
        const uint8_t* b = row + size_t(c >> 5) * kBytes;
        const int w = c & 31, cc = w >> 3, u = w & 7;
        const uint32_t dd = u32_at4(b);
        const float d = __half2float(__ushort_as_half(uint16_t(dd & 0xFFFF)));
        const float dmin = __half2float(__ushort_as_half(uint16_t(dd >> 16)));
        const uint32_t s0 = u32_at4(b + 4), s1 = u32_at4(b + 8), s2 = u32_at4(b + 12);
        const uint32_t v = u32_at4(b + 16 + 32 * cc + 4 * u);
        bytes_to_q<0>(v & 0x0F0F0F0Fu, ch.q[0]);
        bytes_to_q<0>((v >> 4) & 0x0F0F0F0Fu, ch.q[1]);
        float sc, mn;
        scale_min(s0, s1, s2, 2 * cc, sc, mn);
        ch.s[0] = d * sc;
        ch.m[0] = dmin * mn;
        scale_min(s0, s1, s2, 2 * cc + 1, sc, mn);
        ch.s[1] = d * sc;
        ch.m[1] = dmin * mn;
    }
};

// Q6_K (210 bytes: ql[128], qh[64], int8 scales[16], f16 d). 16 chunks of 16 elements per super-block: chunk
// w = 8h + u covers l = 4u .. 4u+3 of half h in its four quadrants (elements 128h + 32k + l, k = 0..3);
// value d * scales[e / 16] * (q - 32).
struct Q6_K {
    static constexpr int kGroups = 4, kElems = 16, kBlock = 256, kBytes = 210;
    static constexpr bool kHasMin = false;
    __device__ static void offsets(int c, int xo[4]) {
        const int w = c & 15;
        const int base = 256 * (c >> 4) + 128 * (w >> 3) + 4 * (w & 7);
#pragma unroll
        for (int k = 0; k < 4; ++k) xo[k] = base + 32 * k;
    }
    __device__ static void load(const uint8_t* row, int c, Chunk<4>& ch) {
        const uint8_t* b = row + size_t(c >> 4) * kBytes;
        const int w = c & 15, h = w >> 3, u = w & 7, l0 = 4 * u;
        const uint32_t a = u32_at2(b + 64 * h + l0);        // ql[l], quadrants 0 (low) and 2 (high)
        const uint32_t a2 = u32_at2(b + 64 * h + 32 + l0);  // ql[l + 32], quadrants 1 and 3
        const uint32_t hb = u32_at2(b + 128 + 32 * h + l0); // qh[l]: 2 bits per quadrant
        const float d = half_at(b + 208);
        const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192);
        const uint32_t q0 = (a & 0x0F0F0F0Fu) | ((hb & 0x03030303u) << 4);
        const uint32_t q1 = (a2 & 0x0F0F0F0Fu) | (((hb >> 2) & 0x03030303u) << 4);
        const uint32_t q2 = ((a >> 4) & 0x0F0F0F0Fu) | (((hb >> 4) & 0x03030303u) << 4);
        const uint32_t q3 = ((a2 >> 4) & 0x0F0F0F0Fu) | (((hb >> 6) & 0x03030303u) << 4);
        bytes_to_q<32>(q0, ch.q[0]);
        bytes_to_q<32>(q1, ch.q[1]);
        bytes_to_q<32>(q2, ch.q[2]);
        bytes_to_q<32>(q3, ch.q[3]);
        const int g0 = 8 * h + (u >> 2);  // group of 16 of quadrant 0; quadrant k adds 2k
#pragma unroll
        for (int k = 0; k < 4; ++k) {
            ch.s[k] = d * float(sc[g0 + 2 * k]);
            ch.m[k] = 0.0f;
        }
    }
};

}  // namespace locus::cuda::chunks
