// Rules of the format shared by the GGUF reader and writer: limits, tensor sizes, alignment, type ids.
#pragma once
#include <cstdint>
#include <span>

#include "core/status.h"
#include "quant/types.h"

namespace locus::gguf {

constexpr uint32_t kMaxDims = 4;      // ggml's limit
constexpr int kMaxArrayDepth = 8;     // metadata arrays nested deeper than this are rejected
constexpr uint32_t kWriteVersion = 3;

// Bytes of a tensor of `type` and `shape` (ggml order). Fails, with a message that does not name the tensor,
// when the shape has 0 or more than kMaxDims dimensions, a dimension below 1, ne0 not a multiple of the
// type's block size, or a size that overflows 64 bits.
Expected<uint64_t> tensor_nbytes(const TypeTraits& tt, std::span<const int64_t> shape);

// `x` rounded up to a multiple of `align`, a power of two. Callers keep x below 2^63 and align at most 2^32,
// so the sum cannot wrap.
inline uint64_t align_up(uint64_t x, uint64_t align) { return (x + align - 1) & ~(align - 1); }

// PowerInfer's ggml numbered I8, I16, I32 as 16, 17, 18 (current GGUF: 24, 25, 26; 16..18 are IQ types now).
// The id a tensor of `t` gets in a file, and the DType id a file's type id stands for.
uint32_t file_type_id(DType t, bool powerinfer);
uint32_t dtype_id_from_file(uint32_t id, bool powerinfer);

}  // namespace locus::gguf
