// Each subcommand registers itself on the CLI and runs when chosen; one file per subcommand.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>

namespace locus::app {

// Adds the subcommand to `app`; returns the function that runs it (exit code).
using Runner = std::function<int()>;
Runner add_run(CLI::App& app);
Runner add_info(CLI::App& app);
Runner add_perplexity(CLI::App& app);
Runner add_bench(CLI::App& app);
Runner add_synth(CLI::App& app);
Runner add_devices(CLI::App& app);
Runner add_profile(CLI::App& app);
Runner add_plan(CLI::App& app);
Runner add_serve(CLI::App& app);
Runner add_batched(CLI::App& app);
Runner add_sparsify(CLI::App& app);

}  // namespace locus::app
