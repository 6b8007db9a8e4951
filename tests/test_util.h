// Helpers shared by the tests: paths to test data and the locus binary, seeded random data.
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace locus::test {

// ../shared beside the checkout (models, vocab, corpus); empty if it is not there.
std::string shared_dir();
std::string source_dir();
std::string locus_binary();
// Path of a file under ../shared, or "" when absent (the caller then skips with GTEST_SKIP()).
std::string shared_file(const std::string& rel);
// A fresh temporary directory removed at exit.
std::string temp_dir();

std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f);

// Runs a shell command and returns its exit code and combined stdout+stderr.
struct CommandResult { int exit_code; std::string output; };
CommandResult run_command(const std::string& cmd);

}  // namespace locus::test

#define LOCUS_REQUIRE_SHARED(var, rel)                                              \
    const std::string var = ::locus::test::shared_file(rel);                        \
    if (var.empty()) GTEST_SKIP() << "test data ../shared/" << rel << " not found"
