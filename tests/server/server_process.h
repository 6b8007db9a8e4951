// Test helpers: `locus serve` as a child process on a free loopback port, and small HTTP calls against it.
#pragma once
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace locus::test {

// The model every server test uses: the bundled stories260K.
std::string bundled_model();

class ServerProcess {
public:
    // Starts `locus serve -m MODEL --port 0 ARGS...` and waits for its "ready" line; fails the test on error.
    explicit ServerProcess(const std::vector<std::string>& args);
    ~ServerProcess();  // SIGTERM, then waits; a crash (signal exit) fails the test
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    int port() const { return port_; }
    int pid() const { return pid_; }
    bool alive() const;
    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    int pid_ = -1;
    int port_ = 0;
    int out_fd_ = -1;
};

struct HttpReply {
    int status = 0;  // 0: no response
    std::string body;
    std::string content_type;
    nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

HttpReply http_get(int port, const std::string& path, const std::string& api_key = "");
HttpReply http_post(int port, const std::string& path, const std::string& body, const std::string& api_key = "");
// POSTs and collects the server-sent events' payloads (without "data: "), up to and including "[DONE]".
// leave_after > 0: hangs up after that many events.
std::vector<std::string> http_stream(int port, const std::string& path, const std::string& body,
                                     int leave_after = 0, int* status = nullptr);

// ---- implementation (header-only: tests/CMakeLists.txt compiles *_test.cpp files only) ----


inline std::string bundled_model() { return source_dir() + "/models/stories260K.gguf"; }

inline ServerProcess::ServerProcess(const std::vector<std::string>& args) {
    int pipe_fd[2];
    if (pipe(pipe_fd) != 0) {
        ADD_FAILURE() << "pipe failed";
        return;
    }
    std::vector<std::string> argv_s = {locus_binary(), "serve", "-m", bundled_model(), "--port", "0", "-t", "1"};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    pid_ = fork();
    if (pid_ == 0) {
        dup2(pipe_fd[1], STDOUT_FILENO);
        close(pipe_fd[0]);
        close(pipe_fd[1]);
        std::vector<char*> argv;
        for (std::string& s : argv_s) argv.push_back(s.data());
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(pipe_fd[1]);
    out_fd_ = pipe_fd[0];
    // Read stdout lines until the model is ready (the port comes first).
    FILE* out = fdopen(out_fd_, "r");
    char line[512];
    while (out && std::fgets(line, sizeof line, out)) {
        std::string s(line);
        if (auto p = s.find("listening on http://"); p != std::string::npos)
            port_ = std::stoi(s.substr(s.rfind(':') + 1));
        if (s.find("ready") != std::string::npos) break;
    }
    if (port_ == 0) ADD_FAILURE() << "locus serve did not start";
}

inline ServerProcess::~ServerProcess() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int st = 0;
    waitpid(pid_, &st, 0);
    EXPECT_TRUE(WIFEXITED(st)) << "locus serve died of signal " << (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    // A clean stop exits 0 (under the sanitizers, a report would make it non-zero).
    if (WIFEXITED(st)) {
        EXPECT_EQ(WEXITSTATUS(st), 0) << "locus serve exit status";
    }
    if (out_fd_ >= 0) close(out_fd_);
}

inline bool ServerProcess::alive() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }

namespace detail {

inline httplib::Headers auth(const std::string& key) {
    httplib::Headers h;
    if (!key.empty()) h.emplace("Authorization", "Bearer " + key);
    return h;
}

inline HttpReply convert(const httplib::Result& r) {
    HttpReply out;
    if (!r) {
        out.body = "no response: " + httplib::to_string(r.error());
        return out;
    }
    out.status = r->status;
    out.body = r->body;
    out.content_type = r->get_header_value("Content-Type");
    return out;
}

}  // namespace detail

inline HttpReply http_get(int port, const std::string& path, const std::string& api_key) {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(60);
    return detail::convert(c.Get(path.c_str(), detail::auth(api_key)));
}

inline HttpReply http_post(int port, const std::string& path, const std::string& body, const std::string& api_key) {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(60);
    return detail::convert(c.Post(path.c_str(), detail::auth(api_key), body, "application/json"));
}

inline std::vector<std::string> http_stream(int port, const std::string& path, const std::string& body, int leave_after,
                                     int* status) {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(60);
    httplib::Request req;
    req.method = "POST";
    req.path = path;
    req.body = body;
    req.set_header("Content-Type", "application/json");
    std::vector<std::string> events;
    std::string buffer;
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
        buffer.append(data, n);
        size_t cut;
        while ((cut = buffer.find("\n\n")) != std::string::npos) {
            std::string ev = buffer.substr(0, cut);
            buffer.erase(0, cut + 2);
            if (ev.rfind("data: ", 0) == 0) events.push_back(ev.substr(6));
            if (leave_after > 0 && int(events.size()) >= leave_after) return false;
        }
        return true;
    };
    httplib::Response res;
    httplib::Error err = httplib::Error::Success;
    c.send(req, res, err);
    if (status) *status = res.status;
    return events;
}

}  // namespace locus::test
