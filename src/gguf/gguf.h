// GGUF (v2, v3) and PowerInfer `PWRI` files: metadata, tensor index and the mmapped data section.
// Every offset, size, count and string length is checked against the file size before it is used.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "quant/types.h"

namespace locus::gguf {

enum class ValueType : uint32_t {
    UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
    STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
};
const char* value_type_name(ValueType t);
// Scalar classes of value types (STRING, ARRAY and BOOL are in none of them).
bool is_unsigned_type(ValueType t);
bool is_signed_type(ValueType t);
bool is_float_type(ValueType t);

// One metadata value. Scalars are kept widened (integers in i64/u64, floats in f64) next to their original
// type; arrays keep their element type and hold either strings or scalars (nested arrays are allowed).
struct Value {
    ValueType type = ValueType::UINT8;
    uint64_t u = 0;     // unsigned integers and bool
    int64_t i = 0;      // signed integers
    double f = 0;       // floats
    std::string s;      // STRING
    ValueType elem_type = ValueType::UINT8;  // ARRAY
    std::vector<Value> arr;                  // ARRAY elements

    bool is_integer() const;
    bool is_float() const;
    // Numeric value as the given C type (integers and floats convert; nullopt for strings/arrays or if out of range).
    std::optional<int64_t> as_int() const;
    std::optional<double> as_float() const;

    static Value make_u32(uint32_t v);
    static Value make_i32(int32_t v);
    static Value make_u64(uint64_t v);
    static Value make_f32(float v);
    static Value make_bool(bool v);
    static Value make_string(std::string v);
    static Value make_array(ValueType elem_type, std::vector<Value> elems);
    static Value make_string_array(const std::vector<std::string>& v);
    static Value make_f32_array(const std::vector<float>& v);
    static Value make_i32_array(const std::vector<int32_t>& v);

    friend bool operator==(const Value&, const Value&) = default;
};

struct TensorInfo {
    std::string name;
    std::vector<int64_t> shape;   // ggml order: shape[0] (ne0) is the contiguous dimension
    DType type = DType::F32;
    uint64_t offset = 0;          // relative to the data section
    uint64_t size_bytes = 0;
    const uint8_t* data = nullptr;  // into the mapping (valid while the File lives)

    int64_t n_elements() const;
    int64_t rows() const { return n_elements() / (shape.empty() ? 1 : shape[0]); }
};

class File {
public:
    // Maps the file and validates header, metadata, tensor index and data ranges.
    static Expected<std::unique_ptr<File>> open(const std::string& path);
    // Parses an in-memory image (not copied: `data` must outlive the File). For tests and tools.
    static Expected<std::unique_ptr<File>> from_memory(const uint8_t* data, size_t size, std::string name = "<memory>");
    ~File();
    File(const File&) = delete;
    File& operator=(const File&) = delete;

    const std::string& path() const { return path_; }
    uint32_t version() const { return version_; }
    bool is_powerinfer() const { return powerinfer_; }   // magic `PWRI`
    uint64_t alignment() const { return alignment_; }
    uint64_t data_offset() const { return data_offset_; }
    size_t file_size() const { return size_; }

    const std::vector<std::pair<std::string, Value>>& metadata() const { return kv_; }
    const Value* find(std::string_view key) const;
    // Typed look-ups: nullopt if absent; an error if present with an unusable type.
    Expected<std::optional<std::string>> get_string(std::string_view key) const;
    Expected<std::optional<int64_t>> get_int(std::string_view key) const;
    Expected<std::optional<double>> get_float(std::string_view key) const;
    Expected<std::optional<bool>> get_bool(std::string_view key) const;
    Expected<std::optional<std::vector<std::string>>> get_string_array(std::string_view key) const;
    Expected<std::optional<std::vector<float>>> get_float_array(std::string_view key) const;
    Expected<std::optional<std::vector<int64_t>>> get_int_array(std::string_view key) const;

    const std::vector<TensorInfo>& tensors() const { return tensors_; }
    const TensorInfo* tensor(std::string_view name) const;

    // Copies the tensor data out of the file mapping into anonymous memory backed by transparent huge pages
    // (where the kernel allows), and points every tensor there. Page-cache mappings use 4 KiB pages, whose TLB
    // misses cap a weight-streaming decode at a fraction of memory bandwidth. progress(fraction) is optional.
    Status make_resident(const std::function<void(double)>& progress = {});
    bool is_resident() const { return resident_ != nullptr; }
    // Runs edit with the resident copy writable (e.g. the engine repacking weights for its kernels; needs
    // make_resident first). Afterwards tensors may no longer hold the file's bytes: tensor_data_modified().
    Status edit_resident(const std::function<void()>& edit);
    bool tensor_data_modified() const { return modified_; }

private:
    File() = default;
    Status parse();

    std::string path_;
    const uint8_t* base_ = nullptr;
    size_t size_ = 0;
    void* mapping_ = nullptr;  // non-null when we own an mmap
    void* resident_ = nullptr;  // anonymous copy of the data section (make_resident)
    size_t resident_size_ = 0;
    bool modified_ = false;  // edit_resident ran: tensor bytes may differ from the file's
    uint32_t version_ = 0;
    bool powerinfer_ = false;
    uint64_t alignment_ = 32;
    uint64_t data_offset_ = 0;
    std::vector<std::pair<std::string, Value>> kv_;
    std::map<std::string, size_t, std::less<>> kv_index_;
    std::vector<TensorInfo> tensors_;
    std::map<std::string, size_t, std::less<>> tensor_index_;
};

// Builds a GGUF v3 (or PWRI) file. Tensors are written in the order added, each aligned to `alignment`.
// Misuse that only a programming error can cause (an alignment that is not a power of two, a Value whose
// array elements do not match its elem_type) aborts; problems with tensors are returned as errors.
class Writer {
public:
    void set_powerinfer(bool on) { powerinfer_ = on; }
    // Also stores `general.alignment`. `a` must be a power of two that fits 32 bits.
    void set_alignment(uint64_t a);
    // Adds or replaces a key (insertion order is kept). Setting `general.alignment` sets the alignment.
    void set(std::string key, Value v);
    // `data` is copied; its size must equal the type's row bytes times the rows of `shape`.
    Status add_tensor(std::string name, DType type, std::vector<int64_t> shape, const void* data, size_t size);
    // Tensor whose bytes are produced later by `fill` while writing (for models too large to hold in memory).
    // `fill` gets the whole tensor at once, in one buffer reused from tensor to tensor.
    Status add_tensor_lazy(std::string name, DType type, std::vector<int64_t> shape,
                           std::function<void(uint8_t* dst, size_t size)> fill);
    // Tensor whose bytes are produced piecewise while writing: `fill(dst, offset, n)` writes bytes
    // [offset, offset + n) of the tensor. Memory use stays bounded by one chunk however large the tensor is.
    Status add_tensor_chunked(std::string name, DType type, std::vector<int64_t> shape,
                              std::function<void(uint8_t* dst, uint64_t offset, size_t n)> fill);
    Status write(const std::string& path) const;
    std::vector<uint8_t> to_bytes() const;

private:
    struct Pending {
        std::string name;
        DType type;
        std::vector<int64_t> shape;
        std::vector<uint8_t> bytes;
        std::function<void(uint8_t*, size_t)> fill;
        std::function<void(uint8_t*, uint64_t, size_t)> fill_chunk;
        size_t size = 0;
    };
    using Sink = std::function<bool(const void* data, size_t size)>;
    Status add_pending(Pending p);
    Status emit(const Sink& out) const;
    bool powerinfer_ = false;
    uint64_t alignment_ = 32;
    std::vector<std::pair<std::string, Value>> kv_;
    std::vector<Pending> tensors_;
};

}  // namespace locus::gguf
