#include <algorithm>
#include <cstring>
#include <vector>

#include "core/cpu_features.h"
#include "core/fp16.h"
#include "cpu/gemm_f32.h"
#include "cpu/gemm_int8.h"
#include "cpu/interleave.h"
#include "cpu/matmul_kernels.h"
#include "quant/legacy_blocks.h"

namespace locus {
namespace gemm {

void unpack_scalar(DType type, const uint8_t* row, int64_t nb, int8_t* q, float* d, int32_t* c) {
    for (int64_t b = 0; b < nb; ++b) {
        int8_t* qb = q + b * 32;
        if (type == DType::Q4_0) {
            const auto& blk = reinterpret_cast<const BlockQ4_0*>(row)[b];
            d[b] = fp16_to_fp32(blk.d);
            for (int j = 0; j < 16; ++j) {
                qb[j] = int8_t((blk.qs[j] & 0x0f) - 8);
                qb[j + 16] = int8_t((blk.qs[j] >> 4) - 8);
            }
        } else {
            const auto& blk = reinterpret_cast<const BlockQ8_0*>(row)[b];
            d[b] = fp16_to_fp32(blk.d);
            std::memcpy(qb, blk.qs, 32);
        }
        int32_t s = 0;
        for (int j = 0; j < 32; ++j) s += qb[j];
        c[b] = -128 * s;
    }
}

void tile_scalar(const int8_t* q, const float* d, const int32_t* c, int64_t w_nb, int nr, const uint8_t* act,
                 size_t panel_stride, int np, int64_t nb, float* out, bool accumulate) {
    for (int r = 0; r < nr; ++r)
        for (int p = 0; p < np; ++p) {
            float* o = out + r * kNp * kGemmPanel + p * kGemmPanel;
            for (int i = 0; i < kGemmPanel; ++i) {
                float acc = accumulate ? o[i] : 0.0f;
                for (int64_t b = 0; b < nb; ++b) {
                    const uint8_t* blk = act + p * panel_stride + b * kPanelBlockBytes;
                    float dx;
                    std::memcpy(&dx, blk + 4 * i, 4);
                    const int8_t* qb = q + (r * w_nb + b) * 32;
                    int32_t s = c[r * w_nb + b];
                    for (int k = 0; k < 32; ++k) s += int32_t(qb[k]) * blk[64 + (k / 4) * 64 + i * 4 + k % 4];
                    acc += float(s) * (d[r * w_nb + b] * dx);
                }
                o[i] = acc;
            }
        }
}

void tile_f32_scalar(const float* w, int64_t w_stride, int nr, const float* act, int64_t panel_stride, int np,
                     int64_t nk, float* out, bool accumulate) {
    for (int r = 0; r < nr; ++r)
        for (int p = 0; p < np; ++p) {
            float* o = out + r * kNpF * 16 + p * 16;
            for (int i = 0; i < 16; ++i) {
                float acc = accumulate ? o[i] : 0.0f;
                for (int64_t k = 0; k < nk; ++k) acc += w[r * w_stride + k] * act[p * panel_stride + k * 16 + i];
                o[i] = acc;
            }
        }
}

void widen_scalar(const uint16_t* src, float* dst, int64_t n) {
    for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(src[i]);
}

namespace {

// Float kernel: rows per tile (F16 rows are widened per tile) and elements per pass (2 panels x 128 x 64 B
// of activations and 8 x 128 x 4 B of weights stay in L1 across the micro-tiles).
constexpr int64_t kRowTileF = 16;
constexpr int64_t kKChunk = 128;

void gemm_f32(const Matrix& w, int64_t lo, int64_t hi, int64_t n_tok, float* y, int64_t y_stride, const uint8_t* packed,
              WidenFn widen, TileF32Fn tile) {
    const int64_t K = w.cols;
    const int64_t n_panels = (n_tok + kGemmPanel - 1) / kGemmPanel;
    const int64_t ps = K * kGemmPanel;
    const float* act = reinterpret_cast<const float*>(packed);
    thread_local std::vector<float> wbuf;
    if (w.type == DType::F16) wbuf.resize(size_t(kRowTileF * K));
    alignas(64) float out[kRowTileF][kNpF * 16];
    for (int64_t r0 = lo; r0 < hi; r0 += kRowTileF) {
        const int64_t nrt = std::min(kRowTileF, hi - r0);
        const float* wt;
        int64_t ws;
        if (w.type == DType::F32) {
            wt = reinterpret_cast<const float*>(w.row(r0));
            ws = int64_t(w.row_bytes / sizeof(float));
        } else {
            for (int64_t r = 0; r < nrt; ++r)
                widen(reinterpret_cast<const uint16_t*>(read_row(w, r0 + r, row_tmp(w))), wbuf.data() + r * K, K);
            wt = wbuf.data();
            ws = K;
        }
        for (int64_t p0 = 0; p0 < n_panels; p0 += kNpF) {
            const int np = int(std::min<int64_t>(kNpF, n_panels - p0));
            for (int64_t k0 = 0; k0 < K; k0 += kKChunk) {
                const int64_t nk = std::min(kKChunk, K - k0);
                for (int64_t m0 = 0; m0 < nrt; m0 += kMrF)
                    tile(wt + m0 * ws + k0, ws, int(std::min<int64_t>(kMrF, nrt - m0)), act + p0 * ps + k0 * 16, ps, np,
                         nk, out[m0], k0 > 0);
            }
            const int64_t t0 = p0 * kGemmPanel, nt = std::min<int64_t>(np * kGemmPanel, n_tok - t0);
            for (int64_t i = 0; i < nt; ++i) {
                float* yt = y + (t0 + i) * y_stride + r0;
                for (int64_t r = 0; r < nrt; ++r) yt[r] = out[r][i];
            }
        }
    }
}

// Rows of weights unpacked together (their bytes stay in L1/L2 while all token panels stream past), and
// blocks per pass (the two panels' bytes, 2 x 16 x 576, stay in L1 across the tile's micro-rows).
constexpr int64_t kRowTile = 16;
constexpr int64_t kBlockChunk = 16;

// Pulls the next row tile's weights into the cache a slice at a time, one slice per micro-tile call of the
// current tile, so the memory traffic overlaps the arithmetic. For small batches the weights are read about as
// fast as they are used, and without it every tile would start with a stall on its rows (measured: the unpack,
// the first touch of each row, took more time than the dot products at 8 tokens).
class NextTilePrefetch {
public:
    NextTilePrefetch(const Matrix& w, int64_t r_begin, int64_t r_end, int64_t calls)
        : w_(w), r_begin_(r_begin), lines_per_row_(int64_t((w.row_bytes + 63) / 64)),
          total_(std::max<int64_t>(0, r_end - r_begin) * lines_per_row_), calls_(std::max<int64_t>(1, calls)) {}
    // Issues the prefetches due after micro-tile call `k` (0-based) of the current tile.
    void after_call(int64_t k) {
        const int64_t upto = total_ * (k + 1) / calls_;
        for (; issued_ < upto; ++issued_) {
            const uint8_t* row = w_.row_address(r_begin_ + issued_ / lines_per_row_);
            __builtin_prefetch(row + (issued_ % lines_per_row_) * 64, 0, 3);
        }
    }
private:
    const Matrix& w_;
    int64_t r_begin_, lines_per_row_, total_, calls_, issued_ = 0;
};

void gemm_int8(const Matrix& w, int64_t lo, int64_t hi, int64_t n_tok, float* y, int64_t y_stride, const uint8_t* packed,
               UnpackFn unpack, TileFn tile, TileFn tile8) {
    const int64_t nb = w.cols / kQK;
    const int64_t n_panels = (n_tok + kGemmPanel - 1) / kGemmPanel;
    const size_t panel_stride = size_t(nb) * kPanelBlockBytes;
    // At most 8 tokens: one half-used panel, computed by the 8-token kernel.
    if (n_tok <= 8) tile = tile8;
    thread_local std::vector<int8_t> qbuf;
    thread_local std::vector<float> dbuf;
    thread_local std::vector<int32_t> cbuf;
    qbuf.resize(size_t(kRowTile * nb * 32));
    dbuf.resize(size_t(kRowTile * nb));
    cbuf.resize(size_t(kRowTile * nb));
    alignas(64) float out[kRowTile][kNp * kGemmPanel];
    for (int64_t r0 = lo; r0 < hi; r0 += kRowTile) {
        const int64_t nrt = std::min(kRowTile, hi - r0);
        for (int64_t r = 0; r < nrt; ++r)
            unpack(w.type, read_row(w, r0 + r, row_tmp(w)), nb, qbuf.data() + r * nb * 32,
                   dbuf.data() + r * nb, cbuf.data() + r * nb);
        const int64_t n_calls = (n_panels + kNp - 1) / kNp * ((nb + kBlockChunk - 1) / kBlockChunk) *
                                ((nrt + kMr - 1) / kMr);
        NextTilePrefetch prefetch(w, r0 + kRowTile, std::min(hi, r0 + 2 * kRowTile), n_calls);
        int64_t call = 0;
        for (int64_t p0 = 0; p0 < n_panels; p0 += kNp) {
            const int np = int(std::min<int64_t>(kNp, n_panels - p0));
            const uint8_t* act = packed + p0 * panel_stride;
            for (int64_t b0 = 0; b0 < nb; b0 += kBlockChunk) {
                const int64_t kb = std::min(kBlockChunk, nb - b0);
                for (int64_t m0 = 0; m0 < nrt; m0 += kMr) {
                    tile(qbuf.data() + (m0 * nb + b0) * 32, dbuf.data() + m0 * nb + b0, cbuf.data() + m0 * nb + b0, nb,
                         int(std::min<int64_t>(kMr, nrt - m0)), act + b0 * kPanelBlockBytes, panel_stride, np, kb,
                         out[m0], b0 > 0);
                    prefetch.after_call(call++);
                }
            }
            const int64_t t0 = p0 * kGemmPanel, nt = std::min<int64_t>(np * kGemmPanel, n_tok - t0);
            for (int64_t i = 0; i < nt; ++i) {
                float* yt = y + (t0 + i) * y_stride + r0;
                for (int64_t r = 0; r < nrt; ++r) yt[r] = out[r][i];
            }
        }
    }
}

bool vnni_available() {
    return best_isa() == Isa::avx512 && cpu_features().avx512_vnni;
}
bool avx512_available() { return best_isa() == Isa::avx512; }

}  // namespace
}  // namespace gemm

int64_t gemm_row_grain() { return gemm::kRowTile; }

GemmPacking gemm_packing(DType t, int64_t n_tok) {
    static const bool vnni = gemm::vnni_available();
    static const bool avx512 = gemm::avx512_available();
    if (n_tok < 4) return GemmPacking::none;
    static const bool amx = gemm::amx_enable();
    if (amx && (t == DType::Q4_0 || t == DType::Q8_0)) return GemmPacking::int8s;
    if (vnni && (t == DType::Q4_0 || t == DType::Q8_0)) return GemmPacking::int8;
    if (avx512 && (t == DType::F32 || t == DType::F16)) return GemmPacking::f32;
    return GemmPacking::none;
}

size_t gemm_packed_bytes(GemmPacking p, int64_t n_tok, int64_t cols) {
    const size_t n_panels = size_t((n_tok + kGemmPanel - 1) / kGemmPanel);
    if (p == GemmPacking::f32) return n_panels * size_t(cols) * kGemmPanel * sizeof(float);
    if (p != GemmPacking::int8 && p != GemmPacking::int8s) return 0;
    return size_t((n_tok + kGemmPanel - 1) / kGemmPanel) * size_t(cols / kQK) * kPanelBlockBytes;
}

void gemm_pack_acts(GemmPacking p, const uint8_t* x, size_t x_row_bytes, int64_t n_tok, int64_t cols, uint8_t* dst,
                    int64_t p_begin, int64_t p_end) {
    if (p == GemmPacking::f32) {
        float* out = reinterpret_cast<float*>(dst);
        for (int64_t pi = p_begin; pi < p_end; ++pi) {
            float* po = out + pi * cols * kGemmPanel;
            for (int64_t i = 0; i < kGemmPanel; ++i) {
                const int64_t t = pi * kGemmPanel + i;
                const float* xt = reinterpret_cast<const float*>(x + size_t(t) * x_row_bytes);
                if (t < n_tok) for (int64_t k = 0; k < cols; ++k) po[k * kGemmPanel + i] = xt[k];
                else for (int64_t k = 0; k < cols; ++k) po[k * kGemmPanel + i] = 0.0f;
            }
        }
        return;
    }
    if (p != GemmPacking::int8 && p != GemmPacking::int8s) return;
    const uint32_t flip = p == GemmPacking::int8 ? 0x80808080u : 0u;
    const int pad = p == GemmPacking::int8 ? 0x80 : 0;
    const int64_t nb = cols / kQK;
    for (int64_t pi = p_begin; pi < p_end; ++pi)
        for (int64_t b = 0; b < nb; ++b) {
            uint8_t* blk = dst + (size_t(pi) * nb + b) * kPanelBlockBytes;
            float* ds = reinterpret_cast<float*>(blk);
            for (int64_t i = 0; i < kGemmPanel; ++i) {
                const int64_t t = pi * kGemmPanel + i;
                if (t < n_tok) {
                    const auto& xb = reinterpret_cast<const BlockQ8_0*>(x + size_t(t) * x_row_bytes)[b];
                    ds[i] = fp16_to_fp32(xb.d);
                    for (int g = 0; g < 8; ++g) {
                        uint32_t v;
                        std::memcpy(&v, xb.qs + 4 * g, 4);
                        v ^= flip;
                        std::memcpy(blk + 64 + g * 64 + i * 4, &v, 4);
                    }
                } else {
                    ds[i] = 0.0f;
                    for (int g = 0; g < 8; ++g) std::memset(blk + 64 + g * 64 + i * 4, pad, 4);
                }
            }
        }
}

namespace {

void gemm_naive(const Matrix& w, int64_t lo, int64_t hi, const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y,
                int64_t y_stride) {
    // Rows in small groups, every token against the group, so each weight row is read from memory once.
    constexpr int64_t kGroup = 16;
    const VecDotFn dot = type_traits(w.type).vec_dot;
    for (int64_t g = lo; g < hi; g += kGroup) {
        const int64_t ge = std::min(hi, g + kGroup);
        for (int64_t t = 0; t < n_tok; ++t) {
            const uint8_t* xt = x + size_t(t) * x_row_bytes;
            for (int64_t r = g; r < ge; ++r) y[t * y_stride + r] = dot(w.cols, read_row(w, r, row_tmp(w)), xt);
        }
    }
}

}  // namespace

void gemm_rows(const Matrix& w, int64_t lo, int64_t hi, const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y,
               int64_t y_stride, const uint8_t* packed) {
    const GemmPacking pk = packed ? gemm_packing(w.type, n_tok) : GemmPacking::none;
    if (pk == GemmPacking::int8s) return gemm::gemm_int8_amx(w, lo, hi, n_tok, y, y_stride, packed);
    if (pk == GemmPacking::int8)
        return gemm::gemm_int8(w, lo, hi, n_tok, y, y_stride, packed, gemm::unpack_avx512vnni, gemm::tile_avx512vnni,
                               gemm::tile8_avx512vnni);
    if (pk == GemmPacking::f32)
        return gemm::gemm_f32(w, lo, hi, n_tok, y, y_stride, packed, gemm::widen_avx512, gemm::tile_f32_avx512);
    gemm_naive(w, lo, hi, x, x_row_bytes, n_tok, y, y_stride);
}

bool gemm_rows_variant(int isa_variant, const Matrix& w, int64_t lo, int64_t hi, const uint8_t* x, size_t x_row_bytes,
                       int64_t n_tok, float* y, int64_t y_stride, const uint8_t* packed) {
    if (w.type == DType::F32 || w.type == DType::F16) {
        if (isa_variant == 0) {
            gemm::gemm_f32(w, lo, hi, n_tok, y, y_stride, packed, gemm::widen_scalar, gemm::tile_f32_scalar);
            return true;
        }
        if (isa_variant == 1 && gemm::avx512_available()) {
            gemm::gemm_f32(w, lo, hi, n_tok, y, y_stride, packed, gemm::widen_avx512, gemm::tile_f32_avx512);
            return true;
        }
        return false;
    }
    if (w.type != DType::Q4_0 && w.type != DType::Q8_0) return false;
    if (isa_variant == 0) {
        gemm::gemm_int8(w, lo, hi, n_tok, y, y_stride, packed, gemm::unpack_scalar, gemm::tile_scalar, gemm::tile_scalar);
        return true;
    }
    if (isa_variant == 2) {
        if (!gemm::amx_enable()) return false;
        gemm::gemm_int8_amx(w, lo, hi, n_tok, y, y_stride, packed);
        return true;
    }
    if (isa_variant == 1 && gemm::vnni_available()) {
        gemm::gemm_int8(w, lo, hi, n_tok, y, y_stride, packed, gemm::unpack_avx512vnni, gemm::tile_avx512vnni,
                               gemm::tile8_avx512vnni);
        return true;
    }
    return false;
}

}  // namespace locus
