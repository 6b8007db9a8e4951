// Metadata values: type names, numeric conversions and constructors.
#include <cmath>
#include <limits>

#include "gguf/gguf.h"

namespace locus::gguf {

const char* value_type_name(ValueType t) {
    switch (t) {
        case ValueType::UINT8: return "uint8";
        case ValueType::INT8: return "int8";
        case ValueType::UINT16: return "uint16";
        case ValueType::INT16: return "int16";
        case ValueType::UINT32: return "uint32";
        case ValueType::INT32: return "int32";
        case ValueType::FLOAT32: return "float32";
        case ValueType::BOOL: return "bool";
        case ValueType::STRING: return "string";
        case ValueType::ARRAY: return "array";
        case ValueType::UINT64: return "uint64";
        case ValueType::INT64: return "int64";
        case ValueType::FLOAT64: return "float64";
    }
    return "unknown";
}

bool is_unsigned_type(ValueType t) {
    return t == ValueType::UINT8 || t == ValueType::UINT16 || t == ValueType::UINT32 || t == ValueType::UINT64;
}
bool is_signed_type(ValueType t) {
    return t == ValueType::INT8 || t == ValueType::INT16 || t == ValueType::INT32 || t == ValueType::INT64;
}
bool is_float_type(ValueType t) { return t == ValueType::FLOAT32 || t == ValueType::FLOAT64; }

bool Value::is_integer() const { return is_unsigned_type(type) || is_signed_type(type); }
bool Value::is_float() const { return is_float_type(type); }

std::optional<int64_t> Value::as_int() const {
    if (is_signed_type(type)) return i;
    if (is_unsigned_type(type)) {
        if (u > uint64_t(std::numeric_limits<int64_t>::max())) return std::nullopt;
        return int64_t(u);
    }
    if (is_float()) {
        // Only whole numbers inside the int64 range convert; 2^63 itself is out of range.
        if (!std::isfinite(f) || f != std::trunc(f) || f < -0x1p63 || f >= 0x1p63) return std::nullopt;
        return int64_t(f);
    }
    return std::nullopt;
}

std::optional<double> Value::as_float() const {
    if (is_float()) return f;
    if (is_signed_type(type)) return double(i);
    if (is_unsigned_type(type)) return double(u);
    return std::nullopt;
}

Value Value::make_u32(uint32_t v) { Value r; r.type = ValueType::UINT32; r.u = v; return r; }
Value Value::make_i32(int32_t v) { Value r; r.type = ValueType::INT32; r.i = v; return r; }
Value Value::make_u64(uint64_t v) { Value r; r.type = ValueType::UINT64; r.u = v; return r; }
Value Value::make_f32(float v) { Value r; r.type = ValueType::FLOAT32; r.f = v; return r; }
Value Value::make_bool(bool v) { Value r; r.type = ValueType::BOOL; r.u = v ? 1 : 0; return r; }
Value Value::make_string(std::string v) { Value r; r.type = ValueType::STRING; r.s = std::move(v); return r; }

Value Value::make_array(ValueType elem_type, std::vector<Value> elems) {
    Value r;
    r.type = ValueType::ARRAY;
    r.elem_type = elem_type;
    r.arr = std::move(elems);
    return r;
}

Value Value::make_string_array(const std::vector<std::string>& v) {
    std::vector<Value> elems;
    elems.reserve(v.size());
    for (const std::string& s : v) elems.push_back(make_string(s));
    return make_array(ValueType::STRING, std::move(elems));
}

Value Value::make_f32_array(const std::vector<float>& v) {
    std::vector<Value> elems;
    elems.reserve(v.size());
    for (float x : v) elems.push_back(make_f32(x));
    return make_array(ValueType::FLOAT32, std::move(elems));
}

Value Value::make_i32_array(const std::vector<int32_t>& v) {
    std::vector<Value> elems;
    elems.reserve(v.size());
    for (int32_t x : v) elems.push_back(make_i32(x));
    return make_array(ValueType::INT32, std::move(elems));
}

}  // namespace locus::gguf
