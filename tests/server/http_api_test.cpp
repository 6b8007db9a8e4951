// End to end over real HTTP: `locus serve` on loopback with the bundled model; every endpoint, streaming and
// not, in OpenAI's shapes; greedy output equal to `locus run`'s.
#include <gtest/gtest.h>

#include "server_process.h"

namespace locus::test {
namespace {

using nlohmann::json;

class HttpApi : public ::testing::Test {
protected:
    static void SetUpTestSuite() { server_ = new ServerProcess({"--parallel", "4", "-c", "256"}); }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    static int port() { return server_->port(); }
    static ServerProcess* server_;
};
ServerProcess* HttpApi::server_ = nullptr;

// Text of `locus run` greedy output for a prompt (it prints the prompt first, then the continuation).
std::string run_greedy(const std::string& prompt, int n) {
    // Braces keep run's timings (stderr) out of the captured output.
    const CommandResult r = run_command("{ " + locus_binary() + " run -m " + bundled_model() + " -t 1 -c 256 -p '" +
                                        prompt + "' -n " + std::to_string(n) + " --temp 0 2>/dev/null; }");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    std::string out = r.output;
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

void expect_usage(const json& u, int64_t completion_tokens) {
    ASSERT_TRUE(u.is_object()) << u;
    EXPECT_GT(u["prompt_tokens"].get<int64_t>(), 0);
    if (completion_tokens >= 0) {
        EXPECT_EQ(u["completion_tokens"].get<int64_t>(), completion_tokens);
    }
    EXPECT_EQ(u["total_tokens"].get<int64_t>(),
              u["prompt_tokens"].get<int64_t>() + u["completion_tokens"].get<int64_t>());
}

TEST_F(HttpApi, HealthAndModels) {
    HttpReply h = http_get(port(), "/health");
    EXPECT_EQ(h.status, 200);
    EXPECT_EQ(h.json()["status"], "ok");
    HttpReply m = http_get(port(), "/v1/models");
    ASSERT_EQ(m.status, 200) << m.body;
    const json j = m.json();
    EXPECT_EQ(j["object"], "list");
    ASSERT_EQ(j["data"].size(), 1u);
    EXPECT_EQ(j["data"][0]["id"], "stories260K");
    EXPECT_EQ(j["data"][0]["object"], "model");
    EXPECT_TRUE(j["data"][0]["created"].is_number_integer());
    EXPECT_EQ(j["data"][0]["owned_by"], "locus");
}

TEST_F(HttpApi, GreedyCompletionEqualsLocusRun) {
    const std::string prompt = "Once upon a time";
    const std::string expected = run_greedy(prompt, 40);
    HttpReply r = http_post(port(), "/v1/completions",
                            json{{"model", "stories260K"}, {"prompt", prompt}, {"max_tokens", 40}, {"temperature", 0}}.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.content_type.find("application/json"), std::string::npos);
    const json j = r.json();
    EXPECT_EQ(j["object"], "text_completion");
    EXPECT_EQ(j["id"].get<std::string>().rfind("cmpl-", 0), 0u);
    EXPECT_TRUE(j["created"].is_number_integer());
    EXPECT_EQ(j["model"], "stories260K");
    ASSERT_EQ(j["choices"].size(), 1u);
    const json& c = j["choices"][0];
    EXPECT_EQ(c["index"], 0);
    EXPECT_TRUE(c["logprobs"].is_null());
    EXPECT_EQ(c["finish_reason"], "length");
    EXPECT_EQ(prompt + c["text"].get<std::string>(), expected);
    expect_usage(j["usage"], 40);
    EXPECT_EQ(j["usage"]["prompt_tokens"], 5);  // BOS + 4 tokens (../shared/models/README.md)
}

TEST_F(HttpApi, StreamedCompletionEqualsWhole) {
    const json req = {{"prompt", "The little dog"}, {"max_tokens", 30}, {"temperature", 0}};
    HttpReply whole = http_post(port(), "/v1/completions", req.dump());
    ASSERT_EQ(whole.status, 200);
    json sreq = req;
    sreq["stream"] = true;
    sreq["stream_options"] = {{"include_usage", true}};
    int status = 0;
    const std::vector<std::string> ev = http_stream(port(), "/v1/completions", sreq.dump(), 0, &status);
    EXPECT_EQ(status, 200);
    ASSERT_GE(ev.size(), 4u);
    EXPECT_EQ(ev.back(), "[DONE]");
    std::string text, finish, id;
    for (size_t i = 0; i + 1 < ev.size(); ++i) {
        const json j = json::parse(ev[i]);
        EXPECT_EQ(j["object"], "text_completion");
        if (id.empty()) id = j["id"];
        EXPECT_EQ(j["id"], id) << "every chunk carries the same id";
        if (j["choices"].empty()) {  // the usage chunk
            expect_usage(j["usage"], 30);
            EXPECT_EQ(i + 2, ev.size()) << "the usage chunk comes last";
            continue;
        }
        text += j["choices"][0]["text"].get<std::string>();
        if (!j["choices"][0]["finish_reason"].is_null()) finish = j["choices"][0]["finish_reason"];
    }
    EXPECT_EQ(text, whole.json()["choices"][0]["text"].get<std::string>());
    EXPECT_EQ(finish, "length");
}

TEST_F(HttpApi, ChatWholeAndStreamed) {
    const json req = {{"messages", {{{"role", "system"}, {"content", "Tell stories."}},
                                    {{"role", "user"}, {"content", "A story about a cat"}}}},
                      {"max_tokens", 24}, {"temperature", 0}};
    HttpReply r = http_post(port(), "/v1/chat/completions", req.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    const json j = r.json();
    EXPECT_EQ(j["object"], "chat.completion");
    EXPECT_EQ(j["id"].get<std::string>().rfind("chatcmpl-", 0), 0u);
    EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
    const std::string content = j["choices"][0]["message"]["content"];
    EXPECT_FALSE(content.empty());
    EXPECT_TRUE(j["choices"][0]["finish_reason"] == "length" || j["choices"][0]["finish_reason"] == "stop");
    expect_usage(j["usage"], -1);

    json sreq = req;
    sreq["stream"] = true;
    const std::vector<std::string> ev = http_stream(port(), "/v1/chat/completions", sreq.dump());
    ASSERT_GE(ev.size(), 3u);
    EXPECT_EQ(ev.back(), "[DONE]");
    const json first = json::parse(ev[0]);
    EXPECT_EQ(first["object"], "chat.completion.chunk");
    EXPECT_EQ(first["choices"][0]["delta"]["role"], "assistant");
    std::string streamed;
    json last;
    for (size_t i = 0; i + 1 < ev.size(); ++i) {
        last = json::parse(ev[i]);
        const json& d = last["choices"][0]["delta"];
        if (d.contains("content")) streamed += d["content"].get<std::string>();
    }
    EXPECT_EQ(streamed, content);
    EXPECT_EQ(last["choices"][0]["finish_reason"], j["choices"][0]["finish_reason"]);
    EXPECT_TRUE(last["choices"][0]["delta"].empty());
}

TEST_F(HttpApi, StopStringEndsTheTextBeforeIt) {
    // Greedy text of this prompt continues ", there was a little girl named Lily."
    HttpReply r = http_post(port(), "/v1/completions",
                            json{{"prompt", "Once upon a time"}, {"max_tokens", 40}, {"temperature", 0},
                                 {"stop", {"girl", "zzz"}}}.dump());
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json()["choices"][0]["text"], ", there was a little ");
    EXPECT_EQ(r.json()["choices"][0]["finish_reason"], "stop");
}

TEST_F(HttpApi, EchoAndLogprobs) {
    HttpReply r = http_post(port(), "/v1/completions",
                            json{{"prompt", "Once upon a time"}, {"max_tokens", 5}, {"temperature", 0}, {"echo", true},
                                 {"logprobs", 3}}.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    const json c = r.json()["choices"][0];
    EXPECT_EQ(c["text"].get<std::string>().rfind("Once upon a time,", 0), 0u) << c["text"];
    const json& lp = c["logprobs"];
    ASSERT_EQ(lp["tokens"].size(), 5u);
    ASSERT_EQ(lp["token_logprobs"].size(), 5u);
    ASSERT_EQ(lp["top_logprobs"].size(), 5u);
    EXPECT_EQ(lp["text_offset"][0], std::string("Once upon a time").size());
    for (size_t i = 0; i < 5; ++i) {
        const double chosen = lp["token_logprobs"][i];
        EXPECT_LE(chosen, 0.0);
        ASSERT_EQ(lp["top_logprobs"][i].size(), 3u);
        // Greedy: the chosen token is the most likely one.
        double best = -1e9;
        for (auto& [tok, v] : lp["top_logprobs"][i].items()) best = std::max(best, v.get<double>());
        EXPECT_NEAR(chosen, best, 1e-5);
    }
    HttpReply chat = http_post(port(), "/v1/chat/completions",
                               json{{"messages", {{{"role", "user"}, {"content", "Hi"}}}}, {"max_tokens", 3},
                                    {"temperature", 0}, {"logprobs", true}, {"top_logprobs", 2}}.dump());
    ASSERT_EQ(chat.status, 200) << chat.body;
    const json content = chat.json()["choices"][0]["logprobs"]["content"];
    ASSERT_FALSE(content.empty());
    EXPECT_TRUE(content[0]["token"].is_string());
    EXPECT_TRUE(content[0]["bytes"].is_array());
    EXPECT_EQ(content[0]["top_logprobs"].size(), 2u);
}

TEST_F(HttpApi, SeededSamplingRepeats) {
    const json req = {{"prompt", "Lily had"}, {"max_tokens", 20}, {"temperature", 1.0}, {"top_p", 0.9}, {"seed", 42},
                      {"presence_penalty", 0.5}, {"frequency_penalty", 0.3}};
    HttpReply a = http_post(port(), "/v1/completions", req.dump());
    HttpReply b = http_post(port(), "/v1/completions", req.dump());
    ASSERT_EQ(a.status, 200) << a.body;
    EXPECT_EQ(a.json()["choices"][0]["text"], b.json()["choices"][0]["text"]);
}

TEST_F(HttpApi, TokenizeDetokenize) {
    HttpReply t = http_post(port(), "/tokenize", json{{"content", "Once upon a time"}, {"add_special", true}}.dump());
    ASSERT_EQ(t.status, 200) << t.body;
    EXPECT_EQ(t.json()["tokens"], json({1, 403, 407, 261, 378}));  // ../shared/models/README.md
    HttpReply d = http_post(port(), "/detokenize", json{{"tokens", {403, 407, 261, 378}}}.dump());
    ASSERT_EQ(d.status, 200) << d.body;
    EXPECT_EQ(d.json()["content"], "Once upon a time");
    HttpReply p = http_post(port(), "/tokenize", json{{"content", "Once"}, {"with_pieces", true}}.dump());
    ASSERT_EQ(p.status, 200);
    EXPECT_TRUE(p.json()["tokens"][0].contains("piece"));
}

TEST_F(HttpApi, MetricsInPrometheusFormat) {
    ASSERT_EQ(http_post(port(), "/v1/completions", json{{"prompt", "A"}, {"max_tokens", 3}}.dump()).status, 200);
    // A request is counted once its reply has been sent, which can be just after the client has read it.
    HttpReply m;
    for (int i = 0; i < 50; ++i) {
        m = http_get(port(), "/metrics");
        if (m.body.find("endpoint=\"/v1/completions\"") != std::string::npos) break;
        usleep(10000);
    }
    ASSERT_EQ(m.status, 200);
    EXPECT_NE(m.content_type.find("text/plain"), std::string::npos);
    for (const char* name : {"locus_requests_total{endpoint=\"/v1/completions\",status=\"200\"}",
                             "# TYPE locus_generated_tokens_total counter", "locus_tokens_per_second ",
                             "locus_queue_depth 0", "locus_slots_busy ", "locus_slots_total 4"})
        EXPECT_NE(m.body.find(name), std::string::npos) << name << "\n" << m.body;
}

TEST_F(HttpApi, ChatPageIsServed) {
    HttpReply r = http_get(port(), "/");
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.content_type.find("text/html"), std::string::npos);
    EXPECT_NE(r.body.find("/v1/chat/completions"), std::string::npos);
}

TEST_F(HttpApi, ClientLeavingMidStreamFreesItsSlot) {
    const json req = {{"prompt", "Once upon a time"}, {"max_tokens", 200}, {"temperature", 0}, {"stream", true},
                      {"ignore_eos", true}};
    for (int i = 0; i < 4; ++i) {
        const auto ev = http_stream(port(), "/v1/completions", req.dump(), 2);
        EXPECT_EQ(ev.size(), 2u);
    }
    // The scheduler notices at its next step; give it a moment.
    std::string body;
    for (int i = 0; i < 50; ++i) {
        body = http_get(port(), "/metrics").body;
        if (body.find("locus_slots_busy 0\n") != std::string::npos) break;
        usleep(20000);
    }
    EXPECT_NE(body.find("locus_slots_busy 0\n"), std::string::npos) << body;
    EXPECT_EQ(body.find("locus_jobs_cancelled_total 0\n"), std::string::npos) << body;
    EXPECT_EQ(http_get(port(), "/health").status, 200);
}

}  // namespace
}  // namespace locus::test
