// RAII owners of device memory, pinned host memory, streams and events. Move-only; creation returns
// Expected so an out-of-memory or a missing device is an error message, not an abort.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <utility>

#include "core/status.h"

namespace locus::cuda {

// Device memory from cudaMalloc (256-byte aligned).
class DeviceBuffer {
public:
    DeviceBuffer() = default;
    static Expected<DeviceBuffer> create(size_t bytes);
    DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(std::exchange(o.ptr_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
    DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    ~DeviceBuffer();

    void* data() const { return ptr_; }
    template <class T> T* as() const { return static_cast<T*>(ptr_); }
    size_t bytes() const { return bytes_; }

    Status upload(const void* src, size_t bytes, size_t offset = 0);            // synchronous
    Status download(void* dst, size_t bytes, size_t offset = 0) const;          // synchronous
    Status fill_bytes(int value, cudaStream_t stream = nullptr);                // async on stream

private:
    void* ptr_ = nullptr;
    size_t bytes_ = 0;
};

// Page-locked host memory (cudaMallocHost): the only host memory that copies overlap with kernels from.
class PinnedBuffer {
public:
    PinnedBuffer() = default;
    static Expected<PinnedBuffer> create(size_t bytes);
    PinnedBuffer(PinnedBuffer&& o) noexcept : ptr_(std::exchange(o.ptr_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
    PinnedBuffer& operator=(PinnedBuffer&& o) noexcept;
    PinnedBuffer(const PinnedBuffer&) = delete;
    PinnedBuffer& operator=(const PinnedBuffer&) = delete;
    ~PinnedBuffer();

    void* data() const { return ptr_; }
    template <class T> T* as() const { return static_cast<T*>(ptr_); }
    size_t bytes() const { return bytes_; }

private:
    void* ptr_ = nullptr;
    size_t bytes_ = 0;
};

// A non-blocking stream (does not synchronise with the legacy default stream).
class Stream {
public:
    Stream() = default;
    static Expected<Stream> create();
    Stream(Stream&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    Stream& operator=(Stream&& o) noexcept;
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;
    ~Stream();

    cudaStream_t get() const { return s_; }
    Status synchronize() const;

private:
    cudaStream_t s_ = nullptr;
};

// An event with timing enabled (for both ordering between streams and measuring).
class Event {
public:
    Event() = default;
    static Expected<Event> create();
    Event(Event&& o) noexcept : e_(std::exchange(o.e_, nullptr)) {}
    Event& operator=(Event&& o) noexcept;
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;
    ~Event();

    cudaEvent_t get() const { return e_; }
    Status record(cudaStream_t stream) const;
    Status synchronize() const;
    // Milliseconds between two recorded, completed events.
    static Expected<float> elapsed_ms(const Event& start, const Event& stop);

private:
    cudaEvent_t e_ = nullptr;
};

// An instantiated CUDA graph: the work a stream captured between cudaStreamBeginCapture and end_capture, replayed
// by launch() with one call (kernel arguments fixed at capture; memory they point to is read at replay).
class Graph {
public:
    Graph() = default;
    static Expected<Graph> end_capture(cudaStream_t stream);  // ends the stream's capture and instantiates it
    Graph(Graph&& o) noexcept : g_(std::exchange(o.g_, nullptr)) {}
    Graph& operator=(Graph&& o) noexcept;
    Graph(const Graph&) = delete;
    Graph& operator=(const Graph&) = delete;
    ~Graph();

    Status launch(cudaStream_t stream) const;

private:
    cudaGraphExec_t g_ = nullptr;
};

}  // namespace locus::cuda
