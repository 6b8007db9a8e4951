#include "core/cpu_features.h"

#include <cpuid.h>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace locus {
namespace {

uint64_t xgetbv0() {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return (uint64_t(edx) << 32) | eax;
}

CpuFeatures detect() {
    CpuFeatures f;
    unsigned a, b, c, d;
    if (__get_cpuid(0, &a, &b, &c, &d)) {
        char vendor[13] = {};
        std::memcpy(vendor, &b, 4), std::memcpy(vendor + 4, &d, 4), std::memcpy(vendor + 8, &c, 4);
        f.amd = !std::strcmp(vendor, "AuthenticAMD");
    }
    if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
    const bool osxsave = c & (1u << 27);
    const bool fma = c & (1u << 12);
    const bool f16c = c & (1u << 29);
    if (!osxsave) return f;
    const uint64_t xcr0 = xgetbv0();
    const bool ymm_os = (xcr0 & 0x6) == 0x6;
    const bool zmm_os = (xcr0 & 0xe6) == 0xe6;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
    const bool avx2 = b & (1u << 5);
    f.avx2 = ymm_os && avx2 && fma && f16c;
    const bool avx512f = b & (1u << 16), avx512dq = b & (1u << 17), avx512bw = b & (1u << 30),
               avx512vl = b & (1u << 31);
    f.avx512 = f.avx2 && zmm_os && avx512f && avx512dq && avx512bw && avx512vl;
    f.avx512_vnni = f.avx512 && (c & (1u << 11));
    const bool amx_os = (xcr0 & (3u << 17)) == (3u << 17);  // XTILECFG, XTILEDATA
    f.amx_tile = amx_os && (d & (1u << 24));
    f.amx_int8 = f.amx_tile && (d & (1u << 25));
    f.amx_bf16 = f.amx_tile && (d & (1u << 22));
    unsigned a1 = 0, b1 = 0, c1 = 0, d1 = 0;
    if (__get_cpuid_count(7, 1, &a1, &b1, &c1, &d1)) {
        f.avx512_bf16 = f.avx512 && (a1 & (1u << 5));
        f.avx_vnni = f.avx2 && (a1 & (1u << 4));
    }
    return f;
}

}  // namespace

const CpuFeatures& cpu_features() {
    static const CpuFeatures f = detect();
    return f;
}

Isa best_isa() {
    static const Isa isa = [] {
        const CpuFeatures& f = cpu_features();
        Isa hw = f.avx512 ? Isa::avx512 : f.avx2 ? Isa::avx2 : Isa::scalar;
        if (const char* env = std::getenv("LOCUS_ISA")) {
            Isa want = hw;
            if (!std::strcmp(env, "scalar")) want = Isa::scalar;
            else if (!std::strcmp(env, "avx2")) want = Isa::avx2;
            else if (!std::strcmp(env, "avx512")) want = Isa::avx512;
            if (int(want) < int(hw)) hw = want;
        }
        return hw;
    }();
    return isa;
}

const char* isa_name(Isa isa) {
    switch (isa) {
        case Isa::scalar: return "scalar";
        case Isa::avx2: return "avx2";
        case Isa::avx512: return "avx512";
    }
    return "?";
}

}  // namespace locus
