// locus plan: decide what of a model lives on the GPU under a VRAM budget (sparse/planner.h), print what was
// placed where and how much of the expected FFN activity the GPU serves next to two simple baselines, and write
// the upstream-compatible <model>.generated.gpuidx cache. Reads the model's metadata and tensor index only.
#include <cstdio>
#include <iterator>
#include <utility>
#include <fmt/format.h>

#include "commands.h"
#include "common.h"
#include "gguf/gguf.h"
#include "model/model_spec.h"
#include "model/weights.h"
#include "sparse/footprint.h"
#include "sparse/gpu_index.h"
#include "sparse/neuron_frequencies.h"
#include "sparse/planner.h"

namespace locus::app {
namespace {

struct PlanArgs {
    std::string model, profile;
    double vram_gib = -1;
    int64_t n_ctx = 512;
    int64_t group = 32;
    double cpu_layer_cost_mib = double(kDefaultCpuLayerCost) / double(1 << 20);
    bool reset_index = false, disable_index = false;
};

int plan(const PlanArgs& a) {
    auto fail = [](const std::string& m) {
        std::fprintf(stderr, "error: %s\n", m.c_str());
        return 1;
    };
    if (a.vram_gib < 0) return fail("give the VRAM budget with --vram-budget GiB (there is no GPU to ask)");
    const std::string path = a.model.empty() ? default_model_path() : a.model;
    auto file = gguf::File::open(path);
    if (!file) return fail(file.error());
    auto spec = read_model_spec(**file);
    if (!spec) return fail(spec.error());
    auto weights = bind_weights(**file, *spec);
    if (!weights) return fail(weights.error());
    auto fp = model_footprint(*spec, *weights, a.n_ctx);
    if (!fp) return fail(fp.error());
    auto freqs = load_frequencies(**file, spec->n_layer, spec->n_ff, a.profile);
    if (!freqs) return fail(freqs.error());
    if (freqs->prior)
        std::fprintf(stderr, "warning: no activation profile (none in the model file, no --profile): assuming every "
                             "neuron fires with probability %.2f, so every layer gets the same hot count; run `locus "
                             "profile -o FILE` and pass --profile FILE for a real plan\n", kUniformPriorActive);
    if (Status st = check_frequencies(*freqs, spec->n_layer, spec->n_ff); !st) return fail(st.message());

    const uint64_t budget = uint64_t(a.vram_gib * double(1ull << 30));
    const Placement fixed = place_fixed(*fp, budget);
    PlannerOptions opt;
    opt.group = a.group;
    opt.cpu_layer_cost = uint64_t(a.cpu_layer_cost_mib * double(1 << 20));

    // The placement in use: the cache under its reuse rule, else the planner.
    Placement used = fixed;
    const GpuIndexMode mode = a.disable_index ? GpuIndexMode::disable
                              : a.reset_index ? GpuIndexMode::reset : GpuIndexMode::use;
    auto cached = place_hot_neurons_cached(used, *fp, *freqs, opt, gpu_index_path(path), mode);
    if (!cached) return fail(cached.error());

    std::printf("model: %s (%lld layers, n_ff %lld)\nfrequencies: %s\n", path.c_str(), (long long)spec->n_layer,
                (long long)spec->n_ff, freqs->source.c_str());
    std::printf("%s\n", describe_placement(used, *fp).c_str());
    std::printf("gpu index: %s\n\n", cached->note.c_str());

    const double bound = served_upper_bound(*fp, *freqs, fixed.ffn_budget_bytes);
    // "CPU cost": what the planner minimises, the CPU's cold bytes plus the cost of each layer with a CPU part.
    const double layer_mib = double(opt.cpu_layer_cost) / double(1 << 20);
    std::printf("| hot neurons chosen by | GPU-served share | GPU FFN MiB/token | CPU FFN MiB/token | CPU layers | CPU cost "
                "MiB (%.3g per layer) | hot neurons | time ms |\n|---|---|---|---|---|---|---|---|\n", layer_mib);
    auto row = [&](const std::string& name, const Placement& p, double ms) {
        const PlanStats s = evaluate_placement(p, *fp, *freqs);
        std::printf("| %s | %.4f | %.2f | %.2f | %lld | %.2f | %lld | %s |\n", name.c_str(), s.served_share(),
                    s.gpu_ffn_bytes / double(1 << 20), s.cpu_ffn_bytes / double(1 << 20), (long long)s.cpu_layers,
                    s.cpu_ffn_bytes / double(1 << 20) + layer_mib * double(s.cpu_layers), (long long)p.hot_count(),
                    ms >= 0 ? fmt::format("{:.1f}", ms).c_str() : "-");
    };
    if (cached->reused) row("cache in use", used, -1);
    // The planner with its cost per CPU layer, then with bytes only (the global-frequency order in groups), then
    // the baselines.
    const std::pair<HotMethod, uint64_t> methods[] = {{HotMethod::optimal, opt.cpu_layer_cost}, {HotMethod::optimal, 0},
                                                      {HotMethod::uniform, 0}, {HotMethod::global_frequency, 0},
                                                      {HotMethod::served_firings, 0}};
    for (size_t i = 0; i < std::size(methods); ++i) {
        const auto& [m, cost] = methods[i];
        if (i == 1 && opt.cpu_layer_cost == 0) continue;  // the same as the first row
        PlannerOptions o = opt;
        o.method = m;
        o.cpu_layer_cost = cost;
        Placement p = fixed;
        const double t0 = now_ms();
        if (Status st = place_hot_neurons(p, *fp, *freqs, o); !st) return fail(st.message());
        row(p.method, p, now_ms() - t0);
    }
    const PlanStats s0 = evaluate_placement(fixed, *fp, *freqs);
    std::printf("| upper bound (fractional, single neurons) | %.4f | | | | | | |\n", s0.total > 0 ? bound / s0.total : 0.0);
    const PlanStats su = evaluate_placement(used, *fp, *freqs);
    std::printf("\nexpected bytes per token (placement in use, KV cache and embeddings left out): GPU %.2f MiB, CPU "
                "%.2f MiB\n", su.gpu_bytes() / double(1 << 20), su.cpu_bytes() / double(1 << 20));
    return 0;
}

}  // namespace

Runner add_plan(CLI::App& app) {
    auto a = std::make_shared<PlanArgs>();
    CLI::App* c = app.add_subcommand("plan", "Plan which weights and FFN neurons live on the GPU under a VRAM budget");
    c->add_option("-m,--model", a->model, "GGUF model file (default: the bundled model)");
    c->add_option("--vram-budget", a->vram_gib, "VRAM budget in GiB")->required()->check(CLI::NonNegativeNumber);
    c->add_option("--profile", a->profile, "Activation profile file (from `locus profile -o`)");
    c->add_option("-c,--ctx-size", a->n_ctx, "Context size the KV cache is planned for")->check(CLI::PositiveNumber);
    c->add_option("--group", a->group, "Hot neuron counts are multiples of this")->check(CLI::PositiveNumber);
    c->add_option("--cpu-layer-cost", a->cpu_layer_cost_mib,
                  "What a layer that needs a CPU part costs, in MiB of cold rows (0: bytes only)")
        ->check(CLI::NonNegativeNumber)->capture_default_str();
    c->add_flag("--reset-gpu-index", a->reset_index, "Recompute and overwrite <model>.generated.gpuidx");
    c->add_flag("--disable-gpu-index", a->disable_index, "Neither read nor write <model>.generated.gpuidx");
    return [a] { return plan(*a); };
}

}  // namespace locus::app
