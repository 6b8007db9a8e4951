#include "quant/types.h"

#include <cstdio>
#include <cstdlib>

#include "core/cpu_features.h"
#include "quant/registry.h"

namespace locus {
namespace {

struct Table {
    TypeTraits rows[kTypeTableSize];
    Table() {
        register_float_types(rows);
        register_legacy_types(rows);
        register_k_types(rows);
        // Integer types only appear in index tensors (e.g. PowerInfer's .gpuidx); they are never computed with.
        rows[int(DType::I8)] = {"i8", 1, 1};
        rows[int(DType::I16)] = {"i16", 1, 2};
        rows[int(DType::I32)] = {"i32", 1, 4};
        rows[int(DType::I64)] = {"i64", 1, 8};
        rows[int(DType::F64)] = {"f64", 1, 8};
        const int best = int(best_isa());
        for (TypeTraits& t : rows) {
            if (!t.vec_dot_by_isa[0]) t.vec_dot_by_isa[0] = t.vec_dot_scalar;
            for (int isa = best; isa >= 0; --isa) {
                if (t.vec_dot_by_isa[isa]) { t.vec_dot = t.vec_dot_by_isa[isa]; break; }
            }
        }
    }
};

const Table& table() {
    static const Table t;
    return t;
}

}  // namespace

const TypeTraits* find_type_traits(uint32_t type_id) {
    if (type_id >= uint32_t(kTypeTableSize)) return nullptr;
    const TypeTraits& t = table().rows[type_id];
    return t.name ? &t : nullptr;
}

std::optional<DType> find_type_by_name(const std::string& name) {
    for (uint32_t id = 0; id < uint32_t(kTypeTableSize); ++id) {
        const TypeTraits* t = find_type_traits(id);
        if (t && name == t->name) return DType(id);
    }
    return std::nullopt;
}

const TypeTraits& type_traits(DType t) {
    const TypeTraits* tt = find_type_traits(uint32_t(t));
    if (!tt) {
        std::fprintf(stderr, "locus: internal error: unknown type id %u\n", unsigned(t));
        std::abort();
    }
    return *tt;
}

const char* dtype_name(DType t) {
    const TypeTraits* tt = find_type_traits(uint32_t(t));
    return tt ? tt->name : "unknown";
}

size_t row_bytes(DType t, int64_t n) { return row_bytes(type_traits(t), n); }

}  // namespace locus
