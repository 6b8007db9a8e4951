#include <gtest/gtest.h>

#include "server/request_parser.h"

namespace locus::server {
namespace {

using nlohmann::json;

TEST(RequestParser, CompletionDefaultsFollowOpenAI) {
    auto r = parse_completion_request(json{{"prompt", "Hi"}});
    ASSERT_TRUE(r.ok()) << r.error.message;
    EXPECT_EQ(r.value->gen.max_tokens, 16);
    EXPECT_FLOAT_EQ(r.value->gen.sampler.temperature, 1.0f);
    EXPECT_FLOAT_EQ(r.value->gen.sampler.top_p, 1.0f);
    EXPECT_EQ(r.value->gen.sampler.top_k, 0);
    EXPECT_EQ(r.value->gen.logprobs, -1);
    EXPECT_FALSE(r.value->stream);
    auto c = parse_chat_request(json{{"messages", {{{"role", "user"}, {"content", "Hi"}}}}});
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c.value->gen.max_tokens, -1);  // chat: to the end of the turn
}

TEST(RequestParser, ReadsEveryField) {
    auto r = parse_completion_request(json{{"prompt", {1, 2, 3}}, {"max_tokens", 7}, {"temperature", 0.5},
                                           {"top_p", 0.9}, {"stop", "x"}, {"seed", 9}, {"stream", true},
                                           {"presence_penalty", 0.1}, {"frequency_penalty", -0.2}, {"logprobs", 2},
                                           {"echo", true}, {"stream_options", {{"include_usage", true}}}});
    ASSERT_TRUE(r.ok()) << r.error.message;
    const CompletionRequest& q = *r.value;
    EXPECT_EQ(std::get<std::vector<int32_t>>(q.prompt), (std::vector<int32_t>{1, 2, 3}));
    EXPECT_EQ(q.gen.max_tokens, 7);
    EXPECT_FLOAT_EQ(q.gen.sampler.temperature, 0.5f);
    EXPECT_FLOAT_EQ(q.gen.sampler.top_p, 0.9f);
    EXPECT_EQ(q.gen.stop, std::vector<std::string>{"x"});
    EXPECT_EQ(q.gen.sampler.seed, 9u);
    EXPECT_TRUE(q.stream && q.echo && q.include_usage);
    EXPECT_FLOAT_EQ(q.gen.presence_penalty, 0.1f);
    EXPECT_FLOAT_EQ(q.gen.frequency_penalty, -0.2f);
    EXPECT_EQ(q.gen.logprobs, 2);
}

TEST(RequestParser, ChatContentPartsAndDeveloperRole) {
    auto c = parse_chat_request(json::parse(
        R"({"messages":[{"role":"developer","content":"Be kind."},
                        {"role":"user","content":[{"type":"text","text":"Hel"},{"type":"text","text":"lo"}]}]})"));
    ASSERT_TRUE(c.ok()) << c.error.message;
    EXPECT_EQ(c.value->messages[0].role, "system");
    EXPECT_EQ(c.value->messages[1].content, "Hello");
    auto img = parse_chat_request(json::parse(R"({"messages":[{"role":"user","content":[{"type":"image_url"}]}]})"));
    ASSERT_FALSE(img.ok());
    EXPECT_EQ(img.error.status, 400);
    EXPECT_NE(img.error.message.find("type 'text'"), std::string::npos);
}

TEST(RequestParser, ErrorsNameTheField) {
    auto r = parse_completion_request(json{{"prompt", "Hi"}, {"top_p", -1}});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error.param, "top_p");
    r = parse_completion_request(json{{"max_tokens", 3}});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error.message, "'prompt' is required");
    auto c = parse_chat_request(json{{"messages", {{{"role", "user"}, {"content", "x"}}}}, {"top_logprobs", 3}});
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error.param, "top_logprobs");
    auto j = parse_json_object("{\"a\": tru}");
    ASSERT_FALSE(j.ok());
    EXPECT_NE(j.error.message.find("not valid JSON"), std::string::npos);
}

}  // namespace
}  // namespace locus::server
