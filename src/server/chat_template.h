// Chat prompts for the common template families. Locus does not run the Jinja template stored in
// tokenizer.chat_template; it recognises which family the template belongs to by its marker tokens and renders
// that family's format itself. Models without a template get ChatML when their vocabulary has <|im_start|>,
// otherwise a plain "User: ... / Assistant:" transcript.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace locus::server {

enum class ChatFormat { ChatML, Llama2, Llama3, Mistral, Zephyr, Plain };

struct ChatMessage {
    std::string role;  // system, user or assistant
    std::string content;
};

// "chatml", "llama2", "llama3", "mistral", "zephyr", "plain" (also accepts "qwen" for chatml).
Expected<ChatFormat> chat_format_from_name(std::string_view name);
const char* chat_format_name(ChatFormat f);
// The family a Jinja chat template belongs to, or nullopt when its markers match none.
std::optional<ChatFormat> detect_chat_format(std::string_view jinja_template);

// The format a server uses, and a line saying why (logged at start-up).
struct ChatChoice {
    ChatFormat format = ChatFormat::Plain;
    std::string note;
};
// override_name wins; else the stored template's family; else the default described at the top. An unknown
// override name, or a stored template of no known family without an override, is an error.
Expected<ChatChoice> choose_chat_format(std::string_view override_name, std::string_view stored_template,
                                        bool vocab_has_chatml_tokens);

// The prompt text for `messages`, ending where the assistant's reply begins. The BOS token is not written
// (the tokenizer adds it); other special tokens are, as text to be parsed. Errors name the rule broken.
Expected<std::string> render_chat(ChatFormat f, const std::vector<ChatMessage>& messages);

// Text of the token that ends an assistant turn in this format ("<|im_end|>", "<|eot_id|>", "</s>"), or ""
// (Plain), and text that ends the turn when the model writes it as ordinary text (Plain: "\nUser:").
const char* chat_end_of_turn_token(ChatFormat f);
const char* chat_end_of_turn_text(ChatFormat f);

}  // namespace locus::server
