// Typed metadata look-ups and Value conversions.
#include <gtest/gtest.h>

#include "gguf/gguf.h"
#include "sample.h"

namespace locus::gguf {
namespace {

class GgufLookup : public ::testing::Test {
protected:
    void SetUp() override {
        bytes_ = test::sample_writer().to_bytes();
        auto f = File::from_memory(bytes_.data(), bytes_.size(), "sample.gguf");
        ASSERT_TRUE(f) << f.error();
        file_ = std::move(*f);
    }
    std::vector<uint8_t> bytes_;
    std::unique_ptr<File> file_;
};

TEST_F(GgufLookup, IntegersCoerceAcrossWidths) {
    EXPECT_EQ(**file_->get_int("t.u8"), 250);
    EXPECT_EQ(**file_->get_int("t.i8"), -120);
    EXPECT_EQ(**file_->get_int("t.u32"), 4000000000);
    EXPECT_EQ(**file_->get_int("t.i64"), INT64_MIN);
    auto too_big = file_->get_int("t.u64");
    ASSERT_FALSE(too_big);
    EXPECT_NE(too_big.error().find("'t.u64'"), std::string::npos) << too_big.error();
}

TEST_F(GgufLookup, FloatsAcceptIntegers) {
    EXPECT_EQ(**file_->get_float("t.f32"), 1.5);
    EXPECT_EQ(**file_->get_float("t.f64"), -2.25e300);
    EXPECT_EQ(**file_->get_float("t.i16"), -32000.0);
}

TEST_F(GgufLookup, AbsentKeysAreNullopt) {
    EXPECT_FALSE(file_->get_int("nope")->has_value());
    EXPECT_FALSE(file_->get_string("nope")->has_value());
    EXPECT_FALSE(file_->get_float_array("nope")->has_value());
    EXPECT_EQ(file_->find("nope"), nullptr);
}

TEST_F(GgufLookup, WrongTypesAreErrorsNamingTheKey) {
    auto i = file_->get_int("general.architecture");
    ASSERT_FALSE(i);
    EXPECT_NE(i.error().find("sample.gguf"), std::string::npos) << i.error();
    EXPECT_NE(i.error().find("'general.architecture' is a string, expected an integer"), std::string::npos)
        << i.error();
    EXPECT_FALSE(file_->get_int("t.f32"));
    EXPECT_FALSE(file_->get_string("t.u8"));
    EXPECT_FALSE(file_->get_bool("t.u8"));
    EXPECT_FALSE(file_->get_float("t.strings"));
    auto sa = file_->get_string_array("t.floats");
    ASSERT_FALSE(sa);
    EXPECT_NE(sa.error().find("array of float32s"), std::string::npos) << sa.error();
    EXPECT_FALSE(file_->get_int_array("t.floats"));
    EXPECT_FALSE(file_->get_int_array("t.nested"));
    EXPECT_FALSE(file_->get_float_array("t.strings"));
}

TEST_F(GgufLookup, ScalarsAndArrays) {
    EXPECT_EQ(**file_->get_bool("t.bool"), true);
    EXPECT_EQ(**file_->get_string("general.architecture"), "llama");
    EXPECT_EQ(**file_->get_string_array("t.strings"), (std::vector<std::string>{"a", "", "<s>", "longer token"}));
    EXPECT_EQ(**file_->get_float_array("t.floats"), (std::vector<float>{0.5f, -1.0f, 3.25f}));
    EXPECT_EQ(**file_->get_float_array("t.ints"), (std::vector<float>{1, -2, 3}));
    EXPECT_EQ(**file_->get_int_array("t.ints"), (std::vector<int64_t>{1, -2, 3}));
    EXPECT_TRUE((*file_->get_int_array("t.empty"))->empty());
}

TEST(GgufValue, Conversions) {
    EXPECT_EQ(*Value::make_f32(3.0f).as_int(), 3);
    EXPECT_FALSE(Value::make_f32(3.5f).as_int());
    EXPECT_FALSE(Value::make_u64(UINT64_MAX).as_int());
    EXPECT_EQ(*Value::make_u64(UINT64_MAX).as_float(), 18446744073709551616.0);
    EXPECT_FALSE(Value::make_string("1").as_int());
    EXPECT_FALSE(Value::make_string("1").as_float());
    EXPECT_FALSE(Value::make_bool(true).is_integer());
    EXPECT_TRUE(Value::make_i32(-1).is_integer());
    EXPECT_TRUE(Value::make_f32(1).is_float());
    EXPECT_STREQ(value_type_name(ValueType::FLOAT64), "float64");
}

}  // namespace
}  // namespace locus::gguf
