// Typed metadata look-ups: integer widths coerce, integers widen to floats; any other mismatch is an error
// that names the key.
#include "gguf/gguf.h"

namespace locus::gguf {
namespace {

std::string type_desc(const Value& v) {
    if (v.type != ValueType::ARRAY) return value_type_name(v.type);
    return std::string("array of ") + value_type_name(v.elem_type) + "s";
}


Status wrong_type(const std::string& path, std::string_view key, const Value& v, const char* expected) {
    return Status::error(path + ": metadata key '" + std::string(key) + "' is a " + type_desc(v) + ", expected " +
                         expected);
}

Status out_of_range(const std::string& path, std::string_view key) {
    return Status::error(path + ": metadata key '" + std::string(key) + "' holds a value out of the int64 range");
}

}  // namespace

const Value* File::find(std::string_view key) const {
    auto it = kv_index_.find(key);
    return it == kv_index_.end() ? nullptr : &kv_[it->second].second;
}

Expected<std::optional<std::string>> File::get_string(std::string_view key) const {
    const Value* v = find(key);
    if (!v) return std::optional<std::string>();
    if (v->type != ValueType::STRING) return wrong_type(path_, key, *v, "a string");
    return std::optional<std::string>(v->s);
}

Expected<std::optional<int64_t>> File::get_int(std::string_view key) const {
    const Value* v = find(key);
    if (!v) return std::optional<int64_t>();
    if (!v->is_integer()) return wrong_type(path_, key, *v, "an integer");
    const std::optional<int64_t> x = v->as_int();
    if (!x) return out_of_range(path_, key);
    return std::optional<int64_t>(*x);
}

Expected<std::optional<double>> File::get_float(std::string_view key) const {
    const Value* v = find(key);
    if (!v) return std::optional<double>();
    if (!v->is_integer() && !v->is_float()) return wrong_type(path_, key, *v, "a number");
    return std::optional<double>(*v->as_float());
}

Expected<std::optional<bool>> File::get_bool(std::string_view key) const {
    const Value* v = find(key);
    if (!v) return std::optional<bool>();
    if (v->type != ValueType::BOOL) return wrong_type(path_, key, *v, "a bool");
    return std::optional<bool>(v->u != 0);
}

Expected<std::optional<std::vector<std::string>>> File::get_string_array(std::string_view key) const {
    using R = std::optional<std::vector<std::string>>;
    const Value* v = find(key);
    if (!v) return R();
    if (v->type != ValueType::ARRAY || v->elem_type != ValueType::STRING)
        return wrong_type(path_, key, *v, "an array of strings");
    std::vector<std::string> out;
    out.reserve(v->arr.size());
    for (const Value& e : v->arr) out.push_back(e.s);
    return R(std::move(out));
}

Expected<std::optional<std::vector<float>>> File::get_float_array(std::string_view key) const {
    using R = std::optional<std::vector<float>>;
    const Value* v = find(key);
    if (!v) return R();
    if (v->type != ValueType::ARRAY || !(is_float_type(v->elem_type) || is_signed_type(v->elem_type) ||
                                         is_unsigned_type(v->elem_type)))
        return wrong_type(path_, key, *v, "an array of numbers");
    std::vector<float> out;
    out.reserve(v->arr.size());
    for (const Value& e : v->arr) out.push_back(float(*e.as_float()));
    return R(std::move(out));
}

Expected<std::optional<std::vector<int64_t>>> File::get_int_array(std::string_view key) const {
    using R = std::optional<std::vector<int64_t>>;
    const Value* v = find(key);
    if (!v) return R();
    if (v->type != ValueType::ARRAY || !(is_signed_type(v->elem_type) || is_unsigned_type(v->elem_type)))
        return wrong_type(path_, key, *v, "an array of integers");
    std::vector<int64_t> out;
    out.reserve(v->arr.size());
    for (const Value& e : v->arr) {
        const std::optional<int64_t> x = e.as_int();
        if (!x) return out_of_range(path_, key);
        out.push_back(*x);
    }
    return R(std::move(out));
}

}  // namespace locus::gguf
