// The C++ objects behind the C handles, and the lookups every entry point starts with.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "api/api_error.h"
#include "api/handle_registry.h"
#include "locus/locus.h"
#include "runtime/engine.h"
#include "runtime/session.h"
#include "sparse/sparse_mode.h"
#include "text/sampler.h"

namespace locus::api {

// Marks an object as being used by one call (or one open stream, which may move between threads). Unlike a
// mutex it may be released by another thread than the one that took it.
class InUse {
public:
    bool try_acquire() { return !flag_.exchange(true); }
    void release() { flag_.store(false); }
private:
    std::atomic<bool> flag_{false};
};

// Holds an InUse for a scope (or as long as it is moved along).
class UseGuard {
public:
    UseGuard() = default;
    explicit UseGuard(InUse& u) : u_(u.try_acquire() ? &u : nullptr) {}
    UseGuard(UseGuard&& o) noexcept : u_(o.u_) { o.u_ = nullptr; }
    UseGuard& operator=(UseGuard&& o) noexcept {
        if (this != &o) { reset(); u_ = o.u_; o.u_ = nullptr; }
        return *this;
    }
    ~UseGuard() { reset(); }
    explicit operator bool() const { return u_ != nullptr; }
    void reset() { if (u_) u_->release(); u_ = nullptr; }
private:
    InUse* u_ = nullptr;
};

struct ModelObject {
    std::unique_ptr<Engine> engine;
    // The engine has one thread pool: forward passes of all its sessions take this lock.
    std::mutex compute;
    double load_ms = 0;
    SparseMode sparse = SparseMode::Auto;
};

struct SessionObject {
    std::shared_ptr<ModelObject> model;  // keeps the engine alive after locus_model_free
    std::unique_ptr<Session> session;
    InUse in_use;  // taken by the one call (or stream) using the session; others get LOCUS_ERR_BUSY
    std::atomic<bool> cancel{false};
    locus_timings timings{};
    // The last token locus_generate sampled but did not run (nothing needed its logits); the next
    // locus_generate runs it first. Any other call that changes the cache drops it.
    int32_t pending = -1;
};

struct SamplerObject {
    explicit SamplerObject(const text::SamplerParams& p) : sampler(p) {}
    text::Sampler sampler;
    InUse in_use;
};

HandleRegistry<ModelObject>& models();
HandleRegistry<SessionObject>& sessions();
HandleRegistry<SamplerObject>& samplers();

// Each lookup returns null and sets LOCUS_ERR_INVALID_HANDLE's message when the handle is not live.
std::shared_ptr<ModelObject> find_model(const locus_model* handle, const char* function);
std::shared_ptr<SessionObject> find_session(const locus_session* handle, const char* function);
std::shared_ptr<SamplerObject> find_sampler(const locus_sampler* handle, const char* function);

// Takes an object's InUse without waiting; on failure sets LOCUS_ERR_BUSY's message.
UseGuard try_use(InUse& u, const char* function, const char* what);

// Runs tokens through the session under the model's compute lock, adding the time to the session's prompt
// (as_prompt) or decode timings.
locus_status run_batch(SessionObject& s, const Batch& batch, bool as_prompt, const char* function);

}  // namespace locus::api
