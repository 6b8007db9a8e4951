// Weight kernels (matvec, row-sparse matvec, column-sparse axpy, dequantise to F16, prefill GEMM) against the
// CPU reference: rows dequantised by the CPU's scalar to_float (the ggml layouts), products in double.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/fp16.h"
#include "cuda/gate_up.h"
#include "cuda/matvec.h"
#include "cuda/prefill_gemm.h"
#include "cuda/sparse_axpy.h"
#include "harness.h"
#include "quant/types.h"

namespace locus::gputest {
namespace {

const DType kTypes[] = {DType::F32, DType::F16, DType::BF16, DType::Q8_0, DType::Q4_0, DType::Q4_K, DType::Q6_K};

// A random matrix quantised by the CPU (so every block is a valid one), and its dequantised values.
struct HostMatrix {
    DType type;
    int64_t rows, cols;
    size_t row_bytes;
    std::vector<uint8_t> bytes;
    std::vector<float> deq;  // rows x cols, the CPU's to_float of each row
};

HostMatrix make_matrix(DType t, int64_t rows, int64_t cols) {
    const TypeTraits& tt = type_traits(t);
    HostMatrix m{t, rows, cols, row_bytes(tt, cols), {}, {}};
    m.bytes.resize(m.row_bytes * rows);
    m.deq.resize(size_t(rows * cols));
    const std::vector<float> src = randn(size_t(rows * cols), 0.5f);
    for (int64_t r = 0; r < rows; ++r) {
        tt.from_float(src.data() + r * cols, m.bytes.data() + r * m.row_bytes, cols);
        tt.to_float(m.bytes.data() + r * m.row_bytes, m.deq.data() + r * cols, cols);
    }
    return m;
}

cuda::DeviceMatrix device_view(const HostMatrix& m, const cuda::DeviceBuffer& b) {
    return {m.type, m.rows, m.cols, m.row_bytes, b.as<uint8_t>()};
}

// y = W x for n_tokens rows of x (stride m.cols) into rows of y_stride floats: the common part of a check's
// matvec arguments (epilogues, row lists and the int8 scratch are set by the check).
cuda::MatvecArgs matvec_args(const HostMatrix& m, const cuda::DeviceBuffer& dw, const cuda::DeviceBuffer& dx,
                             const cuda::DeviceBuffer& dy, int64_t y_stride, int n_tokens) {
    cuda::MatvecArgs a;
    a.w = device_view(m, dw);
    a.x = dx.as<float>();
    a.x_stride = m.cols;
    a.y = dy.as<float>();
    a.y_stride = y_stride;
    a.n_tokens = n_tokens;
    return a;
}

double dot_ref(const float* w, const float* x, int64_t n) {
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += double(w[i]) * x[i];
    return s;
}

void check_matvec(DType t, int64_t rows, int64_t cols, int n_tokens) {
    const std::string type = dtype_name(t), shape = shape_str(rows, cols) + " t" + std::to_string(n_tokens);
    const HostMatrix m = make_matrix(t, rows, cols);
    const std::vector<float> x = randn(size_t(n_tokens * cols));
    auto dw = to_device(m.bytes);
    GT_TRY(dw, "matvec", type, shape);
    auto dx = to_device(x);
    GT_TRY(dx, "matvec", type, shape);
    auto dy = poisoned(size_t(n_tokens * rows) * 4);
    GT_TRY(dy, "matvec", type, shape);
    const cuda::MatvecArgs a = matvec_args(m, *dw, *dx, *dy, rows, n_tokens);
    GT_TRY(cuda::matvec(a, nullptr), "matvec", type, shape);
    auto y = to_host<float>(*dy, size_t(n_tokens * rows));
    GT_TRY(y, "matvec", type, shape);
    std::vector<double> ref(size_t(n_tokens * rows));
    for (int t2 = 0; t2 < n_tokens; ++t2)
        for (int64_t r = 0; r < rows; ++r) ref[t2 * rows + r] = dot_ref(&m.deq[r * cols], &x[t2 * cols], cols);
    record("matvec", type, shape, rel_l2(y->data(), ref.data(), ref.size()), 1e-5);
}

// Q4_0 on int8 activations (MatvecArgs::xq): against its scalar twin here (x quantised per block of 32 as the
// kernel does, products of the integer values in double: only the float summation order differs), and against
// the F32 reference within the error of 8-bit activations. Row-sparse lists, the device count and the
// epilogues go through the same kernel.
void check_matvec_int8(int64_t rows, int64_t cols, int n_tokens, bool sparse, bool relu, bool accumulate) {
    const std::string kernel = std::string("matvec int8") + (sparse ? " rows" : "") + (relu ? " relu" : "") +
                               (accumulate ? " accumulate" : "");
    const std::string type = "q4_0", shape = shape_str(rows, cols) + " t" + std::to_string(n_tokens);
    const HostMatrix m = make_matrix(DType::Q4_0, rows, cols);
    const std::vector<float> x = randn(size_t(n_tokens * cols));
    const std::vector<float> y0 = randn(size_t(n_tokens * rows), 3.0f);
    std::vector<int32_t> idx;
    int64_t n_out = rows, n_count = rows;
    if (sparse) {  // every third row, backwards; the device count stops short of the list
        for (int64_t r = rows - 1; r >= 0; r -= 3) idx.push_back(int32_t(r));
        n_out = int64_t(idx.size());
        n_count = n_out - 5;
    }
    auto dw = to_device(m.bytes);
    GT_TRY(dw, kernel, type, shape);
    auto dx = to_device(x);
    GT_TRY(dx, kernel, type, shape);
    auto dy = accumulate ? to_device(y0) : poisoned(size_t(n_tokens * n_out) * 4);
    GT_TRY(dy, kernel, type, shape);
    auto dq = cuda::DeviceBuffer::create(cuda::matvec_x_scratch_bytes(cols, n_tokens));
    GT_TRY(dq, kernel, type, shape);
    auto di = to_device(sparse ? idx : std::vector<int32_t>{0});
    GT_TRY(di, kernel, type, shape);
    auto dc = to_device(std::vector<int32_t>{int32_t(n_count)});
    GT_TRY(dc, kernel, type, shape);
    cuda::MatvecArgs a = matvec_args(m, *dw, *dx, *dy, n_out, n_tokens);
    a.relu = relu;
    a.accumulate = accumulate;
    a.xq = dq->as<int8_t>();
    if (sparse) {
        a.idx = di->as<int32_t>();
        a.n_out = n_out;
        a.d_count = dc->as<int32_t>();
    }
    if (!cuda::matvec_int8_applies(a)) {
        record(kernel, type, shape, 1.0, 0.0, "the int8 kernel does not apply to these arguments");
        return;
    }
    GT_TRY(cuda::matvec(a, nullptr), kernel, type, shape);
    auto y = to_host<float>(*dy, size_t(n_tokens * n_out));
    GT_TRY(y, kernel, type, shape);
    // The twin: x quantised as quantize_x_q8 does (d = amax / 127, q = round-half-even(x / d)).
    const int64_t nb = cols / 32;
    std::vector<double> xq(size_t(n_tokens * cols));
    for (int t = 0; t < n_tokens; ++t)
        for (int64_t b = 0; b < nb; ++b) {
            const float* xb = &x[size_t(t * cols + b * 32)];
            float amax = 0;
            for (int e = 0; e < 32; ++e) amax = std::max(amax, std::fabs(xb[e]));
            const float d = amax / 127.0f, id = d > 0 ? 1.0f / d : 0.0f;
            for (int e = 0; e < 32; ++e) xq[size_t(t * cols + b * 32 + e)] = double(std::nearbyint(xb[e] * id)) * d;
        }
    std::vector<double> twin(size_t(n_tokens * n_out)), ref(twin.size());
    std::vector<float> got(twin.size());
    int64_t changed = 0, checked = 0;
    for (int t = 0; t < n_tokens; ++t)
        for (int64_t j = 0; j < n_out; ++j) {
            const size_t o = size_t(t * n_out + j);
            const int64_t r = sparse ? idx[size_t(j)] : j;
            if (j >= n_count) {  // past the device count: y must be as it was (y0, or the NaN poison)
                const float v = (*y)[o];
                changed += accumulate ? (v != y0[o]) : !std::isnan(v);
                continue;
            }
            double dq2 = 0;
            for (int64_t c = 0; c < cols; ++c) dq2 += double(m.deq[size_t(r * cols + c)]) * xq[size_t(t * cols + c)];
            const double df = dot_ref(&m.deq[size_t(r * cols)], &x[size_t(t * cols)], cols);
            const double base = accumulate ? y0[o] : 0.0;
            twin[size_t(checked)] = relu ? std::max(dq2, 0.0) : dq2 + base;
            ref[size_t(checked)] = relu ? std::max(df, 0.0) : df + base;
            got[size_t(checked)] = (*y)[o];
            ++checked;
        }
    const double err_twin = changed ? INFINITY : rel_l2(got.data(), twin.data(), size_t(checked));
    record(kernel + " (twin)", type, shape, err_twin, 1e-5, changed ? "wrote past the device count" : "");
    record(kernel + " (vs F32 x)", type, shape, rel_l2(got.data(), ref.data(), size_t(checked)), 2e-2);
}

// The matvec epilogues: relu (y = max(0, W x)) and accumulate (y += W x over a random y).
void check_matvec_epilogue(DType t, int64_t rows, int64_t cols, int n_tokens, bool relu) {
    const std::string kernel = relu ? "matvec relu" : "matvec accumulate";
    const std::string type = dtype_name(t), shape = shape_str(rows, cols) + " t" + std::to_string(n_tokens);
    const HostMatrix m = make_matrix(t, rows, cols);
    const std::vector<float> x = randn(size_t(n_tokens * cols));
    const std::vector<float> y0 = randn(size_t(n_tokens * rows), 3.0f);
    auto dw = to_device(m.bytes);
    GT_TRY(dw, kernel, type, shape);
    auto dx = to_device(x);
    GT_TRY(dx, kernel, type, shape);
    auto dy = relu ? poisoned(size_t(n_tokens * rows) * 4) : to_device(y0);
    GT_TRY(dy, kernel, type, shape);
    cuda::MatvecArgs a = matvec_args(m, *dw, *dx, *dy, rows, n_tokens);
    a.relu = relu;
    a.accumulate = !relu;
    GT_TRY(cuda::matvec(a, nullptr), kernel, type, shape);
    auto y = to_host<float>(*dy, size_t(n_tokens * rows));
    GT_TRY(y, kernel, type, shape);
    std::vector<double> ref(size_t(n_tokens * rows));
    for (int t2 = 0; t2 < n_tokens; ++t2)
        for (int64_t r = 0; r < rows; ++r) {
            const double d = dot_ref(&m.deq[r * cols], &x[t2 * cols], cols);
            ref[t2 * rows + r] = relu ? std::max(d, 0.0) : d + y0[t2 * rows + r];
        }
    record(kernel, type, shape, rel_l2(y->data(), ref.data(), ref.size()), 1e-5);
}

double act_ref(FfnActivation a, double x) {
    if (a == FfnActivation::silu) return x / (1.0 + std::exp(-x));
    if (a == FfnActivation::relu) return x > 0 ? x : 0.0;
    return 0.5 * x * (1.0 + std::tanh(0.7978845608 * x * (1.0 + 0.044715 * x * x)));
}

// Fused gate/up/activation: every row (dense), or predicated by logits through a map (hot neurons in predictor
// mode: rows and tokens whose logit is under the threshold must give exactly 0).
void check_gate_up(DType t, FfnActivation act, FfnMode mode, int64_t rows, int64_t cols, int n_tokens, bool predicated) {
    static const char* kAct[] = {"silu", "relu", "gelu"};
    static const char* kMode[] = {"par", "sym", "seq"};
    const std::string kernel = predicated ? "ffn_gate_up predicated" : "ffn_gate_up";
    const std::string type = std::string(dtype_name(t)) + " " + kAct[int(act)] + "/" + kMode[int(mode)];
    const std::string shape = shape_str(rows, cols) + " t" + std::to_string(n_tokens);
    const bool gated = mode != FfnMode::seq;
    const HostMatrix g = make_matrix(t, gated ? rows : 1, cols), u = make_matrix(t, rows, cols);
    const std::vector<float> x = randn(size_t(n_tokens * cols));
    // Logits over a layer of n_ff = rows + 50 neurons; row j is neuron map[j] (a random injective map).
    const int64_t n_ff = rows + 50;
    const std::vector<float> logits = randn(size_t(n_tokens * n_ff));
    std::vector<int32_t> map(static_cast<size_t>(n_ff));
    std::iota(map.begin(), map.end(), 0);
    std::shuffle(map.begin(), map.end(), rng());
    map.resize(size_t(rows));
    const float thr = 0.8f;  // about 21% of (token, row) pairs active; many rows inactive for every token
    auto dg = to_device(g.bytes);
    GT_TRY(dg, kernel, type, shape);
    auto du = to_device(u.bytes);
    GT_TRY(du, kernel, type, shape);
    auto dx = to_device(x);
    GT_TRY(dx, kernel, type, shape);
    auto dl = to_device(logits);
    GT_TRY(dl, kernel, type, shape);
    auto dm = to_device(map);
    GT_TRY(dm, kernel, type, shape);
    const int64_t h_stride = rows + 3;
    auto dh = poisoned(size_t(n_tokens * h_stride) * 4);
    GT_TRY(dh, kernel, type, shape);
    cuda::GateUpArgs a;
    if (gated) a.gate = device_view(g, *dg);
    a.up = device_view(u, *du);
    a.x = dx->as<float>();
    a.x_stride = cols;
    a.n_tokens = n_tokens;
    a.h = dh->as<float>();
    a.h_stride = h_stride;
    a.n_out = rows;
    a.act = act;
    a.mode = mode;
    if (predicated) {
        a.logits = dl->as<float>();
        a.logits_stride = n_ff;
        a.map = dm->as<int32_t>();
        a.threshold = thr;
    }
    GT_TRY(cuda::ffn_gate_up(a, nullptr), kernel, type, shape);
    auto h = to_host<float>(*dh, size_t(n_tokens * h_stride));
    GT_TRY(h, kernel, type, shape);
    std::vector<float> out;
    std::vector<double> ref;
    int64_t active = 0, wrong_zero = 0;
    for (int t2 = 0; t2 < n_tokens; ++t2)
        for (int64_t r = 0; r < rows; ++r) {
            const float hv = (*h)[size_t(t2 * h_stride + r)];
            if (predicated && !(logits[size_t(t2 * n_ff + map[size_t(r)])] >= thr)) {
                wrong_zero += hv != 0.0f;  // must be exactly zero (NaN from the poison counts too)
                continue;
            }
            ++active;
            const double gv = gated ? dot_ref(&g.deq[r * cols], &x[t2 * cols], cols) : 0.0;
            const double uv = dot_ref(&u.deq[r * cols], &x[t2 * cols], cols);
            const double v = mode == FfnMode::par ? act_ref(act, gv) * uv
                             : mode == FfnMode::sym ? act_ref(act, gv) * act_ref(act, uv)
                                                    : act_ref(act, uv);
            out.push_back(hv);
            ref.push_back(v);
        }
    const double err = wrong_zero ? INFINITY : rel_l2(out.data(), ref.data(), ref.size());
    record(kernel, type, shape, err, 1e-5,
           std::to_string(active) + " active" + (wrong_zero ? ", " + std::to_string(wrong_zero) + " inactive not 0" : ""));
}

// Row-sparse: a random sorted subset of rows; with a device count below the list length, the outputs past
// the count must stay untouched (poisoned).
void check_rows(DType t, int64_t rows, int64_t cols, int64_t n_idx, int32_t count) {
    const std::string type = dtype_name(t), shape = shape_str(rows, cols) + " n" + std::to_string(n_idx) + "/" +
                                                    std::to_string(count);
    const HostMatrix m = make_matrix(t, rows, cols);
    const std::vector<float> x = randn(size_t(cols));
    std::vector<int32_t> all(static_cast<size_t>(rows));
    std::iota(all.begin(), all.end(), 0);
    std::shuffle(all.begin(), all.end(), rng());
    std::vector<int32_t> idx(all.begin(), all.begin() + n_idx);
    std::sort(idx.begin(), idx.end());
    auto dw = to_device(m.bytes);
    GT_TRY(dw, "matvec_rows", type, shape);
    auto dx = to_device(x);
    GT_TRY(dx, "matvec_rows", type, shape);
    auto di = to_device(idx);
    GT_TRY(di, "matvec_rows", type, shape);
    auto dc = to_device(std::vector<int32_t>{count});
    GT_TRY(dc, "matvec_rows", type, shape);
    auto dy = poisoned(size_t(n_idx) * 4);
    GT_TRY(dy, "matvec_rows", type, shape);
    cuda::MatvecArgs a = matvec_args(m, *dw, *dx, *dy, n_idx, 1);
    a.idx = di->as<int32_t>();
    a.n_out = n_idx;
    a.d_count = dc->as<int32_t>();
    GT_TRY(cuda::matvec(a, nullptr), "matvec_rows", type, shape);
    auto y = to_host<float>(*dy, size_t(n_idx));
    GT_TRY(y, "matvec_rows", type, shape);
    std::vector<double> ref(static_cast<size_t>(count));
    for (int32_t j = 0; j < count; ++j) ref[j] = dot_ref(&m.deq[idx[j] * cols], x.data(), cols);
    bool untouched = true;
    for (int64_t j = count; j < n_idx; ++j) untouched &= std::isnan((*y)[j]);
    const double err = untouched ? rel_l2(y->data(), ref.data(), ref.size()) : INFINITY;
    record("matvec_rows", type, shape, err, 1e-5, untouched ? "" : "wrote past the device count");
}

// Column-sparse: rows in random order (not sorted), a with some exact zeros, y accumulated into.
void check_axpy(DType t, int64_t neurons, int64_t cols, int64_t n_idx, int32_t count, double zero_share = 0.2) {
    const std::string type = dtype_name(t), shape = shape_str(neurons, cols) + " n" + std::to_string(n_idx) + "/" +
                                                    std::to_string(count) + " zeros " + std::to_string(int(100 * zero_share)) + "%";
    const HostMatrix m = make_matrix(t, neurons, cols);
    std::vector<int32_t> idx(static_cast<size_t>(n_idx));
    for (auto& i : idx) i = int32_t(rng()() % uint64_t(neurons));
    std::vector<float> a = randn(size_t(n_idx));
    for (size_t j = 0; j < a.size(); ++j)
        if (double(rng()() % 1000) < 1000 * zero_share) a[j] = 0.0f;
    const std::vector<float> y0 = randn(size_t(cols));
    auto dw = to_device(m.bytes);
    GT_TRY(dw, "sparse_axpy", type, shape);
    auto di = to_device(idx);
    GT_TRY(di, "sparse_axpy", type, shape);
    auto da = to_device(a);
    GT_TRY(da, "sparse_axpy", type, shape);
    auto dc = to_device(std::vector<int32_t>{count});
    GT_TRY(dc, "sparse_axpy", type, shape);
    auto dy = to_device(y0);
    GT_TRY(dy, "sparse_axpy", type, shape);
    auto ds = poisoned(size_t(cuda::sparse_axpy_scratch_floats(cols)) * 4);
    GT_TRY(ds, "sparse_axpy", type, shape);
    cuda::SparseAxpyArgs args;
    args.wt = device_view(m, *dw);
    args.idx = di->as<int32_t>();
    args.a = da->as<float>();
    args.n_max = n_idx;
    args.d_count = dc->as<int32_t>();
    args.y = dy->as<float>();
    args.scratch = ds->as<float>();
    GT_TRY(cuda::sparse_axpy(args, nullptr), "sparse_axpy", type, shape);
    auto y = to_host<float>(*dy, size_t(cols));
    GT_TRY(y, "sparse_axpy", type, shape);
    std::vector<double> ref(y0.begin(), y0.end());
    for (int32_t j = 0; j < count; ++j)
        for (int64_t c = 0; c < cols; ++c) ref[c] += double(a[j]) * m.deq[idx[j] * cols + c];
    record("sparse_axpy", type, shape, rel_l2(y->data(), ref.data(), ref.size()), 1e-5);
}

// Dequantised F16 weights must equal the CPU's to_float rounded to F16, bit for bit; then the GEMM.
void check_prefill(DType t, int64_t rows, int64_t cols, int n_tokens) {
    const std::string type = dtype_name(t), shape = shape_str(rows, cols) + " t" + std::to_string(n_tokens);
    const HostMatrix m = make_matrix(t, rows, cols);
    const std::vector<float> x = randn(size_t(n_tokens * cols));
    auto handle = cuda::CublasHandle::create();
    GT_TRY(handle, "prefill_gemm", type, shape);
    auto dw = to_device(m.bytes);
    GT_TRY(dw, "prefill_gemm", type, shape);
    auto dx = to_device(x);
    GT_TRY(dx, "prefill_gemm", type, shape);
    auto dwh = poisoned(size_t(rows * cols) * 2);
    GT_TRY(dwh, "prefill_gemm", type, shape);
    auto dxh = poisoned(size_t(n_tokens * cols) * 2);
    GT_TRY(dxh, "prefill_gemm", type, shape);
    auto dy = poisoned(size_t(n_tokens * rows) * 4);
    GT_TRY(dy, "prefill_gemm", type, shape);
    cuda::PrefillArgs a;
    a.w = device_view(m, *dw);
    a.x = dx->as<float>();
    a.n_tokens = n_tokens;
    a.y = dy->as<float>();
    a.w_f16 = dwh->as<uint16_t>();
    a.x_f16 = dxh->as<uint16_t>();
    GT_TRY(cuda::matmul_prefill(handle->get(), a, nullptr), "prefill_gemm", type, shape);
    auto wh = to_host<uint16_t>(*dwh, size_t(rows * cols));
    GT_TRY(wh, "dequant_f16", type, shape);
    int64_t mismatches = 0;
    for (size_t i = 0; i < wh->size(); ++i) mismatches += (*wh)[i] != fp32_to_fp16(m.deq[i]);
    record("dequant_f16", type, shape_str(rows, cols), double(mismatches), 0.0, "error = mismatching elements");
    auto y = to_host<float>(*dy, size_t(n_tokens * rows));
    GT_TRY(y, "prefill_gemm", type, shape);
    std::vector<double> ref(size_t(n_tokens * rows));
    for (int t2 = 0; t2 < n_tokens; ++t2)
        for (int64_t r = 0; r < rows; ++r) ref[t2 * rows + r] = dot_ref(&m.deq[r * cols], &x[t2 * cols], cols);
    // x is rounded to F16 for the tensor cores: about 2^-12 relative per element.
    record("prefill_gemm", type, shape, rel_l2(y->data(), ref.data(), ref.size()), 3e-3);
}

}  // namespace

void test_weight_kernels() {
    for (DType t : kTypes) {
        const int64_t blk = type_traits(t).block_size;
        // Columns that are not a multiple of a warp's stride (32 chunks); rows not a multiple of a block's.
        const int64_t c_small = blk == 256 ? 256 * 5 : 32 * 37;
        for (int nt : {1, 7, 11}) check_matvec(t, 1027, c_small, nt);
        check_matvec(t, 4099, 4096, 1);
        check_rows(t, 1027, c_small, 333, 333);
        check_rows(t, 1027, c_small, 333, 201);
        check_axpy(t, 1027, c_small, 333, 333);
        check_axpy(t, 1027, c_small, 2500, 1999);  // many splits, device count below the list
        check_axpy(t, 100, c_small, 7, 7);         // a single short split
        check_axpy(t, 3000, c_small, 3000, 3000, 0.9);  // every hot neuron listed, 90% zero (ReLU outputs)
        check_axpy(t, 3000, c_small, 3000, 2999, 1.0);  // nothing to add
    }
    for (DType t : {DType::F16, DType::Q4_0, DType::Q8_0, DType::Q4_K, DType::Q6_K})
        check_prefill(t, 1000, 1280, 37);
    // Q4_0 on int8 activations: pairs of blocks per lane, segments of 32 pairs (4096 columns: 2 segments;
    // 64 * 37: a segment of 5 pairs after one of 32, rows only 4-byte aligned), tokens 1 to 11, rows odd.
    for (int64_t cols : {int64_t(4096), int64_t(64 * 37), int64_t(64)})
        for (int nt : {1, 2, 7, 11}) check_matvec_int8(1027, cols, nt, false, false, false);
    check_matvec_int8(1027, 4096, 3, true, false, false);
    check_matvec_int8(1027, 64 * 37, 5, true, false, true);
    check_matvec_int8(1027, 4096, 3, false, true, false);
    check_matvec_int8(1027, 64 * 37, 9, false, false, true);
    for (DType t : kTypes) {
        const int64_t c_small = type_traits(t).block_size == 256 ? 256 * 5 : 32 * 37;
        check_matvec_epilogue(t, 1027, c_small, 3, true);
        check_matvec_epilogue(t, 1027, c_small, 11, false);
        check_gate_up(t, FfnActivation::relu, FfnMode::par, 1027, c_small, 1, true);
        check_gate_up(t, FfnActivation::relu, FfnMode::par, 1027, c_small, 11, true);
    }
    for (FfnActivation act : {FfnActivation::silu, FfnActivation::relu, FfnActivation::gelu})
        for (FfnMode mode : {FfnMode::par, FfnMode::sym, FfnMode::seq}) {
            check_gate_up(DType::Q4_0, act, mode, 1029, 4096, 1, false);
            check_gate_up(DType::F16, act, mode, 333, 1184, 5, mode == FfnMode::sym);
        }
}

}  // namespace locus::gputest
