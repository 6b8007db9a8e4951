// Helpers for the C API tests: the bundled model, a loaded-model fixture and text collected from a generation.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "locus/locus.h"
#include "test_util.h"

namespace locus::test {

inline std::string bundled_model() { return source_dir() + "/models/stories260K.gguf"; }

// What `locus run --temp 0` prints on stdout for the prompt (prompt, generated text, newline).
inline std::string locus_run_greedy(const std::string& prompt, int n_predict, int threads = 1) {
    std::string cmd = "(";  // built by appending: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string
    cmd += locus_binary() + " run -m " + bundled_model() + " -p '" + prompt + "' -n " + std::to_string(n_predict) +
           " --temp 0 -t " + std::to_string(threads) + " 2>/dev/null)";
    const CommandResult r = run_command(cmd);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.output;
}

// Pieces received by a generation callback.
struct Collected {
    std::string text;
    std::vector<int32_t> tokens;
    int stop_after = -1;               // return non-zero after this many pieces (-1: never)
    locus_session* cancel_session = nullptr;  // locus_session_cancel() it after stop_after pieces instead
    int cancel_after = -1;
    locus_session* reenter = nullptr;  // a session to call into from the callback
    locus_status reenter_status = LOCUS_OK;
};

inline int collect_piece(const char* piece, size_t len, int32_t token, void* user) {
    auto* c = static_cast<Collected*>(user);
    c->text.append(piece, len);
    c->tokens.push_back(token);
    if (c->reenter) {
        const int32_t one[] = {1};
        c->reenter_status = locus_session_eval(c->reenter, one, 1, 0);
    }
    if (c->cancel_session && int(c->tokens.size()) == c->cancel_after) locus_session_cancel(c->cancel_session);
    return c->stop_after >= 0 && int(c->tokens.size()) >= c->stop_after ? 1 : 0;
}

// A model loaded once per test, with one thread (the tests run two at a time on small machines).
class ApiModel : public ::testing::Test {
protected:
    void SetUp() override {
        locus_model_options o = locus_model_default_options();
        o.n_threads = 1;
        ASSERT_EQ(locus_model_load(bundled_model().c_str(), &o, &model), LOCUS_OK) << locus_last_error();
    }
    void TearDown() override { EXPECT_EQ(locus_model_free(model), LOCUS_OK); }

    locus_session* new_session(int64_t n_ctx = 0, int32_t n_seq = 1) {
        locus_session_options so = locus_session_default_options();
        so.n_ctx = n_ctx;
        so.n_seq = n_seq;
        locus_session* s = nullptr;
        EXPECT_EQ(locus_session_new(model, &so, &s), LOCUS_OK) << locus_last_error();
        return s;
    }

    locus_model* model = nullptr;
};

}  // namespace locus::test
