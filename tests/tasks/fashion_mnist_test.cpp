// The fashion-mnist family on small IDX files the tests write themselves:
// the reader, the checks of the files, the splits (pool, held-out test
// images, OOD transformations) and the transformations against hand-computed
// images. The real files are exercised by tests/cli/fashion_mnist_cli_test.cpp.
#include "hourglass/tasks/fashion_mnist/fashion_mnist.h"

#include <torch/torch.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <numeric>
#include <set>
#include <thread>

#include "hourglass/core/error.h"
#include "hourglass/tasks/family.h"
#include "../test_util.h"

namespace hg {
namespace {

// Writes `bytes` gzip-compressed to `path`.
void write_gz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  gzclose(f);
}

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

// An IDX file of unsigned bytes: magic 0x0000080D, the dimensions, the values.
std::string idx(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& values) {
  std::string out = {0, 0, 8, static_cast<char>(dims.size())};
  for (uint32_t d : dims) out += be32(d);
  out.append(values.begin(), values.end());
  return out;
}

// A tiny data set: `train` and `test` 4x4 images; image k has every pixel
// equal to k (so its id can be read back from its pixels) and label k % 10.
void write_tiny_set(const std::string& dir, uint32_t train, uint32_t test) {
  auto images = [](uint32_t n) {
    std::vector<uint8_t> v;
    for (uint32_t k = 0; k < n; ++k) v.insert(v.end(), 16, static_cast<uint8_t>(k));
    return v;
  };
  auto labels = [](uint32_t n) {
    std::vector<uint8_t> v;
    for (uint32_t k = 0; k < n; ++k) v.push_back(static_cast<uint8_t>(k % 10));
    return v;
  };
  const auto& f = fashion_mnist_files();
  write_gz(dir + "/" + f[0].name, idx({train, 4, 4}, images(train)));
  write_gz(dir + "/" + f[1].name, idx({train}, labels(train)));
  write_gz(dir + "/" + f[2].name, idx({test, 4, 4}, images(test)));
  write_gz(dir + "/" + f[3].name, idx({test}, labels(test)));
}

const FamilyInfo& family() { return *FamilyRegistry::instance().find("fashion-mnist"); }

Params params(const std::string& dir, const std::string& transform = "none",
              double severity = 0.0) {
  Params p(family().params);
  p.set("data_dir", dir);
  p.set("verify", false);
  p.set("transform", transform);
  p.set("severity", severity);
  return p;
}

std::vector<Rng> streams(int64_t p, uint64_t base) {
  std::vector<Rng> out;
  for (int64_t i = 0; i < p; ++i) out.emplace_back(base + static_cast<uint64_t>(i));
  return out;
}

// Reads an image's id back from its (untransformed) pixels.
int64_t id_of(const at::Tensor& row) { return std::lround(row[0].item<float>() * 255.0f); }

TEST(FashionMnistIdx, ReadsDimensionsAndValues) {
  testing::TempDir dir;
  write_gz(dir.path() + "/a.gz", idx({2, 3}, {1, 2, 3, 4, 5, 6}));
  const IdxArray a = read_idx_gz(dir.path() + "/a.gz");
  EXPECT_EQ(a.dims, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.values, (std::vector<uint8_t>{1, 2, 3, 4, 5, 6}));
}

TEST(FashionMnistIdx, RefusesMalformedFilesNamingThem) {
  testing::TempDir dir;
  write_gz(dir.path() + "/short.gz", idx({2, 3}, {1, 2, 3}));
  write_gz(dir.path() + "/magic.gz", std::string("\x00\x00\x09\x01\x00\x00\x00\x01\x05", 9));
  dir.file("plain.gz", "not gzip at all");
  for (const std::string name : {"short.gz", "magic.gz", "plain.gz", "missing.gz"}) {
    try {
      read_idx_gz(dir.path() + "/" + name);
      ADD_FAILURE() << name << " was read";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
}

TEST(FashionMnistFiles, TheDebianManifestNamesFourFiles) {
  const auto& f = fashion_mnist_files();
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0].name, "train-images-idx3-ubyte.gz");
  EXPECT_EQ(f[3].name, "t10k-labels-idx1-ubyte.gz");
  for (const auto& file : f) EXPECT_EQ(file.sha256.size(), 64u);
}

TEST(FashionMnistFiles, DirectoryComesFromTheParamThenHourglassDataThenDebian) {
  EXPECT_EQ(fashion_mnist_dir("/x"), "/x");
  const char* old = std::getenv("HOURGLASS_DATA");
  const std::string saved = old ? old : "";
  ::setenv("HOURGLASS_DATA", "/data", 1);
  EXPECT_EQ(fashion_mnist_dir(""), "/data/fashion-mnist");
  ::unsetenv("HOURGLASS_DATA");
  EXPECT_EQ(fashion_mnist_dir(""), "/usr/share/datasets/fashion-mnist");
  if (old) ::setenv("HOURGLASS_DATA", saved.c_str(), 1);
}

TEST(FashionMnistFiles, MissingOrCorruptFilesNameTheFileAndThePackage) {
  testing::TempDir dir;
  const std::string missing = check_fashion_mnist_files(dir.path(), false);
  EXPECT_NE(missing.find("train-images-idx3-ubyte.gz"), std::string::npos) << missing;
  EXPECT_NE(missing.find("dataset-fashion-mnist"), std::string::npos) << missing;
  // Tiny files are well-formed, but not the package's: refused when verified.
  write_tiny_set(dir.path(), 20, 10);
  EXPECT_EQ(check_fashion_mnist_files(dir.path(), false), "");
  EXPECT_NE(check_fashion_mnist_files(dir.path(), true).find("bytes"), std::string::npos);
  try {
    fashion_mnist_data(dir.path(), true);
    ADD_FAILURE() << "tiny files passed verification";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("train-images-idx3-ubyte.gz"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("dataset-fashion-mnist"), std::string::npos);
  }
  // The family's split refuses the directory with the same message.
  Params p = params(dir.path());
  p.set("verify", true);
  EXPECT_THROW(family().make_split(p, {1}), InputError);
}

TEST(FashionMnistFiles, ReadOnceForEveryPopulationAndThread) {
  testing::TempDir dir;
  write_tiny_set(dir.path(), 30, 12);
  const int64_t before = fashion_mnist_file_reads();
  std::vector<std::thread> threads;
  std::vector<std::shared_ptr<const FashionMnistData>> got(4);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] { got[t] = fashion_mnist_data(dir.path(), false); });
  for (auto& t : threads) t.join();
  for (int i = 0; i < 3; ++i) family().make_split(params(dir.path(), "rotate", 10.0), {1, 2});
  EXPECT_EQ(fashion_mnist_file_reads() - before, 4);  // four files, once
  for (const auto& g : got) EXPECT_EQ(g.get(), got[0].get());
  EXPECT_EQ(got[0]->train.count, 30);
  EXPECT_EQ(got[0]->test.count, 12);
}

TEST(FashionMnistSplits, TrainIsAPoolOfTheTrainingImagesAndTestTheHeldOutImages) {
  testing::TempDir dir;
  write_tiny_set(dir.path(), 30, 12);
  const auto split = family().make_split(params(dir.path()), {5, 6});
  const TaskShape shape = split->shape();
  EXPECT_EQ(shape.input_dim, 16);
  EXPECT_EQ(shape.output_dim, 10);
  EXPECT_EQ(shape.image.channels, 1);
  EXPECT_EQ(shape.image.height, 4);
  EXPECT_EQ(shape.image.width, 4);
  ASSERT_NE(split->pool(), nullptr);
  EXPECT_EQ(split->pool()->items(0).size(), 30u);
  EXPECT_EQ(*family().max_budget(params(dir.path())), 30);
  // Without replacement: all 30 training images, each once, with their labels.
  auto r = streams(2, 1);
  const Batch all = split->sample(30, r);
  std::set<int64_t> ids;
  for (int64_t k = 0; k < 30; ++k) {
    const int64_t id = id_of(all.x[0][k]);
    ids.insert(id);
    EXPECT_EQ(all.y[0][k].item<int64_t>(), id % 10);
  }
  EXPECT_EQ(ids.size(), 30u);
  auto r2 = streams(2, 1);
  EXPECT_THROW(split->sample(31, r2), std::invalid_argument);

  // `test`: the 12 held-out images, all of them in file order when asked for
  // as many or more, whatever the streams.
  const SupervisedSplit* test = split->held_out();
  ASSERT_NE(test, nullptr);
  auto r3 = streams(2, 9);
  const Batch t = test->sample(100, r3);
  ASSERT_EQ(t.x.size(1), 12);
  for (int64_t k = 0; k < 12; ++k) EXPECT_EQ(id_of(t.x[1][k]), k);
  EXPECT_DOUBLE_EQ(test->reference().trivial[0], 0.1);
  EXPECT_DOUBLE_EQ(test->reference().optimal[0], 1.0);
}

TEST(FashionMnistSplits, AnEvaluationSubsetDependsOnlyOnTheInstanceSeed) {
  testing::TempDir dir;
  write_tiny_set(dir.path(), 30, 12);
  const auto a = family().make_split(params(dir.path()), {5, 6});
  const auto b = family().make_split(params(dir.path(), "invert"), {5, 7});
  auto r1 = streams(2, 1), r2 = streams(2, 2);
  const Batch x = a->held_out()->sample(5, r1), y = b->held_out()->sample(5, r2);
  // Member 0 (instance seed 5): the same five images in every split, any streams.
  for (int64_t k = 0; k < 5; ++k) {
    EXPECT_EQ(id_of(x.x[0][k]), std::lround((1.0f - y.x[0][k][0].item<float>()) * 255.0f));
    EXPECT_EQ(x.y[0][k].item<int64_t>(), y.y[0][k].item<int64_t>());
  }
  std::set<int64_t> distinct;
  for (int64_t k = 0; k < 5; ++k) distinct.insert(id_of(x.x[0][k]));
  EXPECT_EQ(distinct.size(), 5u);
}

TEST(FashionMnistSplits, OodSplitsTransformTheTestImagesDeterministically) {
  testing::TempDir dir;
  write_tiny_set(dir.path(), 30, 12);
  const auto noisy = family().make_split(params(dir.path(), "gaussian-noise", 0.2), {5, 6});
  const auto again = family().make_split(params(dir.path(), "gaussian-noise", 0.2), {5, 8});
  auto r1 = streams(2, 1), r2 = streams(2, 3);
  const Batch x = noisy->held_out()->sample(12, r1), y = again->held_out()->sample(12, r2);
  EXPECT_TRUE(torch::equal(x.x[0], y.x[0]));     // same instance seed: same noise
  EXPECT_FALSE(torch::equal(x.x[0], x.x[1]));    // another seed: other noise
  EXPECT_GE(x.x.min().item<float>(), 0.0f);
  EXPECT_LE(x.x.max().item<float>(), 1.0f);
}

TEST(FashionMnistSplits, CheckSplitExplainsSeverities) {
  testing::TempDir dir;
  write_tiny_set(dir.path(), 30, 12);
  const Params train = params(dir.path());
  EXPECT_EQ(family().check_split(train, train), "");
  EXPECT_EQ(family().check_split(params(dir.path(), "rotate", 30), train), "");
  EXPECT_NE(family().check_split(params(dir.path(), "rotate", 0), train).find("severity > 0"),
            std::string::npos);
  EXPECT_NE(family().check_split(params(dir.path(), "invert", 1), train).find("no severity"),
            std::string::npos);
  EXPECT_NE(family().check_split(params(dir.path(), "contrast", 1), train).find("below 1"),
            std::string::npos);
  EXPECT_NE(family().check_split(params(dir.path(), "translate", 2.5), train).find("whole"),
            std::string::npos);
  EXPECT_NE(family().check_split(params("/elsewhere", "invert"), train).find("data_dir"),
            std::string::npos);
  // The train split (checked against itself) names a missing file.
  const Params missing = params(dir.path() + "/none");
  EXPECT_NE(family().check_split(missing, missing).find("train-images-idx3-ubyte.gz is missing"),
            std::string::npos);
}

// ---- transformations against hand-computed images (3x3 unless said) ----------

std::vector<float> apply(const std::string& t, double severity, const std::vector<float>& in,
                         int64_t h, int64_t w, uint64_t seed = 1) {
  std::vector<float> out(in.size());
  transform_image(image_transform(t), severity, seed, in.data(), out.data(), h, w);
  return out;
}

TEST(FashionMnistTransforms, InvertAndContrast) {
  const std::vector<float> in = {0, 0.25f, 0.5f, 1, 0, 0, 0, 0, 0.5f};  // mean 0.25
  const auto inv = apply("invert", 0, in, 3, 3);
  EXPECT_FLOAT_EQ(inv[0], 1.0f);
  EXPECT_FLOAT_EQ(inv[3], 0.0f);
  EXPECT_FLOAT_EQ(inv[8], 0.5f);
  // severity 0.6: x' = 0.25 + 0.4 (x - 0.25): 1 -> 0.55, 0 -> 0.15, 0.5 -> 0.35.
  const auto low = apply("contrast", 0.6, in, 3, 3);
  EXPECT_NEAR(low[3], 0.55f, 1e-6);
  EXPECT_NEAR(low[0], 0.15f, 1e-6);
  EXPECT_NEAR(low[2], 0.35f, 1e-6);
}

TEST(FashionMnistTransforms, RotateNinetyDegreesCounterClockwise) {
  // 1 2 3       3 6 9
  // 4 5 6  ->   2 5 8
  // 7 8 9       1 4 7
  const std::vector<float> in = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const auto out = apply("rotate", 90, in, 3, 3);
  const std::vector<float> want = {3, 6, 9, 2, 5, 8, 1, 4, 7};
  for (size_t i = 0; i < 9; ++i) EXPECT_NEAR(out[i], want[i], 1e-5) << i;
  // 45 degrees about the centre of 3x3: the corner (0, 0) samples the source
  // at distance sqrt(2) along the diagonal rotated back, x = 1, y = 1 - sqrt 2:
  // bilinear between 0 above the image and the top-middle pixel 2.
  const auto r45 = apply("rotate", 45, in, 3, 3);
  const double fy = 1.0 - std::sqrt(2.0);  // -0.414: weight 1 + fy = 0.586 on row 0
  EXPECT_NEAR(r45[0], (1.0 + fy) * 2.0, 1e-5);
  EXPECT_NEAR(r45[4], 5.0, 1e-5);  // the centre stays
}

TEST(FashionMnistTransforms, BlurKeepsConstantsAndSpreadsAnImpulseByTheKernel) {
  const std::vector<float> flat(25, 0.5f);
  for (float v : apply("gaussian-blur", 1.0, flat, 5, 5)) EXPECT_NEAR(v, 0.5f, 1e-6);
  // sigma 0.5: radius 2, weights exp(-2 d^2) for d = -2..2, normalized.
  std::vector<float> impulse(25, 0.0f);
  impulse[12] = 1.0f;
  const auto out = apply("gaussian-blur", 0.5, impulse, 5, 5);
  const double w0 = 1.0, w1 = std::exp(-2.0), w2 = std::exp(-8.0);
  const double z = w0 + 2 * w1 + 2 * w2;
  EXPECT_NEAR(out[12], (w0 / z) * (w0 / z), 1e-6);
  EXPECT_NEAR(out[13], (w0 / z) * (w1 / z), 1e-6);
  EXPECT_NEAR(out[18], (w1 / z) * (w1 / z), 1e-6);
  EXPECT_NEAR(std::accumulate(out.begin(), out.end(), 0.0), 1.0, 1e-6);
}

TEST(FashionMnistTransforms, TranslateMovesByTheSeverityAndOccludeErasesASquare) {
  std::vector<float> in(49, 0.0f);
  in[3 * 7 + 3] = 1.0f;  // the centre of 7x7
  for (uint64_t seed = 1; seed < 20; ++seed) {
    const auto moved = apply("translate", 2, in, 7, 7, seed);
    const auto at = std::max_element(moved.begin(), moved.end()) - moved.begin();
    ASSERT_FLOAT_EQ(moved[at], 1.0f);
    const double dr = at / 7 - 3, dc = at % 7 - 3;
    EXPECT_LE(std::abs(std::hypot(dr, dc) - 2.0), 0.71) << seed;  // rounding of each axis
    EXPECT_FLOAT_EQ(std::accumulate(moved.begin(), moved.end(), 0.0f), 1.0f);
  }
  const std::vector<float> ones(49, 1.0f);
  const auto occluded = apply("occlude", 3, ones, 7, 7, 4);
  EXPECT_FLOAT_EQ(std::accumulate(occluded.begin(), occluded.end(), 0.0f), 49.0f - 9.0f);
  EXPECT_EQ(apply("occlude", 3, ones, 7, 7, 4), occluded);  // the seed fixes the position
}

TEST(FashionMnistTransforms, NoiseHasTheSeverityAsStandardDeviation) {
  const std::vector<float> grey(28 * 28 * 16, 0.5f);
  const auto out = apply("gaussian-noise", 0.1, grey, 28 * 16, 28);
  double s = 0.0, s2 = 0.0;
  for (float v : out) {
    s += v - 0.5;
    s2 += (v - 0.5) * (v - 0.5);
  }
  const double n = static_cast<double>(out.size());
  EXPECT_NEAR(s / n, 0.0, 0.01);
  EXPECT_NEAR(std::sqrt(s2 / n), 0.1, 0.005);  // 5 sd below 0.5: clipping is negligible
}

}  // namespace
}  // namespace hg
