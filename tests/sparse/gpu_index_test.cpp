#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "gguf/gguf.h"
#include "plan_test_util.h"
#include "sparse/gpu_index.h"
#include "test_util.h"

namespace locus {
namespace {

std::string tmp(const std::string& name) { return test::temp_dir() + "/" + name; }

std::vector<uint8_t> file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

struct Fixture {
    ModelFootprint fp = test::make_footprint(3, 96, {10});
    NeuronFrequencies f = test::power_law_frequencies(3, 96, {0.5, 1.0, 1.5}, 0.8, 11);
    Placement plan(uint64_t ffn_budget) {
        Placement p = place_fixed(fp, ffn_budget);
        if (!place_hot_neurons(p, fp, f, {8, HotMethod::optimal, 0})) std::abort();
        return p;
    }
};

// A .gpuidx written by hand, for malformed variants.
struct RawIndex {
    std::string arch = "generic.gpu_index";
    int64_t blocks = 2;
    gguf::Value capacity = gguf::Value::make_u64(1000);
    std::vector<std::vector<int32_t>> idx = {{1, 0, 1, 0}, {0, 1, 1, 1}};
    std::vector<std::vector<int32_t>> bucket = {{0, 2}, {1, 2, 3}};
    std::string write(const std::string& name) const {
        gguf::Writer w;
        w.set_powerinfer(true);
        w.set("general.architecture", gguf::Value::make_string(arch));
        w.set("generic.gpu_index.block_count", gguf::Value::make_u32(uint32_t(blocks)));
        w.set("split.vram_capacity", capacity);
        for (size_t l = 0; l < idx.size(); ++l) {
            const std::string b = "blk." + std::to_string(l);
            if (!w.add_tensor(b + ".gpu_idx", DType::I32, {int64_t(idx[l].size())}, idx[l].data(), idx[l].size() * 4))
                std::abort();
            if (!w.add_tensor(b + ".gpu_bucket", DType::I32, {int64_t(bucket[l].size())}, bucket[l].data(),
                              bucket[l].size() * 4))
                std::abort();
        }
        const std::string path = tmp(name);
        if (!w.write(path)) std::abort();
        return path;
    }
};

TEST(GpuIndex, RoundTripInUpstreamLayout) {
    Fixture x;
    const Placement p = x.plan(1500);
    ASSERT_GT(p.hot_count(), 0);
    for (const auto& l : p.layers) ASSERT_FALSE(l.hot.empty());
    const std::string path = tmp("rt.gpuidx");
    ASSERT_TRUE(write_gpu_index(path, p));
    auto g = read_gpu_index(path, 3, 96);
    ASSERT_TRUE(g) << g.error();
    EXPECT_EQ(g->vram_capacity, 1500u);
    for (size_t l = 0; l < 3; ++l) EXPECT_EQ(g->hot[l], p.layers[l].hot);

    // On disk: PWRI magic, tensors in order gpu_idx, gpu_bucket per layer, I32 as PowerInfer's type id 18.
    auto file = gguf::File::open(path);
    ASSERT_TRUE(file);
    EXPECT_TRUE((*file)->is_powerinfer());
    ASSERT_EQ((*file)->tensors().size(), 6u);
    EXPECT_EQ((*file)->tensors()[4].name, "blk.2.gpu_idx");
    EXPECT_EQ((*file)->tensors()[5].name, "blk.2.gpu_bucket");
    const std::vector<uint8_t> bytes = file_bytes(path);
    ASSERT_GE(bytes.size(), 4u);
    EXPECT_EQ(std::memcmp(bytes.data(), "PWRI", 4), 0);
    for (const char* name : {"blk.0.gpu_idx", "blk.0.gpu_bucket", "blk.2.gpu_bucket"}) {
        const std::string n = name;
        auto it = std::search(bytes.begin(), bytes.end(), n.begin(), n.end());
        ASSERT_NE(it, bytes.end()) << name;
        // name, then n_dims (u32) = 1, ne0 (u64), type id (u32)
        const size_t at = size_t(it - bytes.begin()) + n.size();
        uint32_t n_dims, type_id;
        std::memcpy(&n_dims, &bytes[at], 4);
        std::memcpy(&type_id, &bytes[at + 12], 4);
        EXPECT_EQ(n_dims, 1u) << name;
        EXPECT_EQ(type_id, 18u) << name;
    }
}

TEST(GpuIndex, ReuseRule) {
    Fixture x;
    const std::string path = tmp("reuse.gpuidx");
    std::filesystem::remove(path);
    Placement a = place_fixed(x.fp, 1500);
    auto r = place_hot_neurons_cached(a, x.fp, x.f, {8, HotMethod::optimal, 0}, path, GpuIndexMode::use);
    ASSERT_TRUE(r) << r.error();
    EXPECT_FALSE(r->reused);
    EXPECT_TRUE(r->written);

    // More room now (capacity 1500 <= 2000): reused as is, even with other frequencies.
    NeuronFrequencies other = test::power_law_frequencies(3, 96, {1.5, 0.5, 1.0}, 0.8, 12);
    Placement b = place_fixed(x.fp, 2000);
    r = place_hot_neurons_cached(b, x.fp, other, {8, HotMethod::optimal, 0}, path, GpuIndexMode::use);
    ASSERT_TRUE(r) << r.error();
    EXPECT_TRUE(r->reused);
    EXPECT_FALSE(r->written);
    for (size_t l = 0; l < 3; ++l) EXPECT_EQ(b.layers[l].hot, a.layers[l].hot);
    EXPECT_EQ(b.ffn_bytes, a.ffn_bytes);

    // Less room (1500 > 1000): rebuilt and overwritten with the new capacity.
    Placement c = place_fixed(x.fp, 1000);
    r = place_hot_neurons_cached(c, x.fp, x.f, {8, HotMethod::optimal, 0}, path, GpuIndexMode::use);
    ASSERT_TRUE(r) << r.error();
    EXPECT_FALSE(r->reused);
    EXPECT_TRUE(r->written);
    EXPECT_NE(r->note.find("rebuilt"), std::string::npos) << r->note;
    EXPECT_LE(c.ffn_bytes, 1000u);
    auto g = read_gpu_index(path, 3, 96);
    ASSERT_TRUE(g);
    EXPECT_EQ(g->vram_capacity, 1000u);

    // Reset: recomputed from the frequencies although the cache would be reusable.
    Placement d = place_fixed(x.fp, 2000);
    r = place_hot_neurons_cached(d, x.fp, other, {8, HotMethod::optimal, 0}, path, GpuIndexMode::reset);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->reused);
    EXPECT_TRUE(r->written);
    Placement fresh = place_fixed(x.fp, 2000);
    ASSERT_TRUE(place_hot_neurons(fresh, x.fp, other, {8, HotMethod::optimal, 0}));
    for (size_t l = 0; l < 3; ++l) EXPECT_EQ(d.layers[l].hot, fresh.layers[l].hot);
    EXPECT_EQ(read_gpu_index(path, 3, 96)->vram_capacity, 2000u);
}

TEST(GpuIndex, DisableNeitherReadsNorWrites) {
    Fixture x;
    const std::string path = tmp("disabled.gpuidx");
    { std::ofstream(path) << "not a gguf file"; }
    Placement p = place_fixed(x.fp, 1500);
    auto r = place_hot_neurons_cached(p, x.fp, x.f, {8, HotMethod::optimal, 0}, path, GpuIndexMode::disable);
    ASSERT_TRUE(r) << r.error();  // the malformed file was not read
    EXPECT_FALSE(r->written);
    EXPECT_GT(p.hot_count(), 0);
    EXPECT_EQ(file_bytes(path).size(), std::string("not a gguf file").size());  // nor overwritten

    r = place_hot_neurons_cached(p, x.fp, x.f, {8, HotMethod::optimal, 0}, path, GpuIndexMode::use);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("--reset-gpu-index"), std::string::npos) << r.error();
    r = place_hot_neurons_cached(p, x.fp, x.f, {8, HotMethod::optimal, 0}, path, GpuIndexMode::reset);
    ASSERT_TRUE(r) << r.error();
    EXPECT_TRUE(read_gpu_index(path, 3, 96));
}

TEST(GpuIndex, EmptyLayerCannotBeStored) {
    Fixture x;
    Placement p = place_fixed(x.fp, 0);
    ASSERT_TRUE(place_hot_neurons(p, x.fp, x.f, {8, HotMethod::optimal, 0}));
    const Status st = write_gpu_index(tmp("empty.gpuidx"), p);
    ASSERT_FALSE(st);
    EXPECT_NE(st.message().find("layer 0 has no neuron on the GPU"), std::string::npos) << st.message();
}

TEST(GpuIndex, ValidHandWrittenFileReads) {
    auto g = read_gpu_index(RawIndex{}.write("hand.gpuidx"), 2, 4);
    ASSERT_TRUE(g) << g.error();
    EXPECT_EQ(g->vram_capacity, 1000u);
    EXPECT_EQ(g->hot[1], (std::vector<int32_t>{1, 2, 3}));
}

TEST(GpuIndex, MalformedFilesAreErrorsNamingTheProblem) {
    auto expect_error = [](const RawIndex& r, int64_t n_layer, int64_t n_ff, const std::string& want) {
        static int n = 0;
        auto g = read_gpu_index(r.write("bad" + std::to_string(n++) + ".gpuidx"), n_layer, n_ff);
        ASSERT_FALSE(g) << want;
        EXPECT_NE(g.error().find(want), std::string::npos) << g.error();
    };
    RawIndex r;
    expect_error(r, 3, 4, "made for 2 layers, the model has 3");
    expect_error(r, 2, 5, "the model has n_ff = 5");
    r.arch = "llama";
    expect_error(r, 2, 4, "general.architecture is 'llama'");
    r = RawIndex{};
    r.capacity = gguf::Value::make_u32(5);
    expect_error(r, 2, 4, "split.vram_capacity is a");
    r = RawIndex{};
    r.idx[0][1] = 2;
    expect_error(r, 2, 4, "entry 1 is 2, expected 0 or 1");
    r = RawIndex{};
    r.bucket[1] = {3, 2, 1};
    expect_error(r, 2, 4, "not ascending");
    r = RawIndex{};
    r.bucket[0] = {0};
    expect_error(r, 2, 4, "lists 1 neurons, 'blk.0.gpu_idx' marks 2");
    r = RawIndex{};
    r.bucket[0] = {0, 1};
    expect_error(r, 2, 4, "not marked");
    r = RawIndex{};
    r.idx.pop_back();
    r.bucket.pop_back();
    expect_error(r, 2, 4, "has 2 tensors, expected 4");

    const std::string trunc = tmp("trunc.gpuidx");
    std::vector<uint8_t> bytes = file_bytes(RawIndex{}.write("whole.gpuidx"));
    bytes.resize(bytes.size() - 40);  // into the last tensor's data
    std::ofstream(trunc, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), long(bytes.size()));
    auto g = read_gpu_index(trunc, 2, 4);
    ASSERT_FALSE(g);
    EXPECT_NE(g.error().find("gpu index"), std::string::npos) << g.error();
    g = read_gpu_index(tmp("does-not-exist.gpuidx"), 2, 4);
    ASSERT_FALSE(g);
}

}  // namespace
}  // namespace locus
