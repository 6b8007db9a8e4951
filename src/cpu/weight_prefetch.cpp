#include "cpu/weight_prefetch.h"

#include <cstdlib>
#include <cstring>

#include "core/cpu_features.h"

namespace locus {

PrefetchStyle weight_prefetch_style() {
    static const PrefetchStyle style = [] {
        if (const char* env = std::getenv("LOCUS_PREFETCH")) {
            if (!std::strcmp(env, "spread")) return PrefetchStyle::spread_l1;
            if (!std::strcmp(env, "burst")) return PrefetchStyle::burst_l2;
        }
        return cpu_features().amd ? PrefetchStyle::burst_l2 : PrefetchStyle::spread_l1;
    }();
    return style;
}

}  // namespace locus
