#include <gtest/gtest.h>

#include <cstring>

#include "gguf/gguf.h"
#include "sparse/activation_profile.h"
#include "sparse/neuron_frequencies.h"
#include "test_util.h"

namespace locus {
namespace {

std::string tmp(const std::string& name) { return test::temp_dir() + "/" + name; }

ActivationCounts sample_counts() {
    ActivationCounts c;
    c.begin_pass(3, 5, 10);
    const int32_t a[] = {0, 2, 4}, b[] = {1}, d[] = {4, 4};
    c.add_list(0, a, 3);
    c.add_list(1, b, 1);
    c.add_list(2, d, 2);
    c.fired[0][2] = 10;
    return c;
}

// A GGUF with the given keys and tensors (a stand-in for a model file or a malformed profile).
struct Raw {
    std::vector<std::pair<std::string, gguf::Value>> kv;
    struct T { std::string name; DType type; std::vector<int64_t> shape; std::vector<uint8_t> bytes; };
    std::vector<T> tensors;
    void i32(const std::string& name, std::vector<int32_t> v) {
        tensors.push_back({name, DType::I32, {int64_t(v.size())}, std::vector<uint8_t>(v.size() * 4)});
        std::memcpy(tensors.back().bytes.data(), v.data(), v.size() * 4);
    }
    void f32(const std::string& name, std::vector<float> v) {
        tensors.push_back({name, DType::F32, {int64_t(v.size())}, std::vector<uint8_t>(v.size() * 4)});
        std::memcpy(tensors.back().bytes.data(), v.data(), v.size() * 4);
    }
    std::vector<uint8_t> bytes() const {
        gguf::Writer w;
        for (const auto& [k, v] : kv) w.set(k, v);
        for (const T& t : tensors)
            if (!w.add_tensor(t.name, t.type, t.shape, t.bytes.data(), t.bytes.size())) std::abort();
        return w.to_bytes();
    }
    std::string write(const std::string& name) const {
        const std::string path = tmp(name);
        const std::vector<uint8_t> b = bytes();
        std::FILE* f = std::fopen(path.c_str(), "wb");
        std::fwrite(b.data(), 1, b.size(), f);
        std::fclose(f);
        return path;
    }
};

Raw profile_raw() {
    Raw r;
    r.kv = {{"general.architecture", gguf::Value::make_string(kActivationProfileArch)},
            {"locus.activation_profile.n_layer", gguf::Value::make_u32(2)},
            {"locus.activation_profile.n_ff", gguf::Value::make_u32(3)},
            {"locus.activation_profile.n_tokens", gguf::Value::make_u64(8)}};
    r.i32("blk.0.ffn_act_count", {8, 0, 3});
    r.i32("blk.1.ffn_act_count", {1, 2, 4});
    return r;
}

TEST(ActivationProfile, RoundTrip) {
    const ActivationCounts c = sample_counts();
    const std::string path = tmp("rt.prof");
    ASSERT_TRUE(write_activation_profile(path, c));
    auto r = read_activation_profile(path);
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(r->n_tokens, 10);
    EXPECT_EQ(r->fired, c.fired);
    auto f = gguf::File::open(path);
    ASSERT_TRUE(f);
    EXPECT_FALSE((*f)->is_powerinfer());
    EXPECT_EQ((*f)->tensors()[2].name, "blk.2.ffn_act_count");
    EXPECT_EQ((*f)->tensors()[2].type, DType::I32);
}

TEST(ActivationProfile, F32FrequenciesBecomeCounts) {
    Raw r = profile_raw();
    r.tensors.pop_back();
    r.f32("blk.1.ffn_act_count", {0.125f, 0.5f, 1.0f});
    auto c = read_activation_profile(r.write("f32.prof"));
    ASSERT_TRUE(c) << c.error();
    EXPECT_EQ(c->fired[1], (std::vector<uint32_t>{1, 4, 8}));
}

TEST(ActivationProfile, MalformedProfilesAreErrors) {
    auto expect_error = [](const Raw& r, const std::string& want) {
        static int n = 0;
        auto c = read_activation_profile(r.write("bad" + std::to_string(n++) + ".prof"));
        ASSERT_FALSE(c) << want;
        EXPECT_NE(c.error().find(want), std::string::npos) << c.error();
    };
    Raw r = profile_raw();
    r.kv[0].second = gguf::Value::make_string("llama");
    expect_error(r, "not an activation profile (general.architecture is 'llama'");
    r = profile_raw();
    r.kv.pop_back();
    expect_error(r, "locus.activation_profile.n_tokens is missing");
    r = profile_raw();
    r.kv[1].second = gguf::Value::make_u32(3);
    expect_error(r, "has 2 tensors, expected one per layer (3)");
    r = profile_raw();
    r.kv[2].second = gguf::Value::make_u32(4);
    expect_error(r, "expected [4]");
    r = profile_raw();
    r.tensors.pop_back();
    r.i32("blk.1.ffn_act_count", {1, 9, 4});
    expect_error(r, "neuron 1 has count 9, outside 0..8");
    r = profile_raw();
    r.tensors.pop_back();
    r.i32("blk.7.ffn_act_count", {1, 2, 4});
    expect_error(r, "tensor 'blk.1.ffn_act_count' is missing");
    r = profile_raw();
    r.tensors.pop_back();
    r.f32("blk.1.ffn_act_count", {0.5f, 1.5f, 0.0f});
    expect_error(r, "neuron 1 has frequency 1.5");
    EXPECT_FALSE(read_activation_profile(tmp("missing.prof")));
    ActivationCounts empty;
    const Status st = write_activation_profile(tmp("empty.prof"), empty);
    ASSERT_FALSE(st);
    EXPECT_NE(st.message().find("nothing was counted"), std::string::npos);
}

TEST(NeuronFrequencies, SourcesInOrder) {
    // The "model": a GGUF with F32 frequencies in layer 0 and I32 counts (with n_tokens) in layer 1.
    Raw model;
    model.kv = {{"locus.activation_profile.n_tokens", gguf::Value::make_u64(4)}};
    model.f32("blk.0.ffn_act_count", {0.25f, 0.0f, 1.0f, 0.5f, 0.0f});
    model.i32("blk.1.ffn_act_count", {4, 0, 1, 2, 3});
    model.f32("blk.2.ffn_act_count", {0, 0, 0, 0, 0});
    const std::vector<uint8_t> bytes = model.bytes();
    auto file = gguf::File::from_memory(bytes.data(), bytes.size(), "model.gguf");
    ASSERT_TRUE(file) << file.error();
    auto f = load_frequencies(**file, 3, 5, "");
    ASSERT_TRUE(f) << f.error();
    EXPECT_FALSE(f->prior);
    EXPECT_NE(f->source.find("model file"), std::string::npos);
    EXPECT_EQ(f->p[0], (std::vector<double>{0.25, 0.0, 1.0, 0.5, 0.0}));
    EXPECT_EQ(f->p[1], (std::vector<double>{1.0, 0.0, 0.25, 0.5, 0.75}));

    // An explicit profile wins over the model's own frequencies.
    const std::string prof = tmp("src.prof");
    ASSERT_TRUE(write_activation_profile(prof, sample_counts()));
    f = load_frequencies(**file, 3, 5, prof);
    ASSERT_TRUE(f) << f.error();
    EXPECT_NE(f->source.find(prof), std::string::npos);
    EXPECT_DOUBLE_EQ(f->p[0][2], 1.0);
    EXPECT_DOUBLE_EQ(f->p[2][4], 0.2);

    // Neither: the uniform prior, flagged.
    Raw plain;
    plain.kv = {{"general.architecture", gguf::Value::make_string("llama")}};
    const std::vector<uint8_t> pb = plain.bytes();
    auto pf = gguf::File::from_memory(pb.data(), pb.size(), "plain.gguf");
    ASSERT_TRUE(pf);
    f = load_frequencies(**pf, 2, 4, "");
    ASSERT_TRUE(f);
    EXPECT_TRUE(f->prior);
    EXPECT_EQ(f->p, std::vector<std::vector<double>>(2, std::vector<double>(4, kUniformPriorActive)));
}

TEST(NeuronFrequencies, LegacyF32CountsOfOldSparsifyFiles) {
    // `locus sparsify` before 2026-12-06 stored counts as F32 beside locus.profile.n_tokens: read as counts.
    Raw model;
    model.kv = {{"locus.profile.n_tokens", gguf::Value::make_u64(8)}};
    model.f32("blk.0.ffn_act_count", {8.0f, 0.0f, 2.0f});
    model.f32("blk.1.ffn_act_count", {1.0f, 4.0f, 6.0f});
    std::vector<uint8_t> bytes = model.bytes();
    auto file = gguf::File::from_memory(bytes.data(), bytes.size(), "old.gguf");
    ASSERT_TRUE(file) << file.error();
    auto f = load_frequencies(**file, 2, 3, "");
    ASSERT_TRUE(f) << f.error();
    EXPECT_EQ(f->p[0], (std::vector<double>{1.0, 0.0, 0.25}));
    EXPECT_EQ(f->p[1], (std::vector<double>{0.125, 0.5, 0.75}));
    // A count above the key's tokens is an error naming it.
    model.tensors.pop_back();
    model.f32("blk.1.ffn_act_count", {1.0f, 9.0f, 6.0f});
    bytes = model.bytes();
    file = gguf::File::from_memory(bytes.data(), bytes.size(), "old.gguf");
    ASSERT_TRUE(file) << file.error();
    f = load_frequencies(**file, 2, 3, "");
    ASSERT_FALSE(f);
    EXPECT_NE(f.error().find("neuron 1 has count 9"), std::string::npos) << f.error();
}

TEST(NeuronFrequencies, CommittedSparseModelsCarryTheirFrequencies) {
    // The project's own sparsified models (models/*.powerinfer.gguf) feed the planner their measured profile.
    for (const char* name : {"relu-llama-tiny-par.powerinfer.gguf", "relu-llama-tiny-sym.powerinfer.gguf"}) {
        const std::string path = test::source_dir() + "/models/" + name;
        auto file = gguf::File::open(path);
        ASSERT_TRUE(file) << file.error();
        auto spec_layers = (*file)->get_int("llama.block_count");
        auto spec_ff = (*file)->get_int("llama.feed_forward_length");
        ASSERT_TRUE(spec_layers && *spec_layers && spec_ff && *spec_ff);
        auto f = load_frequencies(**file, **spec_layers, **spec_ff, "");
        ASSERT_TRUE(f) << f.error();
        EXPECT_FALSE(f->prior) << name;
        double mean = 0;
        for (const auto& layer : f->p)
            for (double p : layer) mean += p / double(f->p.size() * layer.size());
        EXPECT_GT(mean, 0.01) << name;
        EXPECT_LT(mean, 0.30) << name;
    }
}

TEST(NeuronFrequencies, MismatchesAreErrors) {
    const std::string prof = tmp("mm.prof");
    ASSERT_TRUE(write_activation_profile(prof, sample_counts()));  // 3 layers x 5 neurons
    Raw plain;
    plain.kv = {{"general.architecture", gguf::Value::make_string("llama")}};
    const std::vector<uint8_t> pb = plain.bytes();
    auto pf = gguf::File::from_memory(pb.data(), pb.size(), "plain.gguf");
    ASSERT_TRUE(pf);
    auto f = load_frequencies(**pf, 4, 5, prof);
    ASSERT_FALSE(f);
    EXPECT_NE(f.error().find("have 3 layers, the model has 4"), std::string::npos) << f.error();
    f = load_frequencies(**pf, 3, 6, prof);
    ASSERT_FALSE(f);
    EXPECT_NE(f.error().find("layer 0 has 5 neurons, the model has 6"), std::string::npos) << f.error();

    // Model-file tensors: counts without n_tokens, an incomplete set, a wrong type.
    Raw m;
    m.i32("blk.0.ffn_act_count", {1, 2});
    std::vector<uint8_t> mb = m.bytes();
    auto mf = gguf::File::from_memory(mb.data(), mb.size(), "m.gguf");
    ASSERT_TRUE(mf);
    f = load_frequencies(**mf, 1, 2, "");
    ASSERT_FALSE(f);
    EXPECT_NE(f.error().find("no locus.activation_profile.n_tokens"), std::string::npos) << f.error();
    Raw part;
    part.f32("blk.0.ffn_act_count", {0.5f, 0.25f});
    std::vector<uint8_t> partb = part.bytes();
    auto partf = gguf::File::from_memory(partb.data(), partb.size(), "part.gguf");
    ASSERT_TRUE(partf);
    f = load_frequencies(**partf, 2, 2, "");
    ASSERT_FALSE(f);
    EXPECT_NE(f.error().find("tensor 'blk.1.ffn_act_count' is missing"), std::string::npos) << f.error();
    Raw h;
    h.tensors.push_back({"blk.0.ffn_act_count", DType::F16, {2}, std::vector<uint8_t>(4)});
    mb = h.bytes();
    mf = gguf::File::from_memory(mb.data(), mb.size(), "h.gguf");
    ASSERT_TRUE(mf);
    f = load_frequencies(**mf, 1, 2, "");
    ASSERT_FALSE(f);
    EXPECT_NE(f.error().find("expected i32 (counts) or f32"), std::string::npos) << f.error();
}

}  // namespace
}  // namespace locus
