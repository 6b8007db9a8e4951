// llamacpp_bench: a small llama-bench-like harness against the prebuilt llama.cpp shared libraries of the npm package
// @node-llama-cpp/linux-x64 (llama.cpp release v0.5.0), compiled with llama.h / ggml headers of that same release.
//
//   llamacpp_bench -m MODEL [-t THREADS] [-p 512] [-n 128] [-r 5] [-ub 512] [--fa auto|on|off] [--no-warmup]
//                  [--bins DIR] [-v]
//       prints one JSON object per test and line:
//       {"engine":"llama.cpp","model":"x.gguf","test":"pp512","threads":2,"tokens_per_s_mean":..,"tokens_per_s_std":..,
//        "reps":5, ...}
//   llamacpp_bench -m MODEL --greedy PROMPT [-n 32] [-t THREADS] [-c 512]
//       greedy decoding (BOS added as the vocabulary says); prints the generated token ids on stdout (one line,
//       space-separated; does not stop at end-of-generation tokens), prompt ids and text on stderr.
//
// Measurement follows llama-bench: per test a fresh context (n_ctx = tokens of the test), one untimed warm-up run, then
// R timed repetitions, each starting from a cleared KV cache (llama_memory_clear):
//   ppP: one llama_decode of P pseudo-random tokens (n_batch = P, physical ubatch 512 like llama-bench's default);
//   tgN: N llama_decode calls of one token each (first token BOS, then pseudo-random), llama_synchronize after each.
// tokens/s of each repetition = tokens / wall time; mean and sample standard deviation over the R repetitions.
#define _GNU_SOURCE
#include <link.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ggml-backend.h"
#include "llama.h"

#ifndef LLAMACPP_BINS_DIR
#define LLAMACPP_BINS_DIR ""
#endif

static int g_verbose = 0;
static enum ggml_log_level g_last_level = GGML_LOG_LEVEL_INFO;

static void log_cb(enum ggml_log_level level, const char *text, void *user) {
    (void)user;
    if (level != GGML_LOG_LEVEL_CONT) g_last_level = level;
    if (g_verbose || g_last_level >= GGML_LOG_LEVEL_WARN) fputs(text, stderr);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static llama_token rand_token(int32_t n_vocab) {
    g_rng = g_rng * 6364136223846793005ull + 1442695040888963407ull;
    return (llama_token)((g_rng >> 33) % (uint64_t)n_vocab);
}

// Which CPU backend variant did ggml_backend_load_all_from_path pick? (the loaded libggml-cpu-*.so)
static char g_variant[64] = "unknown";
static int phdr_cb(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size; (void)data;
    const char *p = info->dlpi_name ? strstr(info->dlpi_name, "libggml-cpu-") : NULL;
    if (p) {
        p += strlen("libggml-cpu-");
        size_t n = strcspn(p, ".");
        if (n >= sizeof g_variant) n = sizeof g_variant - 1;
        memcpy(g_variant, p, n);
        g_variant[n] = 0;
    }
    return 0;
}

static void json_str(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; ++s) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c == '\n') fputs("\\n", f);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static const char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static void usage(const char *argv0) {
    fprintf(stderr,
            "usage: %s -m MODEL [-t THREADS] [-p PROMPT_TOKENS] [-n GEN_TOKENS] [-r REPS] [-ub UBATCH]\n"
            "          [--fa auto|on|off] [--no-warmup] [--bins DIR] [-v]\n"
            "       %s -m MODEL --greedy PROMPT [-n GEN_TOKENS] [-t THREADS] [-c N_CTX] [--bins DIR] [-v]\n"
            "  -p 0 / -n 0 skips the pp / tg test. Defaults: -t 2 -p 512 -n 128 -r 5 -ub 512 --fa auto.\n"
            "  --bins: folder of the prebuilt libraries (default: $LLAMACPP_BINS, else the one compiled in).\n",
            argv0, argv0);
}

struct opts {
    const char *model, *bins, *greedy;
    int threads, n_prompt, n_gen, reps, ubatch, n_ctx, fa;
    bool warmup;
};

static struct llama_context *make_ctx(struct llama_model *model, const struct opts *o, int n_ctx, int n_batch) {
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = (uint32_t)n_ctx;
    cp.n_batch = (uint32_t)n_batch;
    cp.n_ubatch = (uint32_t)(n_batch < o->ubatch ? n_batch : o->ubatch);
    cp.n_seq_max = 1;
    cp.n_threads = o->threads;
    cp.n_threads_batch = o->threads;
    cp.flash_attn_type = (enum llama_flash_attn_type)o->fa;
    cp.no_perf = true;
    struct llama_context *ctx = llama_init_from_model(model, cp);
    if (!ctx) {
        fprintf(stderr, "llamacpp_bench: llama_init_from_model failed (n_ctx %d, n_batch %d)\n", n_ctx, n_batch);
        exit(1);
    }
    llama_set_n_threads(ctx, o->threads, o->threads);
    return ctx;
}

static void decode_or_die(struct llama_context *ctx, struct llama_batch b, const char *what) {
    int32_t rc = llama_decode(ctx, b);
    if (rc != 0) {
        fprintf(stderr, "llamacpp_bench: llama_decode failed in %s (rc %d)\n", what, rc);
        exit(1);
    }
}

static void run_pp(struct llama_context *ctx, llama_token *toks, int n, int32_t n_vocab) {
    for (int i = 0; i < n; ++i) toks[i] = rand_token(n_vocab);
    decode_or_die(ctx, llama_batch_get_one(toks, n), "prompt processing");
    llama_synchronize(ctx);
}

static void run_tg(struct llama_context *ctx, int n, llama_token first, int32_t n_vocab) {
    llama_token tok = first;
    for (int i = 0; i < n; ++i) {
        decode_or_die(ctx, llama_batch_get_one(&tok, 1), "token generation");
        llama_synchronize(ctx);
        tok = rand_token(n_vocab);
    }
}

static void bench_test(struct llama_model *model, const struct opts *o, bool is_pp) {
    const struct llama_vocab *vocab = llama_model_get_vocab(model);
    const int32_t n_vocab = llama_vocab_n_tokens(vocab);
    const int n = is_pp ? o->n_prompt : o->n_gen;
    const llama_token first = llama_vocab_get_add_bos(vocab) ? llama_vocab_bos(vocab) : rand_token(n_vocab);
    struct llama_context *ctx = make_ctx(model, o, n, is_pp ? n : 1);
    llama_memory_t mem = llama_get_memory(ctx);
    llama_token *toks = malloc(sizeof(llama_token) * (size_t)(n > 0 ? n : 1));

    if (o->warmup) {  // like llama-bench: a full prompt batch for pp, a single token for tg
        if (is_pp) run_pp(ctx, toks, n, n_vocab);
        else run_tg(ctx, 1, first, n_vocab);
    }
    double *ts = malloc(sizeof(double) * (size_t)o->reps);
    for (int r = 0; r < o->reps; ++r) {
        llama_memory_clear(mem, false);
        double t0 = now_s();
        if (is_pp) run_pp(ctx, toks, n, n_vocab);
        else run_tg(ctx, n, first, n_vocab);
        ts[r] = (double)n / (now_s() - t0);
    }
    double mean = 0, var = 0;
    for (int r = 0; r < o->reps; ++r) mean += ts[r];
    mean /= o->reps;
    for (int r = 0; r < o->reps; ++r) var += (ts[r] - mean) * (ts[r] - mean);
    double sd = o->reps > 1 ? sqrt(var / (o->reps - 1)) : 0.0;

    char desc[256] = "";
    llama_model_desc(model, desc, sizeof desc);
    printf("{\"engine\":\"llama.cpp\",\"model\":");
    json_str(stdout, base_name(o->model));
    printf(",\"test\":\"%s%d\",\"threads\":%d,\"tokens_per_s_mean\":%.3f,\"tokens_per_s_std\":%.3f,\"reps\":%d,"
           "\"n_tokens\":%d,\"desc\":",
           is_pp ? "pp" : "tg", n, o->threads, mean, sd, o->reps, n);
    json_str(stdout, desc);
    printf(",\"size_bytes\":%llu,\"n_params\":%llu,\"cpu_variant\":",
           (unsigned long long)llama_model_size(model), (unsigned long long)llama_model_n_params(model));
    json_str(stdout, g_variant);
    printf(",\"flash_attn\":\"%s\",\"samples\":[", o->fa < 0 ? "auto" : o->fa ? "on" : "off");
    for (int r = 0; r < o->reps; ++r) printf("%s%.3f", r ? "," : "", ts[r]);
    printf("]}\n");
    fflush(stdout);
    free(ts);
    free(toks);
    llama_free(ctx);
}

static int greedy(struct llama_model *model, const struct opts *o) {
    const struct llama_vocab *vocab = llama_model_get_vocab(model);
    const int32_t n_vocab = llama_vocab_n_tokens(vocab);
    const int len = (int)strlen(o->greedy);
    int cap = len + 8;
    llama_token *ptoks = malloc(sizeof(llama_token) * (size_t)cap);
    int np = llama_tokenize(vocab, o->greedy, len, ptoks, cap, /*add_special*/ true, /*parse_special*/ false);
    if (np < 0) {
        cap = -np;
        ptoks = realloc(ptoks, sizeof(llama_token) * (size_t)cap);
        np = llama_tokenize(vocab, o->greedy, len, ptoks, cap, true, false);
    }
    if (np <= 0) {
        fprintf(stderr, "llamacpp_bench: tokenization failed (%d)\n", np);
        return 1;
    }
    if (np + o->n_gen > o->n_ctx) {
        fprintf(stderr, "llamacpp_bench: prompt (%d) + -n (%d) exceeds the context (-c %d)\n", np, o->n_gen, o->n_ctx);
        return 1;
    }
    struct llama_context *ctx = make_ctx(model, o, o->n_ctx, np > 512 ? np : 512);

    fprintf(stderr, "prompt ids:");
    for (int i = 0; i < np; ++i) fprintf(stderr, " %d", ptoks[i]);
    fprintf(stderr, "\n");

    llama_token *gen = malloc(sizeof(llama_token) * (size_t)(o->n_gen > 0 ? o->n_gen : 1));
    struct llama_batch b = llama_batch_get_one(ptoks, np);
    double t0 = now_s();
    for (int i = 0; i < o->n_gen; ++i) {
        decode_or_die(ctx, b, "greedy decoding");
        const float *logits = llama_get_logits_ith(ctx, -1);
        llama_token best = 0;
        for (llama_token t = 1; t < n_vocab; ++t)
            if (logits[t] > logits[best]) best = t;
        gen[i] = best;
        b = llama_batch_get_one(&gen[i], 1);
    }
    double dt = now_s() - t0;

    for (int i = 0; i < o->n_gen; ++i) printf("%s%d", i ? " " : "", gen[i]);
    printf("\n");
    fflush(stdout);

    fprintf(stderr, "text: %s", o->greedy);
    char piece[256];
    for (int i = 0; i < o->n_gen; ++i) {
        int k = llama_token_to_piece(vocab, gen[i], piece, (int32_t)sizeof piece - 1, 0, false);
        if (k > 0) { piece[k] = 0; fputs(piece, stderr); }
    }
    fprintf(stderr, "\n(%d prompt + %d generated tokens in %.3f s, %d threads, cpu variant %s)\n", np, o->n_gen, dt,
            o->threads, g_variant);
    free(gen);
    free(ptoks);
    llama_free(ctx);
    return 0;
}

static int parse_int(const char *s, const char *flag) {
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == 0 || *end != 0 || v < 0 || v > 1000000) {
        fprintf(stderr, "llamacpp_bench: bad value '%s' for %s\n", s, flag);
        exit(2);
    }
    return (int)v;
}

int main(int argc, char **argv) {
    struct opts o = {NULL, NULL, NULL, 2, 512, 128, 5, 512, 512, LLAMA_FLASH_ATTN_TYPE_AUTO, true};
    bool n_given = false;
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
#define NEXT() (has ? argv[++i] : (fprintf(stderr, "llamacpp_bench: %s needs a value\n", a), exit(2), ""))
        if (!strcmp(a, "-m") || !strcmp(a, "--model")) o.model = NEXT();
        else if (!strcmp(a, "-t") || !strcmp(a, "--threads")) o.threads = parse_int(NEXT(), a);
        else if (!strcmp(a, "-p") || !strcmp(a, "--n-prompt")) o.n_prompt = parse_int(NEXT(), a);
        else if (!strcmp(a, "-n") || !strcmp(a, "--n-gen")) { o.n_gen = parse_int(NEXT(), a); n_given = true; }
        else if (!strcmp(a, "-r") || !strcmp(a, "--repetitions")) o.reps = parse_int(NEXT(), a);
        else if (!strcmp(a, "-ub") || !strcmp(a, "--ubatch")) o.ubatch = parse_int(NEXT(), a);
        else if (!strcmp(a, "-c") || !strcmp(a, "--ctx")) o.n_ctx = parse_int(NEXT(), a);
        else if (!strcmp(a, "--bins")) o.bins = NEXT();
        else if (!strcmp(a, "--greedy")) o.greedy = NEXT();
        else if (!strcmp(a, "--no-warmup")) o.warmup = false;
        else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) g_verbose = 1;
        else if (!strcmp(a, "--fa")) {
            const char *v = NEXT();
            if (!strcmp(v, "auto")) o.fa = LLAMA_FLASH_ATTN_TYPE_AUTO;
            else if (!strcmp(v, "on") || !strcmp(v, "1")) o.fa = LLAMA_FLASH_ATTN_TYPE_ENABLED;
            else if (!strcmp(v, "off") || !strcmp(v, "0")) o.fa = LLAMA_FLASH_ATTN_TYPE_DISABLED;
            else { fprintf(stderr, "llamacpp_bench: --fa takes auto|on|off\n"); return 2; }
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(argv[0]); return 0; }
        else { fprintf(stderr, "llamacpp_bench: unknown argument '%s'\n", a); usage(argv[0]); return 2; }
#undef NEXT
    }
    if (!o.model) { usage(argv[0]); return 2; }
    if (o.threads < 1 || o.reps < 1 || o.ubatch < 1) { fprintf(stderr, "llamacpp_bench: -t, -r, -ub must be >= 1\n"); return 2; }
    if (o.greedy && !n_given) o.n_gen = 32;
    if (!o.bins) o.bins = getenv("LLAMACPP_BINS");
    if (!o.bins || !*o.bins) o.bins = LLAMACPP_BINS_DIR;
    if (!*o.bins) { fprintf(stderr, "llamacpp_bench: no --bins folder (and no $LLAMACPP_BINS)\n"); return 2; }

    llama_log_set(log_cb, NULL);
    ggml_backend_load_all_from_path(o.bins);  // loads the best CPU backend variant for this machine
    llama_backend_init();
    dl_iterate_phdr(phdr_cb, NULL);
    if (ggml_backend_reg_count() == 0) {
        fprintf(stderr, "llamacpp_bench: no ggml backend could be loaded from %s\n", o.bins);
        return 1;
    }

    struct llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    struct llama_model *model = llama_model_load_from_file(o.model, mp);
    if (!model) { fprintf(stderr, "llamacpp_bench: could not load model %s\n", o.model); return 1; }

    int rc = 0;
    if (o.greedy) {
        rc = greedy(model, &o);
    } else {
        if (o.n_prompt > 0) bench_test(model, &o, true);
        if (o.n_gen > 0) bench_test(model, &o, false);
    }
    llama_model_free(model);
    llama_backend_free();
    return rc;
}
