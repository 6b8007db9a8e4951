// The batching scheduler in process: batched generations equal one-at-a-time ones, cancellation frees the slot,
// and the HTTP front end answers 503 until a model is attached.
#include <gtest/gtest.h>

#include <thread>

#include "server/http_server.h"
#include "server/scheduler.h"
#include "server_process.h"

namespace locus::server {
namespace {

std::unique_ptr<Engine> load_stories() {
    EngineOptions o;
    o.model_path = test::bundled_model();
    o.n_threads = 1;
    auto e = Engine::load(o);
    EXPECT_TRUE(e) << e.error();
    return e ? std::move(*e) : nullptr;
}

JobSpec greedy_job(const Engine& e, const std::string& prompt, int n, uint32_t seed = 0, float temp = 0.0f) {
    JobSpec s;
    s.prompt = e.tokenizer().encode(prompt, true, true);
    s.params.max_tokens = n;
    s.params.sampler.temperature = temp;
    s.params.sampler.seed = seed;
    return s;
}

std::string collect(Job& job, JobOutcome* outcome = nullptr) {
    std::vector<Piece> pieces;
    while (!job.wait(pieces, std::chrono::milliseconds(100))) {}
    std::string text;
    for (const Piece& p : pieces) text += p.text;
    if (outcome) *outcome = job.outcome();
    return text;
}

TEST(Scheduler, BatchedGenerationsEqualOneAtATime) {
    auto engine = load_stories();
    ASSERT_TRUE(engine);
    const std::vector<std::string> prompts = {"Once upon a time", "The dog", "Lily and Tom went", "A bird",
                                              "One day, a little boy", "The sun"};
    std::vector<std::string> alone;
    {
        auto one = Scheduler::create(*engine, {1, 256, 64, 512});
        ASSERT_TRUE(one) << one.error();
        for (size_t i = 0; i < prompts.size(); ++i)
            alone.push_back(collect(*(*one)->submit(greedy_job(*engine, prompts[i], 40, uint32_t(i), i % 2 ? 0.9f : 0))));
    }
    auto many = Scheduler::create(*engine, {4, 256, 64, 512});
    ASSERT_TRUE(many);
    std::vector<std::shared_ptr<Job>> jobs;
    for (size_t i = 0; i < prompts.size(); ++i)
        jobs.push_back((*many)->submit(greedy_job(*engine, prompts[i], 40, uint32_t(i), i % 2 ? 0.9f : 0)));
    for (size_t i = 0; i < prompts.size(); ++i) {
        JobOutcome o;
        EXPECT_EQ(collect(*jobs[i], &o), alone[i]) << "prompt " << i;
        EXPECT_EQ(o.reason, FinishReason::Length);
        EXPECT_EQ(o.completion_tokens, 40);
    }
    // Six 40-token jobs over four slots took far fewer steps than 6 * 40 one-at-a-time ones.
    EXPECT_LT((*many)->stats().steps, 6u * 40u * 3u / 4u);
    // The gauge is refreshed after the step that finished the jobs.
    for (int i = 0; i < 100 && (*many)->stats().slots_busy != 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    EXPECT_EQ((*many)->stats().slots_busy, 0);
}

TEST(Scheduler, CancelFreesTheSlotForTheNextJob) {
    auto engine = load_stories();
    ASSERT_TRUE(engine);
    auto s = Scheduler::create(*engine, {1, 2048, 4, 512});
    ASSERT_TRUE(s);
    JobSpec long_job = greedy_job(*engine, "Once", 2000);
    long_job.params.ignore_eos = true;
    auto first = (*s)->submit(long_job);
    auto second = (*s)->submit(greedy_job(*engine, "Once upon a time", 5));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    first->cancel();
    JobOutcome o1, o2;
    collect(*first, &o1);
    collect(*second, &o2);
    EXPECT_EQ(o1.reason, FinishReason::Cancelled);
    EXPECT_LT(o1.completion_tokens, 2000);
    EXPECT_EQ(o2.reason, FinishReason::Length);
    EXPECT_EQ(o2.completion_tokens, 5);
    EXPECT_EQ((*s)->stats().jobs_cancelled, 1u);
}

TEST(Scheduler, QueueBoundRefusesExtraJobs) {
    auto engine = load_stories();
    ASSERT_TRUE(engine);
    auto s = Scheduler::create(*engine, {1, 2048, 1, 512});
    ASSERT_TRUE(s);
    JobSpec long_job = greedy_job(*engine, "Once", 2000);
    long_job.params.ignore_eos = true;
    auto running = (*s)->submit(long_job);
    while ((*s)->stats().slots_busy == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    auto waiting = (*s)->submit(long_job);
    EXPECT_NE(waiting, nullptr);
    EXPECT_EQ((*s)->submit(long_job), nullptr) << "a queue of one holds one";
    running->cancel();
    waiting->cancel();
}

TEST(HttpServerBeforeModel, Answers503WhileLoading) {
    ServerOptions o;
    o.port = 0;
    o.model_id = "m";
    HttpServer http(o);
    auto port = http.bind();
    ASSERT_TRUE(port) << port.error();
    std::thread t([&] { http.listen(); });
    for (int i = 0; i < 100 && test::http_get(*port, "/health").status == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    test::HttpReply h = test::http_get(*port, "/health");
    EXPECT_EQ(h.status, 503);
    test::HttpReply c = test::http_post(*port, "/v1/completions", R"({"prompt":"Hi"})");
    EXPECT_EQ(c.status, 503);
    EXPECT_EQ(c.json()["error"]["code"], "model_loading");
    auto engine = load_stories();
    ASSERT_TRUE(engine);
    std::string note;
    ASSERT_TRUE(http.attach(*engine, &note));
    EXPECT_NE(note.find("plain"), std::string::npos) << note;
    EXPECT_EQ(test::http_get(*port, "/health").status, 200);
    EXPECT_EQ(test::http_post(*port, "/v1/completions", R"({"prompt":"Hi","max_tokens":2})").status, 200);
    http.stop();
    t.join();
}

}  // namespace
}  // namespace locus::server
