// locus sparsify: turn a dense ReLU-family GGUF into a PowerInfer (PWRI) file that runs in predictor mode.
//   1. capture: run the model exactly (oracle mode) over a calibration text, recording per layer a reservoir of
//      (predictor input, neurons that fired) samples and every neuron's firing count;
//   2. train: per layer, a predictor fc2 · ReLU(fc1 · x) on those samples (sparse/predictor_trainer.h), its
//      rank fixed (--rank) or the smallest from a list that reaches --target-recall on held-out samples;
//   3. threshold: 0, a given value, or (--threshold auto) the largest reaching --target-recall on held-out samples;
//   4. write: the source's metadata and tensors, ffn_down transposed to ffn_down_t, the predictors, the
//      threshold and the firing counts (sparse/powerinfer_writer.h).
// A PWRI source is refused (its predictors would be replaced from scratch; sparsify the dense original).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "commands.h"
#include "common.h"
#include "gguf/gguf.h"
#include "model/model_spec.h"
#include "runtime/session.h"
#include "sparse/activation_counts.h"
#include "sparse/powerinfer_writer.h"
#include "sparse/predictor_samples.h"
#include "sparse/predictor_trainer.h"
#include "sparse/threshold_calibration.h"
#include "sparse/trainer_gemm.h"
#ifdef LOCUS_HAVE_CUDA
#include "cuda/device.h"
#include "cuda/trainer_gemm.h"
#endif

namespace locus::app {
namespace {

struct SparsifyArgs {
    std::string model, file, out, pred_type = "f16", down_type, ranks = "64,128,256,512,1024", threshold = "0";
    int64_t rank = 0, max_rank = 0, samples = 8192, n_tokens = 0, n_ctx = 512, n_batch = 512, batch = 64;
    double target_recall = 0.95, holdout = 0.1;
    float lr = 0.1f, pos_weight = 0.0f;
    int epochs = 10, threads = 0, boosts = 2;
    uint64_t seed = 1;
    bool cpu_only = false;
};

int fail(const std::string& msg) {
    std::fprintf(stderr, "error: %s\n", msg.c_str());
    return 1;
}

Expected<std::vector<int64_t>> parse_ranks(const std::string& s) {
    std::vector<int64_t> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) {
        char* end = nullptr;
        const long long v = std::strtoll(item.c_str(), &end, 10);
        if (item.empty() || *end || v <= 0) return Status::error(fmt::format("--ranks: '{}' is not a positive rank", item));
        out.push_back(v);
    }
    if (out.empty()) return Status::error("--ranks: give at least one rank");
    return out;
}

int sparsify(const SparsifyArgs& a) {
    std::ifstream in(a.file, std::ios::binary);
    if (!in) return fail(fmt::format("cannot read the calibration text '{}'", a.file));
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().empty()) return fail(fmt::format("the calibration text '{}' is empty", a.file));

    // What the model is, before loading its weights.
    {
        auto f = gguf::File::open(a.model);
        if (!f) return fail(f.error());
        if ((*f)->is_powerinfer())
            return fail(fmt::format("{} is already a PowerInfer (PWRI) file; sparsify takes the dense GGUF it came from",
                                    a.model));
        auto spec = read_model_spec(**f);
        if (!spec) return fail(spec.error());
        if (!spec->relu_family())
            return fail(fmt::format("{}: the FFN activation is {}; sparsify needs a ReLU-family model (predictors "
                                    "learn which ReLU neurons are exactly zero)",
                                    a.model, ffn_activation_name(spec->ffn_act)));
    }
    const auto pred_type = find_type_by_name(a.pred_type);
    if (!pred_type) return fail(fmt::format("unknown predictor type '{}'", a.pred_type));
    std::optional<DType> down_type;
    if (!a.down_type.empty()) {
        down_type = find_type_by_name(a.down_type);
        if (!down_type) return fail(fmt::format("unknown ffn_down_t type '{}'", a.down_type));
    }
    auto ranks = parse_ranks(a.ranks);
    if (!ranks) return fail(ranks.error());
    std::optional<float> fixed_threshold;  // nullopt: "auto"
    if (a.threshold != "auto") {
        char* end = nullptr;
        const float t = std::strtof(a.threshold.c_str(), &end);
        if (a.threshold.empty() || *end || !std::isfinite(t))
            return fail(fmt::format("--threshold: '{}' is neither a number nor 'auto'", a.threshold));
        fixed_threshold = t;
    }

    SparseFlags sf;
    sf.mode = "oracle";  // exact activations, and the fired sets the samples need
    // Plain weights: the PWRI writer copies the loaded tensors.
    auto engine = load_engine(a.model, a.threads, sf, GpuFlags{}, 0, 512, /*interleave=*/false);
    if (!engine) return 1;
    const ModelSpec& spec = engine->spec();
    const int64_t L = spec.n_layer, E = spec.n_embd, F = spec.n_ff;
    const TypeTraits& pt = type_traits(*pred_type);
    if (E % pt.block_size)
        return fail(fmt::format("predictor type {} needs n_embd ({}) to be a multiple of {}", pt.name, E, pt.block_size));

    // 1. Capture.
    std::vector<int32_t> tokens = engine->tokenizer().encode(text.str(), false, false);
    const int64_t max_tokens = a.n_tokens > 0 ? a.n_tokens : a.samples;
    if (int64_t(tokens.size()) > max_tokens) tokens.resize(size_t(max_tokens));
    auto session = Session::create(*engine, {.n_ctx = a.n_ctx, .n_batch = std::min(a.n_batch, a.n_ctx)});
    if (!session) return fail(session.error());
    Session& s = **session;
    ActivationCounts counts;
    PredictorSamples samples(L, E, F, a.samples, a.seed);
    s.set_activation_counts(&counts);
    s.set_predictor_samples(&samples);
    const double t0 = now_ms();
    const size_t per_chunk = size_t(a.n_ctx - 1);  // each chunk starts afresh with BOS, like perplexity
    for (size_t b = 0; b < tokens.size(); b += per_chunk) {
        std::vector<int32_t> chunk = {engine->tokenizer().bos()};
        chunk.insert(chunk.end(), tokens.begin() + long(b), tokens.begin() + long(std::min(tokens.size(), b + per_chunk)));
        s.clear(0);
        if (Status st = s.eval(chunk); !st) return fail(st.message());
        std::fprintf(stderr, "\rsparsify: capture %lld tokens, %.1f tokens/s", (long long)counts.n_tokens,
                     double(counts.n_tokens) * 1000.0 / std::max(now_ms() - t0, 1e-3));
    }
    std::fprintf(stderr, "\n");
    s.set_predictor_samples(nullptr);
    s.set_activation_counts(nullptr);
    if (counts.n_tokens == 0) return fail("the calibration text gave no tokens");
    std::printf("capture: %lld tokens in %.1f s, %lld samples per layer, %.2f%% of neurons fire per token\n",
                (long long)counts.n_tokens, (now_ms() - t0) / 1000.0, (long long)samples.size(0),
                100.0 * counts.active_fraction());

    // 2. Train, layer by layer: the large products on the GPU where the build and the machine have one.
    const char* trainer_device = "CPU";
#ifdef LOCUS_HAVE_CUDA
    if (!a.cpu_only)
        if (auto devs = cuda::list_devices(); devs && !devs->empty()) {
            train::set_gemm_offload(cuda::trainer_gemm_offload);
            trainer_device = "GPU (cuBLAS FP32) and CPU";
        }
#endif
    std::printf("train: products on the %s\n", trainer_device);
    PredictorTrainOptions o;
    o.rank = a.rank;
    o.ranks = *ranks;
    o.rank_multiple = pt.block_size;
    o.max_rank = a.max_rank;
    o.target_recall = a.target_recall;
    o.epochs = a.epochs;
    o.batch = a.batch;
    o.lr = a.lr;
    o.holdout = a.holdout;
    o.pos_weight = a.pos_weight;
    o.max_boosts = a.boosts;
    o.seed = a.seed;
    std::vector<LayerPredictor> preds(static_cast<size_t>(L));
    std::vector<float> recalls, precisions;
    std::vector<int32_t> layer_ranks;
    std::vector<int64_t> held_out_begin;  // first held-out sample per layer (0: none held out, all are used)
    const double t1 = now_ms();
    for (int64_t l = 0; l < L; ++l) {
        const PredictorTrainData d = samples.layer_data(l);
        auto t = train_predictor(d, o, engine->pool(), [l](const std::string& line) {
            std::fprintf(stderr, "  layer %lld: %s\n", (long long)l, line.c_str());
        });
        if (!t) return fail(fmt::format("layer {}: {}", l, t.error()));
        std::printf("layer %lld: rank %lld, loss %.4f -> %.4f, held-out recall %.4f, precision %.4f, active %.1f%%, "
                    "%lld train / %lld held-out samples, %.1f s%s\n",
                    (long long)l, (long long)t->rank, t->history.front().loss, t->history.back().loss,
                    t->held_out.recall, t->held_out.precision, 100.0 * d.active_fraction(), (long long)t->n_train,
                    (long long)t->n_test, t->seconds, t->reached_target ? "" : " (below the target recall)");
        std::fflush(stdout);
        recalls.push_back(float(t->held_out.recall));
        precisions.push_back(float(t->held_out.precision));
        layer_ranks.push_back(int32_t(t->rank));
        held_out_begin.push_back(t->n_test > 0 ? t->n_train : 0);
        preds[size_t(l)] = {t->rank, std::move(t->fc1), std::move(t->fc2)};
    }
    double mr = 0, mp = 0;
    for (size_t l = 0; l < recalls.size(); ++l) {
        mr += recalls[l];
        mp += precisions[l];
    }
    mr /= double(L);
    mp /= double(L);
    std::printf("training: %.1f s, mean held-out recall %.3f, precision %.3f\n", (now_ms() - t1) / 1000.0, mr, mp);

    // The file's threshold: given, or the largest that brings the mean held-out recall to the target.
    float threshold = fixed_threshold.value_or(0.0f);
    if (!fixed_threshold || threshold != 0.0f) {
        std::vector<PredictorTrainData> data;
        for (int64_t l = 0; l < L; ++l) data.push_back(samples.layer_data(l));
        const ThresholdChoice c =
            fixed_threshold ? evaluate_threshold(data, preds, held_out_begin, threshold, engine->pool())
                            : choose_threshold(data, preds, held_out_begin, a.target_recall, engine->pool());
        threshold = c.threshold;
        for (int64_t l = 0; l < L; ++l) {
            recalls[size_t(l)] = float(c.layers[size_t(l)].recall);
            precisions[size_t(l)] = float(c.layers[size_t(l)].precision);
        }
        std::printf("threshold %g: mean held-out recall %.3f, precision %.3f%s\n", double(threshold), c.mean_recall,
                    c.mean_precision, !fixed_threshold && !c.reached ? " (below the target recall)" : "");
    }

    // 3. Write.
    PowerInferWriteOptions wo;
    wo.pred_type = *pred_type;
    wo.down_type = down_type;
    wo.threshold = threshold;
    wo.extra = {{"locus.sparsify.recall", gguf::Value::make_f32_array(recalls)},
                {"locus.sparsify.precision", gguf::Value::make_f32_array(precisions)},
                {"locus.sparsify.rank", gguf::Value::make_i32_array(layer_ranks)},
                {"locus.sparsify.samples", gguf::Value::make_u64(uint64_t(samples.size(0)))}};
    auto rep = write_powerinfer(engine->file(), L, E, F, preds, &counts, wo, a.out, engine->pool());
    if (!rep) return fail(fmt::format("writing {}: {}", a.out, rep.error()));
    std::printf("wrote %s: %.1f MiB, ffn_down_t %s%s, predictors %s\n", a.out.c_str(),
                double(rep->bytes) / (1 << 20), dtype_name(rep->down_type),
                rep->down_requant_rms > 0 ? fmt::format(" (requantised: relative RMS error {:.4f})", rep->down_requant_rms).c_str() : "",
                pt.name);
    return 0;
}

}  // namespace

Runner add_sparsify(CLI::App& app) {
    auto a = std::make_shared<SparsifyArgs>();
    CLI::App* c = app.add_subcommand("sparsify", "Train activation predictors and write a PowerInfer sparse file");
    c->add_option("-m,--model", a->model, "Dense ReLU-family GGUF model")->required();
    c->add_option("-f,--file", a->file, "Calibration text")->required();
    c->add_option("-o,--output", a->out, "Output PWRI file")->required();
    c->add_option("--rank", a->rank, "Predictor rank for every layer (default: chosen per layer by --target-recall)")
        ->check(CLI::NonNegativeNumber);
    c->add_option("--ranks", a->ranks, "Ranks to try, smallest first, when choosing by recall (capped by n_embd)");
    c->add_option("--max-rank", a->max_rank, "Largest rank (default: n_embd; more can help small models, at a cost)")
        ->check(CLI::NonNegativeNumber);
    c->add_option("--target-recall", a->target_recall, "Held-out recall a layer's predictor should reach")
        ->check(CLI::Range(0.0, 1.0));
    c->add_option("--samples", a->samples, "Samples kept per layer (reservoir over the text)")->check(CLI::Range(int64_t(16), int64_t(1) << 24));
    c->add_option("-n,--n-tokens", a->n_tokens, "Tokens of the text to run (default: --samples)")->check(CLI::NonNegativeNumber);
    c->add_option("--epochs", a->epochs, "Training epochs per rank")->check(CLI::Range(1, 100000));
    c->add_option("--batch", a->batch, "Training mini-batch")->check(CLI::Range(int64_t(1), int64_t(1) << 16));
    c->add_option("--lr", a->lr, "Adam step size relative to the initial weight scale")->check(CLI::PositiveNumber);
    c->add_option("--pos-weight", a->pos_weight, "Weight of firing neurons in the loss (default: from the firing rate)")
        ->check(CLI::NonNegativeNumber);
    c->add_option("--boosts", a->boosts, "Rounds with a doubled positive weight when recall is short")->check(CLI::Range(0, 10));
    c->add_option("--holdout", a->holdout, "Share of the samples held out for recall/precision")->check(CLI::Range(0.0, 0.9));
    c->add_option("--threshold", a->threshold,
                  "Predictor threshold written to the file: a number, or auto (the largest of 0, -0.125, ... -4 at "
                  "which the mean held-out recall reaches --target-recall)");
    c->add_flag("--cpu-only", a->cpu_only, "Train on the CPU even where a GPU build finds a GPU");
    c->add_option("--pred-type", a->pred_type, "Predictor weight type (f16, f32, q8_0, q4_0, ...)");
    c->add_option("--down-type", a->down_type, "ffn_down_t type (default: the ffn_down type, requantised)");
    c->add_option("-c,--ctx-size", a->n_ctx, "Chunk (context) size for the capture")->check(CLI::Range(int64_t(2), int64_t(1) << 20));
    c->add_option("-b,--batch-size", a->n_batch, "Tokens per forward pass during capture")->check(CLI::PositiveNumber);
    c->add_option("-t,--threads", a->threads, "Threads");
    c->add_option("-s,--seed", a->seed, "Seed (sampling, initialisation, shuffling)");
    return [a] { return sparsify(*a); };
}

}  // namespace locus::app
