#include "test_util.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sys/wait.h>
#include <unistd.h>

namespace locus::test {

std::string shared_dir() {
    if (const char* env = std::getenv("LOCUS_SHARED_DIR")) return env;
    return LOCUS_SHARED_DIR;
}
std::string source_dir() { return LOCUS_SOURCE_DIR; }
std::string locus_binary() { return LOCUS_BINARY; }

std::string shared_file(const std::string& rel) {
    const std::string p = shared_dir() + "/" + rel;
    return std::filesystem::exists(p) ? p : std::string();
}

std::string temp_dir() {
    static std::string dir = [] {
        std::string tmpl = (std::filesystem::temp_directory_path() / "locus_test_XXXXXX").string();
        if (!mkdtemp(tmpl.data())) std::abort();
        std::string d = tmpl;
        static std::string keep = d;
        std::atexit([] { std::error_code ec; std::filesystem::remove_all(keep, ec); });
        return d;
    }();
    return dir;
}

std::vector<float> random_floats(size_t n, uint32_t seed, float lo, float hi) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = dist(rng);
    return v;
}

CommandResult run_command(const std::string& cmd) {
    CommandResult r{-1, {}};
    FILE* p = popen((cmd + " 2>&1").c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
    const int st = pclose(p);
    r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

}  // namespace locus::test
