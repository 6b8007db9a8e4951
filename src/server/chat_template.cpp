#include "server/chat_template.h"

#include <fmt/format.h>

namespace locus::server {
namespace {

bool contains(std::string_view s, std::string_view what) { return s.find(what) != std::string_view::npos; }

std::string render_chatml(const std::vector<ChatMessage>& msgs) {
    std::string out;
    for (const ChatMessage& m : msgs) out += fmt::format("<|im_start|>{}\n{}<|im_end|>\n", m.role, m.content);
    return out + "<|im_start|>assistant\n";
}

std::string render_llama3(const std::vector<ChatMessage>& msgs) {
    std::string out;
    for (const ChatMessage& m : msgs)
        out += fmt::format("<|start_header_id|>{}<|end_header_id|>\n\n{}<|eot_id|>", m.role, m.content);
    return out + "<|start_header_id|>assistant<|end_header_id|>\n\n";
}

std::string render_zephyr(const std::vector<ChatMessage>& msgs) {
    std::string out;
    for (const ChatMessage& m : msgs) out += fmt::format("<|{}|>\n{}</s>\n", m.role, m.content);
    return out + "<|assistant|>\n";
}

std::string render_plain(const std::vector<ChatMessage>& msgs) {
    std::string out;
    for (const ChatMessage& m : msgs) {
        const char* who = m.role == "system" ? "System" : m.role == "user" ? "User" : "Assistant";
        out += fmt::format("{}: {}\n", who, m.content);
    }
    return out + "Assistant:";
}

// Llama 2 and Mistral wrap each user turn in [INST] ... [/INST] and close each assistant turn with </s>; the
// system prompt goes into the first user turn (Llama 2 inside <<SYS>> markers). They need user and assistant to
// alternate, starting and ending with the user.
Expected<std::string> render_inst(const std::vector<ChatMessage>& msgs, bool llama2) {
    const char* family = llama2 ? "Llama 2" : "Mistral";
    std::string system;
    size_t first = 0;
    if (!msgs.empty() && msgs[0].role == "system") {
        system = msgs[0].content;
        first = 1;
    }
    std::string out;
    for (size_t i = first; i < msgs.size(); ++i) {
        const ChatMessage& m = msgs[i];
        const bool want_user = (i - first) % 2 == 0;
        if (m.role != (want_user ? "user" : "assistant"))
            return Status::error(fmt::format(
                "the {} chat format needs user and assistant messages to alternate after an optional first system "
                "message, but message {} is from '{}'",
                family, i, m.role));
        if (want_user) {
            std::string text = m.content;
            if (i == first && !system.empty())
                text = llama2 ? fmt::format("<<SYS>>\n{}\n<</SYS>>\n\n{}", system, text) : system + "\n\n" + text;
            if (i != first) out += "<s>";
            out += fmt::format("[INST] {} [/INST]", text);
        } else {
            out += llama2 ? fmt::format(" {} </s>", m.content) : fmt::format("{}</s>", m.content);
        }
    }
    if (msgs.size() == first || msgs.back().role != "user")
        return Status::error(fmt::format("the {} chat format needs the last message to be from the user", family));
    return out;
}

}  // namespace

Expected<ChatFormat> chat_format_from_name(std::string_view name) {
    if (name == "chatml" || name == "qwen") return ChatFormat::ChatML;
    if (name == "llama2") return ChatFormat::Llama2;
    if (name == "llama3") return ChatFormat::Llama3;
    if (name == "mistral") return ChatFormat::Mistral;
    if (name == "zephyr") return ChatFormat::Zephyr;
    if (name == "plain") return ChatFormat::Plain;
    return Status::error(fmt::format(
        "unknown chat template '{}' (known: chatml, qwen, llama2, llama3, mistral, zephyr, plain)", name));
}

const char* chat_format_name(ChatFormat f) {
    switch (f) {
        case ChatFormat::ChatML: return "chatml";
        case ChatFormat::Llama2: return "llama2";
        case ChatFormat::Llama3: return "llama3";
        case ChatFormat::Mistral: return "mistral";
        case ChatFormat::Zephyr: return "zephyr";
        case ChatFormat::Plain: return "plain";
    }
    return "?";
}

std::optional<ChatFormat> detect_chat_format(std::string_view t) {
    if (contains(t, "<|im_start|>")) return ChatFormat::ChatML;
    if (contains(t, "<|start_header_id|>")) return ChatFormat::Llama3;
    if (contains(t, "<|user|>") && contains(t, "<|assistant|>")) return ChatFormat::Zephyr;
    if (contains(t, "[INST]")) return contains(t, "<<SYS>>") ? ChatFormat::Llama2 : ChatFormat::Mistral;
    return std::nullopt;
}

Expected<ChatChoice> choose_chat_format(std::string_view override_name, std::string_view stored,
                                        bool vocab_has_chatml_tokens) {
    if (!override_name.empty()) {
        auto f = chat_format_from_name(override_name);
        if (!f) return f.status();
        return ChatChoice{*f, fmt::format("chat format '{}' (from --chat-template)", chat_format_name(*f))};
    }
    if (!stored.empty()) {
        if (auto f = detect_chat_format(stored))
            return ChatChoice{*f, fmt::format("chat format '{}' (recognised in tokenizer.chat_template)",
                                              chat_format_name(*f))};
        return Status::error(
            "the model's tokenizer.chat_template belongs to no family Locus knows (chatml, llama2, llama3, mistral, "
            "zephyr); choose one with --chat-template NAME");
    }
    if (vocab_has_chatml_tokens)
        return ChatChoice{ChatFormat::ChatML,
                          "chat format 'chatml' (the model has no chat template; its vocabulary has <|im_start|>)"};
    return ChatChoice{ChatFormat::Plain,
                      "chat format 'plain' (the model has no chat template: \"User: ...\\nAssistant:\" transcript)"};
}

Expected<std::string> render_chat(ChatFormat f, const std::vector<ChatMessage>& msgs) {
    if (msgs.empty()) return Status::error("'messages' must hold at least one message");
    for (size_t i = 0; i < msgs.size(); ++i)
        if (msgs[i].role != "system" && msgs[i].role != "user" && msgs[i].role != "assistant")
            return Status::error(fmt::format("message {} has role '{}'; supported roles are system, user and assistant",
                                             i, msgs[i].role));
    switch (f) {
        case ChatFormat::ChatML: return render_chatml(msgs);
        case ChatFormat::Llama3: return render_llama3(msgs);
        case ChatFormat::Zephyr: return render_zephyr(msgs);
        case ChatFormat::Plain: return render_plain(msgs);
        case ChatFormat::Llama2: return render_inst(msgs, true);
        case ChatFormat::Mistral: return render_inst(msgs, false);
    }
    return Status::error("internal error: unhandled chat format");
}

const char* chat_end_of_turn_token(ChatFormat f) {
    switch (f) {
        case ChatFormat::ChatML: return "<|im_end|>";
        case ChatFormat::Llama3: return "<|eot_id|>";
        case ChatFormat::Llama2: case ChatFormat::Mistral: case ChatFormat::Zephyr: return "</s>";
        case ChatFormat::Plain: return "";
    }
    return "";
}

const char* chat_end_of_turn_text(ChatFormat f) { return f == ChatFormat::Plain ? "\nUser:" : ""; }

}  // namespace locus::server
