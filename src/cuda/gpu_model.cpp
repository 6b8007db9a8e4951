#include "cuda/gpu_model.h"

#include <cstring>
#include <numeric>
#include <string>

namespace locus::cuda {
namespace {

int64_t pad32(int64_t n) { return (n + 31) / 32 * 32; }

bool float_type(DType t) { return t == DType::F32 || t == DType::F16 || t == DType::BF16; }

Status unsupported(const Matrix& m) {
    return Status::error("tensor '" + m.name + "' has type id " + std::to_string(unsigned(m.type)) +
                         ", which the CUDA kernels do not support (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K): "
                         "requantize the model or keep this part on the CPU");
}

}  // namespace

Expected<DeviceMatrix> GpuModel::matrix(const Matrix& m, int64_t pad_cols_to) {
    const GpuTypeInfo* ti = gpu_type_info(m.type);
    if (!ti) return unsupported(m);
    int64_t cols = m.cols;
    if (cols % 32 != 0) {
        if (!float_type(m.type)) return unsupported(m);
        cols = pad32(cols);
    }
    if (pad_cols_to > cols && float_type(m.type)) cols = pad_cols_to;
    if (cols % 32 != 0 || cols % ti->block != 0)
        return Status::error("tensor '" + m.name + "': row length " + std::to_string(m.cols) +
                             " cannot be computed on the GPU (needs a multiple of 32)");
    const size_t rb = size_t(cols / ti->block) * size_t(ti->bytes);
    const size_t bytes = rb * size_t(m.rows);
    auto buf = DeviceBuffer::create(bytes);
    if (!buf) return Status::error("tensor '" + m.name + "': " + buf.error());
    if (rb == m.row_bytes) {
        LOCUS_TRY(buf->upload(m.data, bytes));
    } else {  // zero columns after each row (float types only)
        std::vector<uint8_t> host(bytes, 0);
        for (int64_t r = 0; r < m.rows; ++r) std::memcpy(host.data() + size_t(r) * rb, m.row(r), m.row_bytes);
        LOCUS_TRY(buf->upload(host.data(), bytes));
    }
    DeviceMatrix d{m.type, m.rows, cols, rb, buf->as<const uint8_t>()};
    bytes_ += bytes;
    max_elems_ = std::max(max_elems_, m.rows * cols);
    bufs_.push_back(std::move(*buf));
    return d;
}

Expected<DeviceMatrix> GpuModel::stacked(const std::vector<const Matrix*>& ms) {
    const Matrix& m0 = *ms.front();
    const GpuTypeInfo* ti = gpu_type_info(m0.type);
    if (!ti || m0.cols % 32 != 0 || m0.cols % ti->block != 0) return DeviceMatrix{};
    size_t bytes = 0;
    for (const Matrix* m : ms) {
        // Every part must start 16-byte aligned (the weight kernels' row pointers).
        if (m->type != m0.type || m->cols != m0.cols || m->row_bytes != m0.row_bytes || bytes % 16 != 0)
            return DeviceMatrix{};
        bytes += m->row_bytes * size_t(m->rows);
    }
    auto buf = DeviceBuffer::create(bytes);
    if (!buf) return Status::error("tensor '" + m0.name + "' and the ones stacked with it: " + buf.error());
    int64_t rows = 0;
    for (const Matrix* m : ms) {
        LOCUS_TRY(buf->upload(m->data, m->row_bytes * size_t(m->rows), m0.row_bytes * size_t(rows)));
        rows += m->rows;
        max_elems_ = std::max(max_elems_, m->rows * m->cols);
    }
    DeviceMatrix d{m0.type, rows, m0.cols, m0.row_bytes, buf->as<const uint8_t>()};
    bytes_ += bytes;
    bufs_.push_back(std::move(*buf));
    return d;
}

Expected<DeviceMatrix> GpuModel::rows_of(const Matrix& m, const std::vector<int32_t>& rows) {
    const GpuTypeInfo* ti = gpu_type_info(m.type);
    if (!ti || m.cols % 32 != 0) return unsupported(m);
    std::vector<uint8_t> host(m.row_bytes * rows.size());
    for (size_t j = 0; j < rows.size(); ++j) {
        if (rows[j] < 0 || rows[j] >= m.rows)
            return Status::error("tensor '" + m.name + "': hot neuron " + std::to_string(rows[j]) + " out of range");
        std::memcpy(host.data() + j * m.row_bytes, m.row(rows[j]), m.row_bytes);
    }
    auto buf = DeviceBuffer::create(host.size());
    if (!buf) return Status::error("hot rows of '" + m.name + "': " + buf.error());
    LOCUS_TRY(buf->upload(host.data(), host.size()));
    DeviceMatrix d{m.type, int64_t(rows.size()), m.cols, m.row_bytes, buf->as<const uint8_t>()};
    bytes_ += host.size();
    bufs_.push_back(std::move(*buf));
    return d;
}

Expected<const float*> GpuModel::vec(const std::vector<float>& v, const char* what) {
    if (v.empty()) return static_cast<const float*>(nullptr);
    auto buf = DeviceBuffer::create(v.size() * sizeof(float));
    if (!buf) return Status::error(std::string(what) + ": " + buf.error());
    LOCUS_TRY(buf->upload(v.data(), v.size() * sizeof(float)));
    bytes_ += buf->bytes();
    const float* p = buf->as<const float>();
    bufs_.push_back(std::move(*buf));
    return p;
}

Expected<const int32_t*> GpuModel::ints(const std::vector<int32_t>& v) {
    auto buf = DeviceBuffer::create(std::max<size_t>(v.size(), 1) * sizeof(int32_t));
    if (!buf) return Status::error("hot neuron index: " + buf.error());
    if (!v.empty()) LOCUS_TRY(buf->upload(v.data(), v.size() * sizeof(int32_t)));
    bytes_ += buf->bytes();
    const int32_t* p = buf->as<const int32_t>();
    bufs_.push_back(std::move(*buf));
    return p;
}

Expected<std::unique_ptr<GpuModel>> GpuModel::upload(const ModelSpec& spec, const ModelWeights& w, const GpuPlan& plan) {
    if (spec.norm != NormType::rms || spec.parallel_block)
        return Status::error("architecture '" + spec.arch + "' (LayerNorm / parallel attention and FFN) has no GPU "
                             "kernels yet: run it on the CPU (no -ngl / --vram-budget)");
    if (spec.n_embd % 32 != 0 || spec.q_dim() % 32 != 0)
        return Status::error("GPU offload needs n_embd and n_head * head_dim to be multiples of 32 (got " +
                             std::to_string(spec.n_embd) + ", " + std::to_string(spec.q_dim()) + ")");
    const size_t n = size_t(spec.n_layer);
    auto flag = [&](const std::vector<uint8_t>& v, size_t l) { return l < v.size() && v[l]; };
    std::unique_ptr<GpuModel> m(new GpuModel());
    m->ff_pad_ = pad32(spec.n_ff);
    m->layers_.resize(n);
    for (size_t l = 0; l < n; ++l) {
        const LayerWeights& L = w.layers[l];
        GpuLayer& g = m->layers_[l];
        if (L.wqkv.present()) return Status::error("fused QKV weights have no GPU path yet");
        if (flag(plan.attn, l)) {
            g.attn = true;
            auto an = m->vec(L.attn_norm, "attn_norm");
            if (!an) return an.status();
            g.attn_norm = *an;
            auto qkv = m->stacked({&L.wq, &L.wk, &L.wv});
            if (!qkv) return qkv.status();
            g.wqkv = *qkv;
            int64_t r0 = 0;
            for (auto [dst, src] : {std::pair{&g.wq, &L.wq}, {&g.wk, &L.wk}, {&g.wv, &L.wv}, {&g.wo, &L.wo}}) {
                if (g.wqkv.rows > 0 && src != &L.wo) {  // a view into the stack
                    *dst = {g.wqkv.type, src->rows, g.wqkv.cols, g.wqkv.row_bytes, g.wqkv.data + size_t(r0) * g.wqkv.row_bytes};
                    r0 += src->rows;
                    continue;
                }
                auto d = m->matrix(*src);
                if (!d) return d.status();
                *dst = *d;
            }
            for (auto [dst, src] : {std::pair{&g.bq, &L.bq}, {&g.bk, &L.bk}, {&g.bv, &L.bv}}) {
                auto d = m->vec(*src, "attention bias");
                if (!d) return d.status();
                *dst = *d;
            }
        }
        if (flag(plan.dense_ffn, l)) {
            if (!L.ffn_down.present())
                return Status::error("layer " + std::to_string(l) + " has no ffn_down (a PowerInfer file): its FFN "
                                     "is placed by --vram-budget, not -ngl");
            g.dense_ffn = true;
            auto fn = m->vec(L.ffn_norm, "ffn_norm");
            if (!fn) return fn.status();
            g.ffn_norm = *fn;
            if (L.ffn_gate.present()) {
                auto d = m->matrix(L.ffn_gate);
                if (!d) return d.status();
                g.gate = *d;
            }
            auto up = m->matrix(L.ffn_up);
            if (!up) return up.status();
            g.up = *up;
            auto down = m->matrix(L.ffn_down, m->ff_pad_);
            if (!down) return down.status();
            if (down->cols != m->ff_pad_)
                return Status::error("tensor '" + L.ffn_down.name + "': n_ff " + std::to_string(spec.n_ff) +
                                     " is not a multiple of its block size on the GPU");
            g.down = *down;
        }
        if (flag(plan.ffn_norm, l) && !g.ffn_norm) {
            auto fn = m->vec(L.ffn_norm, "ffn_norm");
            if (!fn) return fn.status();
            g.ffn_norm = *fn;
        }
        if (l < plan.hot.size() && !plan.hot[l].empty()) {
            if (!L.ffn_down_t.present())
                return Status::error("hot neurons need a PowerInfer file (ffn_down_t); layer " + std::to_string(l) +
                                     " has none");
            const std::vector<int32_t>& hot = plan.hot[l];
            g.n_hot = int64_t(hot.size());
            if (L.ffn_gate.present()) {
                auto d = m->rows_of(L.ffn_gate, hot);
                if (!d) return d.status();
                g.hot_gate = *d;
            }
            auto up = m->rows_of(L.ffn_up, hot);
            if (!up) return up.status();
            g.hot_up = *up;
            auto dt = m->rows_of(L.ffn_down_t, hot);
            if (!dt) return dt.status();
            g.hot_down_t = *dt;
            auto map = m->ints(hot);
            if (!map) return map.status();
            g.hot_map = *map;
            std::vector<int32_t> iota(hot.size());
            std::iota(iota.begin(), iota.end(), 0);
            auto io = m->ints(iota);
            if (!io) return io.status();
            g.hot_iota = *io;
        }
        if (flag(plan.predictor, l) && L.fc1.present()) {
            g.predictor = true;
            auto f1 = m->matrix(L.fc1);
            if (!f1) return f1.status();
            auto f2 = m->matrix(L.fc2);
            if (!f2) return f2.status();
            if (f1->cols != L.fc1.cols || f2->cols != L.fc2.cols || L.fc1.rows % 4 != 0)
                return Status::error("predictor of layer " + std::to_string(l) + " has a shape the GPU cannot run");
            g.fc1 = *f1;
            g.fc2 = *f2;
        }
    }
    if (plan.output) {
        auto on = m->vec(w.output_norm, "output_norm");
        if (!on) return on.status();
        m->output_norm_ = *on;
        auto o = m->matrix(w.output);
        if (!o) return o.status();
        m->output_ = *o;
    }
    return m;
}

}  // namespace locus::cuda
