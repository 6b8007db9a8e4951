// Serialisation of GGUF v3 / PWRI files. Tensor bytes are streamed to the output one tensor (or one chunk)
// at a time, so a multi-gigabyte model never sits in memory whole.
#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "gguf/format.h"
#include "gguf/gguf.h"

namespace locus::gguf {
namespace {

constexpr size_t kChunkBytes = size_t(4) << 20;
constexpr const char* kAlignmentKey = "general.alignment";

[[noreturn]] void misuse(const std::string& msg) {
    std::fprintf(stderr, "locus: gguf::Writer misuse: %s\n", msg.c_str());
    std::abort();
}

// A scalar's widened field holds a value its type can represent.
bool fits(const Value& v) {
    auto u_max = [](ValueType t) -> uint64_t {
        switch (t) {
            case ValueType::UINT8: return UINT8_MAX;
            case ValueType::UINT16: return UINT16_MAX;
            case ValueType::UINT32: return UINT32_MAX;
            case ValueType::BOOL: return 1;
            default: return UINT64_MAX;
        }
    };
    auto i_range = [](ValueType t, int64_t x) {
        switch (t) {
            case ValueType::INT8: return x >= INT8_MIN && x <= INT8_MAX;
            case ValueType::INT16: return x >= INT16_MIN && x <= INT16_MAX;
            case ValueType::INT32: return x >= INT32_MIN && x <= INT32_MAX;
            default: return true;
        }
    };
    if (is_unsigned_type(v.type) || v.type == ValueType::BOOL) return v.u <= u_max(v.type);
    if (is_signed_type(v.type)) return i_range(v.type, v.i);
    return true;
}

// What the reader accepts: known types, array elements of the array's elem_type, bounded nesting.
bool well_formed(const Value& v, int depth) {
    if (uint32_t(v.type) > uint32_t(ValueType::FLOAT64)) return false;
    if (v.type != ValueType::ARRAY) return fits(v);
    if (depth >= kMaxArrayDepth || uint32_t(v.elem_type) > uint32_t(ValueType::FLOAT64)) return false;
    return std::all_of(v.arr.begin(), v.arr.end(),
                       [&](const Value& e) { return e.type == v.elem_type && well_formed(e, depth + 1); });
}

// Little-endian encoder over a sink; counts bytes for padding and remembers the first failure.
class Encoder {
public:
    using Sink = std::function<bool(const void*, size_t)>;
    explicit Encoder(const Sink& out) : out_(out) {}
    bool ok() const { return ok_; }

    void raw(const void* p, size_t n) {
        if (ok_ && n > 0) ok_ = out_(p, n);
        pos_ += n;
    }
    template <class T>
    void put(T v) { raw(&v, sizeof v); }
    void string(const std::string& s) {
        put<uint64_t>(s.size());
        raw(s.data(), s.size());
    }
    void pad_to(uint64_t align) {
        static constexpr uint8_t zeros[256] = {};
        for (uint64_t n = align_up(pos_, align) - pos_; n > 0;) {
            const size_t k = size_t(std::min<uint64_t>(n, sizeof zeros));
            raw(zeros, k);
            n -= k;
        }
    }
    void value(const Value& v) {
        switch (v.type) {
            case ValueType::UINT8: put(uint8_t(v.u)); break;
            case ValueType::INT8: put(int8_t(v.i)); break;
            case ValueType::UINT16: put(uint16_t(v.u)); break;
            case ValueType::INT16: put(int16_t(v.i)); break;
            case ValueType::UINT32: put(uint32_t(v.u)); break;
            case ValueType::INT32: put(int32_t(v.i)); break;
            case ValueType::UINT64: put(uint64_t(v.u)); break;
            case ValueType::INT64: put(int64_t(v.i)); break;
            case ValueType::FLOAT32: put(float(v.f)); break;
            case ValueType::FLOAT64: put(double(v.f)); break;
            case ValueType::BOOL: put(uint8_t(v.u != 0)); break;
            case ValueType::STRING: string(v.s); break;
            case ValueType::ARRAY:
                put(uint32_t(v.elem_type));
                put(uint64_t(v.arr.size()));
                for (const Value& e : v.arr) value(e);
                break;
        }
    }

private:
    const Sink& out_;
    uint64_t pos_ = 0;
    bool ok_ = true;
};

}  // namespace

void Writer::set_alignment(uint64_t a) {
    if (a > UINT32_MAX) misuse("the alignment must be a power of two that fits 32 bits");
    set(kAlignmentKey, Value::make_u32(uint32_t(a)));
}

void Writer::set(std::string key, Value v) {
    if (!well_formed(v, 0)) misuse("metadata key '" + key + "' holds a malformed value");
    if (key == kAlignmentKey) {
        const std::optional<int64_t> a = v.as_int();
        if (!v.is_integer() || !a || *a <= 0 || *a > int64_t(UINT32_MAX) || !std::has_single_bit(uint64_t(*a)))
            misuse("the alignment must be a power of two that fits 32 bits");
        alignment_ = uint64_t(*a);
    }
    for (auto& [k, old] : kv_) {
        if (k == key) {
            old = std::move(v);
            return;
        }
    }
    kv_.emplace_back(std::move(key), std::move(v));
}

Status Writer::add_pending(Pending p) {
    const std::string what = "gguf writer: tensor '" + p.name + "'";
    for (const Pending& t : tensors_)
        if (t.name == p.name) return Status::error(what + " added twice");
    const TypeTraits* tt = find_type_traits(uint32_t(p.type));
    if (!tt) return Status::error(what + " has unknown type id " + std::to_string(uint32_t(p.type)));
    const Expected<uint64_t> bytes = tensor_nbytes(*tt, p.shape);
    if (!bytes) return Status::error(what + " " + bytes.error());
    if (*bytes > std::numeric_limits<size_t>::max()) return Status::error(what + " is too large");
    if (!p.fill && !p.fill_chunk && p.bytes.size() != *bytes)
        return Status::error(what + " has " + std::to_string(p.bytes.size()) + " bytes of data, its shape needs " +
                             std::to_string(*bytes));
    p.size = size_t(*bytes);
    tensors_.push_back(std::move(p));
    return Status::ok();
}

Status Writer::add_tensor(std::string name, DType type, std::vector<int64_t> shape, const void* data, size_t size) {
    Pending p{std::move(name), type, std::move(shape)};
    const uint8_t* bytes = static_cast<const uint8_t*>(data);
    if (size > 0 && bytes) p.bytes.assign(bytes, bytes + size);
    return add_pending(std::move(p));
}

Status Writer::add_tensor_lazy(std::string name, DType type, std::vector<int64_t> shape,
                               std::function<void(uint8_t* dst, size_t size)> fill) {
    Pending p{std::move(name), type, std::move(shape)};
    p.fill = std::move(fill);
    return add_pending(std::move(p));
}

Status Writer::add_tensor_chunked(std::string name, DType type, std::vector<int64_t> shape,
                                  std::function<void(uint8_t* dst, uint64_t offset, size_t n)> fill) {
    Pending p{std::move(name), type, std::move(shape)};
    p.fill_chunk = std::move(fill);
    return add_pending(std::move(p));
}

Status Writer::emit(const Sink& out) const {
    Encoder e(out);
    e.raw(powerinfer_ ? "PWRI" : "GGUF", 4);
    e.put<uint32_t>(kWriteVersion);
    e.put<uint64_t>(tensors_.size());
    e.put<uint64_t>(kv_.size());
    for (const auto& [key, v] : kv_) {
        e.string(key);
        e.put(uint32_t(v.type));
        e.value(v);
    }
    uint64_t offset = 0;
    for (const Pending& t : tensors_) {
        e.string(t.name);
        e.put(uint32_t(t.shape.size()));
        for (int64_t ne : t.shape) e.put(uint64_t(ne));
        e.put(file_type_id(t.type, powerinfer_));
        e.put(offset);
        offset = align_up(offset + t.size, alignment_);
    }
    e.pad_to(alignment_);

    std::vector<uint8_t> buf;  // reused by every lazy or chunked tensor
    for (const Pending& t : tensors_) {
        if (t.fill) {
            buf.resize(t.size);
            t.fill(buf.data(), t.size);
            e.raw(buf.data(), t.size);
        } else if (t.fill_chunk) {
            buf.resize(std::min(t.size, kChunkBytes));
            for (size_t off = 0; off < t.size && e.ok(); off += buf.size()) {
                const size_t n = std::min(buf.size(), t.size - off);
                t.fill_chunk(buf.data(), off, n);
                e.raw(buf.data(), n);
            }
        } else {
            e.raw(t.bytes.data(), t.bytes.size());
        }
        e.pad_to(alignment_);
        if (!e.ok()) break;
    }
    return e.ok() ? Status::ok() : Status::error("write failed");
}

Status Writer::write(const std::string& path) const {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return Status::error(path + ": cannot create: " + std::strerror(errno));
    int write_errno = 0;
    Status st = emit([&](const void* p, size_t n) {
        if (std::fwrite(p, 1, n, f) == n) return true;
        write_errno = errno;
        return false;
    });
    if (std::fclose(f) != 0 && st) {
        write_errno = errno;
        st = Status::error("close failed");
    }
    if (!st) {
        std::remove(path.c_str());
        return Status::error(path + ": " + st.message() + (write_errno ? ": " + std::string(std::strerror(write_errno)) : ""));
    }
    return Status::ok();
}

std::vector<uint8_t> Writer::to_bytes() const {
    std::vector<uint8_t> out;
    const Status st = emit([&](const void* p, size_t n) {
        const uint8_t* b = static_cast<const uint8_t*>(p);
        out.insert(out.end(), b, b + n);
        return true;
    });
    if (!st) misuse("serialising to memory failed: " + st.message());
    return out;
}

}  // namespace locus::gguf
