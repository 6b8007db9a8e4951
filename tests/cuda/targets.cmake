# The GPU kernel test binary, shared by the main build (cuda preset, included from cmake/cuda.cmake) and the
# standalone project in this folder (scripts/gpu_test.sh on the device machine). It links locus_cuda and a
# small library of the CPU reference kernels only, so it needs none of the Debian dev packages (fmt, spdlog,
# GoogleTest, ...) that locus_core needs. Expects target locus_cuda and LOCUS_ROOT.
if(NOT COMMAND locus_isa_flags)
  # Same flags as the top-level CMakeLists.txt gives the per-ISA kernel files.
  function(locus_isa_flags sources)
    foreach(src IN LISTS ${sources})
      set(base "-mavx2;-mfma;-mf16c")
      set(v512 "${base};-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-Wno-maybe-uninitialized")
      if(src MATCHES "_avx2\\.cpp$")
        set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "${base}")
      elseif(src MATCHES "_avx512\\.cpp$")
        set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "${v512}")
      elseif(src MATCHES "_avx512vnni\\.cpp$")
        set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "${v512};-mavx512vnni")
      elseif(src MATCHES "_avx512bf16\\.cpp$")
        set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "${v512};-mavx512bf16")
      endif()
    endforeach()
  endfunction()
endif()

file(GLOB LOCUS_GPU_REF_SOURCES CONFIGURE_DEPENDS ${LOCUS_ROOT}/src/quant/*.cpp)
list(APPEND LOCUS_GPU_REF_SOURCES
  ${LOCUS_ROOT}/src/core/cpu_features.cpp
  ${LOCUS_ROOT}/src/cpu/activation.cpp ${LOCUS_ROOT}/src/cpu/norm.cpp ${LOCUS_ROOT}/src/cpu/rope.cpp
  ${LOCUS_ROOT}/src/cpu/attention.cpp ${LOCUS_ROOT}/src/cpu/attention_avx2.cpp)
locus_isa_flags(LOCUS_GPU_REF_SOURCES)
add_library(locus_gpu_ref STATIC ${LOCUS_GPU_REF_SOURCES})
target_include_directories(locus_gpu_ref PUBLIC ${LOCUS_ROOT}/src)

file(GLOB LOCUS_GPU_TEST_SOURCES CONFIGURE_DEPENDS ${LOCUS_ROOT}/tests/cuda/*.cu)
add_executable(locus_gpu_test ${LOCUS_GPU_TEST_SOURCES})
target_include_directories(locus_gpu_test PRIVATE ${LOCUS_ROOT}/tests/cuda)
target_link_libraries(locus_gpu_test PRIVATE locus_cuda locus_gpu_ref)
# g++ 12 warns falsely about std::string concatenation (GCC bug 105329).
target_compile_options(locus_gpu_test PRIVATE -Xcompiler=-Wno-restrict)
# Without a GPU the binary exits 77, which CTest reports as skipped.
add_test(NAME cuda_kernels COMMAND locus_gpu_test)
set_tests_properties(cuda_kernels PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)

# GPU end-to-end checks and decode benchmark (tests/cuda/e2e): the CPU engine below the tokenizer (model, runtime
# glue, planner) with the GPU backend. In the main build it links locus_core; in the standalone project it
# compiles those sources itself (they need fmt, which the device machine has; the tokenizer's PCRE2 it lacks).
set(LOCUS_E2E_SOURCES ${LOCUS_ROOT}/tests/cuda/e2e/gpu_e2e_main.cpp ${LOCUS_ROOT}/tests/cuda/e2e/e2e_model.cpp)
if(TARGET locus_core)
  add_executable(locus_gpu_e2e ${LOCUS_E2E_SOURCES})
  target_link_libraries(locus_gpu_e2e PRIVATE locus_core)
else()
  find_package(fmt REQUIRED)
  file(GLOB LOCUS_E2E_CORE CONFIGURE_DEPENDS ${LOCUS_ROOT}/src/core/*.cpp ${LOCUS_ROOT}/src/gguf/*.cpp
    ${LOCUS_ROOT}/src/quant/*.cpp ${LOCUS_ROOT}/src/cpu/*.cpp ${LOCUS_ROOT}/src/model/*.cpp ${LOCUS_ROOT}/src/sparse/*.cpp)
  list(APPEND LOCUS_E2E_CORE ${LOCUS_ROOT}/src/runtime/kv_cache.cpp ${LOCUS_ROOT}/src/runtime/gpu_backend.cpp
    ${LOCUS_ROOT}/src/runtime/gpu_offload.cpp)
  locus_isa_flags(LOCUS_E2E_CORE)
  foreach(src IN LISTS LOCUS_E2E_CORE)
    if(src MATCHES "_amx\\.cpp$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS
        "-mavx2;-mfma;-mf16c;-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-mavx512vnni;-mamx-tile;-mamx-int8;-mamx-bf16")
    endif()
  endforeach()
  add_library(locus_e2e_core STATIC ${LOCUS_E2E_CORE})
  target_include_directories(locus_e2e_core PUBLIC ${LOCUS_ROOT}/src)
  target_link_libraries(locus_e2e_core PUBLIC locus_cuda fmt::fmt Threads::Threads)
  add_executable(locus_gpu_e2e ${LOCUS_E2E_SOURCES})
  target_link_libraries(locus_gpu_e2e PRIVATE locus_e2e_core)
  # `locus synth` alone (apps/locus/cmd_synth.cpp needs CLI11, header-only, present on the device machine).
  find_path(LOCUS_CLI11_INCLUDE CLI/CLI.hpp)
  if(LOCUS_CLI11_INCLUDE)
    add_executable(locus_synth ${LOCUS_ROOT}/tests/cuda/e2e/synth_main.cpp ${LOCUS_ROOT}/apps/locus/cmd_synth.cpp)
    target_include_directories(locus_synth PRIVATE ${LOCUS_ROOT}/apps/locus ${LOCUS_ROOT}/include ${LOCUS_CLI11_INCLUDE})
    target_link_libraries(locus_synth PRIVATE locus_e2e_core)
    # `locus plan` alone: the planner against its baselines on the benchmark's model (apps/locus/cmd_plan.cpp).
    add_executable(locus_plan ${LOCUS_ROOT}/tests/cuda/e2e/plan_main.cpp ${LOCUS_ROOT}/apps/locus/cmd_plan.cpp)
    target_include_directories(locus_plan PRIVATE ${LOCUS_ROOT}/apps/locus ${LOCUS_ROOT}/include ${LOCUS_CLI11_INCLUDE})
    target_link_libraries(locus_plan PRIVATE locus_e2e_core)
  endif()
endif()
target_include_directories(locus_gpu_e2e PRIVATE ${LOCUS_ROOT}/tests/cuda/e2e)
