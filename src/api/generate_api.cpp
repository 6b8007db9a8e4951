// C API: prompt-to-text generation, pulled piece by piece (locus_stream_*) or pushed through a callback
// (locus_generate).
#include <cstring>
#include <string>

#include "api/generation.h"

using namespace locus;
using namespace locus::api;

namespace locus::api {

struct StreamObject {
    std::unique_ptr<Generation> generation;
    InUse in_use;
    std::string held;  // a piece that did not fit the caller's buffer, given again by the next call
    int32_t held_token = -1;
    bool has_held = false;
};

HandleRegistry<StreamObject>& streams() {
    static HandleRegistry<StreamObject> r;
    return r;
}

}  // namespace locus::api

namespace {

// Looks up the session and sampler, takes both, and starts the generation.
locus_status start(const char* fn, locus_session* session, locus_sampler* sampler, const char* prompt,
                   const locus_generate_options* options, std::unique_ptr<Generation>& out) {
    auto s = find_session(session, fn);
    if (!s) return LOCUS_ERR_INVALID_HANDLE;
    std::shared_ptr<SamplerObject> sm;
    if (sampler && !(sm = find_sampler(sampler, fn))) return LOCUS_ERR_INVALID_HANDLE;
    if (!prompt) return fail(LOCUS_ERR_INVALID_ARGUMENT, std::string(fn) + ": prompt is null");
    locus_generate_options o = locus_generate_default_options();
    if (locus_status st = read_options(options, o, "locus_generate_options"); st != LOCUS_OK) return st;
    UseGuard use_session = try_use(s->in_use, fn, "session");
    if (!use_session) return LOCUS_ERR_BUSY;
    UseGuard use_sampler;
    if (sm && !(use_sampler = try_use(sm->in_use, fn, "sampler"))) return LOCUS_ERR_BUSY;
    return Generation::start(std::move(s), std::move(use_session), std::move(sm), std::move(use_sampler), prompt, o,
                             out);
}

}  // namespace

extern "C" {

locus_generate_options locus_generate_default_options(void) {
    locus_generate_options o{};
    o.struct_size = sizeof(o);
    o.n_predict = -1;
    o.ignore_eos = 0;
    o.parse_special = 1;
    return o;
}

locus_status locus_generate(locus_session* session, locus_sampler* sampler, const char* prompt,
                            const locus_generate_options* options, locus_piece_callback callback, void* user_data) {
    return guarded("locus_generate", [&]() -> locus_status {
        std::unique_ptr<Generation> g;
        if (locus_status st = start("locus_generate", session, sampler, prompt, options, g); st != LOCUS_OK)
            return st;
        std::string piece;
        int32_t token = -1;
        bool done = false;
        while (true) {
            if (locus_status st = g->next(piece, token, done); st != LOCUS_OK) return st;
            if (done) return LOCUS_OK;
            if (callback && callback(piece.data(), piece.size(), token, user_data) != 0) return LOCUS_OK;
        }
    });
}

locus_status locus_stream_start(locus_session* session, locus_sampler* sampler, const char* prompt,
                                const locus_generate_options* options, locus_stream** out_stream) {
    return guarded("locus_stream_start", [&]() -> locus_status {
        if (!out_stream) return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_stream_start: out_stream is null");
        *out_stream = nullptr;
        auto obj = std::make_shared<StreamObject>();
        if (locus_status st = start("locus_stream_start", session, sampler, prompt, options, obj->generation);
            st != LOCUS_OK)
            return st;
        *out_stream = reinterpret_cast<locus_stream*>(streams().add(std::move(obj)));
        return LOCUS_OK;
    });
}

locus_status locus_stream_next(locus_stream* stream, char* buf, size_t capacity, size_t* n_bytes, int32_t* token,
                               int* done) {
    return guarded("locus_stream_next", [&]() -> locus_status {
        const char* fn = "locus_stream_next";
        if (!stream) return fail(LOCUS_ERR_INVALID_HANDLE, "locus_stream_next: the stream handle is null");
        auto st = streams().find(stream);
        if (!st) return fail(LOCUS_ERR_INVALID_HANDLE, "locus_stream_next: not a live stream handle (already freed?)");
        if (!n_bytes || !done) return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_stream_next: n_bytes or done is null");
        UseGuard use = try_use(st->in_use, fn, "stream");
        if (!use) return LOCUS_ERR_BUSY;
        *done = 0;
        *n_bytes = 0;
        if (!st->has_held) {
            bool finished = false;
            if (locus_status s = st->generation->next(st->held, st->held_token, finished); s != LOCUS_OK) return s;
            if (finished) {
                *done = 1;
                if (token) *token = -1;
                if (buf && capacity > 0) buf[0] = '\0';
                return LOCUS_OK;
            }
            st->has_held = true;
        }
        *n_bytes = st->held.size();
        if (token) *token = st->held_token;
        if (!buf || capacity < st->held.size() + 1)
            return fail(LOCUS_ERR_BUFFER_TOO_SMALL, "locus_stream_next: the piece needs " +
                                                        std::to_string(st->held.size() + 1) +
                                                        " bytes with its NUL; call again with a larger buffer");
        std::memcpy(buf, st->held.data(), st->held.size());
        buf[st->held.size()] = '\0';
        st->has_held = false;
        return LOCUS_OK;
    });
}

locus_status locus_stream_free(locus_stream* stream) {
    return guarded("locus_stream_free", [&]() -> locus_status {
        if (!stream) return LOCUS_OK;
        auto st = streams().find(stream);
        if (!st) return fail(LOCUS_ERR_INVALID_HANDLE, "locus_stream_free: not a live stream handle (freed twice?)");
        UseGuard use = try_use(st->in_use, "locus_stream_free", "stream");
        if (!use) return LOCUS_ERR_BUSY;
        streams().remove(stream);
        return LOCUS_OK;
    });
}

}  // extern "C"
