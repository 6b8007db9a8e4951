#include "server/scheduler.h"

#include <algorithm>

#include <fmt/format.h>

namespace locus::server {

Expected<std::unique_ptr<Scheduler>> Scheduler::create(Engine& engine, const SchedulerOptions& opts) {
    if (opts.n_slots < 1) return Status::error(fmt::format("--parallel must be at least 1 (got {})", opts.n_slots));
    SessionOptions so;
    so.n_ctx = opts.n_ctx;
    so.n_seq = opts.n_slots;
    so.n_batch = opts.n_batch;
    auto session = Session::create(engine, so);
    if (!session) return session.status();
    return std::unique_ptr<Scheduler>(new Scheduler(engine, std::move(*session), opts));
}

Scheduler::Scheduler(Engine& engine, std::unique_ptr<Session> session, const SchedulerOptions& opts)
    : engine_(engine), session_(std::move(session)), n_ctx_(session_->n_ctx()), max_queue_(opts.max_queue),
      n_batch_(opts.n_batch) {
    for (int i = 0; i < opts.n_slots; ++i) slots_.emplace_back(i, engine.tokenizer(), n_ctx_);
    thread_ = std::thread([this] { loop(); });
}

Scheduler::~Scheduler() { stop(); }

std::shared_ptr<Job> Scheduler::submit(JobSpec spec) {
    auto job = std::make_shared<Job>(std::move(spec));
    {
        std::lock_guard lk(mu_);
        if (stopping_ || queue_.size() >= max_queue_) return nullptr;
        queue_.push_back(job);
    }
    cv_.notify_one();
    return job;
}

void Scheduler::stop() {
    {
        std::lock_guard lk(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    // stop() may come from a signal thread and the main thread at once; only one may join.
    std::lock_guard lk(join_mu_);
    if (thread_.joinable()) thread_.join();
}

SchedulerStats Scheduler::stats() {
    SchedulerStats s;
    s.slots_total = n_slots();
    s.slots_busy = busy_.load();
    {
        std::lock_guard lk(mu_);
        s.queue_depth = queue_.size();
    }
    s.steps = steps_.load();
    s.prompt_tokens = prompt_tokens_.load();
    s.generated_tokens = generated_tokens_.load();
    s.jobs_finished = finished_.load();
    s.jobs_cancelled = cancelled_.load();
    std::lock_guard lk(meter_mu_);
    s.tokens_per_second = meter_.rate();
    return s;
}

void Scheduler::admit() {
    for (Slot& slot : slots_) {
        if (slot.busy()) continue;
        while (!queue_.empty()) {
            std::shared_ptr<Job> job = std::move(queue_.front());
            queue_.pop_front();
            if (job->cancelled()) {
                job->finish({FinishReason::Cancelled, {}, int64_t(job->spec().prompt.size()), 0});
                ++cancelled_;
                continue;
            }
            if (job->spec().params.max_tokens == 0) {
                job->finish({FinishReason::Length, {}, int64_t(job->spec().prompt.size()), 0});
                ++finished_;
                continue;
            }
            session_->clear(slot.seq());
            slot.start(std::move(job));
            break;
        }
    }
}

bool Scheduler::step() {
    // A cancelled job (client gone) leaves its slot before the batch is built.
    for (Slot& slot : slots_) {
        if (slot.busy() && slot.job()->cancelled()) {
            slot.finish(FinishReason::Cancelled);
            ++cancelled_;
        }
    }
    batch_.clear();
    batch_owner_.clear();
    // Decoding slots first (one token each), then prompt chunks in the remaining budget, so a long prompt
    // cannot stall the replies already streaming.
    int64_t budget = n_batch_;
    uint64_t n_prompt = 0;
    for (int pass = 0; pass < 2; ++pass) {
        for (Slot& slot : slots_) {
            if (!slot.busy() || slot.prefilling() != (pass == 1)) continue;
            bool wants = false;
            const int64_t n = slot.add_input(batch_, budget, &wants);
            budget -= n;
            if (pass == 1) n_prompt += uint64_t(n);
            if (wants) batch_owner_.push_back(slot.seq());
        }
    }
    busy_ = int(std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.busy(); }));
    if (batch_.size() == 0) return false;

    if (Status st = session_->decode(batch_); !st) {
        for (Slot& slot : slots_)
            if (slot.busy()) slot.finish(FinishReason::Error, st.message());
        return true;
    }
    ++steps_;
    prompt_tokens_ += n_prompt;
    for (size_t i = 0; i < batch_owner_.size(); ++i) {
        Slot& slot = slots_[size_t(batch_owner_[i])];
        slot.on_logits(session_->logits(int64_t(i)), int(session_->n_vocab()));
        if (!slot.busy()) ++finished_;
    }
    // Every logits row is one sampled token (an end-of-turn token included).
    generated_tokens_ += uint64_t(batch_owner_.size());
    {
        std::lock_guard lk(meter_mu_);
        meter_.add(int64_t(batch_owner_.size()));
    }
    busy_ = int(std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.busy(); }));
    return true;
}

void Scheduler::loop() {
    for (;;) {
        {
            std::unique_lock lk(mu_);
            cv_.wait(lk, [&] {
                return stopping_ || !queue_.empty() ||
                       std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.busy(); });
            });
            if (stopping_) break;
            admit();
        }
        step();
    }
    std::lock_guard lk(mu_);
    for (Slot& slot : slots_)
        if (slot.busy()) slot.finish(FinishReason::Cancelled, "the server is stopping");
    for (auto& job : queue_) job->finish({FinishReason::Cancelled, "the server is stopping", 0, 0});
    queue_.clear();
    busy_ = 0;
}

}  // namespace locus::server
