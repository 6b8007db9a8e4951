// Drives headless Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: commands in on fd 3,
// replies out on fd 4, each a JSON text ended by a NUL byte), so a test can wait for a condition in the page
// instead of guessing how long a stream takes.
#pragma once
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace locus::test {

class HeadlessChromium {
public:
    HeadlessChromium(const std::string& binary, const std::string& profile_dir) {
        int to_chrome[2], from_chrome[2];
        if (pipe(to_chrome) != 0 || pipe(from_chrome) != 0) return;
        pid_ = fork();
        if (pid_ == 0) {
            dup2(to_chrome[0], 3);
            dup2(from_chrome[1], 4);
            const int devnull = ::open("/dev/null", O_WRONLY);
            dup2(devnull, STDOUT_FILENO);
            dup2(devnull, STDERR_FILENO);
            for (int fd = 5; fd < 1024; ++fd) close(fd);
            const std::string profile = "--user-data-dir=" + profile_dir;
            execl(binary.c_str(), binary.c_str(), "--headless", "--no-sandbox", "--disable-gpu",
                  "--remote-debugging-pipe", "--no-first-run", profile.c_str(), "about:blank", (char*)nullptr);
            _exit(127);
        }
        close(to_chrome[0]);
        close(from_chrome[1]);
        in_ = to_chrome[1];
        out_ = from_chrome[0];
    }
    ~HeadlessChromium() {
        if (pid_ <= 0) return;
        call("Browser.close", nlohmann::json::object(), "", 5000);
        close(in_);
        close(out_);
        for (int i = 0; i < 50 && waitpid(pid_, nullptr, WNOHANG) == 0; ++i) usleep(100000);
        if (waitpid(pid_, nullptr, WNOHANG) == 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    bool started() const { return pid_ > 0; }

    // Sends one command and returns its reply ({"result": ...} or {"error": ...}); events are skipped. A null
    // json on timeout or a closed pipe.
    nlohmann::json call(const std::string& method, const nlohmann::json& params, const std::string& session,
                        int timeout_ms) {
        nlohmann::json msg = {{"id", ++id_}, {"method", method}, {"params", params}};
        if (!session.empty()) msg["sessionId"] = session;
        const std::string text = msg.dump() + '\0';
        if (write(in_, text.data(), text.size()) != ssize_t(text.size())) return nullptr;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        for (;;) {
            size_t end;
            while ((end = buffer_.find('\0')) != std::string::npos) {
                nlohmann::json reply = nlohmann::json::parse(buffer_.substr(0, end), nullptr, false);
                buffer_.erase(0, end + 1);
                if (reply.is_object() && reply.value("id", -1) == id_) return reply;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                                   std::chrono::steady_clock::now());
            if (left.count() <= 0) return nullptr;
            pollfd p{out_, POLLIN, 0};
            if (poll(&p, 1, int(left.count())) <= 0) return nullptr;
            char chunk[65536];
            const ssize_t n = read(out_, chunk, sizeof chunk);
            if (n <= 0) return nullptr;
            buffer_.append(chunk, size_t(n));
        }
    }

    // Opens `url` in a new page and returns the DevTools session attached to it ("" on failure).
    std::string open(const std::string& url) {
        const nlohmann::json t = call("Target.createTarget", {{"url", url}}, "", 30000);
        if (t.is_null() || !t.contains("result")) return {};
        const nlohmann::json a = call("Target.attachToTarget",
                                      {{"targetId", t["result"]["targetId"]}, {"flatten", true}}, "", 30000);
        if (a.is_null() || !a.contains("result")) return {};
        return a["result"]["sessionId"];
    }

    // Evaluates a JavaScript expression (awaiting a promise) in the page; its value, or null.
    nlohmann::json evaluate(const std::string& session, const std::string& expr, int timeout_ms) {
        const nlohmann::json r = call("Runtime.evaluate",
                                      {{"expression", expr}, {"awaitPromise", true}, {"returnByValue", true}},
                                      session, timeout_ms);
        if (r.is_null() || !r.contains("result") || r["result"].contains("exceptionDetails")) return nullptr;
        return r["result"]["result"].value("value", nlohmann::json());
    }

private:
    pid_t pid_ = -1;
    int in_ = -1, out_ = -1;
    int id_ = 0;
    std::string buffer_;
};

}  // namespace locus::test
