// locus bench on the bundled model: every combination of the lists measured, statistics that follow from the
// samples, llama-bench's markdown columns, JSON and JSON lines, and a refused VRAM budget without CUDA.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "test_util.h"

namespace locus::test {
namespace {

CommandResult bench(const std::string& args) {
    std::string cmd = "(";
    cmd += locus_binary() + " bench -m " + source_dir() + "/models/stories260K.gguf " + args + " 2>/dev/null)";
    return run_command(cmd);
}

TEST(Bench, JsonHasEveryCombinationWithConsistentStatistics) {
    const CommandResult r = bench("-p 8 -n 4 -r 3 -t 1,2 --sparse off,auto -o json");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const nlohmann::json all = nlohmann::json::parse(r.output);
    ASSERT_TRUE(all.is_array());
    ASSERT_EQ(all.size(), 8u);  // 2 thread counts x 2 sparse modes x (pp8, tg4)
    std::set<std::tuple<int, std::string, std::string>> seen;
    for (const auto& e : all) {
        seen.emplace(e["threads"].get<int>(), e["sparse"].get<std::string>(), e["test"].get<std::string>());
        EXPECT_EQ(e["engine"], "locus");
        EXPECT_EQ(e["backend"], "CPU");
        EXPECT_EQ(e["reps"], 3);
        EXPECT_EQ(e["vram_budget_gib"], -1.0);
        EXPECT_GT(e["params"].get<int64_t>(), 200000);
        EXPECT_GT(e["size_bytes"].get<int64_t>(), 900000);
        const auto samples = e["samples"].get<std::vector<double>>();
        ASSERT_EQ(samples.size(), 3u);
        double mean = 0;
        for (double s : samples) {
            EXPECT_GT(s, 0);
            mean += s / 3;
        }
        double var = 0;
        for (double s : samples) var += (s - mean) * (s - mean) / 2;
        EXPECT_NEAR(e["tokens_per_s_mean"].get<double>(), mean, 1e-6 * mean);
        EXPECT_NEAR(e["tokens_per_s_std"].get<double>(), std::sqrt(var), 1e-6 * mean + 1e-9);
        EXPECT_EQ(e["test"] == "pp8" ? e["n_prompt"].get<int>() : e["n_gen"].get<int>(), e["test"] == "pp8" ? 8 : 4);
    }
    EXPECT_EQ(seen.size(), 8u);
    EXPECT_TRUE(seen.count({2, "off", "tg4"}));
    EXPECT_TRUE(seen.count({1, "auto", "pp8"}));
}

TEST(Bench, MarkdownHasLlamaBenchColumns) {
    const CommandResult r = bench("-p 8 -n 4 -r 2 -t 1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::istringstream in(r.output);
    std::string header, rule, row;
    std::getline(in, header);
    std::getline(in, rule);
    EXPECT_EQ(header, "| model | size | params | backend | threads | test | t/s |");
    int rows = 0;
    while (std::getline(in, row)) {
        ++rows;
        EXPECT_NE(row.find("| CPU | 1 |"), std::string::npos) << row;
        EXPECT_NE(row.find(" ± "), std::string::npos) << row;
        EXPECT_EQ(row.rfind("| llama 5L 64 | 1013.00 KiB | 292.80 K | CPU | 1 | ", 0), 0u) << row;
    }
    EXPECT_EQ(rows, 2);
}

TEST(Bench, SparseAndVramColumnsWhenAsked) {
    const CommandResult r = bench("-p 4 -n 0 -r 1 -t 1 --sparse auto,off --vram-budget 0,-1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("| model | size | params | backend | threads | sparse | vram GiB | test | t/s |"),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("| auto | 0 | pp4 |"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("| off | auto | pp4 |"), std::string::npos) << r.output;
}

TEST(Bench, JsonLinesOnePerResult) {
    const CommandResult r = bench("-p 4,8 -n 2 -r 1 -t 1 -o jsonl");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::istringstream in(r.output);
    std::string line;
    std::vector<std::string> tests;
    while (std::getline(in, line)) tests.push_back(nlohmann::json::parse(line)["test"]);
    EXPECT_EQ(tests, (std::vector<std::string>{"pp4", "pp8", "tg2"}));
}

TEST(Bench, PositiveVramBudgetIsRefusedWithoutCuda) {
    std::string cmd = locus_binary() + " bench -m " + source_dir() + "/models/stories260K.gguf -p 4 -n 0 -r 1 ";
    cmd += "--vram-budget 0,4";
    const CommandResult r = run_command(cmd);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("without CUDA"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("| model"), std::string::npos) << "nothing should run: " << r.output;
    const CommandResult bad = run_command(locus_binary() + " bench -p 4 -n 0 -r 1 --sparse fast");
    EXPECT_NE(bad.exit_code, 0);
    EXPECT_NE(bad.output.find("'fast'"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace locus::test
