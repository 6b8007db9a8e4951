// `locus synth` alone, for the device machine, where the full `locus` binary cannot be built (no PCRE2
// headers there). The subcommand's code is apps/locus/cmd_synth.cpp, unchanged.
#include <thread>

#include "commands.h"

namespace locus {
// engine.cpp (not built here: it needs the tokenizer) defines this for the full build.
int default_thread_count() {
    const unsigned n = std::thread::hardware_concurrency();
    return n ? int(n) : 1;
}
}  // namespace locus

int main(int argc, char** argv) {
    CLI::App app{"locus synth (standalone)"};
    app.require_subcommand(1);
    locus::app::Runner run = locus::app::add_synth(app);
    CLI11_PARSE(app, argc, argv);
    return run();
}
