// Error reporting of the C API: the thread-local message behind locus_last_error(), and the guard that keeps
// C++ exceptions from crossing into C.
#pragma once
#include <cstring>
#include <string>

#include "locus/locus.h"

namespace locus::api {

// Sets this thread's message and returns the status (for `return fail(...)`).
locus_status fail(locus_status status, std::string message);
// Clears this thread's message at the start of a call.
void clear_error();
const char* last_error();

// Runs body (returning locus_status) with the message cleared first and any exception turned into
// LOCUS_ERR_INTERNAL.
template <class F>
locus_status guarded(const char* function, F&& body) noexcept {
    try {
        clear_error();
        return body();
    } catch (const std::bad_alloc&) {
        return fail(LOCUS_ERR_INTERNAL, std::string(function) + ": out of memory");
    } catch (const std::exception& e) {
        return fail(LOCUS_ERR_INTERNAL, std::string(function) + ": " + e.what());
    } catch (...) {
        return fail(LOCUS_ERR_INTERNAL, std::string(function) + ": unknown failure");
    }
}

// Copies options of a caller-declared size over the defaults in `out`. Rejects a struct_size of 0 (options
// not initialised from the defaults function) and sizes larger than this library knows (a newer header).
template <class Options>
locus_status read_options(const Options* in, Options& out, const char* what) {
    if (!in) return LOCUS_OK;
    if (in->struct_size < sizeof(uint32_t) + 1)
        return fail(LOCUS_ERR_INVALID_ARGUMENT, std::string(what) +
                                                    ".struct_size is not set: start from the defaults function");
    if (in->struct_size > sizeof(Options))
        return fail(LOCUS_ERR_INVALID_ARGUMENT, std::string(what) + ".struct_size " +
                                                    std::to_string(in->struct_size) +
                                                    " is larger than this library's " +
                                                    std::to_string(sizeof(Options)) + " (a newer header?)");
    std::memcpy(static_cast<void*>(&out), in, in->struct_size);
    out.struct_size = sizeof(Options);
    return LOCUS_OK;
}

}  // namespace locus::api
