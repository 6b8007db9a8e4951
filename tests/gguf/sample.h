// A small GGUF image used by several gguf tests: metadata of every value type (nested arrays included) and
// three tensors of different types and shapes.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gguf/gguf.h"

namespace locus::gguf::test {

inline Value scalar(ValueType t, uint64_t u, int64_t i, double f) {
    Value v;
    v.type = t;
    v.u = u;
    v.i = i;
    v.f = f;
    return v;
}

// Keys and values of every value type, in the order they are written.
inline std::vector<std::pair<std::string, Value>> all_value_types() {
    return {
        {"general.architecture", Value::make_string("llama")},
        {"t.u8", scalar(ValueType::UINT8, 250, 0, 0)},
        {"t.i8", scalar(ValueType::INT8, 0, -120, 0)},
        {"t.u16", scalar(ValueType::UINT16, 65000, 0, 0)},
        {"t.i16", scalar(ValueType::INT16, 0, -32000, 0)},
        {"t.u32", Value::make_u32(4000000000u)},
        {"t.i32", Value::make_i32(-2000000000)},
        {"t.f32", Value::make_f32(1.5f)},
        {"t.bool", Value::make_bool(true)},
        {"t.string", Value::make_string(std::string("h\xc3\xa9llo\0world", 12))},
        {"t.u64", Value::make_u64(UINT64_MAX)},
        {"t.i64", scalar(ValueType::INT64, 0, INT64_MIN, 0)},
        {"t.f64", scalar(ValueType::FLOAT64, 0, 0, -2.25e300)},
        {"t.strings", Value::make_string_array({"a", "", "<s>", "longer token"})},
        {"t.floats", Value::make_f32_array({0.5f, -1.0f, 3.25f})},
        {"t.ints", Value::make_i32_array({1, -2, 3})},
        {"t.empty", Value::make_array(ValueType::UINT16, {})},
        {"t.nested", Value::make_array(ValueType::ARRAY, {Value::make_i32_array({7, 8}), Value::make_i32_array({}),
                                                          Value::make_i32_array({9})})},
        {"t.nested_strings",
         Value::make_array(ValueType::ARRAY,
                           {Value::make_array(ValueType::ARRAY, {Value::make_string_array({"x"})})})},
    };
}

// F32 [8, 3], F16 [32, 2, 2], Q8_0 [64, 2] (34-byte blocks of 32), filled with a byte pattern.
struct SampleTensor {
    const char* name;
    DType type;
    std::vector<int64_t> shape;
    size_t bytes;
};
inline const std::vector<SampleTensor>& sample_tensors() {
    static const std::vector<SampleTensor> t = {
        {"token_embd.weight", DType::F32, {8, 3}, 8 * 3 * 4},
        {"blk.0.attn_q.weight", DType::F16, {32, 2, 2}, 32 * 2 * 2 * 2},
        {"output.weight", DType::Q8_0, {64, 2}, 2 * 34 * 2},
    };
    return t;
}

inline std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
    std::vector<uint8_t> v(n);
    for (size_t k = 0; k < n; ++k) v[k] = uint8_t(seed + k * 7);
    return v;
}

inline Writer sample_writer() {
    Writer w;
    for (auto& [k, v] : all_value_types()) w.set(k, v);
    uint8_t seed = 1;
    for (const SampleTensor& t : sample_tensors()) {
        const std::vector<uint8_t> data = pattern(t.bytes, seed++);
        if (!w.add_tensor(t.name, t.type, t.shape, data.data(), data.size())) std::abort();
    }
    return w;
}

// Byte position of the first occurrence of `needle` in `bytes` (aborts when absent: a broken test).
inline size_t find_bytes(const std::vector<uint8_t>& bytes, std::string_view needle) {
    const auto it = std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end());
    if (it == bytes.end()) std::abort();
    return size_t(it - bytes.begin());
}

template <class T>
void poke(std::vector<uint8_t>& bytes, size_t pos, T v) {
    std::memcpy(bytes.data() + pos, &v, sizeof v);
}

}  // namespace locus::gguf::test
