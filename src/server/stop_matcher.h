// Stop strings over streamed text: text is released only once it cannot be the start of a stop string, so a
// client never sees part of a stop string, and generation ends at the first complete one.
#pragma once
#include <string>
#include <vector>

namespace locus::server {

class StopMatcher {
public:
    explicit StopMatcher(std::vector<std::string> stops);

    // Adds generated text; returns the text now safe to send. After a stop string completes, returns the text
    // before it and stopped() turns true (later calls return "").
    std::string push(const std::string& text);
    // The text still held back (the stream ended without completing a stop string).
    std::string flush();
    bool stopped() const { return stopped_; }

private:
    std::vector<std::string> stops_;
    std::string held_;
    bool stopped_ = false;
};

}  // namespace locus::server
