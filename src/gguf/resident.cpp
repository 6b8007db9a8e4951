// File::make_resident: the tensor data moves from the file mapping to huge-page-backed anonymous memory.
#include <sys/mman.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "gguf/gguf.h"

namespace locus::gguf {

Status File::make_resident(const std::function<void(double)>& progress) {
    if (resident_) return Status::ok();
    const size_t data_size = size_ - size_t(data_offset_);
    if (data_size == 0) return Status::ok();
    constexpr size_t kHuge = size_t(2) << 20;
    const size_t alloc = (data_size + kHuge - 1) / kHuge * kHuge;
    // Over-allocate by one huge page and trim, so the region starts on a 2 MiB boundary and all of it can be
    // backed by huge pages.
    void* raw = mmap(nullptr, alloc + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return Status::error(path_ + ": cannot allocate " + std::to_string(alloc >> 20) +
                             " MiB for the weights: " + std::strerror(errno));
    const uintptr_t start = (reinterpret_cast<uintptr_t>(raw) + kHuge - 1) / kHuge * kHuge;
    const size_t head = start - reinterpret_cast<uintptr_t>(raw);
    if (head) munmap(raw, head);
    if (kHuge - head) munmap(reinterpret_cast<void*>(start + alloc), kHuge - head);
    void* mem = reinterpret_cast<void*>(start);
    madvise(mem, alloc, MADV_HUGEPAGE);  // a hint: fine if the kernel declines
    auto* dst = static_cast<uint8_t*>(mem);
    const uint8_t* src = base_ + data_offset_;
    constexpr size_t kChunk = size_t(64) << 20;
    for (size_t off = 0; off < data_size; off += kChunk) {
        std::memcpy(dst + off, src + off, std::min(kChunk, data_size - off));
        if (progress) progress(double(std::min(data_size, off + kChunk)) / double(data_size));
    }
    mprotect(mem, alloc, PROT_READ);
    for (TensorInfo& t : tensors_) t.data = dst + t.offset;
    // The mapping's copy of the data is no longer read: drop its pages from this process (the page cache keeps
    // them for the next load).
    if (mapping_) {
        const uintptr_t from = (reinterpret_cast<uintptr_t>(src) + 4095) / 4096 * 4096;
        const uintptr_t to = reinterpret_cast<uintptr_t>(base_) + size_;
        if (to > from) madvise(reinterpret_cast<void*>(from), to - from, MADV_DONTNEED);
    }
    resident_ = mem;
    resident_size_ = alloc;
    return Status::ok();
}

Status File::edit_resident(const std::function<void()>& edit) {
    if (!resident_) return Status::error(path_ + ": the weights are not resident, so they cannot be rearranged");
    if (mprotect(resident_, resident_size_, PROT_READ | PROT_WRITE) != 0)
        return Status::error(path_ + ": cannot make the weights writable: " + std::strerror(errno));
    modified_ = true;
    edit();
    mprotect(resident_, resident_size_, PROT_READ);
    return Status::ok();
}

}  // namespace locus::gguf
