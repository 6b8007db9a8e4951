/* Compiled as strict C99 (-std=c99 -pedantic-errors -Werror) into liblocus.so, so a header that stops being
 * valid C fails the build. It also pins the layout of the structs the Rust and Python bindings mirror. */
#include "locus/locus.h"

#include <stddef.h>

#define LOCUS_CHECK(name, cond) typedef char locus_check_##name[(cond) ? 1 : -1]

LOCUS_CHECK(status_is_int, sizeof(locus_status) == sizeof(int));
LOCUS_CHECK(model_options_size, sizeof(locus_model_options) == 48);
LOCUS_CHECK(model_options_budget, offsetof(locus_model_options, vram_budget_gib) == 8);
LOCUS_CHECK(model_options_progress, offsetof(locus_model_options, progress) == 32);
LOCUS_CHECK(model_info_size, sizeof(locus_model_info) == 96);
LOCUS_CHECK(placement_size, sizeof(locus_placement) == 64);
LOCUS_CHECK(session_options_size, sizeof(locus_session_options) == 32);
LOCUS_CHECK(batch_size, sizeof(locus_batch) == 40);
LOCUS_CHECK(timings_size, sizeof(locus_timings) == 48);
LOCUS_CHECK(sampler_params_size, sizeof(locus_sampler_params) == 32);
LOCUS_CHECK(generate_options_size, sizeof(locus_generate_options) == 16);
