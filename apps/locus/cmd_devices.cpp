// locus devices: list the accelerators this build can use.
#include <cstdio>

#include "commands.h"
#ifdef LOCUS_HAVE_CUDA
#include "cuda/device.h"
#endif

namespace locus::app {

Runner add_devices(CLI::App& app) {
    app.add_subcommand("devices", "List the GPUs this build can use");
    return [] {
#ifdef LOCUS_HAVE_CUDA
        auto devs = cuda::list_devices();
        if (!devs) {
            std::fprintf(stderr, "error: %s\n", devs.error().c_str());
            return 1;
        }
        if (devs->empty()) std::printf("no CUDA devices\n");
        for (const auto& d : *devs)
            std::printf("cuda:%d %s, sm_%d%d, %d SMs, %.1f GiB (%.1f GiB free)\n", d.index, d.name.c_str(), d.cc_major,
                        d.cc_minor, d.sm_count, double(d.total_bytes) / (1ull << 30), double(d.free_bytes) / (1ull << 30));
        return 0;
#else
        std::printf("this build has no GPU backend (configure with the 'cuda' preset)\n");
        return 0;
#endif
    };
}

}  // namespace locus::app
