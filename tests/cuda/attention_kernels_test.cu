// Attention, RMSNorm, RoPE, residual add and the KV store against the CPU kernels.
#include <cmath>
#include <cstring>

#include "core/fp16.h"
#include "cpu/attention.h"
#include "cpu/norm.h"
#include "cpu/rope.h"
#include "cuda/attention.h"
#include "cuda/elementwise.h"
#include "cuda/norm.h"
#include "cuda/rope.h"
#include "harness.h"

namespace locus::gputest {
namespace {

// device_pos: positions and sequences read on the device (the CUDA-graph form): the data sit in sequence 1 of a
// two-sequence cache, and the grid is sized for 600 positions more than the tokens use.
void check_attention(int n_head, int n_head_kv, int hd, int64_t n_kv_first, int n_tokens, bool device_pos = false) {
    const std::string type = device_pos ? "f16kv, device pos" : "f16kv", shape = "h" + std::to_string(n_head) + "/" + std::to_string(n_head_kv) + " d" +
                                              std::to_string(hd) + " kv" + std::to_string(n_kv_first) + " t" +
                                              std::to_string(n_tokens);
    const int64_t n_ctx = n_kv_first + n_tokens - 1;
    const int64_t stride = int64_t(n_head_kv) * hd + 64;  // padded rows: the stride is honoured
    const std::vector<float> kf = randn(size_t(n_ctx * stride)), vf = randn(size_t(n_ctx * stride));
    std::vector<uint16_t> k(kf.size()), v(vf.size());
    for (size_t i = 0; i < k.size(); ++i) { k[i] = fp32_to_fp16(kf[i]); v[i] = fp32_to_fp16(vf[i]); }
    const std::vector<float> q = randn(size_t(n_tokens) * n_head * hd);
    const float scale = 1.0f / std::sqrt(float(hd));
    auto dq = to_device(q);
    GT_TRY(dq, "attention", type, shape);
    // With device_pos, sequence 0 (random, unused) comes first: the kernel must offset by seq * seq_stride.
    const std::vector<float> other = randn(size_t(n_ctx * stride), 5.0f);
    std::vector<uint16_t> k2, v2;
    if (device_pos) {
        for (float f : other) k2.push_back(fp32_to_fp16(f));
        v2 = k2;
    }
    k2.insert(k2.end(), k.begin(), k.end());
    v2.insert(v2.end(), v.begin(), v.end());
    std::vector<int32_t> posv, seqv;
    for (int t = 0; t < n_tokens; ++t) posv.push_back(int32_t(n_kv_first - 1 + t)), seqv.push_back(1);
    posv.insert(posv.end(), seqv.begin(), seqv.end());
    const int64_t n_kv_max = device_pos ? n_ctx + 600 : n_ctx;
    auto dk = to_device(k2);
    GT_TRY(dk, "attention", type, shape);
    auto dv = to_device(v2);
    GT_TRY(dv, "attention", type, shape);
    auto dp = to_device(posv);
    GT_TRY(dp, "attention", type, shape);
    auto dout = poisoned(q.size() * 4);
    GT_TRY(dout, "attention", type, shape);
    auto ds = poisoned(size_t(cuda::attention_scratch_floats(n_tokens, n_head, hd, n_kv_max)) * 4);
    GT_TRY(ds, "attention", type, shape);
    cuda::AttentionArgs a;
    a.q = dq->as<float>();
    a.k = dk->as<uint16_t>();
    a.v = dv->as<uint16_t>();
    a.kv_stride = stride;
    a.n_head = n_head;
    a.n_head_kv = n_head_kv;
    a.head_dim = hd;
    a.n_tokens = n_tokens;
    a.n_kv_first = n_kv_first;
    if (device_pos) {
        a.n_kv_first = 0;  // unused
        a.pos = dp->as<int32_t>();
        a.seq = dp->as<int32_t>() + n_tokens;
        a.seq_stride = n_ctx * stride;
        a.n_kv_max = n_kv_max;
    }
    a.scale = scale;
    a.out = dout->as<float>();
    a.scratch = ds->as<float>();
    GT_TRY(cuda::attention_decode(a, nullptr), "attention", type, shape);
    auto out = to_host<float>(*dout, q.size());
    GT_TRY(out, "attention", type, shape);
    std::vector<float> ref_f(q.size());
    std::vector<float> scores(static_cast<size_t>(n_ctx));
    const int group = n_head / n_head_kv;
    for (int t = 0; t < n_tokens; ++t)
        for (int h = 0; h < n_head; ++h) {
            HeadAttention ha;
            ha.q = &q[(size_t(t) * n_head + h) * hd];
            ha.k = k.data() + (h / group) * hd;
            ha.v = v.data() + (h / group) * hd;
            ha.kv_stride = stride;
            ha.n_kv = n_kv_first + t;
            ha.head_dim = hd;
            ha.scale = scale;
            ha.out = &ref_f[(size_t(t) * n_head + h) * hd];
            ha.scores = scores.data();
            attend_head_scalar(ha);
        }
    const std::vector<double> ref(ref_f.begin(), ref_f.end());
    record("attention", type, shape, rel_l2(out->data(), ref.data(), ref.size()), 1e-5);
}

void check_rms_norm(int64_t n, int64_t n_rows) {
    const std::string shape = shape_str(n_rows, n);
    const std::vector<float> x = randn(size_t(n * n_rows), 2.0f), w = randn(size_t(n));
    std::vector<float> ref_f(x.size());
    for (int64_t r = 0; r < n_rows; ++r) rms_norm(&x[r * n], w.data(), n, 1e-5f, &ref_f[r * n]);
    auto dx = to_device(x);
    GT_TRY(dx, "rms_norm", "f32", shape);
    auto dw = to_device(w);
    GT_TRY(dw, "rms_norm", "f32", shape);
    auto dy = poisoned(x.size() * 4);
    GT_TRY(dy, "rms_norm", "f32", shape);
    GT_TRY(cuda::rms_norm(dx->as<float>(), dw->as<float>(), n, n_rows, 1e-5f, dy->as<float>(), nullptr), "rms_norm",
           "f32", shape);
    auto y = to_host<float>(*dy, x.size());
    GT_TRY(y, "rms_norm", "f32", shape);
    const std::vector<double> ref(ref_f.begin(), ref_f.end());
    record("rms_norm", "f32", shape, rel_l2(y->data(), ref.data(), ref.size()), 1e-6);
}

void check_rope(RopeStyle style, int64_t hd, int64_t rope_dims, float base, float fscale) {
    const std::string type = style == RopeStyle::neox ? "neox" : "normal";
    const std::string shape = "d" + std::to_string(hd) + " r" + std::to_string(rope_dims) + " s" + std::to_string(fscale);
    const std::vector<int32_t> pos = {0, 1, 17, 4095, 100000};
    const int n_tokens = int(pos.size());
    const int64_t n_heads = 5, row = n_heads * hd;
    const std::vector<float> x = randn(size_t(n_tokens * row));
    std::vector<float> ref_f = x;
    RopeParams p;
    p.style = style;
    p.head_dim = hd;
    p.rope_dims = rope_dims;
    p.freq_base = base;
    p.freq_scale = fscale;
    for (int t = 0; t < n_tokens; ++t) rope(p, &ref_f[t * row], n_heads, pos[t]);
    auto dx = to_device(x);
    GT_TRY(dx, "rope", type, shape);
    auto dp = to_device(pos);
    GT_TRY(dp, "rope", type, shape);
    cuda::RopeArgs a{style, hd, rope_dims, base, fscale};
    GT_TRY(cuda::rope(a, dx->as<float>(), n_heads, n_tokens, row, dp->as<int32_t>(), nullptr), "rope", type, shape);
    auto y = to_host<float>(*dx, x.size());
    GT_TRY(y, "rope", type, shape);
    const std::vector<double> ref(ref_f.begin(), ref_f.end());
    record("rope", type, shape, rel_l2(y->data(), ref.data(), ref.size()), 1e-6);
}

void check_add_store(int64_t n) {
    const std::string shape = "n" + std::to_string(n);
    std::vector<float> a = randn(size_t(n)), b = randn(size_t(n), 1e-3f);
    // Values that exercise F16 rounding edges: subnormals, overflow, exact ties.
    a[0] = 1e-7f; a[1] = 70000.0f; a[2] = -6.0e-8f; a[3] = 1.0f + 1.0f / 2048.0f; a[4] = 2.98e-8f;
    auto da = to_device(a);
    GT_TRY(da, "add", "f32", shape);
    auto db = to_device(b);
    GT_TRY(db, "add", "f32", shape);
    auto dy = poisoned(size_t(n) * 4);
    GT_TRY(dy, "add", "f32", shape);
    GT_TRY(cuda::add(da->as<float>(), db->as<float>(), dy->as<float>(), n, nullptr), "add", "f32", shape);
    auto y = to_host<float>(*dy, size_t(n));
    GT_TRY(y, "add", "f32", shape);
    int64_t wrong = 0;
    for (int64_t i = 0; i < n; ++i) wrong += std::memcmp(&(*y)[i], &(a[i] = a[i] + b[i]), 4) != 0;
    record("add", "f32", shape, double(wrong), 0.0, "error = mismatching elements");

    // Two rows into a strided cache.
    const int64_t rows = 2, stride = n + 40;
    auto dsrc = to_device(a);  // a now holds a + b
    GT_TRY(dsrc, "store_f16", "f16", shape);
    auto dc = poisoned(size_t(rows * stride) * 2);
    GT_TRY(dc, "store_f16", "f16", shape);
    GT_TRY(cuda::store_f16(dsrc->as<float>(), 0, dc->as<uint16_t>(), stride, n, rows, nullptr), "store_f16", "f16",
           shape);
    auto c = to_host<uint16_t>(*dc, size_t(rows * stride));
    GT_TRY(c, "store_f16", "f16", shape);
    wrong = 0;
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t i = 0; i < n; ++i) wrong += (*c)[r * stride + i] != fp32_to_fp16(a[i]);
        for (int64_t i = n; i < stride; ++i) wrong += (*c)[r * stride + i] != 0xFFFF;  // padding untouched
    }
    record("store_f16", "f16", shape + " x2", double(wrong), 0.0, "error = mismatching elements");
}

// K and V of three tokens into a two-sequence cache at device positions; everything else stays poisoned.
void check_store_kv(int64_t n) {
    const std::string shape = "n" + std::to_string(n) + " t3";
    const int64_t n_ctx = 11, src_stride = n + 8, seq_stride = n_ctx * n;
    const std::vector<int32_t> pv = {5, 0, 9, /* seq */ 1, 0, 1};
    const std::vector<float> k = randn(size_t(3 * src_stride)), v = randn(size_t(3 * src_stride));
    auto dk = to_device(k);
    GT_TRY(dk, "store_kv", "f16", shape);
    auto dv = to_device(v);
    GT_TRY(dv, "store_kv", "f16", shape);
    auto dp = to_device(pv);
    GT_TRY(dp, "store_kv", "f16", shape);
    auto kc = poisoned(size_t(2 * seq_stride) * 2);
    GT_TRY(kc, "store_kv", "f16", shape);
    auto vc = poisoned(size_t(2 * seq_stride) * 2);
    GT_TRY(vc, "store_kv", "f16", shape);
    GT_TRY(cuda::store_kv(dk->as<float>(), dv->as<float>(), src_stride, kc->as<uint16_t>(), vc->as<uint16_t>(), n,
                          dp->as<int32_t>(), dp->as<int32_t>() + 3, seq_stride, 3, nullptr),
           "store_kv", "f16", shape);
    auto hk = to_host<uint16_t>(*kc, size_t(2 * seq_stride));
    GT_TRY(hk, "store_kv", "f16", shape);
    auto hv = to_host<uint16_t>(*vc, size_t(2 * seq_stride));
    GT_TRY(hv, "store_kv", "f16", shape);
    std::vector<uint16_t> ek(size_t(2 * seq_stride), 0xFFFF), ev = ek;
    for (int t = 0; t < 3; ++t)
        for (int64_t i = 0; i < n; ++i) {
            const size_t d = size_t(pv[3 + t] * seq_stride + pv[t] * n + i);
            ek[d] = fp32_to_fp16(k[t * src_stride + i]);
            ev[d] = fp32_to_fp16(v[t * src_stride + i]);
        }
    int64_t wrong = 0;
    for (size_t i = 0; i < ek.size(); ++i) wrong += ((*hk)[i] != ek[i]) + ((*hv)[i] != ev[i]);
    record("store_kv", "f16", shape, double(wrong), 0.0, "error = mismatching elements");
}

}  // namespace

void test_attention_kernels() {
    check_attention(8, 2, 128, 1, 1);
    check_attention(8, 2, 128, 300, 1);
    check_attention(8, 2, 128, 3000, 1);   // 12 splits, the last partial
    check_attention(8, 8, 64, 1000, 1);
    check_attention(6, 2, 80, 700, 5);     // head_dim not a multiple of 64; tokens with different lengths
    check_attention(32, 8, 128, 16384, 1); // long context
    check_attention(8, 2, 128, 300, 1, true);
    check_attention(6, 2, 80, 700, 5, true);
    check_rms_norm(4096, 3);
    check_rms_norm(5003, 2);
    for (RopeStyle s : {RopeStyle::normal, RopeStyle::neox}) {
        check_rope(s, 128, 128, 10000.0f, 1.0f);
        check_rope(s, 128, 64, 1000000.0f, 0.25f);
        check_rope(s, 64, 64, 10000.0f, 1.0f);
    }
    check_add_store(4096 + 7);
    check_store_kv(1024 + 3);
}

}  // namespace locus::gputest
