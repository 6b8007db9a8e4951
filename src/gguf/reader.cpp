// Parsing and validation of GGUF / PWRI files. Nothing read from the file is used (as a count, length, size
// or offset) before it has been checked against the bytes that remain.
#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <numeric>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gguf/gguf.h"
#include "gguf/format.h"

namespace locus::gguf {
namespace {

static_assert(std::endian::native == std::endian::little, "GGUF is read in place: little-endian hosts only");

constexpr uint64_t kMinKvBytes = 8 + 4 + 1;                  // empty key, value type, 1-byte value
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 8 + 4 + 8;  // empty name, n_dims, one ne, type, offset

size_t scalar_size(ValueType t) {
    switch (t) {
        case ValueType::UINT8: case ValueType::INT8: case ValueType::BOOL: return 1;
        case ValueType::UINT16: case ValueType::INT16: return 2;
        case ValueType::UINT32: case ValueType::INT32: case ValueType::FLOAT32: return 4;
        case ValueType::UINT64: case ValueType::INT64: case ValueType::FLOAT64: return 8;
        default: return 0;
    }
}

// Least bytes one array element of type `t` occupies in the file.
uint64_t min_element_bytes(ValueType t) {
    if (t == ValueType::STRING) return 8;
    if (t == ValueType::ARRAY) return 4 + 8;
    return scalar_size(t);
}

bool valid_value_type(uint32_t t) { return t <= uint32_t(ValueType::FLOAT64); }

std::string plural(ValueType t) { return std::string(value_type_name(t)) + "s"; }

// "uint32", "string", "array of 32000 strings".
std::string describe(ValueType type, ValueType elem_type, uint64_t count) {
    if (type != ValueType::ARRAY) return value_type_name(type);
    return "array of " + std::to_string(count) + " " + plural(elem_type);
}
std::string describe(const Value& v) { return describe(v.type, v.elem_type, v.arr.size()); }

class Cursor {
public:
    Cursor(const uint8_t* data, size_t size) : data_(data), size_(size) {}
    size_t pos() const { return pos_; }
    uint64_t left() const { return size_ - pos_; }

    template <class T>
    bool read(T& v) {
        if (sizeof(T) > left()) return false;
        std::memcpy(&v, data_ + pos_, sizeof(T));
        pos_ += sizeof(T);
        return true;
    }
    bool read_string(std::string& s) {
        uint64_t n = 0;
        if (!read(n) || n > left()) return false;
        s.assign(reinterpret_cast<const char*>(data_ + pos_), size_t(n));
        pos_ += size_t(n);
        return true;
    }

private:
    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
};

// Why a value could not be read: the file ended, or the value is malformed (`reason` says how).
struct ValueError {
    bool truncated = false;
    std::string reason;
};

class ValueReader {
public:
    explicit ValueReader(Cursor& c) : c_(c) {}

    // Reads a value of type `t` into `out`. For arrays, out.type/elem_type and `count` are set as soon as
    // the array header is read, so the caller can describe a value that failed half way.
    std::optional<ValueError> read(Value& out, ValueType t, int depth, uint64_t& count) {
        out.type = t;
        switch (t) {
            case ValueType::UINT8: return scalar<uint8_t>(out.u);
            case ValueType::INT8: return scalar<int8_t>(out.i);
            case ValueType::UINT16: return scalar<uint16_t>(out.u);
            case ValueType::INT16: return scalar<int16_t>(out.i);
            case ValueType::UINT32: return scalar<uint32_t>(out.u);
            case ValueType::INT32: return scalar<int32_t>(out.i);
            case ValueType::UINT64: return scalar<uint64_t>(out.u);
            case ValueType::INT64: return scalar<int64_t>(out.i);
            case ValueType::FLOAT32: return scalar<float>(out.f);
            case ValueType::FLOAT64: return scalar<double>(out.f);
            case ValueType::BOOL: {
                uint8_t b = 0;
                if (!c_.read(b)) return ValueError{true, {}};
                out.u = b != 0;
                return std::nullopt;
            }
            case ValueType::STRING:
                if (!c_.read_string(out.s)) return ValueError{true, {}};
                return std::nullopt;
            case ValueType::ARRAY: return array(out, depth, count);
        }
        return ValueError{false, "has invalid value type " + std::to_string(uint32_t(t))};
    }

private:
    template <class T, class Field>
    std::optional<ValueError> scalar(Field& field) {
        T v{};
        if (!c_.read(v)) return ValueError{true, {}};
        field = Field(v);
        return std::nullopt;
    }

    std::optional<ValueError> array(Value& out, int depth, uint64_t& count) {
        if (depth >= kMaxArrayDepth)
            return ValueError{false, "has arrays nested more than " + std::to_string(kMaxArrayDepth) + " deep"};
        uint32_t elem = 0;
        if (!c_.read(elem)) return ValueError{true, {}};
        if (!valid_value_type(elem))
            return ValueError{false, "has invalid array element type " + std::to_string(elem)};
        out.elem_type = ValueType(elem);
        if (!c_.read(count)) return ValueError{true, {}};
        // Checked before allocating: a corrupt count must not turn into a huge allocation.
        if (count > c_.left() / min_element_bytes(out.elem_type)) return ValueError{true, {}};
        out.arr.resize(size_t(count));
        for (Value& v : out.arr) {
            uint64_t inner = 0;
            if (auto err = read(v, out.elem_type, depth + 1, inner)) return err;
        }
        return std::nullopt;
    }

    Cursor& c_;
};

}  // namespace

File::~File() {
    if (mapping_) munmap(mapping_, size_);
    if (resident_) munmap(resident_, resident_size_);
}

Expected<std::unique_ptr<File>> File::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::error(path + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return Status::error(path + ": not a regular file");
    }
    if (st.st_size == 0) {
        ::close(fd);
        return Status::error(path + ": empty file");
    }
    void* m = mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    const int map_errno = errno;
    ::close(fd);  // the mapping keeps the file alive
    if (m == MAP_FAILED) return Status::error(path + ": mmap failed: " + std::strerror(map_errno));

    std::unique_ptr<File> f(new File());
    f->path_ = path;
    f->mapping_ = m;
    f->base_ = static_cast<const uint8_t*>(m);
    f->size_ = size_t(st.st_size);
    LOCUS_TRY(f->parse());
    return f;
}

Expected<std::unique_ptr<File>> File::from_memory(const uint8_t* data, size_t size, std::string name) {
    std::unique_ptr<File> f(new File());
    f->path_ = std::move(name);
    f->base_ = data;
    f->size_ = data ? size : 0;
    LOCUS_TRY(f->parse());
    return f;
}

Status File::parse() {
    auto fail = [&](const std::string& msg) { return Status::error(path_ + ": " + msg); };
    Cursor c(base_, size_);

    // Header.
    char magic[4] = {};
    if (!c.read(magic)) return fail("too small to be a GGUF file (" + std::to_string(size_) + " bytes)");
    if (std::memcmp(magic, "PWRI", 4) == 0) {
        powerinfer_ = true;
    } else if (std::memcmp(magic, "GGUF", 4) != 0) {
        char hex[32];
        std::snprintf(hex, sizeof hex, "%02x %02x %02x %02x", uint8_t(magic[0]), uint8_t(magic[1]),
                      uint8_t(magic[2]), uint8_t(magic[3]));
        return fail(std::string("not a GGUF file (magic bytes ") + hex + ")");
    }
    if (!c.read(version_)) return fail("truncated while reading the header");
    if (version_ != 2 && version_ != 3) {
        std::string msg = "unsupported GGUF version " + std::to_string(version_);
        if ((version_ & 0xffff) == 0) msg += " (a big-endian file?)";
        return fail(msg);
    }
    uint64_t n_tensors = 0, n_kv = 0;
    if (!c.read(n_tensors) || !c.read(n_kv)) return fail("truncated while reading the header");
    if (n_kv > c.left() / kMinKvBytes)
        return fail("header declares " + std::to_string(n_kv) + " metadata keys, more than the " +
                    std::to_string(c.left()) + " remaining bytes can hold");
    if (n_tensors > (c.left() - n_kv * kMinKvBytes) / kMinTensorInfoBytes)
        return fail("header declares " + std::to_string(n_tensors) + " tensors, more than the " +
                    std::to_string(c.left()) + " remaining bytes can hold");

    // Metadata.
    kv_.reserve(size_t(n_kv));
    for (uint64_t k = 0; k < n_kv; ++k) {
        std::string key;
        if (!c.read_string(key)) return fail("truncated while reading metadata key #" + std::to_string(k));
        if (kv_index_.count(key)) return fail("duplicate metadata key '" + key + "'");
        uint32_t type = 0;
        if (!c.read(type)) return fail("truncated while reading the type of metadata key '" + key + "'");
        if (!valid_value_type(type))
            return fail("metadata key '" + key + "' has invalid value type " + std::to_string(type));
        Value v;
        uint64_t count = 0;
        if (auto err = ValueReader(c).read(v, ValueType(type), 0, count)) {
            const std::string what = describe(v.type, v.elem_type, count);
            if (err->truncated) return fail("truncated while reading metadata key '" + key + "' (" + what + ")");
            return fail("metadata key '" + key + "' (" + what + ") " + err->reason);
        }
        kv_index_.emplace(key, kv_.size());
        kv_.emplace_back(std::move(key), std::move(v));
    }

    if (const Value* a = find("general.alignment")) {
        if (!a->is_integer())
            return fail("general.alignment is a " + describe(*a) + ", expected a uint32");
        const std::optional<int64_t> align = a->as_int();
        if (!align || *align <= 0 || *align > int64_t(UINT32_MAX) || !std::has_single_bit(uint64_t(*align)))
            return fail("general.alignment must be a power of two that fits 32 bits");
        alignment_ = uint64_t(*align);
    }

    // Tensor index.
    tensors_.reserve(size_t(n_tensors));
    for (uint64_t t = 0; t < n_tensors; ++t) {
        TensorInfo ti;
        if (!c.read_string(ti.name)) return fail("truncated while reading the name of tensor #" + std::to_string(t));
        const std::string tname = "tensor '" + ti.name + "'";
        if (tensor_index_.count(ti.name)) return fail("duplicate tensor name '" + ti.name + "'");
        uint32_t n_dims = 0;
        if (!c.read(n_dims)) return fail("truncated while reading " + tname);
        if (n_dims < 1 || n_dims > kMaxDims)
            return fail(tname + " has " + std::to_string(n_dims) + " dimensions (1 to " + std::to_string(kMaxDims) +
                        " allowed)");
        for (uint32_t d = 0; d < n_dims; ++d) {
            uint64_t ne = 0;
            if (!c.read(ne)) return fail("truncated while reading " + tname);
            if (ne == 0 || ne > uint64_t(INT64_MAX))
                return fail(tname + " has dimension " + std::to_string(d) + " = " + std::to_string(ne));
            ti.shape.push_back(int64_t(ne));
        }
        uint32_t type_id = 0;
        if (!c.read(type_id) || !c.read(ti.offset)) return fail("truncated while reading " + tname);
        const uint32_t id = dtype_id_from_file(type_id, powerinfer_);
        const TypeTraits* tt = find_type_traits(id);
        if (!tt) return fail(tname + " has unsupported type id " + std::to_string(type_id));
        ti.type = DType(id);
        const Expected<uint64_t> bytes = tensor_nbytes(*tt, ti.shape);
        if (!bytes) return fail(tname + " " + bytes.error());
        ti.size_bytes = *bytes;
        if (ti.offset % alignment_ != 0)
            return fail(tname + " has data offset " + std::to_string(ti.offset) + ", not a multiple of the alignment " +
                        std::to_string(alignment_));
        tensor_index_.emplace(ti.name, tensors_.size());
        tensors_.push_back(std::move(ti));
    }

    // Data section: every tensor inside the file, no two overlapping.
    data_offset_ = align_up(c.pos(), alignment_);
    if (tensors_.empty()) return Status::ok();
    if (data_offset_ > size_)
        return fail("data section would start at byte " + std::to_string(data_offset_) + ", past the end of the file (" +
                    std::to_string(size_) + " bytes)");
    const uint64_t data_bytes = size_ - data_offset_;
    for (TensorInfo& ti : tensors_) {
        if (ti.offset > data_bytes || ti.size_bytes > data_bytes - ti.offset)
            return fail("tensor '" + ti.name + "' (" + std::to_string(ti.size_bytes) + " bytes at data offset " +
                        std::to_string(ti.offset) + ") extends past the end of the file (data section of " +
                        std::to_string(data_bytes) + " bytes)");
        ti.data = base_ + data_offset_ + ti.offset;
    }
    std::vector<size_t> order(tensors_.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return tensors_[a].offset < tensors_[b].offset; });
    for (size_t k = 1; k < order.size(); ++k) {
        const TensorInfo& prev = tensors_[order[k - 1]];
        const TensorInfo& cur = tensors_[order[k]];
        if (prev.offset + prev.size_bytes > cur.offset)
            return fail("tensors '" + prev.name + "' and '" + cur.name + "' overlap in the data section");
    }
    return Status::ok();
}

const TensorInfo* File::tensor(std::string_view name) const {
    auto it = tensor_index_.find(name);
    return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

}  // namespace locus::gguf
