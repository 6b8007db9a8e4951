#include "api/objects.h"

#include <chrono>
#include <string>

namespace locus::api {

HandleRegistry<ModelObject>& models() {
    static HandleRegistry<ModelObject> r;
    return r;
}
HandleRegistry<SessionObject>& sessions() {
    static HandleRegistry<SessionObject> r;
    return r;
}
HandleRegistry<SamplerObject>& samplers() {
    static HandleRegistry<SamplerObject> r;
    return r;
}

namespace {
template <class T, class H>
std::shared_ptr<T> find_in(HandleRegistry<T>& reg, const H* handle, const char* function, const char* kind) {
    if (!handle) {
        fail(LOCUS_ERR_INVALID_HANDLE, std::string(function) + ": the " + kind + " handle is null");
        return nullptr;
    }
    auto obj = reg.find(handle);
    if (!obj)
        fail(LOCUS_ERR_INVALID_HANDLE,
             std::string(function) + ": not a live " + kind + " handle (already freed, or of another kind)");
    return obj;
}
}  // namespace

std::shared_ptr<ModelObject> find_model(const locus_model* h, const char* f) { return find_in(models(), h, f, "model"); }
std::shared_ptr<SessionObject> find_session(const locus_session* h, const char* f) {
    return find_in(sessions(), h, f, "session");
}
std::shared_ptr<SamplerObject> find_sampler(const locus_sampler* h, const char* f) {
    return find_in(samplers(), h, f, "sampler");
}

UseGuard try_use(InUse& u, const char* function, const char* what) {
    UseGuard lock(u);
    if (!lock)
        fail(LOCUS_ERR_BUSY, std::string(function) + ": the " + what +
                                 " is in use by another call (another thread, or the callback of a generation)");
    return lock;
}

locus_status run_batch(SessionObject& s, const Batch& batch, bool as_prompt, const char* function) {
    using clock = std::chrono::steady_clock;
    std::lock_guard compute(s.model->compute);
    const auto t0 = clock::now();
    Status st = s.session->decode(batch);
    const double ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
    if (!st) return fail(LOCUS_ERR_INTERNAL, std::string(function) + ": " + st.message());
    if (as_prompt) {
        s.timings.prompt_ms += ms;
        s.timings.n_prompt_tokens += batch.size();
    } else {
        s.timings.decode_ms += ms;
        s.timings.n_decode_tokens += batch.size();
    }
    return LOCUS_OK;
}

}  // namespace locus::api
