// The training GEMM kernel built with AVX2 and FMA (see trainer_gemm.inc).
#include "sparse/trainer_gemm.h"

#include <cstring>

namespace locus::train {
#define LOCUS_GEMM_ROWS gemm_rows_avx2
#include "sparse/trainer_gemm.inc"
#undef LOCUS_GEMM_ROWS
}  // namespace locus::train
