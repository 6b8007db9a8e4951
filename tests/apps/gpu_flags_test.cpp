// The GPU flags of run / perplexity / bench in a CPU-only build: -ngl (llama.cpp's spelling, a multi-letter
// short flag) and --vram-budget are accepted by the parser and refused with "built without CUDA"; -ngl 0 runs.
#include <gtest/gtest.h>

#include "test_util.h"

namespace locus::test {
namespace {

std::string locus_cmd(const std::string& args) {
    const std::string model = source_dir() + "/models/stories260K.gguf";
    const size_t sp = args.find(' ');
    return locus_binary() + " " + args.substr(0, sp) + " -m " + model + args.substr(sp) + " 2>&1";
}

TEST(GpuFlags, RefusedWithoutCuda) {
#ifdef LOCUS_HAVE_CUDA
    GTEST_SKIP() << "CUDA build";
#endif
    for (const char* args : {"run -n 2 -ngl 2", "run -n 2 --n-gpu-layers=3", "run -n 2 --vram-budget 4",
                             "perplexity -ngl 1 -f /dev/null", "bench -p 4 -n 0 -r 1 -ngl 1"}) {
        const CommandResult r = run_command(locus_cmd(args));
        EXPECT_NE(r.exit_code, 0) << args;
        EXPECT_NE(r.output.find("without CUDA"), std::string::npos) << args << ": " << r.output;
    }
    const CommandResult ok = run_command(locus_cmd("run -n 2 -ngl 0 --temp 0 -p Once"));
    EXPECT_EQ(ok.exit_code, 0) << ok.output;
}

}  // namespace
}  // namespace locus::test
