// The chat page in headless Chromium (scripts/setup.sh installs it): the page sends a message given in its URL,
// streams the reply from the server, and its DOM, once the reply is done, holds the same reply the API gives.
#include <gtest/gtest.h>

#include <filesystem>

#include "headless_chromium.h"
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
    HeadlessChromium browser(chromium, temp_dir() + "/chromium-profile");
    ASSERT_TRUE(browser.started());
    const std::string session = browser.open(url);
    ASSERT_FALSE(session.empty()) << "could not open the page in Chromium";
    // Waits in the page until the reply has finished streaming, then takes the DOM. The first evaluations may
    // land before the page has loaded (about:blank, or a context replaced by the navigation): asked again.
    const std::string wait_for_reply = R"JS(new Promise((resolve) => {
        const check = () => {
          const reply = document.querySelector(".msg.assistant");
          if (location.protocol === "http:" && document.body && document.body.dataset.state === "idle" && reply)
            resolve(document.documentElement.outerHTML);
          else setTimeout(check, 20);
        };
        check();
      }))JS";
    nlohmann::json dom_value;
    for (int attempt = 0; attempt < 20 && !dom_value.is_string(); ++attempt) {
        dom_value = browser.evaluate(session, wait_for_reply, 60000);
        if (!dom_value.is_string()) usleep(100000);
    }
    ASSERT_TRUE(dom_value.is_string()) << "the page did not finish a reply";
    const std::string dom = dom_value.get<std::string>();
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
