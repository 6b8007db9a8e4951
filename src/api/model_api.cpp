// C API: loading, describing and freeing models.
#include <chrono>
#include <cmath>
#include <cstring>
#include <string>

#include "api/objects.h"
#include "runtime/placement.h"

using namespace locus;
using namespace locus::api;

static_assert(int(SparseMode::Auto) == LOCUS_SPARSE_AUTO && int(SparseMode::Predictor) == LOCUS_SPARSE_PREDICTOR &&
              int(SparseMode::Oracle) == LOCUS_SPARSE_ORACLE && int(SparseMode::Off) == LOCUS_SPARSE_OFF);

namespace {

void copy_name(char* dst, size_t cap, const std::string& src) {
    const size_t n = std::min(cap - 1, src.size());
    std::memcpy(dst, src.data(), n);
    dst[n] = '\0';
}

locus_status check_options(const locus_model_options& o) {
    if (o.n_threads < 0 || o.n_threads > 1024)
        return fail(LOCUS_ERR_INVALID_ARGUMENT,
                    "locus_model_load: n_threads " + std::to_string(o.n_threads) + " is outside 0..1024");
    if (o.sparse_mode < LOCUS_SPARSE_AUTO || o.sparse_mode > LOCUS_SPARSE_OFF)
        return fail(LOCUS_ERR_INVALID_ARGUMENT,
                    "locus_model_load: sparse_mode " + std::to_string(o.sparse_mode) + " is not a locus_sparse_mode");
    if (std::isnan(o.sparse_threshold))
        return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_model_load: sparse_threshold is not a number");
    if (Status st = check_vram_budget(o.vram_budget_gib); !st)
        return fail(std::isnan(o.vram_budget_gib) ? LOCUS_ERR_INVALID_ARGUMENT : LOCUS_ERR_UNSUPPORTED,
                    "locus_model_load: " + st.message());
    return LOCUS_OK;
}

SparseMode to_sparse_mode(int32_t m) {
    switch (m) {
        case LOCUS_SPARSE_PREDICTOR: return SparseMode::Predictor;
        case LOCUS_SPARSE_ORACLE: return SparseMode::Oracle;
        case LOCUS_SPARSE_OFF: return SparseMode::Off;
        default: return SparseMode::Auto;
    }
}

}  // namespace

extern "C" {

locus_model_options locus_model_default_options(void) {
    locus_model_options o{};
    o.struct_size = sizeof(o);
    o.n_threads = 0;
    o.vram_budget_gib = -1.0;
    o.sparse_mode = LOCUS_SPARSE_AUTO;
    o.sparse_threshold = -1.0f;
    o.resident = 1;
    return o;
}

locus_status locus_model_load(const char* path, const locus_model_options* options, locus_model** out_model) {
    return guarded("locus_model_load", [&]() -> locus_status {
        if (!out_model) return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_model_load: out_model is null");
        *out_model = nullptr;
        if (!path) return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_model_load: path is null");
        locus_model_options o = locus_model_default_options();
        if (locus_status st = read_options(options, o, "locus_model_options"); st != LOCUS_OK) return st;
        if (locus_status st = check_options(o); st != LOCUS_OK) return st;

        EngineOptions eo;
        eo.model_path = path;
        eo.n_threads = o.n_threads;
        eo.resident = o.resident != 0;
        eo.sparse = to_sparse_mode(o.sparse_mode);
        // A positive budget (CUDA builds only, see check_options): placed as `--vram-budget` places it.
        if (o.vram_budget_gib > 0) eo.gpu.vram_budget_gib = o.vram_budget_gib;
        if (o.sparse_threshold >= 0) eo.sparse_threshold = o.sparse_threshold;
        if (o.progress) eo.progress = [cb = o.progress, ud = o.progress_user_data](double f) { cb(f, ud); };

        const auto t0 = std::chrono::steady_clock::now();
        auto engine = Engine::load(eo);
        if (!engine) return fail(LOCUS_ERR_LOAD, "locus_model_load: " + engine.error());
        auto obj = std::make_shared<ModelObject>();
        obj->engine = std::move(*engine);
        obj->load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        obj->sparse = obj->engine->sparsity().mode;  // auto resolved
        *out_model = reinterpret_cast<locus_model*>(models().add(std::move(obj)));
        return LOCUS_OK;
    });
}

locus_status locus_model_free(locus_model* model) {
    return guarded("locus_model_free", [&]() -> locus_status {
        if (!model) return LOCUS_OK;
        if (!models().remove(model))
            return fail(LOCUS_ERR_INVALID_HANDLE, "locus_model_free: not a live model handle (freed twice?)");
        return LOCUS_OK;
    });
}

locus_status locus_model_get_info(const locus_model* model, locus_model_info* out) {
    return guarded("locus_model_get_info", [&]() -> locus_status {
        auto m = find_model(model, "locus_model_get_info");
        if (!m) return LOCUS_ERR_INVALID_HANDLE;
        if (!out) return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_model_get_info: out is null");
        const Engine& e = *m->engine;
        locus_model_info info{};
        copy_name(info.arch, sizeof(info.arch), e.spec().arch);
        info.n_vocab = e.spec().n_vocab;
        info.n_ctx_train = e.spec().n_ctx_train;
        info.n_embd = e.spec().n_embd;
        info.n_layer = e.spec().n_layer;
        for (const auto& t : e.file().tensors()) info.n_params += t.n_elements();
        info.size_bytes = weight_bytes(e.weights());
        info.n_threads = e.n_threads();
        info.bos = e.tokenizer().bos();
        info.eos = e.tokenizer().eos();
        *out = info;
        return LOCUS_OK;
    });
}

locus_status locus_model_get_placement(const locus_model* model, locus_placement* out) {
    return guarded("locus_model_get_placement", [&]() -> locus_status {
        auto m = find_model(model, "locus_model_get_placement");
        if (!m) return LOCUS_ERR_INVALID_HANDLE;
        if (!out) return fail(LOCUS_ERR_INVALID_ARGUMENT, "locus_model_get_placement: out is null");
        const WeightPlacement p = placement_of(*m->engine);
        locus_placement r{};
        copy_name(r.backend, sizeof(r.backend), p.backend);
        r.sparse_mode = int32_t(m->sparse);
        r.n_layer = p.n_layer;
        r.n_layer_gpu = p.n_layer_gpu;
        r.gpu_ffn_fraction = p.gpu_ffn_fraction;
        r.cpu_bytes = p.cpu_bytes;
        r.gpu_bytes = p.gpu_bytes;
        *out = r;
        return LOCUS_OK;
    });
}

}  // extern "C"
