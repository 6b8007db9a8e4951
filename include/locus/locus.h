/*
 * locus.h: the stable C API of Locus (C99).
 *
 * Overview
 *   locus_model    a loaded model file (weights, tokenizer, thread pool). Load once, share.
 *   locus_session  a conversation state over a model: the KV cache of one or more sequences and the logits of
 *                  the last forward pass.
 *   locus_sampler  picks the next token from logits (a fixed chain: repetition penalty -> top-k -> top-p ->
 *                  min-p -> temperature -> seeded draw; temperature <= 0 is greedy argmax).
 *
 * Errors
 *   Every function that can fail returns a locus_status. LOCUS_OK (0) is success; on any other value
 *   locus_last_error() gives a message naming the argument or file at fault. No C++ exception ever crosses
 *   this API; out-of-memory and other unexpected failures come back as LOCUS_ERR_INTERNAL.
 *
 * Handles
 *   Handles are opaque and never dereferenced by the library: each one is looked up in a registry, so a null
 *   handle, a handle that was already freed or a pointer of the wrong kind returns LOCUS_ERR_INVALID_HANDLE
 *   instead of crashing. Handle values are never reused within a process.
 *
 * Threads
 *   Unless a function says otherwise: it may be called from any thread; calls on different handles may run
 *   concurrently. A session is used by one thread at a time: a call on a session that another thread is using
 *   returns LOCUS_ERR_BUSY (it does not wait). Forward passes of sessions that share a model are serialized
 *   (the model has one thread pool). locus_session_cancel() may be called from any thread at any time.
 *   locus_last_error() is per thread.
 *
 * Strings are UTF-8. Buffers the caller passes are not kept after the call returns.
 */
#ifndef LOCUS_LOCUS_H
#define LOCUS_LOCUS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define LOCUS_API
#else
#define LOCUS_API __attribute__((visibility("default")))
#endif

/* ---- Version ------------------------------------------------------------------------------------------------ */

/* Version of this header. A change of MAJOR breaks source or binary compatibility; MINOR adds functions or
 * appends fields to option structs (whose struct_size field keeps old callers working). */
#define LOCUS_VERSION_MAJOR 0
#define LOCUS_VERSION_MINOR 1
#define LOCUS_VERSION_PATCH 0
#define LOCUS_VERSION ((LOCUS_VERSION_MAJOR * 10000) + (LOCUS_VERSION_MINOR * 100) + LOCUS_VERSION_PATCH)

/* The version of the library actually linked, as LOCUS_VERSION computes it. Thread-safe. */
LOCUS_API int locus_version(void);
/* The same as "MAJOR.MINOR.PATCH"; a static string. Thread-safe. */
LOCUS_API const char* locus_version_string(void);

/* ---- Errors ------------------------------------------------------------------------------------------------- */

typedef enum locus_status {
    LOCUS_OK = 0,
    LOCUS_ERR_INVALID_ARGUMENT = 1, /* a null pointer, a value out of range, a token id outside the vocabulary */
    LOCUS_ERR_INVALID_HANDLE = 2,   /* null, already freed, or not a handle of this kind */
    LOCUS_ERR_LOAD = 3,             /* the model file cannot be opened, or is malformed or unsupported */
    LOCUS_ERR_CONTEXT_FULL = 4,     /* the tokens do not fit the session's context */
    LOCUS_ERR_BUFFER_TOO_SMALL = 5, /* the output buffer is too small; the size needed was written back */
    LOCUS_ERR_UNSUPPORTED = 6,      /* asked for something this build cannot do (e.g. a VRAM budget without CUDA) */
    LOCUS_ERR_CANCELLED = 7,        /* locus_session_cancel() stopped the call */
    LOCUS_ERR_BUSY = 8,             /* the session is being used by another thread (or from inside a callback) */
    LOCUS_ERR_INTERNAL = 9          /* out of memory or an unexpected failure; the message says which */
} locus_status;

/* Message of the last call on this thread that returned a locus_status: empty ("") after a success. The
 * pointer stays valid until the next such call on the same thread. Never null. */
LOCUS_API const char* locus_last_error(void);
/* A short constant name for a status ("LOCUS_OK", ...); "LOCUS_ERR_UNKNOWN" for other values. Thread-safe. */
LOCUS_API const char* locus_status_name(locus_status status);

/* ---- Models ------------------------------------------------------------------------------------------------- */

typedef struct locus_model locus_model;

/* How the FFN uses activation sparsity. */
typedef enum locus_sparse_mode {
    LOCUS_SPARSE_AUTO = 0,      /* predictor if the file has predictors, oracle for ReLU-family models, else off */
    LOCUS_SPARSE_PREDICTOR = 1, /* per-layer predictors choose the active neurons (PowerInfer) */
    LOCUS_SPARSE_ORACLE = 2,    /* exact: the gate is computed densely, then only non-zero neurons */
    LOCUS_SPARSE_OFF = 3        /* dense FFN */
} locus_sparse_mode;

/* Called while a model loads with the fraction done (0..1), on the loading thread. */
typedef void (*locus_progress_callback)(double fraction, void* user_data);

typedef struct locus_model_options {
    uint32_t struct_size;      /* sizeof(locus_model_options); set by locus_model_default_options() */
    int32_t n_threads;         /* compute threads; 0: all hardware threads */
    double vram_budget_gib;    /* GPU memory in GiB. <= 0: CPU only (< 0, "automatic", is CPU only for now);
                                  > 0: placed as `locus run --vram-budget` places it (dense models: trailing
                                  layers; PowerInfer files: the planner); needs a CUDA build, else
                                  LOCUS_ERR_UNSUPPORTED; a budget that cannot hold what it must is LOCUS_ERR_LOAD */
    int32_t sparse_mode;       /* a locus_sparse_mode */
    float sparse_threshold;    /* predictor threshold; < 0: from LLAMA_SPARSE_PRED_THRESHOLD or the file */
    int32_t resident;          /* 1: copy the weights into huge-page memory; 0: compute from the file mapping */
    locus_progress_callback progress; /* may be null */
    void* progress_user_data;
} locus_model_options;

/* Defaults: all threads, automatic VRAM budget, sparse auto, threshold from the file, resident weights. */
LOCUS_API locus_model_options locus_model_default_options(void);

/* Loads a GGUF (or PowerInfer PWRI) file. options may be null (the defaults). On success *out_model is a new
 * handle; on failure it is set to null. Thread-safe. */
LOCUS_API locus_status locus_model_load(const char* path, const locus_model_options* options,
                                        locus_model** out_model);

/* Releases the handle. Sessions made from the model stay usable; the weights are freed with the last of them
 * (a call already running on the model, on another thread, also keeps them until it returns). Null is a no-op
 * (LOCUS_OK). Thread-safe. */
LOCUS_API locus_status locus_model_free(locus_model* model);

typedef struct locus_model_info {
    char arch[32];        /* general.architecture, e.g. "llama" (truncated, NUL-terminated) */
    int64_t n_vocab;
    int64_t n_ctx_train;  /* the context the model was trained with (a session's default) */
    int64_t n_embd;
    int64_t n_layer;
    int64_t n_params;     /* elements in all weight tensors */
    uint64_t size_bytes;  /* bytes of all weight tensors */
    int32_t n_threads;    /* compute threads in use */
    int32_t bos;          /* begin-of-sequence token, -1 if none */
    int32_t eos;          /* end-of-sequence token, -1 if none */
} locus_model_info;

/* Fills *out. Thread-safe. */
LOCUS_API locus_status locus_model_get_info(const locus_model* model, locus_model_info* out);

typedef struct locus_placement {
    char backend[16];       /* where the weights run: "cpu" (a build without CUDA places everything there) */
    int32_t sparse_mode;    /* the locus_sparse_mode in use (auto resolved: predictor, oracle or off) */
    int64_t n_layer;
    int64_t n_layer_gpu;    /* layers whose attention runs on the GPU */
    double gpu_ffn_fraction; /* fraction of FFN neurons resident on the GPU (0..1) */
    uint64_t cpu_bytes;     /* weight bytes in host memory */
    uint64_t gpu_bytes;     /* weight bytes in GPU memory */
} locus_placement;

/* Where the model's weights were placed. Thread-safe. */
LOCUS_API locus_status locus_model_get_placement(const locus_model* model, locus_placement* out);

/* ---- Text --------------------------------------------------------------------------------------------------- */

/* Encodes text_len bytes of text. add_bos: prepend BOS (and append EOS) as the vocabulary asks; parse_special:
 * control tokens written in the text become their ids. Writes at most capacity ids to tokens (which may be
 * null when capacity is 0) and the number of ids to *n_tokens; if they do not fit, returns
 * LOCUS_ERR_BUFFER_TOO_SMALL with *n_tokens set to the number needed. Thread-safe. */
LOCUS_API locus_status locus_tokenize(const locus_model* model, const char* text, size_t text_len, int add_bos,
                                      int parse_special, int32_t* tokens, size_t capacity, size_t* n_tokens);

/* Decodes n_tokens ids into text (a leading BOS dropped, the first piece's space prefix removed). special:
 * render control tokens. Writes the text plus a terminating NUL into buf (capacity bytes) and its length
 * (without the NUL) to *n_bytes; if it does not fit, LOCUS_ERR_BUFFER_TOO_SMALL with *n_bytes the length.
 * Thread-safe. */
LOCUS_API locus_status locus_detokenize(const locus_model* model, const int32_t* tokens, size_t n_tokens,
                                        int special, char* buf, size_t capacity, size_t* n_bytes);

/* The bytes one token stands for (possibly a partial UTF-8 character), NUL-terminated, as locus_detokenize.
 * Thread-safe. */
LOCUS_API locus_status locus_token_to_piece(const locus_model* model, int32_t token, int special, char* buf,
                                            size_t capacity, size_t* n_bytes);

/* *out = 1 when the token ends generation (EOS, EOT, ...), else 0. Thread-safe. */
LOCUS_API locus_status locus_token_is_eog(const locus_model* model, int32_t token, int* out);

/* ---- Sessions ----------------------------------------------------------------------------------------------- */

typedef struct locus_session locus_session;

typedef struct locus_session_options {
    uint32_t struct_size; /* sizeof(locus_session_options); set by locus_session_default_options() */
    int64_t n_ctx;        /* context length in tokens; 0: the model's training context */
    int32_t n_seq;        /* independent sequences (KV cache slots) in the session */
    int64_t n_batch;      /* tokens per forward pass; longer batches are split */
} locus_session_options;

/* Defaults: the model's context, one sequence, batches of 512. */
LOCUS_API locus_session_options locus_session_default_options(void);

/* Creates a session over the model. options may be null. Thread-safe. */
LOCUS_API locus_status locus_session_new(locus_model* model, const locus_session_options* options,
                                         locus_session** out_session);

/* Frees the session. Null is a no-op. Returns LOCUS_ERR_BUSY (and frees nothing) while another thread is
 * inside a call on it. */
LOCUS_API locus_status locus_session_free(locus_session* session);

/* *n_ctx: the session's context length; *n_seq: its number of sequences. Either may be null. */
LOCUS_API locus_status locus_session_get_size(locus_session* session, int64_t* n_ctx, int32_t* n_seq);

/* *out: tokens held for sequence seq (the position the next appended token takes). */
LOCUS_API locus_status locus_session_n_past(locus_session* session, int32_t seq, int64_t* out);

/* Forgets sequence seq (its cache is overwritten by later tokens); seq -1 forgets all sequences. */
LOCUS_API locus_status locus_session_clear(locus_session* session, int32_t seq);

/* Tokens for one forward pass. tokens is required; the other arrays may be null:
 *   seq    null: every token belongs to sequence 0
 *   pos    null: token i of a sequence takes the next free position of that sequence, in order
 *   logits null: logits only for the last token; else 1 where the token's logits are wanted */
typedef struct locus_batch {
    int64_t n_tokens;
    const int32_t* tokens;
    const int32_t* seq;
    const int32_t* pos;
    const int8_t* logits;
} locus_batch;

/* Runs a batch. Afterwards locus_session_get_logits(session, i, ...) is the i-th requested token's logits.
 * Token ids, sequence ids and positions are checked first: a bad one returns LOCUS_ERR_INVALID_ARGUMENT, a
 * position past the context LOCUS_ERR_CONTEXT_FULL, and nothing is run. */
LOCUS_API locus_status locus_session_decode(locus_session* session, const locus_batch* batch);

/* Appends n_tokens to the end of sequence seq and runs them; logits for the last one (index 0). */
LOCUS_API locus_status locus_session_eval(locus_session* session, const int32_t* tokens, size_t n_tokens,
                                          int32_t seq);

/* *logits points at n_vocab floats: the index-th requested logits of the last decode. Valid until the next
 * call that runs the session, or its free. *n_vocab may be null. */
LOCUS_API locus_status locus_session_get_logits(locus_session* session, int64_t index, const float** logits,
                                                int64_t* n_vocab);

/* Asks the locus_generate (or stream) running on the session to stop: it returns LOCUS_ERR_CANCELLED at the next token
 * (the prompt runs in chunks of n_batch tokens, checked between them). If no generation is running, the next
 * locus_generate on the session is cancelled at once. Callable from any thread, also from inside a generation
 * callback; it never waits. */
LOCUS_API locus_status locus_session_cancel(locus_session* session);

typedef struct locus_timings {
    double load_ms;         /* loading the model */
    double prompt_ms;       /* forward passes over prompts (locus_generate) and multi-token batches */
    int64_t n_prompt_tokens;
    double decode_ms;       /* single-token forward passes */
    int64_t n_decode_tokens;
    int64_t n_sampled;      /* tokens drawn by locus_generate */
} locus_timings;

/* Timings accumulated on the session since it was made or locus_session_reset_timings(). */
LOCUS_API locus_status locus_session_get_timings(locus_session* session, locus_timings* out);
LOCUS_API locus_status locus_session_reset_timings(locus_session* session);

/* ---- Sampling ----------------------------------------------------------------------------------------------- */

typedef struct locus_sampler locus_sampler;

typedef struct locus_sampler_params {
    uint32_t struct_size;  /* sizeof(locus_sampler_params); set by locus_sampler_default_params() */
    float temperature;     /* <= 0: greedy (argmax, ties to the lowest id, after the penalty) */
    int32_t top_k;         /* <= 0: off */
    float top_p;           /* >= 1: off */
    float min_p;           /* <= 0: off */
    float repeat_penalty;  /* 1: off */
    int32_t repeat_last_n; /* recent tokens the penalty looks at */
    uint32_t seed;         /* seed of the draw */
} locus_sampler_params;

/* Defaults of `locus run`: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalty, seed 0. */
LOCUS_API locus_sampler_params locus_sampler_default_params(void);

/* A sampler: the chain penalty -> top-k -> top-p -> min-p -> temperature -> draw, each stage as configured.
 * params may be null (the defaults). A sampler is used by one thread at a time (else LOCUS_ERR_BUSY). */
LOCUS_API locus_status locus_sampler_new(const locus_sampler_params* params, locus_sampler** out_sampler);
LOCUS_API locus_status locus_sampler_free(locus_sampler* sampler);

/* Picks a token from the session's index-th logits of the last decode. Does not record it. */
LOCUS_API locus_status locus_sampler_sample(locus_sampler* sampler, locus_session* session, int64_t index,
                                            int32_t* out_token);
/* Records a token for the repetition penalty (prompt tokens too, if they should count). */
LOCUS_API locus_status locus_sampler_accept(locus_sampler* sampler, int32_t token);
/* Forgets recorded tokens and reseeds the draw. */
LOCUS_API locus_status locus_sampler_reset(locus_sampler* sampler);

/* ---- Generation --------------------------------------------------------------------------------------------- */

/* Receives generated text as it becomes complete UTF-8: len bytes at piece (not NUL-terminated; may be 0 when
 * a token only starts a character), and the token that completed it (-1 for bytes of an unfinished character
 * flushed at the end). Return 0 to go on, non-zero to stop
 * (locus_generate then returns LOCUS_OK). Called on the thread that called locus_generate. */
typedef int (*locus_piece_callback)(const char* piece, size_t len, int32_t token, void* user_data);

typedef struct locus_generate_options {
    uint32_t struct_size; /* sizeof(locus_generate_options); set by locus_generate_default_options() */
    int32_t n_predict;    /* tokens to generate; < 0: until end of text or a full context */
    int32_t ignore_eos;   /* 1: keep generating after an end-of-generation token */
    int32_t parse_special; /* 1: control tokens written in the prompt become their ids */
} locus_generate_options;

/* Defaults: n_predict -1, stop at end of text, parse special tokens (as `locus run`). */
LOCUS_API locus_generate_options locus_generate_default_options(void);

/* Appends the prompt to sequence 0 of the session (with BOS when the sequence is empty, as `locus run`), then
 * samples tokens one by one, feeding each back, and hands their text to callback (which may be null). sampler
 * null means greedy. The sampler records the prompt and generated tokens. On a fresh session with a greedy
 * sampler the text equals `locus run -p PROMPT --temp 0`'s. Returns LOCUS_ERR_CONTEXT_FULL when the prompt
 * does not fit, LOCUS_ERR_CANCELLED when cancelled; generation that reaches the end of the context stops
 * with LOCUS_OK. options may be null. Timings are recorded in the session.
 * The last sampled token is not run through the model (nothing needs its logits yet): the next locus_generate
 * on the session runs it before its prompt, so a conversation continues where it stopped, and
 * locus_session_n_past does not count it until then. locus_session_eval, _decode and _clear drop it. */
LOCUS_API locus_status locus_generate(locus_session* session, locus_sampler* sampler, const char* prompt,
                                      const locus_generate_options* options, locus_piece_callback callback,
                                      void* user_data);

/* The same generation, pulled a piece at a time (for iterators and generators in other languages). */
typedef struct locus_stream locus_stream;

/* Starts a generation as locus_generate does (prompt appended and run; LOCUS_ERR_CONTEXT_FULL,
 * LOCUS_ERR_CANCELLED as there) and returns it as a stream. The stream holds the session and the sampler until
 * it is freed: other calls on them return LOCUS_ERR_BUSY meanwhile. A stream may be passed between threads but
 * used by one at a time. */
LOCUS_API locus_status locus_stream_start(locus_session* session, locus_sampler* sampler, const char* prompt,
                                          const locus_generate_options* options, locus_stream** out_stream);

/* Generates the next piece: writes its bytes plus a NUL into buf (capacity bytes), their count to *n_bytes and
 * its token to *token (which may be null; -1 for bytes flushed at the end). When the generation is over, sets
 * *done to 1 and writes nothing else; otherwise *done is 0. If the piece does not fit, returns
 * LOCUS_ERR_BUFFER_TOO_SMALL with *n_bytes its length, and the next call gives the same piece again. Returns
 * LOCUS_ERR_CANCELLED after locus_session_cancel. */
LOCUS_API locus_status locus_stream_next(locus_stream* stream, char* buf, size_t capacity, size_t* n_bytes,
                                         int32_t* token, int* done);

/* Ends the stream and gives its session and sampler back; the last sampled token stays pending as after
 * locus_generate. Null is a no-op. */
LOCUS_API locus_status locus_stream_free(locus_stream* stream);

#ifdef __cplusplus
}
#endif

#endif /* LOCUS_LOCUS_H */
