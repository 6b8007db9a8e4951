// The chat page in headless Chromium (scripts/setup.sh installs it): the page sends a message given in its URL,
// streams the reply from the server, and the rendered DOM holds the same reply the API gives.
#include <gtest/gtest.h>

#include <filesystem>

#include "server_process.h"

namespace locus::test {
namespace {

using nlohmann::json;

std::string chromium_binary() {
    for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"})
        if (std::filesystem::exists(p)) return p;
    return {};
}

// Text content of the first element whose opening tag contains `marker`, HTML entities for <, >, & undone.
std::string element_text(const std::string& html, const std::string& marker) {
    const size_t at = html.find(marker);
    if (at == std::string::npos) return "<no element>";
    const size_t start = html.find('>', at) + 1;
    std::string t = html.substr(start, html.find("</div>", start) - start);
    for (auto [from, to] : {std::pair{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&amp;", "&"}})
        for (size_t p; (p = t.find(from)) != std::string::npos;) t.replace(p, std::string(from).size(), to);
    return t;
}

TEST(ChatPage, StreamsAReplyInHeadlessChromium) {
    const std::string chromium = chromium_binary();
    ASSERT_FALSE(chromium.empty()) << "chromium is missing: run scripts/setup.sh";
    ServerProcess server({"--parallel", "2", "-c", "256"});
    const std::string prompt = "Tell me a story";
    // What the page should show: the API's greedy reply to the same one-message chat.
    HttpReply api = http_post(server.port(), "/v1/chat/completions",
                              json{{"messages", {{{"role", "user"}, {"content", prompt}}}}, {"temperature", 0},
                                   {"max_tokens", 40}}.dump());
    ASSERT_EQ(api.status, 200) << api.body;
    const std::string expected = api.json()["choices"][0]["message"]["content"];

    const std::string url = server.base_url() + "/?temperature=0&max_tokens=40&prompt=Tell%20me%20a%20story";
    const std::string profile = temp_dir() + "/chromium-profile";
    // The virtual time budget lets the page's fetch and stream finish before the DOM is dumped; on a loaded
    // machine Chromium sometimes dumps while the stream is still open, so a dump without a finished reply is
    // taken again (a few times at most).
    CommandResult r{};
    for (int attempt = 0; attempt < 4; ++attempt) {
        r = run_command("{ " + chromium + " --headless --no-sandbox --disable-gpu --user-data-dir=" + profile +
                        " --virtual-time-budget=30000 --dump-dom '" + url + "' 2>/dev/null; }");
        ASSERT_EQ(r.exit_code, 0) << r.output;
        if (r.output.find("data-state=\"idle\"") != std::string::npos) break;
    }
    const std::string& dom = r.output;
    EXPECT_NE(dom.find("data-state=\"idle\""), std::string::npos) << dom;
    EXPECT_EQ(element_text(dom, "class=\"msg user\""), prompt);
    const size_t reply_at = dom.find("class=\"msg assistant\"");
    ASSERT_NE(reply_at, std::string::npos) << dom;
    const std::string reply_tag = dom.substr(reply_at, dom.find('>', reply_at) - reply_at);
    EXPECT_NE(reply_tag.find("data-done=\"1\""), std::string::npos) << reply_tag;
    // Several stream events arrived (role, text pieces, finish), not one whole body.
    const size_t c = reply_tag.find("data-chunks=\"");
    ASSERT_NE(c, std::string::npos) << reply_tag;
    EXPECT_GT(std::stoi(reply_tag.substr(c + 13)), 3) << reply_tag;
    EXPECT_EQ(element_text(dom, "class=\"msg assistant\""), expected);
    EXPECT_EQ(dom.find("class=\"msg error\""), std::string::npos) << dom;
}

}  // namespace
}  // namespace locus::test
