// Helpers for tests that compare a model's logits between runs (modes, files, batch shapes).
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "runtime/session.h"

namespace locus::test {

// Logits of every position of `toks` (n x n_vocab), evaluated in one batch or token by token.
inline std::vector<float> session_logits(Engine& e, const std::vector<int32_t>& toks, bool one_by_one = false,
                                         int64_t n_ctx = 128) {
    auto s = Session::create(e, {.n_ctx = n_ctx});
    EXPECT_TRUE(s) << s.error();
    std::vector<float> out;
    if (!s) return out;
    if (one_by_one) {
        for (int32_t t : toks) {
            EXPECT_TRUE((*s)->eval({&t, 1}));
            out.insert(out.end(), (*s)->logits(0), (*s)->logits(0) + (*s)->n_vocab());
        }
    } else {
        EXPECT_TRUE((*s)->eval(toks, 0, true));
        for (int64_t i = 0; i < (*s)->n_logits(); ++i)
            out.insert(out.end(), (*s)->logits(i), (*s)->logits(i) + (*s)->n_vocab());
    }
    return out;
}

// max |a - b| / max |b|.
inline double max_rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
    EXPECT_EQ(a.size(), b.size());
    double amax = 0, d = 0;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
        amax = std::max(amax, double(std::fabs(b[i])));
        d = std::max(d, double(std::fabs(a[i] - b[i])));
    }
    return amax > 0 ? d / amax : d;
}

// The greedy token of each position of a logits block (n x n_vocab).
inline std::vector<int64_t> argmaxes(const std::vector<float>& l, int64_t n_vocab) {
    std::vector<int64_t> r;
    for (size_t p = 0; p + size_t(n_vocab) <= l.size(); p += size_t(n_vocab))
        r.push_back(std::max_element(l.begin() + long(p), l.begin() + long(p) + n_vocab) - (l.begin() + long(p)));
    return r;
}

}  // namespace locus::test
