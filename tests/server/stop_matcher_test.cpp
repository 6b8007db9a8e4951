#include <gtest/gtest.h>

#include "server/stop_matcher.h"

namespace locus::server {
namespace {

TEST(StopMatcher, HoldsBackAPossibleStartAndCutsAtTheStop) {
    StopMatcher m({"END", "xyz"});
    EXPECT_EQ(m.push("hello E"), "hello ");  // "E" may start "END"
    EXPECT_EQ(m.push("N"), "");
    EXPECT_EQ(m.push("D and more"), "");
    EXPECT_TRUE(m.stopped());
    EXPECT_EQ(m.push("later"), "");
}

TEST(StopMatcher, ReleasesAFalseStart) {
    StopMatcher m({"END"});
    EXPECT_EQ(m.push("EN"), "");
    EXPECT_EQ(m.push("X"), "ENX");
    EXPECT_FALSE(m.stopped());
    EXPECT_EQ(m.push("E"), "");
    EXPECT_EQ(m.flush(), "E");  // the stream ended: the held text is the client's
}

TEST(StopMatcher, EarliestStopWinsAndTextBeforeItIsKept) {
    StopMatcher m({"cd", "b"});
    EXPECT_EQ(m.push("abcd"), "a");
    EXPECT_TRUE(m.stopped());
    StopMatcher none({});
    EXPECT_EQ(none.push("anything"), "anything");
}

}  // namespace
}  // namespace locus::server
