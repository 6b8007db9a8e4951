// Opaque C handles that are looked up, never dereferenced: each live object gets an id from a process-wide
// counter that never repeats, and the handle's pointer value is that id. A null, freed or foreign handle is
// simply not found, so misuse is reported instead of crashing. Lookups hand out shared ownership, so an object
// freed on one thread stays alive until calls already inside it on other threads return.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace locus::api {

// One counter for every kind, so a handle of one kind is never a valid handle of another.
inline uint64_t next_handle_id() {
    static std::atomic<uint64_t> next{0x1000};  // small integers cast to pointers are never valid
    return next.fetch_add(1);
}

template <class T>
class HandleRegistry {
public:
    uintptr_t add(std::shared_ptr<T> obj) {
        const uintptr_t id = uintptr_t(next_handle_id());
        std::lock_guard lock(mu_);
        live_.emplace(id, std::move(obj));
        return id;
    }
    std::shared_ptr<T> find(const void* handle) const {
        std::lock_guard lock(mu_);
        auto it = live_.find(reinterpret_cast<uintptr_t>(handle));
        return it == live_.end() ? nullptr : it->second;
    }
    // Removes the handle and returns its object (null if it was not live).
    std::shared_ptr<T> remove(const void* handle) {
        std::lock_guard lock(mu_);
        auto it = live_.find(reinterpret_cast<uintptr_t>(handle));
        if (it == live_.end()) return nullptr;
        std::shared_ptr<T> obj = std::move(it->second);
        live_.erase(it);
        return obj;
    }

private:
    mutable std::mutex mu_;
    std::unordered_map<uintptr_t, std::shared_ptr<T>> live_;
};

}  // namespace locus::api
