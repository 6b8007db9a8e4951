#include "cuda/predictor.h"

#include "cuda/check.h"
#include "cuda/matvec.h"

namespace locus::cuda {

Status predictor_eval(const PredictorArgs& a, cudaStream_t stream) {
    if (a.fc2.cols != a.fc1.rows) return Status::error("predictor_eval: fc2.cols != fc1.rows");
    MatvecArgs m1;
    m1.w = a.fc1;
    m1.x = a.x;
    m1.x_stride = a.fc1.cols;
    m1.y = a.hidden;
    m1.y_stride = a.fc1.rows;
    m1.n_tokens = a.n_tokens;
    m1.relu = true;  // ReLU(fc1 . x) in the product's epilogue: one launch fewer
    m1.xq = a.xq;
    LOCUS_TRY(matvec(m1, stream));
    MatvecArgs m2;
    m2.w = a.fc2;
    m2.x = a.hidden;
    m2.x_stride = a.fc2.cols;
    m2.y = a.logits;
    m2.y_stride = a.fc2.rows;
    m2.n_tokens = a.n_tokens;
    m2.xq = a.xq;  // fc1's quantised x is no longer read (same stream)
    return matvec(m2, stream);
}

}  // namespace locus::cuda
