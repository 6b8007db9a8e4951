// How the placement planner picks hot FFN neurons: its own method or one of the simple baselines it is compared
// with (sparse/planner.h). Apart so that GPU options can name one without the planner's types.
#pragma once

namespace locus {

enum class HotMethod {
    optimal,           // the planner: least cold-row bytes per token read by the CPU (plus, optionally, a fixed cost
                       // per layer with a CPU part); exact at group granularity (planner.cpp)
    uniform,           // baseline: the same k in every layer, as large as fits
    global_frequency,  // baseline: the globally most frequent neurons, ignoring their bytes, until one does not fit
    served_firings,    // baseline: as optimal, but a neuron's value is its frequency (firings served by the GPU,
                       // upstream PowerInfer's objective); the planner's own objective until 2026-12-06
};
const char* hot_method_name(HotMethod m);

}  // namespace locus
