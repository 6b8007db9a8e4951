// AMX-INT8 prefill kernel for Q4_0 and Q8_0 weights. Per 32-element block, one tdpbssd multiplies 16 weight
// rows (A tile, 16 x 32 signed bytes, read in place from the unpacked rows) by one panel of 16 tokens (B tile,
// 8 x 64 bytes: the packed panel layout is AMX's VNNI layout, here with signed activation bytes); the
// 16 x 16 int32 block sums go through memory to be scaled by d_w[row] * d_x[token] into float accumulators.
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "core/cpu_features.h"
#include "cpu/gemm_int8.h"
#include "cpu/interleave.h"
#include "cpu/matmul_kernels.h"
#include "quant/legacy_blocks.h"

namespace locus::gemm {
namespace {

struct alignas(64) TileConfig {
    uint8_t palette_id = 1;
    uint8_t start_row = 0;
    uint8_t reserved[14] = {};
    uint16_t colsb[16] = {};
    uint8_t rows[16] = {};
};

constexpr int64_t kAmxRows = 64;  // weight rows per pass: 4 A tiles share each B tile

}  // namespace

bool amx_enable() {
    static const bool ok = [] {
        if (!cpu_features().amx_int8 || !cpu_features().avx512_vnni || best_isa() != Isa::avx512) return false;
        constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
        return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
    }();
    return ok;
}

void gemm_int8_amx(const Matrix& w, int64_t lo, int64_t hi, int64_t n_tok, float* y, int64_t y_stride,
                   const uint8_t* packed) {
    const int64_t nb = w.cols / kQK;
    const int64_t n_panels = (n_tok + kGemmPanel - 1) / kGemmPanel;
    const size_t panel_stride = size_t(nb) * kPanelBlockBytes;
    TileConfig cfg;
    for (int t = 0; t < 4; ++t) cfg.rows[t] = 16, cfg.colsb[t] = 64;  // C: 16 rows x 16 int32
    for (int t = 4; t < 6; ++t) cfg.rows[t] = 16, cfg.colsb[t] = 32;  // A: 16 rows x 32 bytes
    for (int t = 6; t < 8; ++t) cfg.rows[t] = 8, cfg.colsb[t] = 64;   // B: 8 groups x 16 tokens x 4 bytes
    _tile_loadconfig(&cfg);

    thread_local std::vector<int8_t> qbuf;
    thread_local std::vector<float> dbuf;
    thread_local std::vector<int32_t> cbuf;
    qbuf.resize(size_t(kAmxRows * nb * 32));
    dbuf.resize(size_t(kAmxRows * nb));
    cbuf.resize(size_t(kAmxRows * nb));
    alignas(64) int32_t ct[4][16][16];
    alignas(64) float out[kAmxRows][16];
    const size_t a_stride = size_t(nb) * 32;
    for (int64_t r0 = lo; r0 < hi; r0 += kAmxRows) {
        const int64_t nrt = std::min(kAmxRows, hi - r0);
        for (int64_t r = 0; r < nrt; ++r)
            unpack_avx512vnni(w.type, read_row(w, r0 + r, row_tmp(w)), nb, qbuf.data() + r * nb * 32, dbuf.data() + r * nb,
                              cbuf.data() + r * nb);
        std::fill(dbuf.begin() + nrt * nb, dbuf.end(), 0.0f);  // rows past the end contribute 0
        const int n_a = int((nrt + 15) / 16);
        const int8_t* q = qbuf.data();
        for (int64_t p = 0; p < n_panels; ++p) {
            const uint8_t* act = packed + p * panel_stride;
            for (int a = 0; a < n_a; ++a) {
                // 16 rows x 16 tokens in registers; blocks alternate between C tiles 0 and 1 so the next
                // block's tile work overlaps this block's scaling.
                __m512 acc[16];
                for (int m = 0; m < 16; ++m) acc[m] = _mm512_setzero_ps();
                const int8_t* qa = q + a * 16 * a_stride;
                const float* da = dbuf.data() + a * 16 * nb;
                auto scale = [&](const int32_t (*c)[16], int64_t b) {
                    const __m512 dx = _mm512_loadu_ps(reinterpret_cast<const float*>(act + b * kPanelBlockBytes));
                    for (int m = 0; m < 16; ++m) {
                        const __m512 s = _mm512_mul_ps(dx, _mm512_set1_ps(da[m * nb + b]));
                        acc[m] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_load_si512(c[m])), s, acc[m]);
                    }
                };
                int64_t b = 0;
                for (; b + 3 < nb; b += 4) {
                    const uint8_t* ab = act + b * kPanelBlockBytes;
                    _tile_zero(0);
                    _tile_loadd(6, ab + 64, 64);
                    _tile_loadd(4, qa + b * 32, a_stride);
                    _tile_dpbssd(0, 4, 6);
                    _tile_zero(1);
                    _tile_loadd(7, ab + kPanelBlockBytes + 64, 64);
                    _tile_loadd(5, qa + (b + 1) * 32, a_stride);
                    _tile_dpbssd(1, 5, 7);
                    _tile_zero(2);
                    _tile_loadd(6, ab + 2 * kPanelBlockBytes + 64, 64);
                    _tile_loadd(4, qa + (b + 2) * 32, a_stride);
                    _tile_dpbssd(2, 4, 6);
                    _tile_zero(3);
                    _tile_loadd(7, ab + 3 * kPanelBlockBytes + 64, 64);
                    _tile_loadd(5, qa + (b + 3) * 32, a_stride);
                    _tile_dpbssd(3, 5, 7);
                    _tile_stored(0, ct[0], 64);
                    _tile_stored(1, ct[1], 64);
                    _tile_stored(2, ct[2], 64);
                    _tile_stored(3, ct[3], 64);
                    scale(ct[0], b);
                    scale(ct[1], b + 1);
                    scale(ct[2], b + 2);
                    scale(ct[3], b + 3);
                }
                for (; b < nb; ++b) {
                    _tile_zero(0);
                    _tile_loadd(6, act + b * kPanelBlockBytes + 64, 64);
                    _tile_loadd(4, qa + b * 32, a_stride);
                    _tile_dpbssd(0, 4, 6);
                    _tile_stored(0, ct[0], 64);
                    scale(ct[0], b);
                }
                for (int m = 0; m < 16; ++m) _mm512_store_ps(out[a * 16 + m], acc[m]);
            }
            const int64_t t0 = p * kGemmPanel, nt = std::min<int64_t>(kGemmPanel, n_tok - t0);
            for (int64_t i = 0; i < nt; ++i) {
                float* yt = y + (t0 + i) * y_stride + r0;
                for (int64_t r = 0; r < nrt; ++r) yt[r] = out[r][i];
            }
        }
    }
    _tile_release();
}

}  // namespace locus::gemm
