/* simple: greedy generation through the Locus C API, printed as `locus run --temp 0` prints it.
 *   simple MODEL.gguf "PROMPT" N_PREDICT */
#include <locus/locus.h>

#include <stdio.h>
#include <stdlib.h>

static int print_piece(const char* piece, size_t len, int32_t token, void* user_data) {
    (void)token;
    (void)user_data;
    fwrite(piece, 1, len, stdout);
    fflush(stdout);
    return 0; /* go on */
}

static int fail(const char* what, locus_status st) {
    fprintf(stderr, "simple: %s failed: %s: %s\n", what, locus_status_name(st), locus_last_error());
    return 1;
}

int main(int argc, char** argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s MODEL.gguf PROMPT N_PREDICT\n", argv[0]);
        return 2;
    }
    if (locus_version() / 100 != LOCUS_VERSION / 100) {
        fprintf(stderr, "simple: built for locus %d, running with %s\n", LOCUS_VERSION, locus_version_string());
        return 1;
    }
    locus_model_options mo = locus_model_default_options();
    mo.n_threads = 1;
    locus_model* model = NULL;
    locus_status st = locus_model_load(argv[1], &mo, &model);
    if (st != LOCUS_OK) return fail("locus_model_load", st);

    locus_session* session = NULL;
    st = locus_session_new(model, NULL, &session);
    if (st != LOCUS_OK) return fail("locus_session_new", st);

    locus_generate_options go = locus_generate_default_options();
    go.n_predict = atoi(argv[3]);
    fputs(argv[2], stdout);
    st = locus_generate(session, NULL /* greedy */, argv[2], &go, print_piece, NULL);
    fputc('\n', stdout);
    if (st != LOCUS_OK) return fail("locus_generate", st);

    locus_timings t;
    if (locus_session_get_timings(session, &t) == LOCUS_OK)
        fprintf(stderr, "simple: prompt %lld tokens in %.2f ms, %lld tokens sampled, decode %.2f ms\n",
                (long long)t.n_prompt_tokens, t.prompt_ms, (long long)t.n_sampled, t.decode_ms);
    locus_session_free(session);
    locus_model_free(model);
    return 0;
}
