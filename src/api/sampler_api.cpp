// C API: samplers (the fixed chain of text::Sampler) over a session's logits.
#include <cmath>
#include <string>

#include "api/objects.h"

using namespace locus;
using namespace locus::api;

namespace {

locus_status check_params(const locus_sampler_params& p) {
    for (float v : {p.temperature, p.top_p, p.min_p, p.repeat_penalty})
        if (std::isnan(v)) return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_sampler_new: a parameter is not a number");
    if (p.repeat_last_n < 0)
        return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_sampler_new: repeat_last_n " + std::to_string(p.repeat_last_n) +
                                                    " is negative");
    return LOCUS_OK;
}

}  // namespace

extern "C" {

locus_sampler_params locus_sampler_default_params(void) {
    const text::SamplerParams d;
    locus_sampler_params p{};
    p.struct_size = sizeof(p);
    p.temperature = d.temperature;
    p.top_k = d.top_k;
    p.top_p = d.top_p;
    p.min_p = d.min_p;
    p.repeat_penalty = d.repeat_penalty;
    p.repeat_last_n = d.repeat_last_n;
    p.seed = d.seed;
    return p;
}

locus_status locus_sampler_new(const locus_sampler_params* params, locus_sampler** out_sampler) {
    return guarded("locus_sampler_new", [&]() -> locus_status {
        if (!out_sampler) return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_sampler_new: out_sampler is null");
        *out_sampler = nullptr;
        locus_sampler_params p = locus_sampler_default_params();
        if (locus_status st = read_options(params, p, "locus_sampler_params"); st != LOCUS_OK) return st;
        if (locus_status st = check_params(p); st != LOCUS_OK) return st;
        text::SamplerParams sp;
        sp.temperature = p.temperature;
        sp.top_k = p.top_k;
        sp.top_p = p.top_p;
        sp.min_p = p.min_p;
        sp.repeat_penalty = p.repeat_penalty;
        sp.repeat_last_n = p.repeat_last_n;
        sp.seed = p.seed;
        *out_sampler = reinterpret_cast<locus_sampler*>(samplers().add(std::make_shared<SamplerObject>(sp)));
        return LOCUS_OK;
    });
}

locus_status locus_sampler_free(locus_sampler* sampler) {
    return guarded("locus_sampler_free", [&]() -> locus_status {
        if (!sampler) return LOCUS_OK;
        auto s = find_sampler(sampler, "locus_sampler_free");
        if (!s) return LOCUS_ERR_INVALID_HANDLE;
        auto use = try_use(s->in_use, "locus_sampler_free", "sampler");
        if (!use) return LOCUS_ERR_BUSY;
        samplers().remove(sampler);
        return LOCUS_OK;
    });
}

locus_status locus_sampler_sample(locus_sampler* sampler, locus_session* session, int64_t index, int32_t* out_token) {
    return guarded("locus_sampler_sample", [&]() -> locus_status {
        auto sm = find_sampler(sampler, "locus_sampler_sample");
        if (!sm) return LOCUS_ERR_INVALID_HANDLE;
        auto s = find_session(session, "locus_sampler_sample");
        if (!s) return LOCUS_ERR_INVALID_HANDLE;
        if (!out_token) return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_sampler_sample: out_token is null");
        auto use_sampler = try_use(sm->in_use, "locus_sampler_sample", "sampler");
        if (!use_sampler) return LOCUS_ERR_BUSY;
        auto use_session = try_use(s->in_use, "locus_sampler_sample", "session");
        if (!use_session) return LOCUS_ERR_BUSY;
        const Session& ss = *s->session;
        if (index < 0 || index >= ss.n_logits())
            return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_sampler_sample: index " + std::to_string(index) +
                                                        " is outside the " + std::to_string(ss.n_logits()) +
                                                        " logits of the last decode");
        *out_token = sm->sampler.sample(ss.logits(index), int(ss.n_vocab()));
        return LOCUS_OK;
    });
}

locus_status locus_sampler_accept(locus_sampler* sampler, int32_t token) {
    return guarded("locus_sampler_accept", [&]() -> locus_status {
        auto sm = find_sampler(sampler, "locus_sampler_accept");
        if (!sm) return LOCUS_ERR_INVALID_HANDLE;
        auto use = try_use(sm->in_use, "locus_sampler_accept", "sampler");
        if (!use) return LOCUS_ERR_BUSY;
        sm->sampler.accept(token);
        return LOCUS_OK;
    });
}

locus_status locus_sampler_reset(locus_sampler* sampler) {
    return guarded("locus_sampler_reset", [&]() -> locus_status {
        auto sm = find_sampler(sampler, "locus_sampler_reset");
        if (!sm) return LOCUS_ERR_INVALID_HANDLE;
        auto use = try_use(sm->in_use, "locus_sampler_reset", "sampler");
        if (!use) return LOCUS_ERR_BUSY;
        sm->sampler.reset();
        return LOCUS_OK;
    });
}

}  // extern "C"
