#include "api/api_error.h"

namespace locus::api {
namespace {
thread_local std::string t_message;
}

locus_status fail(locus_status status, std::string message) {
    t_message = std::move(message);
    return status;
}

void clear_error() { t_message.clear(); }

const char* last_error() { return t_message.c_str(); }

}  // namespace locus::api

extern "C" {

const char* locus_last_error(void) { return locus::api::last_error(); }

const char* locus_status_name(locus_status status) {
    switch (status) {
        case LOCUS_OK: return "LOCUS_OK";
        case LOCUS_ERR_INVALID_ARGUMENT: return "LOCUS_ERR_INVALID_ARGUMENT";
        case LOCUS_ERR_INVALID_HANDLE: return "LOCUS_ERR_INVALID_HANDLE";
        case LOCUS_ERR_LOAD: return "LOCUS_ERR_LOAD";
        case LOCUS_ERR_CONTEXT_FULL: return "LOCUS_ERR_CONTEXT_FULL";
        case LOCUS_ERR_BUFFER_TOO_SMALL: return "LOCUS_ERR_BUFFER_TOO_SMALL";
        case LOCUS_ERR_UNSUPPORTED: return "LOCUS_ERR_UNSUPPORTED";
        case LOCUS_ERR_CANCELLED: return "LOCUS_ERR_CANCELLED";
        case LOCUS_ERR_BUSY: return "LOCUS_ERR_BUSY";
        case LOCUS_ERR_INTERNAL: return "LOCUS_ERR_INTERNAL";
    }
    return "LOCUS_ERR_UNKNOWN";
}

int locus_version(void) { return LOCUS_VERSION; }

const char* locus_version_string(void) {
#define LOCUS_STR2(x) #x
#define LOCUS_STR(x) LOCUS_STR2(x)
    return LOCUS_STR(LOCUS_VERSION_MAJOR) "." LOCUS_STR(LOCUS_VERSION_MINOR) "." LOCUS_STR(LOCUS_VERSION_PATCH);
}

}
