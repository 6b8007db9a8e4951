// The float types F32, F16, BF16 (block size 1): conversions, scalar dot references, registration.
//
// All three dot against F32 activations (vec_dot_type F32). For F16 this differs from ggml, which rounds the
// activations to F16 first: converting the weights with F16C instead keeps the activations exact, and costs
// little since decode is bound by reading the weights. BF16 likewise: widening BF16 to F32 is a shift, and
// the activations stay exact. (A VDPBF16PS version with BF16 activations is not built; it has not been
// measured against this one.)
#include <cstring>

#include "core/cpu_features.h"
#include "core/fp16.h"
#include "quant/float_kernels.h"
#include "quant/registry.h"

namespace locus {
namespace {

void f32_to_float(const void* src, float* dst, int64_t n) { std::memcpy(dst, src, size_t(n) * 4); }
void f32_from_float(const float* src, void* dst, int64_t n) { std::memcpy(dst, src, size_t(n) * 4); }

void f16_to_float(const void* src, float* dst, int64_t n) {
    const auto* h = static_cast<const uint16_t*>(src);
    for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(h[i]);
}
void f16_from_float(const float* src, void* dst, int64_t n) {
    auto* h = static_cast<uint16_t*>(dst);
    for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_fp16(src[i]);
}
void bf16_to_float(const void* src, float* dst, int64_t n) {
    const auto* h = static_cast<const uint16_t*>(src);
    for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(h[i]);
}
void bf16_from_float(const float* src, void* dst, int64_t n) {
    auto* h = static_cast<uint16_t*>(dst);
    for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_bf16(src[i]);
}

}  // namespace

namespace floatk {

float vec_dot_f32_scalar(int64_t n, const void* wv, const void* xv) {
    const auto* w = static_cast<const float*>(wv);
    const auto* x = static_cast<const float*>(xv);
    float sum = 0.0f;
    for (int64_t i = 0; i < n; ++i) sum += w[i] * x[i];
    return sum;
}

float vec_dot_f16_scalar(int64_t n, const void* wv, const void* xv) {
    const auto* w = static_cast<const uint16_t*>(wv);
    const auto* x = static_cast<const float*>(xv);
    float sum = 0.0f;
    for (int64_t i = 0; i < n; ++i) sum += fp16_to_fp32(w[i]) * x[i];
    return sum;
}

float vec_dot_bf16_scalar(int64_t n, const void* wv, const void* xv) {
    const auto* w = static_cast<const uint16_t*>(wv);
    const auto* x = static_cast<const float*>(xv);
    float sum = 0.0f;
    for (int64_t i = 0; i < n; ++i) sum += bf16_to_fp32(w[i]) * x[i];
    return sum;
}

}  // namespace floatk

namespace {

void fill(TypeTraits& t, const char* name, size_t bytes, ToFloatFn to_float, FromFloatFn from_float,
          VecDotFn scalar, VecDotFn avx2, VecDotFn avx512) {
    t = {};
    t.name = name;
    t.block_size = 1;
    t.block_bytes = bytes;
    t.is_quantized = false;
    t.can_compute = true;
    t.vec_dot_type = DType::F32;
    t.to_float = to_float;
    t.from_float = from_float;
    t.vec_dot_scalar = scalar;
    t.vec_dot_by_isa[int(Isa::scalar)] = scalar;
    t.vec_dot_by_isa[int(Isa::avx2)] = avx2;
    t.vec_dot_by_isa[int(Isa::avx512)] = avx512;
}

}  // namespace

void register_float_types(TypeTraits* t) {
    using namespace floatk;
    // Row conversions with F16C where allowed (same results as the scalar loops).
    const bool vec = best_isa() != Isa::scalar;
    fill(t[int(DType::F32)], "f32", 4, f32_to_float, f32_from_float, vec_dot_f32_scalar, vec_dot_f32_avx2,
         vec_dot_f32_avx512);
    fill(t[int(DType::F16)], "f16", 2, vec ? f16_to_f32_avx2 : f16_to_float, vec ? f32_to_f16_avx2 : f16_from_float,
         vec_dot_f16_scalar, vec_dot_f16_avx2, vec_dot_f16_avx512);
    fill(t[int(DType::BF16)], "bf16", 2, vec ? bf16_to_f32_avx2 : bf16_to_float,
         vec ? f32_to_bf16_avx2 : bf16_from_float, vec_dot_bf16_scalar, vec_dot_bf16_avx2, vec_dot_bf16_avx512);
}

}  // namespace locus
