// locus: command-line front end over the library. One file per subcommand.
#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"

int main(int argc, char** argv) {
    CLI::App app{"Locus: fast local LLM inference exploiting activation locality"};
    app.require_subcommand(1);
    std::vector<std::pair<CLI::App*, locus::app::Runner>> cmds;
    auto add = [&](locus::app::Runner (*f)(CLI::App&)) {
        const size_t before = app.get_subcommands({}).size();
        locus::app::Runner r = f(app);
        cmds.emplace_back(app.get_subcommands({})[before], std::move(r));
    };
    add(locus::app::add_run);
    add(locus::app::add_info);
    add(locus::app::add_perplexity);
    add(locus::app::add_bench);
    add(locus::app::add_synth);
    add(locus::app::add_devices);
    add(locus::app::add_profile);
    add(locus::app::add_plan);
    add(locus::app::add_serve);
    add(locus::app::add_batched);
    add(locus::app::add_sparsify);
    // llama.cpp's -ngl is a multi-letter short flag, which CLI11 does not allow: spell it the long way.
    std::vector<std::string> args(argv, argv + argc);
    std::vector<char*> av;
    for (std::string& a : args) {
        if (a == "-ngl") a = "--n-gpu-layers";
        else if (a.rfind("-ngl=", 0) == 0) a = "--n-gpu-layers=" + a.substr(5);
        av.push_back(a.data());
    }
    CLI11_PARSE(app, argc, av.data());
    for (auto& [sub, run] : cmds)
        if (sub->parsed()) return run();
    return 1;
}
