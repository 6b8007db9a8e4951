// A bounded load over loopback (the small sibling of bench/server_load.py): 32 clients, 100 requests, streaming
// and not, every tenth client leaving early. Every completed reply must equal the reply the same request gets
// alone (so it is whole and belongs to its request); afterwards no slot is busy and the server still serves.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "server_process.h"

namespace locus::test {
namespace {

using nlohmann::json;

TEST(ServerLoad, ConcurrentClientsGetTheirOwnWholeReplies) {
    ServerProcess server({"--parallel", "8", "-c", "256"});
    const std::vector<std::string> prompts = {"Once upon a time", "The little dog", "Tom and Sue", "One day, a bird",
                                              "Lily had a red ball", "The sun was hot", "A big fish", "Mom said"};
    auto body = [&](size_t kind) {
        return json{{"prompt", prompts[kind % prompts.size()]}, {"max_tokens", 32}, {"echo", true},
                    {"temperature", kind < prompts.size() ? 0.0 : 0.8}, {"seed", 100 + kind}};
    };
    const size_t n_kinds = 2 * prompts.size();
    std::vector<std::string> reference;
    for (size_t k = 0; k < n_kinds; ++k) {
        HttpReply r = http_post(server.port(), "/v1/completions", body(k).dump());
        ASSERT_EQ(r.status, 200) << r.body;
        reference.push_back(r.json()["choices"][0]["text"]);
    }

    constexpr int kRequests = 100, kClients = 32;
    std::atomic<int> next{0}, completed{0}, left{0};
    std::mutex mu;
    std::vector<std::string> failures;
    auto client = [&] {
        for (int i; (i = next.fetch_add(1)) < kRequests;) {
            const size_t kind = size_t(i) % n_kinds;
            json b = body(kind);
            std::string text;
            if (i % 10 == 9) {  // leaves after two events
                b["stream"] = true;
                http_stream(server.port(), "/v1/completions", b.dump(), 2);
                ++left;
                continue;
            }
            if (i % 2) {
                b["stream"] = true;
                const auto ev = http_stream(server.port(), "/v1/completions", b.dump());
                bool done = !ev.empty() && ev.back() == "[DONE]";
                for (size_t e = 0; done && e + 1 < ev.size(); ++e)
                    text += json::parse(ev[e])["choices"][0]["text"].get<std::string>();
                if (!done) text = "<stream without [DONE]>";
            } else {
                HttpReply r = http_post(server.port(), "/v1/completions", b.dump());
                text = r.status == 200 ? r.json()["choices"][0]["text"].get<std::string>()
                                       : "<HTTP " + std::to_string(r.status) + " " + r.body + ">";
            }
            if (text == reference[kind]) {
                ++completed;
            } else {
                std::lock_guard lk(mu);
                failures.push_back("request " + std::to_string(i) + ": " + text + " != " + reference[kind]);
            }
        }
    };
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) clients.emplace_back(client);
    for (auto& t : clients) t.join();

    EXPECT_TRUE(failures.empty()) << failures.size() << " bad replies, first: " << failures.front();
    EXPECT_EQ(completed + left, kRequests);
    std::string metrics;
    for (int i = 0; i < 100; ++i) {
        metrics = http_get(server.port(), "/metrics").body;
        if (metrics.find("locus_slots_busy 0\n") != std::string::npos) break;
        usleep(10000);
    }
    EXPECT_NE(metrics.find("locus_slots_busy 0\n"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("locus_queue_depth 0\n"), std::string::npos) << metrics;
    EXPECT_TRUE(server.alive());
    EXPECT_EQ(http_get(server.port(), "/health").status, 200);
}

}  // namespace
}  // namespace locus::test
