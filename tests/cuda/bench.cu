// Bandwidth timings (--bench): dense matvec over weights several times the L2 (rotating copies so repeated runs
// do not hit in cache), timed with events over batches of launches, median of the batches; next to the
// device-to-device copy bandwidth of the same run (bytes read + bytes written).
#include <algorithm>
#include <cstring>
#include <cstdio>
#include <string>
#include <vector>

#include "core/fp16.h"
#include "cuda/check.h"
#include "cuda/gate_up.h"
#include "cuda/matvec.h"
#include "cuda/memory.h"
#include "cuda/sparse_axpy.h"
#include "harness.h"
#include "quant/types.h"

namespace locus::gputest {
namespace {

struct BenchRow {
    std::string what;
    double us, gbs;
};

// Median milliseconds per call of fn(i) over `batches` batches of `per_batch` calls (after a warm-up batch).
template <class Fn>
Expected<double> time_median(Fn&& fn, int batches, int per_batch) {
    auto e0 = cuda::Event::create();
    if (!e0) return e0.status();
    auto e1 = cuda::Event::create();
    if (!e1) return e1.status();
    std::vector<double> ms;
    int call = 0;
    for (int b = -1; b < batches; ++b) {
        LOCUS_TRY(e0->record(nullptr));
        for (int i = 0; i < per_batch; ++i) LOCUS_TRY(fn(call++));
        LOCUS_TRY(e1->record(nullptr));
        LOCUS_TRY(e1->synchronize());
        auto t = cuda::Event::elapsed_ms(*e0, *e1);
        if (!t) return t.status();
        if (b >= 0) ms.push_back(double(*t) / per_batch);
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

// Random weight bytes with finite random scales (never zeros: zeros can run faster than real data).
std::vector<uint8_t> random_weights(DType t, int64_t rows, int64_t cols) {
    const TypeTraits& tt = type_traits(t);
    const size_t rb = row_bytes(tt, cols);
    std::vector<uint8_t> w(rb * rows);
    for (size_t i = 0; i < w.size(); i += 8) {
        const uint64_t r = rng()();
        std::memcpy(&w[i], &r, std::min<size_t>(8, w.size() - i));
    }
    auto set_half = [&](size_t off) {
        const uint16_t h = fp32_to_fp16(0.001f + float(rng()() % 1000) * 1e-5f);
        std::memcpy(&w[off], &h, 2);
    };
    const size_t nb = w.size() / tt.block_bytes;
    for (size_t b = 0; b < nb; ++b) {
        const size_t o = b * tt.block_bytes;
        switch (t) {
            case DType::Q4_0: case DType::Q8_0: set_half(o); break;
            case DType::Q4_K: set_half(o); set_half(o + 2); break;
            case DType::Q6_K: set_half(o + 208); break;
            default: break;
        }
    }
    if (t == DType::F16) {  // random halves in a sane range
        for (size_t i = 0; i < w.size(); i += 2) set_half(i);
    }
    return w;
}

Status bench_matvec(DType t, int64_t rows, int64_t cols, size_t l2_bytes, std::vector<BenchRow>& out,
                    bool int8 = false) {
    const std::vector<uint8_t> host = random_weights(t, rows, cols);
    const size_t bytes = host.size();
    const int copies = int(std::max<size_t>(2, (3 * l2_bytes) / bytes + 1));
    std::vector<cuda::DeviceBuffer> w;
    for (int i = 0; i < copies; ++i) {
        auto b = to_device(host);
        if (!b) return b.status();
        w.push_back(std::move(*b));
    }
    auto x = to_device(randn(size_t(cols)));
    if (!x) return x.status();
    auto y = cuda::DeviceBuffer::create(size_t(rows) * 4);
    if (!y) return y.status();
    const size_t rb = row_bytes(t, cols);
    auto xq = cuda::DeviceBuffer::create(cuda::matvec_x_scratch_bytes(cols, 1));
    if (!xq) return xq.status();
    auto ms = time_median(
        [&](int i) {
            cuda::MatvecArgs a;
            a.w = cuda::DeviceMatrix{t, rows, cols, rb, w[size_t(i % copies)].as<uint8_t>()};
            a.x = x->as<float>();
            a.x_stride = cols;
            a.y = y->as<float>();
            a.y_stride = rows;
            a.xq = int8 ? xq->as<int8_t>() : nullptr;  // int8: x quantised in the same timing
            return cuda::matvec(a, nullptr);
        },
        21, 10);
    if (!ms) return ms.status();
    out.push_back({std::string("matvec ") + dtype_name(t) + (int8 ? " int8 x " : " ") + shape_str(cols, rows) + " (" +
                       std::to_string(copies) + " copies)",
                   *ms * 1e3, double(bytes) / (*ms * 1e-3) / 1e9});
    return Status::ok();
}

// Down projection of a quarter of the neurons through the column-sparse kernel (rows of F16 ffn_down_t).
// zero_share > 0: every neuron listed (as the hot path lists them), that share of coefficients 0 (not read).
Status bench_axpy(DType t, int64_t neurons, int64_t cols, int64_t n_active, std::vector<BenchRow>& out,
                  double zero_share = 0) {
    const std::vector<uint8_t> host = random_weights(t, neurons, cols);
    auto w = to_device(host);
    if (!w) return w.status();
    if (zero_share > 0) n_active = neurons;
    std::vector<int32_t> idx(static_cast<size_t>(n_active));
    for (int64_t j = 0; j < n_active; ++j) idx[j] = int32_t(j * neurons / n_active);
    auto di = to_device(idx);
    if (!di) return di.status();
    std::vector<float> coef = randn(size_t(n_active));
    int64_t nonzero = n_active;
    if (zero_share > 0)
        for (auto& c : coef)
            if (double(rng()() % 1000) < 1000 * zero_share) c = 0.0f, --nonzero;
    auto da = to_device(coef);
    if (!da) return da.status();
    auto y = to_device(randn(size_t(cols)));
    if (!y) return y.status();
    auto s = cuda::DeviceBuffer::create(size_t(cuda::sparse_axpy_scratch_floats(cols)) * 4);
    if (!s) return s.status();
    const size_t rb = row_bytes(t, cols);
    cuda::SparseAxpyArgs a;
    a.wt = {t, neurons, cols, rb, w->as<uint8_t>()};
    a.idx = di->as<int32_t>();
    a.a = da->as<float>();
    a.n_max = n_active;
    a.y = y->as<float>();
    a.scratch = s->as<float>();
    auto ms = time_median([&](int) { return cuda::sparse_axpy(a, nullptr); }, 21, 10);
    if (!ms) return ms.status();
    const double bytes = double(rb) * nonzero;
    out.push_back({std::string("sparse_axpy ") + dtype_name(t) + " " + std::to_string(nonzero) + "/" +
                       std::to_string(neurons) + " rows of " + std::to_string(cols) + (zero_share > 0 ? " (all listed)" : ""),
                   *ms * 1e3, bytes / (*ms * 1e-3) / 1e9});
    return Status::ok();
}

// Fused gate/up/ReLU over rows x cols (two matrices), every row or those whose logit passes (share `active`).
Status bench_gate_up(DType t, int64_t rows, int64_t cols, double active, std::vector<BenchRow>& out) {
    auto g = to_device(random_weights(t, rows, cols));
    if (!g) return g.status();
    auto u = to_device(random_weights(t, rows, cols));
    if (!u) return u.status();
    auto x = to_device(randn(size_t(cols)));
    if (!x) return x.status();
    std::vector<float> logits(static_cast<size_t>(rows), -1.0f);
    int64_t n_on = 0;
    for (auto& l : logits)
        if (active >= 1 || double(rng()() % 1000) < 1000 * active) l = 1.0f, ++n_on;
    auto dl = to_device(logits);
    if (!dl) return dl.status();
    auto h = cuda::DeviceBuffer::create(size_t(rows) * 4);
    if (!h) return h.status();
    const size_t rb = row_bytes(t, cols);
    cuda::GateUpArgs a;
    a.gate = {t, rows, cols, rb, g->as<uint8_t>()};
    a.up = {t, rows, cols, rb, u->as<uint8_t>()};
    a.x = x->as<float>();
    a.x_stride = cols;
    a.h = h->as<float>();
    a.h_stride = rows;
    a.n_out = rows;
    if (active < 1) {
        a.logits = dl->as<float>();
        a.logits_stride = rows;
    }
    auto ms = time_median([&](int) { return cuda::ffn_gate_up(a, nullptr); }, 21, 10);
    if (!ms) return ms.status();
    const double bytes = 2.0 * double(rb) * double(n_on);
    out.push_back({std::string("ffn_gate_up ") + dtype_name(t) + " " + std::to_string(n_on) + "/" +
                       std::to_string(rows) + " rows x2 of " + std::to_string(cols),
                   *ms * 1e3, bytes / (*ms * 1e-3) / 1e9});
    return Status::ok();
}

}  // namespace

void run_benchmarks() {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) return;
    const size_t l2 = size_t(prop.l2CacheSize);
    std::vector<BenchRow> rows_out;
    {  // device-to-device copy: 1 GiB each way
        const size_t n = size_t(1) << 30;
        auto a = cuda::DeviceBuffer::create(n);
        auto b = cuda::DeviceBuffer::create(n);
        if (a && b && a->fill_bytes(0x5A) && b->fill_bytes(0)) {
            auto ms = time_median([&](int) { return cuda::cuda_status(cudaMemcpyAsync(b->data(), a->data(), n,
                                                                                      cudaMemcpyDeviceToDevice),
                                                                      "cudaMemcpyAsync"); },
                                  11, 3);
            if (ms) rows_out.push_back({"d2d copy 1 GiB (read + write)", *ms * 1e3, 2.0 * double(n) / (*ms * 1e-3) / 1e9});
            else std::printf("bench copy: %s\n", ms.error().c_str());
        }
    }
    struct M { DType t; int64_t cols, rows; };
    for (const M m : {M{DType::Q4_0, 4096, 11008}, M{DType::Q4_0, 8192, 28672}, M{DType::Q8_0, 4096, 11008},
                      M{DType::F16, 4096, 11008}, M{DType::Q4_K, 4096, 11008}, M{DType::Q6_K, 4096, 11008}}) {
        if (Status s = bench_matvec(m.t, m.rows, m.cols, l2, rows_out); !s)
            std::printf("bench matvec %s: %s\n", dtype_name(m.t), s.message().c_str());
    }
    for (const M m : {M{DType::Q4_0, 4096, 11008}, M{DType::Q4_0, 8192, 28672}, M{DType::Q4_0, 8192, 10240},
                      M{DType::Q4_0, 2048, 28672}}) {
        if (Status s = bench_matvec(m.t, m.rows, m.cols, l2, rows_out, false); !s)
            std::printf("bench matvec: %s\n", s.message().c_str());
        if (Status s = bench_matvec(m.t, m.rows, m.cols, l2, rows_out, true); !s)
            std::printf("bench matvec int8: %s\n", s.message().c_str());
    }
    for (DType t : {DType::F16, DType::Q4_0}) {
        if (Status s = bench_axpy(t, 11008, 4096, 11008 / 4, rows_out); !s)
            std::printf("bench axpy %s: %s\n", dtype_name(t), s.message().c_str());
    }
    if (Status s = bench_axpy(DType::Q4_0, 11008, 4096, 0, rows_out, 0.9); !s)
        std::printf("bench axpy (all listed): %s\n", s.message().c_str());
    for (double act : {1.0, 0.27})
        if (Status s = bench_gate_up(DType::Q4_0, 11008, 4096, act, rows_out); !s)
            std::printf("bench gate_up: %s\n", s.message().c_str());
    std::printf("\n%-52s %10s %10s %8s\n", "benchmark (median)", "us", "GB/s", "of copy");
    const double copy = rows_out.empty() ? 0 : rows_out[0].gbs;
    for (const BenchRow& r : rows_out)
        std::printf("%-52s %10.2f %10.1f %7.0f%%\n", r.what.c_str(), r.us, r.gbs, copy > 0 ? 100.0 * r.gbs / copy : 0.0);
}

}  // namespace locus::gputest
