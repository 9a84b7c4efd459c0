// `fashion-mnist`: real images under shift (see fashion_mnist.h for the
// reader, the cache and the transformations).
//
//   input   28x28 grey images, pixel / 255 in [0, 1], as 784 values per row
//           (TaskShape::image = 1 x 28 x 28)
//   label   the clothing class, 10 classes
//
// Splits (the harness's rules for a pool and a held-out set, tasks/family.h):
//   train   the 60,000 training images as an ExamplePool (item id = index in
//           the file): the budget counts distinct images, drawn without
//           replacement; a budget above 60,000 is a suite error;
//   test    the official 10,000 test images (SupervisedSplit::held_out):
//           all of them when eval_samples >= 10,000, else eval_samples of
//           them chosen from the member's instance seed, so every agent and
//           budget of a seed index is scored on the same images;
//   ood/*   the same test images transformed (`transform`, `severity`); a
//           transformation depends only on the split's parameters, the
//           instance seed and the image, so every agent sees the same ones.
//
// References: trivial = 0.1 (chance: ten classes, each 1/10 of both sets),
// optimal = 1 (perfect accuracy). Not the best published accuracy: that moves
// with each new paper and with architecture, and a fixed 1 keeps normalized
// scores comparable across years and with the other families.
#include "hourglass/tasks/fashion_mnist/fashion_mnist.h"

#include <torch/torch.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <numeric>
#include <sstream>

#include "hourglass/core/error.h"
#include "hourglass/core/random.h"
#include "hourglass/core/sha256.h"
#include "hourglass/tasks/family.h"

namespace hg {

namespace {

constexpr const char* kPackageHint =
    "install the Debian package dataset-fashion-mnist (scripts/setup.sh does), or point "
    "data_dir or HOURGLASS_DATA at a copy of the files";
constexpr int64_t kClasses = 10;

std::atomic<int64_t> g_file_reads{0};

std::string read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open the file; " + kPackageHint);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

uint32_t big_endian(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// Inflates a gzip stream held in memory.
std::string gunzip(const std::string& compressed, const std::string& path) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
    throw InputError(path + ": zlib cannot start inflating");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char buffer[1 << 16];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - z.avail_out);
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // truncated input
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END)
    throw InputError(path + ": not a complete gzip file (zlib: " +
                     (z.msg ? std::string(z.msg) : "truncated") + "); " + kPackageHint);
  return out;
}

IdxArray parse_idx(const std::string& raw, const std::string& path) {
  const auto* p = reinterpret_cast<const uint8_t*>(raw.data());
  if (raw.size() < 4 || p[0] != 0 || p[1] != 0 || p[2] != 0x08 || p[3] == 0)
    throw InputError(path + ": not an IDX file of unsigned bytes (magic 0x000008NN expected)");
  const int rank = p[3];
  if (raw.size() < 4 + 4 * static_cast<size_t>(rank))
    throw InputError(path + ": IDX header cut short");
  IdxArray out;
  int64_t count = 1;
  for (size_t d = 0; d < static_cast<size_t>(rank); ++d) {
    out.dims.push_back(big_endian(p + 4 + 4 * d));
    count *= out.dims.back();
  }
  const size_t header = 4 + 4 * static_cast<size_t>(rank);
  if (raw.size() - header != static_cast<size_t>(count))
    throw InputError(path + ": IDX dimensions give " + std::to_string(count) + " values, the file " +
                     "holds " + std::to_string(raw.size() - header));
  out.values.assign(p + header, p + raw.size());
  return out;
}

ImageSet read_set(const std::string& dir, const DataFile& images, const DataFile& labels,
                  bool verify) {
  IdxArray parts[2];
  const DataFile* files[2] = {&images, &labels};
  for (int k = 0; k < 2; ++k) {
    const std::string path = (std::filesystem::path(dir) / files[k]->name).string();
    const std::string bytes = read_file_bytes(path);
    ++g_file_reads;
    if (verify) {
      if (static_cast<int64_t>(bytes.size()) != files[k]->bytes)
        throw InputError(path + ": " + std::to_string(bytes.size()) + " bytes, the package's file " +
                         "has " + std::to_string(files[k]->bytes) + " (corrupt or another " +
                         "version); " + kPackageHint);
      if (sha256_hex(bytes) != files[k]->sha256)
        throw InputError(path + ": SHA-256 differs from the package's " + files[k]->sha256 +
                         " (corrupt); " + kPackageHint);
    }
    parts[k] = parse_idx(gunzip(bytes, path), path);
  }
  const std::string where = (std::filesystem::path(dir) / images.name).string();
  if (parts[0].dims.size() != 3 || parts[1].dims.size() != 1 || parts[0].dims[0] != parts[1].dims[0])
    throw InputError(where + ": expected images [n, height, width] and labels [n] of the same n");
  ImageSet set;
  set.count = parts[0].dims[0];
  set.height = parts[0].dims[1];
  set.width = parts[0].dims[2];
  set.pixels = std::move(parts[0].values);
  set.labels = std::move(parts[1].values);
  for (uint8_t l : set.labels)
    if (l >= kClasses)
      throw InputError((std::filesystem::path(dir) / labels.name).string() + ": label " +
                       std::to_string(l) + " outside [0, 10)");
  return set;
}

}  // namespace

IdxArray read_idx_gz(const std::string& path) {
  return parse_idx(gunzip(read_file_bytes(path), path), path);
}

const std::vector<DataFile>& fashion_mnist_files() {
  // Sizes and SHA-256 of the files installed by dataset-fashion-mnist
  // 0.0~git20200523.55506a9-1 (Debian 12), computed from those files.
  static const std::vector<DataFile> files = {
      {"train-images-idx3-ubyte.gz", 26421856,
       "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"},
      {"train-labels-idx1-ubyte.gz", 29491,
       "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"},
      {"t10k-images-idx3-ubyte.gz", 4422079,
       "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"},
      {"t10k-labels-idx1-ubyte.gz", 5125,
       "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"},
  };
  return files;
}

std::string fashion_mnist_dir(const std::string& data_dir) {
  if (!data_dir.empty()) return data_dir;
  if (const char* root = std::getenv("HOURGLASS_DATA"); root && *root)
    return (std::filesystem::path(root) / "fashion-mnist").string();
  return "/usr/share/datasets/fashion-mnist";
}

std::shared_ptr<const FashionMnistData> fashion_mnist_data(const std::string& dir, bool verify) {
  static std::mutex mutex;
  static std::map<std::pair<std::string, bool>, std::shared_ptr<const FashionMnistData>> cache;
  std::lock_guard<std::mutex> lock(mutex);  // held while reading: others wait for the one copy
  auto& slot = cache[{dir, verify}];
  if (slot) return slot;
  const auto& f = fashion_mnist_files();
  auto data = std::make_shared<FashionMnistData>();
  data->dir = dir;
  data->train = read_set(dir, f[0], f[1], verify);
  data->test = read_set(dir, f[2], f[3], verify);
  if (data->train.height != data->test.height || data->train.width != data->test.width)
    throw InputError(dir + ": training and test images differ in size");
  slot = data;
  return slot;
}

int64_t fashion_mnist_file_reads() { return g_file_reads.load(); }

std::string check_fashion_mnist_files(const std::string& dir, bool verify) {
  for (const auto& f : fashion_mnist_files()) {
    const auto path = std::filesystem::path(dir) / f.name;
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return "file " + path.string() + " is missing; " + kPackageHint;
    if (verify && static_cast<int64_t>(size) != f.bytes)
      return "file " + path.string() + " has " + std::to_string(size) + " bytes, the package's " +
             "has " + std::to_string(f.bytes) + " (corrupt or another version); " + kPackageHint;
  }
  return "";
}

// ---- transformations ----------------------------------------------------------

const std::vector<std::string>& image_transform_names() {
  static const std::vector<std::string> names = {
      "none", "rotate", "gaussian-noise", "gaussian-blur", "contrast", "translate", "invert",
      "occlude"};
  return names;
}

ImageTransform image_transform(const std::string& name) {
  const auto& names = image_transform_names();
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) throw std::invalid_argument("unknown image transformation " + name);
  return static_cast<ImageTransform>(it - names.begin());
}

void transform_image(ImageTransform t, double severity, uint64_t seed, const float* in,
                     float* out, int64_t height, int64_t width) {
  const int64_t n = height * width;
  auto at = [&](int64_t r, int64_t c) -> float {
    return r < 0 || r >= height || c < 0 || c >= width ? 0.0f : in[r * width + c];
  };
  Rng rng(seed);
  switch (t) {
    case ImageTransform::kNone:
      std::copy(in, in + n, out);
      return;
    case ImageTransform::kInvert:
      for (int64_t i = 0; i < n; ++i) out[i] = 1.0f - in[i];
      return;
    case ImageTransform::kGaussianNoise:
      for (int64_t i = 0; i < n; ++i)
        out[i] = std::clamp(in[i] + static_cast<float>(severity * rng.normal()), 0.0f, 1.0f);
      return;
    case ImageTransform::kContrast: {
      const double mean = std::accumulate(in, in + n, 0.0) / static_cast<double>(n);
      for (int64_t i = 0; i < n; ++i)
        out[i] = static_cast<float>(mean + (1.0 - severity) * (in[i] - mean));
      return;
    }
    case ImageTransform::kRotate: {
      const double a = severity * M_PI / 180.0, cs = std::cos(a), sn = std::sin(a);
      const double cy = (height - 1) / 2.0, cx = (width - 1) / 2.0;
      for (int64_t r = 0; r < height; ++r)
        for (int64_t c = 0; c < width; ++c) {
          // The source of output pixel (r, c): rotate back by -a (y points down).
          const double dx = c - cx, dy = r - cy;
          const double sx = cx + cs * dx - sn * dy, sy = cy + sn * dx + cs * dy;
          const double fx = std::floor(sx), fy = std::floor(sy);
          const double wx = sx - fx, wy = sy - fy;
          const auto x0 = static_cast<int64_t>(fx), y0 = static_cast<int64_t>(fy);
          out[r * width + c] = static_cast<float>(
              (1 - wy) * ((1 - wx) * at(y0, x0) + wx * at(y0, x0 + 1)) +
              wy * ((1 - wx) * at(y0 + 1, x0) + wx * at(y0 + 1, x0 + 1)));
        }
      return;
    }
    case ImageTransform::kGaussianBlur: {
      const auto radius = static_cast<int64_t>(std::ceil(3.0 * severity));
      std::vector<double> k(2 * radius + 1);
      double total = 0.0;
      for (int64_t d = -radius; d <= radius; ++d)
        total += k[d + radius] = std::exp(-0.5 * d * d / (severity * severity));
      for (auto& v : k) v /= total;
      std::vector<double> rows(n);
      auto clamp = [](int64_t v, int64_t hi) { return std::clamp<int64_t>(v, 0, hi - 1); };
      for (int64_t r = 0; r < height; ++r)
        for (int64_t c = 0; c < width; ++c) {
          double s = 0.0;
          for (int64_t d = -radius; d <= radius; ++d)
            s += k[d + radius] * in[r * width + clamp(c + d, width)];
          rows[r * width + c] = s;
        }
      for (int64_t r = 0; r < height; ++r)
        for (int64_t c = 0; c < width; ++c) {
          double s = 0.0;
          for (int64_t d = -radius; d <= radius; ++d)
            s += k[d + radius] * rows[clamp(r + d, height) * width + c];
          out[r * width + c] = static_cast<float>(s);
        }
      return;
    }
    case ImageTransform::kTranslate: {
      const double a = rng.uniform(0.0, 2.0 * M_PI);
      const auto dx = static_cast<int64_t>(std::lround(severity * std::cos(a)));
      const auto dy = static_cast<int64_t>(std::lround(severity * std::sin(a)));
      for (int64_t r = 0; r < height; ++r)
        for (int64_t c = 0; c < width; ++c) out[r * width + c] = at(r - dy, c - dx);
      return;
    }
    case ImageTransform::kOcclude: {
      const auto side = std::min<int64_t>(static_cast<int64_t>(std::lround(severity)),
                                          std::min(height, width));
      const auto top = static_cast<int64_t>(rng.below(static_cast<uint64_t>(height - side + 1)));
      const auto left = static_cast<int64_t>(rng.below(static_cast<uint64_t>(width - side + 1)));
      std::copy(in, in + n, out);
      for (int64_t r = top; r < top + side; ++r)
        std::fill(out + r * width + left, out + r * width + left + side, 0.0f);
      return;
    }
  }
}

// ---- the family -----------------------------------------------------------------

namespace {

struct SplitConfig {
  std::shared_ptr<const FashionMnistData> data;
  ImageTransform transform = ImageTransform::kNone;
  double severity = 0.0;
};

SplitConfig config_of(const Params& p) {
  const std::string dir = fashion_mnist_dir(p.choice("data_dir"));
  return {fashion_mnist_data(dir, p.boolean("verify")), image_transform(p.choice("transform")),
          p.real("severity")};
}

// Images `ids` of `set` (row i for member i), as [P, n, H * W] floats in
// [0, 1], transformed with member i's seeds mix_seed(label_seed[i], id).
Batch images_of(const ImageSet& set, const at::Tensor& ids, const SplitConfig& config,
                const std::vector<uint64_t>& label_seeds) {
  const int64_t P = ids.size(0), n = ids.size(1), d = set.height * set.width;
  auto x = torch::empty({P, n, d}, torch::kFloat);
  auto y = torch::empty({P, n}, torch::kLong);
  const auto id = ids.to(torch::kLong).contiguous();
  const int64_t* ia = id.data_ptr<int64_t>();
  float* xa = x.data_ptr<float>();
  int64_t* ya = y.data_ptr<int64_t>();
  std::vector<float> pixels(d);
  for (int64_t i = 0; i < P; ++i)
    for (int64_t k = 0; k < n; ++k) {
      const int64_t v = ia[i * n + k];
      if (v < 0 || v >= set.count) throw std::logic_error("fashion-mnist: image id out of range");
      const uint8_t* src = set.pixels.data() + v * d;
      float* dst = xa + (i * n + k) * d;
      if (config.transform == ImageTransform::kNone) {
        for (int64_t j = 0; j < d; ++j) dst[j] = src[j] / 255.0f;
      } else {
        for (int64_t j = 0; j < d; ++j) pixels[j] = src[j] / 255.0f;
        transform_image(config.transform, config.severity,
                        mix_seed(label_seeds[i], static_cast<uint64_t>(v)), pixels.data(), dst,
                        set.height, set.width);
      }
      ya[i * n + k] = set.labels[v];
    }
  return {x, y};
}

std::vector<uint64_t> transform_seeds(const std::vector<uint64_t>& instance_seeds,
                                      const std::string& transform) {
  std::vector<uint64_t> out;
  out.reserve(instance_seeds.size());
  for (uint64_t s : instance_seeds) out.push_back(mix_seed(s, "fashion-mnist/" + transform));
  return out;
}

TaskShape shape_of(const FashionMnistData& data) {
  TaskShape s;
  s.kind = TaskKind::kClassification;
  s.input_dim = data.train.height * data.train.width;
  s.output_dim = kClasses;
  s.image = {1, data.train.height, data.train.width};
  return s;
}

Reference chance_and_perfect(int64_t population) {
  Reference r;
  r.trivial.assign(population, 1.0 / kClasses);
  r.optimal.assign(population, 1.0);
  return r;
}

// The official test images, transformed by the split's transformation.
class TestImages final : public ClassificationSplit {
 public:
  TestImages(SplitConfig config, const std::vector<uint64_t>& instance_seeds,
             const std::string& transform)
      : ClassificationSplit(static_cast<int64_t>(instance_seeds.size())),
        config_(std::move(config)),
        instance_seeds_(instance_seeds),
        transform_seeds_(transform_seeds(instance_seeds, transform)) {}

  TaskShape shape() const override { return shape_of(*config_.data); }

  // min(n, test images) images per member: all of them in file order, or a
  // subset drawn from the member's instance seed (the same for every agent
  // and budget of a seed index, and for every split of the task). `streams`
  // are not used.
  Batch sample(int64_t n, std::vector<Rng>& /*streams*/) const override {
    const ImageSet& set = config_.data->test;
    const int64_t P = population(), m = std::min(n, set.count);
    auto ids = torch::empty({P, m}, torch::kLong);
    for (int64_t i = 0; i < P; ++i) {
      std::vector<int64_t> order(set.count);
      std::iota(order.begin(), order.end(), 0);
      if (m < set.count) {
        Rng rng(mix_seed(instance_seeds_[i], "fashion-mnist/eval"));
        partial_shuffle(order, m, rng);
      }
      std::copy(order.begin(), order.begin() + m, ids.data_ptr<int64_t>() + i * m);
    }
    return images_of(set, ids, config_, transform_seeds_);
  }

  Reference reference() const override { return chance_and_perfect(population()); }

 private:
  SplitConfig config_;
  std::vector<uint64_t> instance_seeds_;
  std::vector<uint64_t> transform_seeds_;
};

// The training images as a pool (item id = index in the file), with the
// official test images as its held-out set.
class FashionMnistSplit final : public ClassificationSplit, public ExamplePool {
 public:
  FashionMnistSplit(const Params& params, const std::vector<uint64_t>& instance_seeds)
      : ClassificationSplit(static_cast<int64_t>(instance_seeds.size())),
        config_(config_of(params)),
        transform_seeds_(transform_seeds(instance_seeds, params.choice("transform"))),
        test_(config_, instance_seeds, params.choice("transform")) {}

  TaskShape shape() const override { return shape_of(*config_.data); }

  Batch sample(int64_t n, std::vector<Rng>& streams) const override {
    return sample_from_pool(*this, population(), n, streams);
  }

  Reference reference() const override { return chance_and_perfect(population()); }
  const ExamplePool* pool() const override { return this; }
  const SupervisedSplit* held_out() const override { return &test_; }

  std::vector<int64_t> items(int64_t /*member*/) const override {
    std::vector<int64_t> ids(config_.data->train.count);
    std::iota(ids.begin(), ids.end(), 0);
    return ids;
  }

  Batch gather(const at::Tensor& ids) const override {
    if (ids.size(0) != population()) throw std::logic_error("fashion-mnist: ids of another population");
    return images_of(config_.data->train, ids, config_, transform_seeds_);
  }

 private:
  SplitConfig config_;
  std::vector<uint64_t> transform_seeds_;
  TestImages test_;
};

std::string check_fashion_split(const Params& split, const Params& train) {
  if (split.choice("data_dir") != train.choice("data_dir") ||
      split.boolean("verify") != train.boolean("verify"))
    return "data_dir and verify must be those of the train split (one data set per task)";
  const std::string& t = split.choice("transform");
  const double s = split.real("severity");
  if (t == "none" || t == "invert") {
    if (s != 0.0) return "transform '" + t + "' takes no severity (leave it out)";
  } else if (s <= 0.0) {
    return "transform '" + t + "' needs a severity > 0 (rotate: degrees, e.g. 30; gaussian-noise: "
           "standard deviation, e.g. 0.3; gaussian-blur: sigma in pixels, e.g. 1.5; contrast: share "
           "removed in (0, 1), e.g. 0.7; translate: pixels, e.g. 4; occlude: patch side, e.g. 10)";
  } else if (t == "contrast" && s >= 1.0) {
    return "transform 'contrast' needs a severity below 1 (the share of contrast removed), got " +
           std::to_string(s);
  } else if ((t == "translate" || t == "occlude") && (s > 28.0 || s != std::round(s))) {
    return "transform '" + t + "' needs a whole number of pixels in [1, 28], got " +
           std::to_string(s);
  } else if (t == "gaussian-blur" && s > 5.0) {
    return "transform 'gaussian-blur' needs a sigma <= 5 pixels, got " + std::to_string(s);
  }
  // The files once per task, not once per split: the loader (and make_split)
  // checks the train split against itself.
  if (&split != &train) return "";
  return check_fashion_mnist_files(fashion_mnist_dir(split.choice("data_dir")),
                                   split.boolean("verify"));
}

FamilyInfo MakeInfo() {
  FamilyInfo info;
  info.name = "fashion-mnist";
  info.doc = "Fashion-MNIST images (Debian dataset-fashion-mnist), OOD by rotation, noise, blur, "
             "contrast, translation, inversion, occlusion";
  info.kind = TaskKind::kClassification;
  info.image_inputs = true;
  info.params = {
      ParamSpec::Choice("transform", "none", image_transform_names(),
                        "what an OOD split does to the test images (train: none)"),
      ParamSpec::Real("severity", 0.0, 0.0, 360.0,
                      "how much: degrees, noise sd, blur sigma, contrast removed, pixels; "
                      "see docs/families.md"),
      ParamSpec::Text("data_dir", "",
                      "directory of the four IDX .gz files (empty: $HOURGLASS_DATA/fashion-mnist, "
                      "else /usr/share/datasets/fashion-mnist)"),
      ParamSpec::Bool("verify", true,
                      "check the files' sizes and SHA-256 against the Debian package's"),
  };
  info.make_split = [](const Params& p, const std::vector<uint64_t>& seeds) {
    if (auto why = check_fashion_split(p, p); !why.empty()) throw InputError("fashion-mnist: " + why);
    return std::make_unique<FashionMnistSplit>(p, seeds);
  };
  info.check_split = check_fashion_split;
  info.max_budget = [](const Params& train) -> std::optional<int64_t> {
    if (train.boolean("verify")) return 60'000;  // the package's training images
    try {
      return fashion_mnist_data(fashion_mnist_dir(train.choice("data_dir")), false)->train.count;
    } catch (const InputError&) {
      return std::nullopt;  // check_fashion_split reports the files
    }
  };
  info.suggested_ood = {
      {"rotate-30",
       {{"transform", std::string("rotate")}, {"severity", 30.0}},
       "test images rotated by 30 degrees"},
      {"noise",
       {{"transform", std::string("gaussian-noise")}, {"severity", 0.3}},
       "Gaussian pixel noise, sd 0.3"},
      {"invert", {{"transform", std::string("invert")}}, "dark garments on a light background"},
  };
  return info;
}

const FamilyRegistrar kRegistrar(MakeInfo());

}  // namespace
}  // namespace hg
