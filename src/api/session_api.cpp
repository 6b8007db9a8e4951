// C API: sessions (KV cache and logits), batches, cancellation and timings.
#include <string>

#include "api/objects.h"

using namespace locus;
using namespace locus::api;

namespace {

locus_status check_seq(const Session& s, int32_t seq, const char* function) {
    if (seq < 0 || seq >= int32_t(s.n_seq()))
        return fail(LOCUS_ERR_INVALID_ARGUMENT, std::string(function) + ": sequence " + std::to_string(seq) +
                                                    " is outside 0.." + std::to_string(s.n_seq() - 1));
    return LOCUS_OK;
}

// Builds the engine's batch from the C one, checking every id, sequence and position before anything runs.
locus_status to_batch(const Session& s, const locus_batch& in, Batch& out, const char* function) {
    const std::string f = function;
    if (in.n_tokens <= 0)
        return fail(LOCUS_ERR_INVALID_ARGUMENT, f + ": n_tokens is " + std::to_string(in.n_tokens) + ", must be > 0");
    if (!in.tokens) return fail(LOCUS_ERR_INVALID_ARGUMENT, f + ": tokens is null");
    std::vector<int64_t> next(size_t(s.n_seq()));
    for (int32_t q = 0; q < int32_t(next.size()); ++q) next[size_t(q)] = s.n_past(q);
    const int64_t n_vocab = s.n_vocab();
    for (int64_t i = 0; i < in.n_tokens; ++i) {
        const int32_t tok = in.tokens[i];
        const int32_t seq = in.seq ? in.seq[i] : 0;
        if (tok < 0 || tok >= n_vocab)
            return fail(LOCUS_ERR_INVALID_ARGUMENT, f + ": token " + std::to_string(tok) + " at " + std::to_string(i) +
                                                        " is outside the vocabulary (0.." + std::to_string(n_vocab - 1) + ")");
        if (locus_status st = check_seq(s, seq, function); st != LOCUS_OK) return st;
        const int64_t pos = in.pos ? int64_t(in.pos[i]) : next[size_t(seq)]++;
        if (pos < 0) return fail(LOCUS_ERR_INVALID_ARGUMENT, f + ": position " + std::to_string(pos) + " is negative");
        if (pos >= s.n_ctx())
            return fail(LOCUS_ERR_CONTEXT_FULL, f + ": position " + std::to_string(pos) + " of sequence " +
                                                    std::to_string(seq) + " does not fit the context of " +
                                                    std::to_string(s.n_ctx()) + " tokens");
        const bool want = in.logits ? in.logits[i] != 0 : i + 1 == in.n_tokens;
        out.add(tok, seq, int32_t(pos), want);
    }
    return LOCUS_OK;
}

}  // namespace

extern "C" {

locus_session_options locus_session_default_options(void) {
    locus_session_options o{};
    o.struct_size = sizeof(o);
    o.n_ctx = 0;
    o.n_seq = 1;
    o.n_batch = 512;
    return o;
}

locus_status locus_session_new(locus_model* model, const locus_session_options* options, locus_session** out_session) {
    return guarded("locus_session_new", [&]() -> locus_status {
        if (!out_session) return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_session_new: out_session is null");
        *out_session = nullptr;
        auto m = find_model(model, "locus_session_new");
        if (!m) return LOCUS_ERR_INVALID_HANDLE;
        locus_session_options o = locus_session_default_options();
        if (locus_status st = read_options(options, o, "locus_session_options"); st != LOCUS_OK) return st;
        if (o.n_ctx < 0 || o.n_ctx > (int64_t(1) << 22))
            return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_session_new: n_ctx " + std::to_string(o.n_ctx) +
                                                        " is outside 0..4194304");
        if (o.n_seq < 1 || o.n_seq > 4096)
            return fail(LOCUS_ERR_INVALID_ARGUMENT,
                        "locus_session_new: n_seq " + std::to_string(o.n_seq) + " is outside 1..4096");
        if (o.n_batch < 1 || o.n_batch > (int64_t(1) << 20))
            return fail(LOCUS_ERR_INVALID_ARGUMENT,
                        "locus_session_new: n_batch " + std::to_string(o.n_batch) + " is outside 1..1048576");
        SessionOptions so;
        so.n_ctx = o.n_ctx;
        so.n_seq = o.n_seq;
        so.n_batch = o.n_batch;
        auto session = Session::create(*m->engine, so);
        if (!session) return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_session_new: " + session.error());
        auto obj = std::make_shared<SessionObject>();
        obj->model = m;
        obj->session = std::move(*session);
        obj->timings.load_ms = m->load_ms;
        *out_session = reinterpret_cast<locus_session*>(sessions().add(std::move(obj)));
        return LOCUS_OK;
    });
}

locus_status locus_session_free(locus_session* session) {
    return guarded("locus_session_free", [&]() -> locus_status {
        if (!session) return LOCUS_OK;
        auto s = find_session(session, "locus_session_free");
        if (!s) return LOCUS_ERR_INVALID_HANDLE;
        auto use = try_use(s->in_use, "locus_session_free", "session");
        if (!use) return LOCUS_ERR_BUSY;
        sessions().remove(session);  // the object goes when the last lookup (ours included) lets go
        return LOCUS_OK;
    });
}

locus_status locus_session_get_size(locus_session* session, int64_t* n_ctx, int32_t* n_seq) {
    return guarded("locus_session_get_size", [&]() -> locus_status {
        auto s = find_session(session, "locus_session_get_size");
        if (!s) return LOCUS_ERR_INVALID_HANDLE;
        if (n_ctx) *n_ctx = s->session->n_ctx();
        if (n_seq) *n_seq = int32_t(s->session->n_seq());
        return LOCUS_OK;
    });
}

locus_status locus_session_n_past(locus_session* session, int32_t seq, int64_t* out) {
    return guarded("locus_session_n_past", [&]() -> locus_status {
        auto s = find_session(session, "locus_session_n_past");
        if (!s) return LOCUS_ERR_INVALID_HANDLE;
        if (!out) return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_session_n_past: out is null");
        auto use = try_use(s->in_use, "locus_session_n_past", "session");
        if (!use) return LOCUS_ERR_BUSY;
        if (locus_status st = check_seq(*s->session, seq, "locus_session_n_past"); st != LOCUS_OK) return st;
        *out = s->session->n_past(seq);
        return LOCUS_OK;
    });
}

locus_status locus_session_clear(locus_session* session, int32_t seq) {
    return guarded("locus_session_clear", [&]() -> locus_status {
        auto s = find_session(session, "locus_session_clear");
        if (!s) return LOCUS_ERR_INVALID_HANDLE;
        auto use = try_use(s->in_use, "locus_session_clear", "session");
        if (!use) return LOCUS_ERR_BUSY;
        s->pending = -1;
        if (seq == -1) {
            for (int q = 0; q < int(s->session->n_seq()); ++q) s->session->clear(q);
            return LOCUS_OK;
        }
        if (locus_status st = check_seq(*s->session, seq, "locus_session_clear"); st != LOCUS_OK) return st;
        s->session->clear(seq);
        return LOCUS_OK;
    });
}

locus_status locus_session_decode(locus_session* session, const locus_batch* batch) {
    return guarded("locus_session_decode", [&]() -> locus_status {
        auto s = find_session(session, "locus_session_decode");
        if (!s) return LOCUS_ERR_INVALID_HANDLE;
        if (!batch) return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_session_decode: batch is null");
        auto use = try_use(s->in_use, "locus_session_decode", "session");
        if (!use) return LOCUS_ERR_BUSY;
        s->pending = -1;
        Batch b;
        if (locus_status st = to_batch(*s->session, *batch, b, "locus_session_decode"); st != LOCUS_OK) return st;
        return run_batch(*s, b, b.size() > 1, "locus_session_decode");
    });
}

locus_status locus_session_eval(locus_session* session, const int32_t* tokens, size_t n_tokens, int32_t seq) {
    return guarded("locus_session_eval", [&]() -> locus_status {
        auto s = find_session(session, "locus_session_eval");
        if (!s) return LOCUS_ERR_INVALID_HANDLE;
        auto use = try_use(s->in_use, "locus_session_eval", "session");
        if (!use) return LOCUS_ERR_BUSY;
        s->pending = -1;
        if (locus_status st = check_seq(*s->session, seq, "locus_session_eval"); st != LOCUS_OK) return st;
        if (n_tokens > size_t(s->session->n_ctx()))
            return fail(LOCUS_ERR_CONTEXT_FULL, "locus_session_eval: " + std::to_string(n_tokens) +
                                                    " tokens do not fit the context of " +
                                                    std::to_string(s->session->n_ctx()));
        std::vector<int32_t> seqs(n_tokens, seq);
        const locus_batch in{int64_t(n_tokens), tokens, seqs.data(), nullptr, nullptr};
        Batch b;
        if (locus_status st = to_batch(*s->session, in, b, "locus_session_eval"); st != LOCUS_OK) return st;
        return run_batch(*s, b, b.size() > 1, "locus_session_eval");
    });
}

locus_status locus_session_get_logits(locus_session* session, int64_t index, const float** logits, int64_t* n_vocab) {
    return guarded("locus_session_get_logits", [&]() -> locus_status {
        auto s = find_session(session, "locus_session_get_logits");
        if (!s) return LOCUS_ERR_INVALID_HANDLE;
        if (!logits) return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_session_get_logits: logits is null");
        auto use = try_use(s->in_use, "locus_session_get_logits", "session");
        if (!use) return LOCUS_ERR_BUSY;
        if (index < 0 || index >= s->session->n_logits())
            return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_session_get_logits: index " + std::to_string(index) +
                                                        " is outside the " + std::to_string(s->session->n_logits()) +
                                                        " logits of the last decode");
        *logits = s->session->logits(index);
        if (n_vocab) *n_vocab = s->session->n_vocab();
        return LOCUS_OK;
    });
}

locus_status locus_session_cancel(locus_session* session) {
    return guarded("locus_session_cancel", [&]() -> locus_status {
        auto s = find_session(session, "locus_session_cancel");
        if (!s) return LOCUS_ERR_INVALID_HANDLE;
        s->cancel.store(true);
        return LOCUS_OK;
    });
}

locus_status locus_session_get_timings(locus_session* session, locus_timings* out) {
    return guarded("locus_session_get_timings", [&]() -> locus_status {
        auto s = find_session(session, "locus_session_get_timings");
        if (!s) return LOCUS_ERR_INVALID_HANDLE;
        if (!out) return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_session_get_timings: out is null");
        auto use = try_use(s->in_use, "locus_session_get_timings", "session");
        if (!use) return LOCUS_ERR_BUSY;
        *out = s->timings;
        return LOCUS_OK;
    });
}

locus_status locus_session_reset_timings(locus_session* session) {
    return guarded("locus_session_reset_timings", [&]() -> locus_status {
        auto s = find_session(session, "locus_session_reset_timings");
        if (!s) return LOCUS_ERR_INVALID_HANDLE;
        auto use = try_use(s->in_use, "locus_session_reset_timings", "session");
        if (!use) return LOCUS_ERR_BUSY;
        s->timings = locus_timings{};
        s->timings.load_ms = s->model->load_ms;
        return LOCUS_OK;
    });
}

}  // extern "C"
