#include "cuda/memory.h"

#include "cuda/check.h"

namespace locus::cuda {

Expected<DeviceBuffer> DeviceBuffer::create(size_t bytes) {
    DeviceBuffer b;
    if (bytes == 0) return b;
    LOCUS_CUDA_TRY(cudaMalloc(&b.ptr_, bytes));
    b.bytes_ = bytes;
    return b;
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
        if (ptr_) cudaFree(ptr_);
        ptr_ = std::exchange(o.ptr_, nullptr);
        bytes_ = std::exchange(o.bytes_, 0);
    }
    return *this;
}

DeviceBuffer::~DeviceBuffer() {
    if (ptr_) cudaFree(ptr_);
}

Status DeviceBuffer::upload(const void* src, size_t bytes, size_t offset) {
    if (offset + bytes > bytes_) return Status::error("DeviceBuffer::upload: out of range");
    return cuda_status(cudaMemcpy(static_cast<char*>(ptr_) + offset, src, bytes, cudaMemcpyHostToDevice),
                       "cudaMemcpy (upload)");
}

Status DeviceBuffer::download(void* dst, size_t bytes, size_t offset) const {
    if (offset + bytes > bytes_) return Status::error("DeviceBuffer::download: out of range");
    return cuda_status(cudaMemcpy(dst, static_cast<const char*>(ptr_) + offset, bytes, cudaMemcpyDeviceToHost),
                       "cudaMemcpy (download)");
}

Status DeviceBuffer::fill_bytes(int value, cudaStream_t stream) {
    return cuda_status(cudaMemsetAsync(ptr_, value, bytes_, stream), "cudaMemsetAsync");
}

Expected<PinnedBuffer> PinnedBuffer::create(size_t bytes) {
    PinnedBuffer b;
    if (bytes == 0) return b;
    LOCUS_CUDA_TRY(cudaMallocHost(&b.ptr_, bytes));
    b.bytes_ = bytes;
    return b;
}

PinnedBuffer& PinnedBuffer::operator=(PinnedBuffer&& o) noexcept {
    if (this != &o) {
        if (ptr_) cudaFreeHost(ptr_);
        ptr_ = std::exchange(o.ptr_, nullptr);
        bytes_ = std::exchange(o.bytes_, 0);
    }
    return *this;
}

PinnedBuffer::~PinnedBuffer() {
    if (ptr_) cudaFreeHost(ptr_);
}

Expected<Stream> Stream::create() {
    Stream s;
    LOCUS_CUDA_TRY(cudaStreamCreateWithFlags(&s.s_, cudaStreamNonBlocking));
    return s;
}

Stream& Stream::operator=(Stream&& o) noexcept {
    if (this != &o) {
        if (s_) cudaStreamDestroy(s_);
        s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
}

Stream::~Stream() {
    if (s_) cudaStreamDestroy(s_);
}

Status Stream::synchronize() const { return cuda_status(cudaStreamSynchronize(s_), "cudaStreamSynchronize"); }

Expected<Event> Event::create() {
    Event e;
    LOCUS_CUDA_TRY(cudaEventCreate(&e.e_));
    return e;
}

Event& Event::operator=(Event&& o) noexcept {
    if (this != &o) {
        if (e_) cudaEventDestroy(e_);
        e_ = std::exchange(o.e_, nullptr);
    }
    return *this;
}

Event::~Event() {
    if (e_) cudaEventDestroy(e_);
}

Status Event::record(cudaStream_t stream) const { return cuda_status(cudaEventRecord(e_, stream), "cudaEventRecord"); }

Status Event::synchronize() const { return cuda_status(cudaEventSynchronize(e_), "cudaEventSynchronize"); }

Expected<float> Event::elapsed_ms(const Event& start, const Event& stop) {
    float ms = 0;
    LOCUS_CUDA_TRY(cudaEventElapsedTime(&ms, start.e_, stop.e_));
    return ms;
}

Expected<Graph> Graph::end_capture(cudaStream_t stream) {
    cudaGraph_t g = nullptr;
    LOCUS_CUDA_TRY(cudaStreamEndCapture(stream, &g));
    Graph out;
    const cudaError_t e = cudaGraphInstantiate(&out.g_, g, 0);
    cudaGraphDestroy(g);
    LOCUS_TRY(cuda_status(e, "cudaGraphInstantiate"));
    return out;
}

Graph& Graph::operator=(Graph&& o) noexcept {
    if (this != &o) {
        if (g_) cudaGraphExecDestroy(g_);
        g_ = std::exchange(o.g_, nullptr);
    }
    return *this;
}

Graph::~Graph() {
    if (g_) cudaGraphExecDestroy(g_);
}

Status Graph::launch(cudaStream_t stream) const { return cuda_status(cudaGraphLaunch(g_, stream), "cudaGraphLaunch"); }

}  // namespace locus::cuda
