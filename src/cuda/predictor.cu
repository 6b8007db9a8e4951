#include "cuda/predictor.h"

#include "cuda/check.h"
#include "cuda/matvec.h"

namespace locus::cuda {
namespace {

__global__ void relu_kernel(float* __restrict__ x, int64_t n) {
    const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

}  // namespace

Status relu_inplace(float* x, int64_t n, cudaStream_t stream) {
    if (n <= 0) return Status::ok();
    relu_kernel<<<unsigned((n + 255) / 256), 256, 0, stream>>>(x, n);
    return launch_status("relu_kernel");
}

Status predictor_eval(const PredictorArgs& a, cudaStream_t stream) {
    if (a.fc2.cols != a.fc1.rows) return Status::error("predictor_eval: fc2.cols != fc1.rows");
    MatvecArgs m1;
    m1.w = a.fc1;
    m1.x = a.x;
    m1.x_stride = a.fc1.cols;
    m1.y = a.hidden;
    m1.y_stride = a.fc1.rows;
    m1.n_tokens = a.n_tokens;
    LOCUS_TRY(matvec(m1, stream));
    LOCUS_TRY(relu_inplace(a.hidden, int64_t(a.n_tokens) * a.fc1.rows, stream));
    MatvecArgs m2;
    m2.w = a.fc2;
    m2.x = a.hidden;
    m2.x_stride = a.fc2.cols;
    m2.y = a.logits;
    m2.y_stride = a.fc2.rows;
    m2.n_tokens = a.n_tokens;
    return matvec(m2, stream);
}

}  // namespace locus::cuda
