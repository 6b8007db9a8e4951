// `locus plan` alone, for the device machine (as synth_main.cpp: the full `locus` binary cannot be built there).
// The subcommand's code is apps/locus/cmd_plan.cpp, unchanged; it prints the planner's placement next to the
// two simple baselines (same count per layer, globally most frequent) and the time each took.
#include "commands.h"
#include "common.h"

namespace locus::app {
// common.cpp (not built here: it loads engines with the tokenizer) defines this for the full build.
std::string default_model_path() { return std::string("models/") + kDefaultModelName; }
}  // namespace locus::app

int main(int argc, char** argv) {
    CLI::App app{"locus plan (standalone)"};
    app.require_subcommand(1);
    locus::app::Runner run = locus::app::add_plan(app);
    CLI11_PARSE(app, argc, argv);
    return run();
}
