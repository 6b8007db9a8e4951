// How the FFN uses activation sparsity (one flag, --sparse, for every tool and the API).
#pragma once
#include <optional>
#include <string_view>

namespace locus {

enum class SparseMode {
    Auto,       // predictor if the file has predictors, oracle for ReLU-family models, else off
    Predictor,  // per-layer predictors choose the neurons (upstream PowerInfer)
    Oracle,     // gate (or up) computed densely, then only the neurons whose activation is non-zero: exact
    Off,        // dense FFN
};

std::string_view sparse_mode_name(SparseMode m);
std::optional<SparseMode> parse_sparse_mode(std::string_view s);

}  // namespace locus
