// Weight and activation number types. Ids and block layouts are identical to ggml's (GGUF type ids), so
// tensors in GGUF files are used in place. Each type is described once in a traits table read by all kernels.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace locus {

enum class DType : uint32_t {
    F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
    Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
    I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, BF16 = 30,
};

// Dot product of one weight row (n elements of the row's type) with an activation row already converted to
// the type's `vec_dot_type`. n is a multiple of the block size.
using VecDotFn = float (*)(int64_t n, const void* w, const void* x);
using ToFloatFn = void (*)(const void* src, float* dst, int64_t n);    // n multiple of block size
using FromFloatFn = void (*)(const float* src, void* dst, int64_t n);  // n multiple of block size

struct TypeTraits {
    const char* name = nullptr;    // ggml's name: "f32", "q4_0", "q4_K", ...
    int64_t block_size = 0;        // elements per block
    size_t block_bytes = 0;        // bytes per block
    bool is_quantized = false;
    bool can_compute = false;      // matvec supported (weights of this type can be used by the model)
    DType vec_dot_type = DType::F32;
    ToFloatFn to_float = nullptr;         // dequantise
    FromFloatFn from_float = nullptr;     // quantise (for weights; also for activations of vec_dot_type)
    VecDotFn vec_dot = nullptr;           // fastest version allowed on this CPU (chosen once at start-up)
    VecDotFn vec_dot_scalar = nullptr;    // plain reference
    // Every version built, indexed by Isa (scalar, avx2, avx512); nullptr where none exists. Tests compare
    // each one the CPU can run against vec_dot_scalar.
    VecDotFn vec_dot_by_isa[3] = {nullptr, nullptr, nullptr};
};

// nullptr for an id that is not a known type.
const TypeTraits* find_type_traits(uint32_t type_id);
// The type named `name` as ggml spells it ("q4_0", "q6_K", ...), or nullopt.
std::optional<DType> find_type_by_name(const std::string& name);
// For a known type (aborts otherwise: callers validate ids from files with find_type_traits first).
const TypeTraits& type_traits(DType t);
const char* dtype_name(DType t);

// Bytes of a row of n elements; n must be a multiple of the block size.
inline size_t row_bytes(const TypeTraits& tt, int64_t n) { return size_t(n / tt.block_size) * tt.block_bytes; }
size_t row_bytes(DType t, int64_t n);

}  // namespace locus
