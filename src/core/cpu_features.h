// Which vector instruction sets this CPU has, read once with cpuid.
#pragma once

namespace locus {

struct CpuFeatures {
    bool avx2 = false;       // with FMA and F16C
    bool avx512 = false;     // F, BW, VL, DQ
    bool avx512_vnni = false;
    bool avx512_bf16 = false;
    bool avx_vnni = false;
    // AMX tile instructions (cpuid and OS state; the kernel must still grant each process the tile data
    // state: gemm_amx.cpp asks for it with arch_prctl before first use).
    bool amx_tile = false;
    bool amx_int8 = false;
    bool amx_bf16 = false;
    bool amd = false;  // vendor AuthenticAMD (its prefetchers want a different software prefetch: cpu/weight_prefetch.h)
};

const CpuFeatures& cpu_features();

// Highest instruction set the kernels may use; LOCUS_ISA=scalar|avx2|avx512 lowers it (tests, benchmarks).
enum class Isa { scalar = 0, avx2 = 1, avx512 = 2 };
Isa best_isa();
const char* isa_name(Isa isa);

}  // namespace locus
