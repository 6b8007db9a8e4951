#include "sparse/sparse_mode.h"

namespace locus {

std::string_view sparse_mode_name(SparseMode m) {
    switch (m) {
        case SparseMode::Auto: return "auto";
        case SparseMode::Predictor: return "predictor";
        case SparseMode::Oracle: return "oracle";
        case SparseMode::Off: return "off";
    }
    return "?";
}

std::optional<SparseMode> parse_sparse_mode(std::string_view s) {
    for (SparseMode m : {SparseMode::Auto, SparseMode::Predictor, SparseMode::Oracle, SparseMode::Off})
        if (s == sparse_mode_name(m)) return m;
    return std::nullopt;
}

}  // namespace locus
