// Weight quantisers of Q4_K, Q5_K and Q6_K. Not ggml's make_qkx2_quants, but the same shape: fit a scale
// (and min) per sub-block by least squares over a few candidate grids, quantise those scales against one f16
// scale per super-block, then requantise the elements with the scales as stored.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/fp16.h"
#include "quant/k_blocks.h"

namespace locus::kq {
namespace {

inline int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
inline int round_int(float v) { return int(std::lrintf(v)); }

// Fits x ~= scale * L - mn with L in [0, nmax], scale >= 0, mn >= 0 (the min is clamped at 0 as in ggml:
// sub-blocks that are all positive use their zero point at 0). Returns the scale; *mn gets the min.
float fit_scale_min(const float* x, int n, int nmax, float* mn) {
    float lo = x[0], hi = x[0];
    for (int i = 1; i < n; ++i) { lo = std::min(lo, x[i]); hi = std::max(hi, x[i]); }
    lo = std::min(lo, 0.0f);
    if (hi <= lo) { *mn = -lo; return 0; }
    float best_scale = (hi - lo) / nmax, best_min = lo, best_err = INFINITY;
    uint8_t L[32];
    auto try_grid = [&](float scale, float offset) {
        if (!(scale > 0)) return;
        const float is = 1 / scale;
        float sl = 0, sl2 = 0, sx = 0, sxl = 0;
        for (int i = 0; i < n; ++i) {
            L[i] = uint8_t(clampi(round_int((x[i] - offset) * is), 0, nmax));
            sl += L[i]; sl2 += float(L[i]) * L[i]; sx += x[i]; sxl += x[i] * L[i];
        }
        // Least squares a*L + b ~= x, with b <= 0.
        const float det = n * sl2 - sl * sl;
        float a, b;
        if (det > 0) {
            a = (n * sxl - sl * sx) / det;
            b = (sl2 * sx - sl * sxl) / det;
        } else {
            a = scale; b = offset;
        }
        if (b > 0) { b = 0; a = sl2 > 0 ? sxl / sl2 : 0; }
        if (!(a > 0)) return;
        float err = 0;
        for (int i = 0; i < n; ++i) { const float e = a * L[i] + b - x[i]; err += e * e; }
        if (err < best_err) { best_err = err; best_scale = a; best_min = b; }
    };
    for (int step = -4; step <= 4; ++step) try_grid((hi - lo) / (nmax + 0.25f * step), lo);
    for (int iter = 0; iter < 3; ++iter) try_grid(best_scale, best_min);  // refine around the best fit
    *mn = -best_min;
    return best_scale;
}

// Quantises the 8 sub-block scales and mins of a Q4_K/Q5_K block to 6 bits each; writes d, dmin, the packed
// scales, and L (the per-element quants in [0, nmax]) computed with the stored values.
void quantize_scaled_min_block(const float* x, int nmax, uint16_t* d16, uint16_t* dmin16, uint8_t* packed,
                               uint8_t* L) {
    float scale[8], mn[8], max_scale = 0, max_min = 0;
    for (int j = 0; j < 8; ++j) {
        scale[j] = fit_scale_min(x + 32 * j, 32, nmax, &mn[j]);
        max_scale = std::max(max_scale, scale[j]);
        max_min = std::max(max_min, mn[j]);
    }
    const float inv_scale = max_scale > 0 ? 63 / max_scale : 0;
    const float inv_min = max_min > 0 ? 63 / max_min : 0;
    uint8_t sc[8], m[8];
    for (int j = 0; j < 8; ++j) {
        sc[j] = uint8_t(clampi(round_int(inv_scale * scale[j]), 0, 63));
        m[j] = uint8_t(clampi(round_int(inv_min * mn[j]), 0, 63));
    }
    *d16 = fp32_to_fp16(max_scale / 63);
    *dmin16 = fp32_to_fp16(max_min / 63);
    pack_scales_mins(sc, m, packed);
    const float d = fp16_to_fp32(*d16), dmin = fp16_to_fp32(*dmin16);
    for (int j = 0; j < 8; ++j) {
        const float ds = d * sc[j], dm = dmin * m[j];
        for (int i = 0; i < 32; ++i) {
            L[32 * j + i] = ds > 0 ? uint8_t(clampi(round_int((x[32 * j + i] + dm) / ds), 0, nmax)) : 0;
        }
    }
}

// Fits x ~= scale * L with L in [-32, 31] for a group of 16: tries grids near max/-32, keeps the least-squares
// scale of the best one. The scale's sign follows ggml (the largest-magnitude element maps to -32).
float fit_scale_signed(const float* x, int n) {
    float amax = 0, max = 0;
    for (int i = 0; i < n; ++i) {
        if (std::fabs(x[i]) > amax) { amax = std::fabs(x[i]); max = x[i]; }
    }
    if (amax == 0) return 0;
    float best_scale = max / -32, best_gain = -1;
    for (int step = -6; step <= 6; ++step) {
        const float is = -(32 + 0.1f * step) / max;
        float sxl = 0, sl2 = 0;
        for (int i = 0; i < n; ++i) {
            const int l = clampi(round_int(is * x[i]), -32, 31);
            sxl += x[i] * l; sl2 += float(l) * l;
        }
        // Error with the optimal scale sxl/sl2 is sum(x^2) - sxl^2/sl2: maximise the second term.
        if (sl2 > 0 && sxl * sxl / sl2 > best_gain) { best_gain = sxl * sxl / sl2; best_scale = sxl / sl2; }
    }
    return best_scale;
}

}  // namespace

void quantize_q4k(const float* src, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ4K*>(dst);
    uint8_t L[QK_K];
    for (int64_t i = 0; i < n / QK_K; ++i, ++b, src += QK_K) {
        quantize_scaled_min_block(src, 15, &b->d, &b->dmin, b->scales, L);
        for (int c = 0; c < 4; ++c) {
            for (int l = 0; l < 32; ++l) b->qs[32 * c + l] = uint8_t(L[64 * c + l] | (L[64 * c + 32 + l] << 4));
        }
    }
}

void quantize_q5k(const float* src, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ5K*>(dst);
    uint8_t L[QK_K];
    for (int64_t i = 0; i < n / QK_K; ++i, ++b, src += QK_K) {
        quantize_scaled_min_block(src, 31, &b->d, &b->dmin, b->scales, L);
        std::memset(b->qh, 0, sizeof(b->qh));
        for (int c = 0; c < 4; ++c) {
            for (int l = 0; l < 32; ++l) {
                const int q0 = L[64 * c + l], q1 = L[64 * c + 32 + l];
                b->qs[32 * c + l] = uint8_t((q0 & 0xF) | ((q1 & 0xF) << 4));
                b->qh[l] |= uint8_t(((q0 >> 4) << (2 * c)) | ((q1 >> 4) << (2 * c + 1)));
            }
        }
    }
}

void quantize_q6k(const float* src, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ6K*>(dst);
    for (int64_t i = 0; i < n / QK_K; ++i, ++b, src += QK_K) {
        float scale[16], max_scale = 0, amax = 0;
        for (int g = 0; g < 16; ++g) {
            scale[g] = fit_scale_signed(src + 16 * g, 16);
            if (std::fabs(scale[g]) > amax) { amax = std::fabs(scale[g]); max_scale = scale[g]; }
        }
        std::memset(b, 0, sizeof(*b));
        if (amax == 0) continue;
        const float iscale = -128 / max_scale;
        b->d = fp32_to_fp16(1 / iscale);
        const float d = fp16_to_fp32(b->d);
        uint8_t L[QK_K];
        for (int g = 0; g < 16; ++g) {
            b->scales[g] = int8_t(clampi(round_int(iscale * scale[g]), -128, 127));
            const float ds = d * b->scales[g];
            for (int e = 16 * g; e < 16 * g + 16; ++e) {
                L[e] = uint8_t(ds != 0 ? clampi(round_int(src[e] / ds), -32, 31) + 32 : 32);
            }
        }
        for (int h = 0; h < 2; ++h) {
            const uint8_t* q = L + 128 * h;
            uint8_t* ql = b->ql + 64 * h;
            uint8_t* qh = b->qh + 32 * h;
            for (int l = 0; l < 32; ++l) {
                ql[l] = uint8_t((q[l] & 0xF) | ((q[l + 64] & 0xF) << 4));
                ql[l + 32] = uint8_t((q[l + 32] & 0xF) | ((q[l + 96] & 0xF) << 4));
                qh[l] = uint8_t((q[l] >> 4) | ((q[l + 32] >> 4) << 2) | ((q[l + 64] >> 4) << 4) | ((q[l + 96] >> 4) << 6));
            }
        }
    }
}

}  // namespace locus::kq
