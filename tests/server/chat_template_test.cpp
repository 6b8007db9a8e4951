// Chat formats: recognising template families, rendering each, and the errors when one cannot be applied.
#include <gtest/gtest.h>

#include "server/chat_template.h"

namespace locus::server {
namespace {

const std::vector<ChatMessage> kChat = {{"system", "Be brief."}, {"user", "Hi"}, {"assistant", "Hello."}, {"user", "Bye"}};

TEST(ChatTemplate, RecognisesFamiliesByTheirMarkers) {
    EXPECT_EQ(detect_chat_format("{% for m in messages %}<|im_start|>{{m.role}}\n{{m.content}}<|im_end|>"),
              ChatFormat::ChatML);
    EXPECT_EQ(detect_chat_format("<|start_header_id|>' + message['role'] + '<|end_header_id|>"), ChatFormat::Llama3);
    EXPECT_EQ(detect_chat_format("{{ '[INST] <<SYS>>\\n' + system + '\\n<</SYS>>' }}"), ChatFormat::Llama2);
    EXPECT_EQ(detect_chat_format("{{ bos_token }}{% for m in messages %}[INST] {{ m.content }} [/INST]"),
              ChatFormat::Mistral);
    EXPECT_EQ(detect_chat_format("<|user|>\n{{ m.content }}</s><|assistant|>"), ChatFormat::Zephyr);
    EXPECT_FALSE(detect_chat_format("{{ messages | tojson }}").has_value());
}

TEST(ChatTemplate, RendersEachFormat) {
    EXPECT_EQ(*render_chat(ChatFormat::ChatML, kChat),
              "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
              "Hello.<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n");
    EXPECT_EQ(*render_chat(ChatFormat::Llama3, {{"user", "Hi"}}),
              "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
    EXPECT_EQ(*render_chat(ChatFormat::Llama2, kChat),
              "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello. </s><s>[INST] Bye [/INST]");
    EXPECT_EQ(*render_chat(ChatFormat::Mistral, kChat), "[INST] Be brief.\n\nHi [/INST]Hello.</s><s>[INST] Bye [/INST]");
    EXPECT_EQ(*render_chat(ChatFormat::Zephyr, {{"user", "Hi"}}), "<|user|>\nHi</s>\n<|assistant|>\n");
    EXPECT_EQ(*render_chat(ChatFormat::Plain, kChat),
              "System: Be brief.\nUser: Hi\nAssistant: Hello.\nUser: Bye\nAssistant:");
}

TEST(ChatTemplate, ErrorsNameTheRuleBroken) {
    auto r = render_chat(ChatFormat::Llama2, {{"user", "a"}, {"user", "b"}});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("alternate"), std::string::npos) << r.error();
    r = render_chat(ChatFormat::Mistral, {{"user", "a"}, {"assistant", "b"}});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("last message"), std::string::npos) << r.error();
    r = render_chat(ChatFormat::ChatML, {{"tool", "x"}});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("role 'tool'"), std::string::npos);
    EXPECT_FALSE(render_chat(ChatFormat::ChatML, {}));
}

TEST(ChatTemplate, ChoosesOverrideThenStoredThenDefault) {
    EXPECT_EQ(choose_chat_format("llama3", "<|im_start|>", false)->format, ChatFormat::Llama3);
    EXPECT_EQ(choose_chat_format("", "<|im_start|>", false)->format, ChatFormat::ChatML);
    EXPECT_EQ(choose_chat_format("", "", true)->format, ChatFormat::ChatML);
    EXPECT_EQ(choose_chat_format("", "", false)->format, ChatFormat::Plain);
    auto unknown = choose_chat_format("", "{{ weird }}", false);
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().find("--chat-template"), std::string::npos);
    auto bad_name = choose_chat_format("vicuna", "", false);
    ASSERT_FALSE(bad_name);
    EXPECT_NE(bad_name.error().find("unknown chat template 'vicuna'"), std::string::npos);
}

}  // namespace
}  // namespace locus::server
