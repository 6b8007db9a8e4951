// Error handling for input-dependent failures: Status (no value) and Expected<T>.
// Messages name the file, tensor or parameter at fault. abort() is kept for broken internal invariants.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

namespace locus {

class Status {
public:
    static Status ok() { return Status(); }
    static Status error(std::string msg) { Status s; s.msg_ = std::move(msg); s.failed_ = true; return s; }
    bool is_ok() const { return !failed_; }
    explicit operator bool() const { return !failed_; }
    const std::string& message() const { return msg_; }
private:
    std::string msg_;
    bool failed_ = false;
};

// Holds either a T or an error message.
template <class T>
class [[nodiscard]] Expected {
public:
    Expected(T value) : value_(std::move(value)) {}
    Expected(Status s) : error_(s.message()) {
        if (s.is_ok()) error_ = "internal error: Expected built from an ok Status";
    }
    static Expected failure(std::string msg) { return Expected(Status::error(std::move(msg))); }

    bool has_value() const { return value_.has_value(); }
    explicit operator bool() const { return has_value(); }
    const std::string& error() const { return error_; }
    Status status() const { return has_value() ? Status::ok() : Status::error(error_); }

    T& value() & { check(); return *value_; }
    const T& value() const& { check(); return *value_; }
    T&& value() && { check(); return std::move(*value_); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

private:
    void check() const {
        if (!value_) { std::fprintf(stderr, "locus: value() on failed Expected: %s\n", error_.c_str()); std::abort(); }
    }
    std::optional<T> value_;
    std::string error_;
};

// Propagates a failed Status/Expected to the caller.
#define LOCUS_TRY(expr)                                           \
    do {                                                          \
        ::locus::Status locus_try_st_ = ::locus::to_status(expr); \
        if (!locus_try_st_) return locus_try_st_;                 \
    } while (0)

inline Status to_status(const Status& s) { return s; }
template <class T>
Status to_status(const Expected<T>& e) { return e.status(); }

}  // namespace locus
