#include "gguf/format.h"

#include <string>

#include "gguf/gguf.h"

namespace locus::gguf {

Expected<uint64_t> tensor_nbytes(const TypeTraits& tt, std::span<const int64_t> shape) {
    if (shape.empty() || shape.size() > kMaxDims)
        return Expected<uint64_t>::failure("has " + std::to_string(shape.size()) + " dimensions (1 to " +
                                           std::to_string(kMaxDims) + " allowed)");
    for (size_t d = 0; d < shape.size(); ++d) {
        if (shape[d] < 1)
            return Expected<uint64_t>::failure("has dimension " + std::to_string(d) + " = " +
                                               std::to_string(shape[d]) + " (must be at least 1)");
    }
    if (shape[0] % tt.block_size != 0)
        return Expected<uint64_t>::failure("has ne0 = " + std::to_string(shape[0]) +
                                           ", not a multiple of the block size " + std::to_string(tt.block_size) +
                                           " of " + tt.name);
    uint64_t bytes = uint64_t(shape[0] / tt.block_size);
    bool overflow = __builtin_mul_overflow(bytes, uint64_t(tt.block_bytes), &bytes);
    for (size_t d = 1; d < shape.size(); ++d) overflow |= __builtin_mul_overflow(bytes, uint64_t(shape[d]), &bytes);
    // Element counts must also fit int64 for TensorInfo::n_elements().
    int64_t elements = 1;
    for (int64_t ne : shape) overflow |= __builtin_mul_overflow(elements, ne, &elements);
    if (overflow) return Expected<uint64_t>::failure("has a size that overflows 64 bits");
    return bytes;
}

namespace {
constexpr DType kPowerInferInts[] = {DType::I8, DType::I16, DType::I32};
constexpr uint32_t kPowerInferFirstIntId = 16;
}  // namespace

uint32_t file_type_id(DType t, bool powerinfer) {
    if (powerinfer) {
        for (uint32_t k = 0; k < 3; ++k)
            if (kPowerInferInts[k] == t) return kPowerInferFirstIntId + k;
    }
    return uint32_t(t);
}

uint32_t dtype_id_from_file(uint32_t id, bool powerinfer) {
    if (!powerinfer || id < kPowerInferFirstIntId || id >= kPowerInferFirstIntId + 3) return id;
    return uint32_t(kPowerInferInts[id - kPowerInferFirstIntId]);
}

int64_t TensorInfo::n_elements() const {
    int64_t n = 1;
    for (int64_t ne : shape) n *= ne;
    return n;
}

}  // namespace locus::gguf
