#include "cpu/matmul.h"

#include "cpu/matmul_kernels.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

namespace locus {

const uint8_t* ActivationScratch::convert(int slot, DType type, const float* x, int64_t x_stride, int64_t n_tok, int64_t cols,
                                          ThreadPool& pool, size_t* row_bytes_out) {
    const TypeTraits& tt = type_traits(type);
    const size_t rb = row_bytes(tt, cols);
    if (size_t(slot) >= bufs_.size()) bufs_.resize(slot + 1);
    AlignedBuffer<uint8_t>& buf = bufs_[slot];
    buf.resize(rb * size_t(n_tok));
    *row_bytes_out = rb;
    if (type == DType::F32) {
        // Weights with F32 activations read x in place when rows are contiguous.
        if (x_stride == cols) return reinterpret_cast<const uint8_t*>(x);
        for (int64_t t = 0; t < n_tok; ++t) std::memcpy(buf.data() + t * rb, x + t * x_stride, rb);
        return buf.data();
    }
    if (n_tok == 1) {
        tt.from_float(x, buf.data(), cols);
    } else {
        uint8_t* dst = buf.data();
        pool.parallel_for(n_tok, [&](int64_t b, int64_t e, int) {
            for (int64_t t = b; t < e; ++t) tt.from_float(x + t * x_stride, dst + t * rb, cols);
        });
    }
    return buf.data();
}

uint8_t* ActivationScratch::packed(int slot, size_t bytes) {
    if (size_t(slot) >= packed_.size()) packed_.resize(slot + 1);
    packed_[slot].resize(bytes);
    return packed_[slot].data();
}

void matmul(std::span<const MatmulOut> outs, const float* x, int64_t x_stride, int64_t n_tok, ThreadPool& pool,
            ActivationScratch& scratch) {
    // Convert the input once per distinct activation type (at most two in practice: e.g. Q8_0 and Q8_K).
    struct Src { DType type; const uint8_t* data; size_t rb; int64_t cols; const uint8_t* packed; };
    std::vector<Src> srcs;
    std::vector<int> src_of(outs.size());
    int64_t total_rows = 0;
    for (size_t j = 0; j < outs.size(); ++j) {
        const DType vt = type_traits(outs[j].w->type).vec_dot_type;
        int found = -1;
        for (size_t s = 0; s < srcs.size(); ++s)
            if (srcs[s].type == vt) found = int(s);
        if (found < 0) {
            size_t rb = 0;
            const uint8_t* d = scratch.convert(int(srcs.size()), vt, x, x_stride, n_tok, outs[j].w->cols, pool, &rb);
            srcs.push_back({vt, d, rb, outs[j].w->cols, nullptr});
            found = int(srcs.size()) - 1;
        }
        src_of[j] = found;
        total_rows += outs[j].w->rows;
    }

    // Prefill kernels that read the activations in token panels get them packed once, shared by all threads.
    if (n_tok > 1) {
        for (size_t j = 0; j < outs.size(); ++j) {
            Src& s = srcs[src_of[j]];
            const GemmPacking pk = gemm_packing(outs[j].w->type, n_tok);
            if (pk == GemmPacking::none || s.packed) continue;
            uint8_t* dst = scratch.packed(src_of[j], gemm_packed_bytes(pk, n_tok, s.cols));
            const int64_t n_panels = (n_tok + kGemmPanel - 1) / kGemmPanel;
            pool.parallel_for(n_panels, [&](int64_t b, int64_t e, int) {
                gemm_pack_acts(pk, s.data, s.rb, n_tok, s.cols, dst, b, e);
            });
            s.packed = dst;
        }
    }

    if (n_tok <= kGemmPanel) {
        // Decode steps (one token, or one per sequence of a small batch) stream the weights. Rows of all matrices
        // form one index space, handed out in chunks (multiples of the kernels' row counts, so no chunk ends a
        // matrix with short tails) to whichever thread asks next: on a shared machine a thread that loses its
        // core for a while takes fewer chunks instead of holding up the step. Each row's result does not depend
        // on which thread or chunk computed it.
        const int64_t grain = n_tok == 1 ? gemv_row_grain() : gemm_row_grain();
        const int64_t chunk = std::max<int64_t>(grain, (total_rows / (8 * int64_t(pool.size()))) / grain * grain);
        const int64_t n_chunks = (total_rows + chunk - 1) / chunk;
        std::atomic<int64_t> next{0};
        pool.run([&](int, int) {
            for (int64_t c; (c = next.fetch_add(1, std::memory_order_relaxed)) < n_chunks;) {
                const int64_t begin = c * chunk, end = std::min(total_rows, begin + chunk);
                int64_t base = 0;
                for (size_t j = 0; j < outs.size(); ++j) {
                    const Matrix& w = *outs[j].w;
                    const int64_t lo = std::max(begin, base) - base, hi = std::min(end, base + w.rows) - base;
                    base += w.rows;
                    if (lo >= hi) continue;
                    const Src& sr = srcs[src_of[j]];
                    if (n_tok == 1) gemv_rows(w, lo, hi, sr.data, outs[j].y);
                    else gemm_rows(w, lo, hi, sr.data, sr.rb, n_tok, outs[j].y, outs[j].y_stride, sr.packed);
                }
            }
        });
        return;
    }

    // Prefill: chunks of rows handed out one at a time, so a thread that is slowed down (by other work on
    // the machine, or a slower part of the matrices) takes fewer chunks instead of holding the others up.
    constexpr int64_t kChunkRows = 64;
    std::vector<int64_t> first_chunk(outs.size() + 1, 0);
    for (size_t j = 0; j < outs.size(); ++j)
        first_chunk[j + 1] = first_chunk[j] + (outs[j].w->rows + kChunkRows - 1) / kChunkRows;
    const int64_t n_chunks = first_chunk.back();
    std::atomic<int64_t> next{0};
    pool.run([&](int, int) {
        size_t j = 0;
        for (int64_t c; (c = next.fetch_add(1, std::memory_order_relaxed)) < n_chunks;) {
            while (c >= first_chunk[j + 1]) ++j;
            const Matrix& w = *outs[j].w;
            const int64_t lo = (c - first_chunk[j]) * kChunkRows, hi = std::min(w.rows, lo + kChunkRows);
            const Src& s = srcs[src_of[j]];
            gemm_rows(w, lo, hi, s.data, s.rb, n_tok, outs[j].y, outs[j].y_stride, s.packed);
        }
    });
}

void matmul(const Matrix& w, const float* x, int64_t n_tok, float* y, ThreadPool& pool, ActivationScratch& scratch) {
    const MatmulOut out{&w, y, w.rows};
    matmul(std::span<const MatmulOut>(&out, 1), x, w.cols, n_tok, pool, scratch);
}

void matmul_reference(const Matrix& w, const float* x, int64_t n_tok, float* y) {
    const TypeTraits& tt = type_traits(w.type);
    std::vector<float> row(w.cols);
    for (int64_t r = 0; r < w.rows; ++r) {
        tt.to_float(w.row(r), row.data(), w.cols);
        for (int64_t t = 0; t < n_tok; ++t) {
            double acc = 0;
            for (int64_t c = 0; c < w.cols; ++c) acc += double(row[c]) * x[t * w.cols + c];
            y[t * w.rows + r] = float(acc);
        }
    }
}

}  // namespace locus
