// Bad requests get the right status and an OpenAI error body naming the problem, and the server keeps serving.
#include <gtest/gtest.h>

#include "server_process.h"

namespace locus::test {
namespace {

using nlohmann::json;

constexpr const char* kKey = "sk-test-123";

class BadInput : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        server_ = new ServerProcess({"--parallel", "2", "-c", "128", "--api-key", kKey});
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    static int port() { return server_->port(); }

    // Posts with the right key; checks status, error shape, and that the message mentions `needle`.
    static void expect_error(const std::string& path, const std::string& body, int status, const std::string& needle,
                             const std::string& key = kKey) {
        HttpReply r = http_post(port(), path, body, key);
        EXPECT_EQ(r.status, status) << body << " -> " << r.body;
        const json j = r.json();
        ASSERT_TRUE(j.is_object() && j.contains("error")) << r.body;
        EXPECT_TRUE(j["error"]["message"].is_string());
        EXPECT_TRUE(j["error"]["type"].is_string());
        EXPECT_TRUE(j["error"].contains("param"));
        EXPECT_TRUE(j["error"].contains("code"));
        EXPECT_NE(j["error"]["message"].get<std::string>().find(needle), std::string::npos)
            << "message: " << j["error"]["message"];
        still_serving();
    }
    static void still_serving() {
        ASSERT_TRUE(server_->alive());
        HttpReply ok = http_post(port(), "/v1/completions", R"({"prompt":"Hi","max_tokens":2})", kKey);
        EXPECT_EQ(ok.status, 200) << ok.body;
    }
    static ServerProcess* server_;
};
ServerProcess* BadInput::server_ = nullptr;

TEST_F(BadInput, MalformedJson) {
    expect_error("/v1/completions", R"({"prompt": "Hi",)", 400, "not valid JSON");
    expect_error("/v1/chat/completions", "[1, 2]", 400, "JSON object");
    expect_error("/v1/completions", "", 400, "not valid JSON");
}

TEST_F(BadInput, WrongTypes) {
    expect_error("/v1/completions", R"({"prompt": 12})", 400, "'prompt'");
    expect_error("/v1/completions", R"({"prompt": "Hi", "max_tokens": "ten"})", 400, "'max_tokens' must be an integer");
    expect_error("/v1/completions", R"({"prompt": "Hi", "temperature": "hot"})", 400, "'temperature' must be a number");
    expect_error("/v1/completions", R"({"prompt": "Hi", "temperature": 7})", 400, "'temperature' must be between");
    expect_error("/v1/completions", R"({"prompt": "Hi", "stream": "yes"})", 400, "'stream'");
    expect_error("/v1/completions", R"({"prompt": "Hi", "stop": [1]})", 400, "'stop'");
    expect_error("/v1/completions", R"({"prompt": "Hi", "n": 2})", 400, "'n'");
    expect_error("/v1/completions", R"({"prompt": [1, 99999]})", 400, "outside the vocabulary");
    expect_error("/v1/chat/completions", R"({"messages": "hello"})", 400, "'messages'");
    expect_error("/v1/chat/completions", R"({"messages": [{"role": "user"}]})", 400, "messages[0].content");
    expect_error("/v1/chat/completions", R"({"messages": [{"role": "tool", "content": "x"}]})", 400, "role 'tool'");
    expect_error("/tokenize", R"({"content": 5})", 400, "'content'");
    expect_error("/detokenize", R"({"tokens": [1, -3]})", 400, "'tokens'");
}

TEST_F(BadInput, NegativeMaxTokens) {
    HttpReply r = http_post(port(), "/v1/completions", R"({"prompt": "Hi", "max_tokens": -5})", kKey);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json()["error"]["param"], "max_tokens");
    expect_error("/v1/completions", R"({"prompt": "Hi", "max_tokens": -5})", 400, "between 0 and");
}

TEST_F(BadInput, PromptLongerThanTheContext) {
    std::string words;
    for (int i = 0; i < 300; ++i) words += "the cat sat ";
    expect_error("/v1/completions", json{{"prompt", words}}.dump(), 400, "context holds 128");
    HttpReply r = http_post(port(), "/v1/completions", json{{"prompt", words}}.dump(), kKey);
    EXPECT_EQ(r.json()["error"]["code"], "context_length_exceeded");
}

TEST_F(BadInput, HugeBodyIs413) {
    const std::string huge = json{{"prompt", std::string(9u << 20, 'a')}}.dump();
    expect_error("/v1/completions", huge, 413, "larger than the server accepts");
}

TEST_F(BadInput, UnknownModelIs404) {
    expect_error("/v1/completions", R"({"model": "gpt-9", "prompt": "Hi"})", 404, "'gpt-9' does not exist");
    HttpReply r = http_post(port(), "/v1/completions", R"({"model": "gpt-9", "prompt": "Hi"})", kKey);
    EXPECT_EQ(r.json()["error"]["code"], "model_not_found");
}

TEST_F(BadInput, UnknownPathIs404) {
    expect_error("/v1/embeddings", "{}", 404, "no endpoint POST /v1/embeddings");
}

TEST_F(BadInput, MissingOrWrongApiKeyIs401) {
    expect_error("/v1/completions", R"({"prompt": "Hi"})", 401, "no API key", "");
    expect_error("/v1/completions", R"({"prompt": "Hi"})", 401, "not valid", "sk-wrong");
    HttpReply m = http_get(port(), "/v1/models");
    EXPECT_EQ(m.status, 401);
    EXPECT_EQ(m.json()["error"]["type"], "authentication_error");
    EXPECT_EQ(http_get(port(), "/v1/models", kKey).status, 200);
    // The page and the health check stay open.
    EXPECT_EQ(http_get(port(), "/health").status, 200);
    EXPECT_EQ(http_get(port(), "/").status, 200);
}

// The chat endpoint checks the same fields, and a request that asks for a stream gets its error as one JSON
// body with the status, before any event is written.
TEST_F(BadInput, ChatAndStreamingRequestsGetTheSameErrors) {
    const std::string msgs = R"("messages": [{"role": "user", "content": "Hi"}])";
    expect_error("/v1/chat/completions", R"({"messages": [{"role": "user", "content": "Hi"}],)", 400, "not valid JSON");
    expect_error("/v1/chat/completions", "{" + msgs + R"(, "max_tokens": -1})", 400, "between 0 and");
    expect_error("/v1/chat/completions", "{" + msgs + R"(, "max_tokens": 2.5})", 400, "'max_tokens' must be an integer");
    expect_error("/v1/chat/completions", "{" + msgs + R"(, "model": "gpt-9"})", 404, "'gpt-9' does not exist");
    expect_error("/v1/chat/completions", "{" + msgs + "}", 401, "not valid", "sk-wrong");
    expect_error("/v1/completions", R"({"prompt": "Hi", "stream": true, "max_tokens": -2})", 400, "between 0 and");
    expect_error("/v1/completions", R"({"prompt": "Hi", "stream": true, "model": "gpt-9"})", 404, "does not exist");
    expect_error("/v1/chat/completions", "{" + msgs + R"(, "stream": true, "top_p": "all"})", 400, "'top_p'");
    std::string words;
    for (int i = 0; i < 300; ++i) words += "the cat sat ";
    expect_error("/v1/chat/completions",
                 json{{"messages", {{{"role", "user"}, {"content", words}}}}, {"stream", true}}.dump(), 400,
                 "context holds 128");
    expect_error("/tokenize", R"({"content": "Hi"})", 401, "no API key", "");
}

// A full queue answers 429: one slot, a queue of one, and sixteen clients at once asking for long replies; those
// that do not fit are refused, and every request gets either its whole reply or a 429.
TEST(BadInputQueue, FullQueueIs429) {
    ServerProcess server({"--parallel", "1", "--queue", "1", "-c", "2048"});
    const std::string slow = R"({"prompt": "Once", "max_tokens": 2000, "ignore_eos": true})";
    std::vector<HttpReply> replies(16);
    std::vector<std::thread> clients;
    for (size_t i = 0; i < replies.size(); ++i)
        clients.emplace_back([&, i] { replies[i] = http_post(server.port(), "/v1/completions", slow); });
    for (auto& t : clients) t.join();
    int ok = 0, refused = 0;
    for (const HttpReply& r : replies) {
        if (r.status == 200) {
            ++ok;
            EXPECT_EQ(r.json()["usage"]["completion_tokens"], 2000);
        } else {
            ++refused;
            EXPECT_EQ(r.status, 429) << r.body;
            EXPECT_EQ(r.json()["error"]["code"], "queue_full");
            EXPECT_EQ(r.json()["error"]["type"], "rate_limit_error");
            EXPECT_NE(r.json()["error"]["message"].get<std::string>().find("busy"), std::string::npos);
        }
    }
    // At least the first; the second fits only if it came after the scheduler took the first out of the queue.
    EXPECT_GE(ok, 1);
    EXPECT_GE(refused, 1);
    EXPECT_EQ(http_post(server.port(), "/v1/completions", R"({"prompt": "Hi", "max_tokens": 2})").status, 200);
}

}  // namespace
}  // namespace locus::test
