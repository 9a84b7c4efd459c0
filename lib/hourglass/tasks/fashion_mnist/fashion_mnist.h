// `fashion-mnist`: Zalando's Fashion-MNIST (Xiao, Rasul and Vollgraf 2017),
// 28x28 grey images of 10 kinds of clothing, read from the IDX files of the
// Debian package `dataset-fashion-mnist`. The family is in fashion_mnist.cpp;
// this header exposes its pieces to the unit tests: the IDX reader, the
// process-wide cache of the data and the image transformations.
//
// Who calls what: the family's splits call fashion_mnist_data() (every split
// of every population of a process shares one copy, read once); the OOD
// splits call transform_image() on the test images.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hg {

// An IDX array of unsigned bytes (LeCun's MNIST format, magic 0x0000080D with
// D dimensions): its dimensions and its values in row-major order.
struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> values;
};

// Reads a gzip-compressed IDX file of unsigned bytes. Throws InputError naming
// the file when it cannot be read, is not gzip, or is not a well-formed IDX
// file of unsigned bytes (wrong magic, size not matching the dimensions).
IdxArray read_idx_gz(const std::string& path);

// One file of the data set as the Debian package ships it.
struct DataFile {
  std::string name;    // "train-images-idx3-ubyte.gz"
  int64_t bytes;       // compressed size
  std::string sha256;  // of the compressed file, lowercase hex
};
// The four files of `dataset-fashion-mnist` 0.0~git20200523.55506a9-1:
// training images and labels, test images and labels, in that order.
const std::vector<DataFile>& fashion_mnist_files();

// Images of one set: count x height x width bytes, and a label per image.
struct ImageSet {
  int64_t count = 0, height = 0, width = 0;
  std::vector<uint8_t> pixels;  // count * height * width, row-major
  std::vector<uint8_t> labels;  // count, in [0, 10)
};

struct FashionMnistData {
  std::string dir;
  ImageSet train;  // 60,000 images in the official files
  ImageSet test;   // 10,000
};

// The directory of the files: `data_dir` when not empty, else
// $HOURGLASS_DATA/fashion-mnist when HOURGLASS_DATA is set, else the Debian
// path /usr/share/datasets/fashion-mnist.
std::string fashion_mnist_dir(const std::string& data_dir);

// The data of `dir`, read on the first call for (dir, verify) and shared by
// every later call of the process (thread-safe: populations run on --jobs
// threads). With `verify`, each file's size and SHA-256 must be those of
// fashion_mnist_files(); without, any IDX files of matching shapes are read
// (the tests' small files). Throws InputError naming the file and the
// package to install when a file is missing, corrupt or malformed.
std::shared_ptr<const FashionMnistData> fashion_mnist_data(const std::string& dir, bool verify);

// Files read from disk by fashion_mnist_data in this process so far (4 per
// directory): the tests check that the data are read once.
int64_t fashion_mnist_file_reads();

// "" when the four files exist in `dir` (and, with `verify`, have the
// package's sizes), else what is missing and what to install. Cheap (no
// read): the suite loader's check.
std::string check_fashion_mnist_files(const std::string& dir, bool verify);

// The OOD transformations, in the spirit of MNIST-C (Mu and Gilmer 2019) and
// Rotated MNIST. `severity` means, per transformation:
//   none            - (must be 0)
//   rotate          degrees, counter-clockwise as displayed, about the centre,
//                   bilinear, zero outside the image
//   gaussian-noise  standard deviation of added N(0, s^2) noise, then clipped
//                   to [0, 1]
//   gaussian-blur   standard deviation in pixels of a Gaussian kernel
//                   (radius ceil(3 s), normalized, edges replicated)
//   contrast        the share of contrast removed: x' = m + (1 - s)(x - m)
//                   with m the image's mean, s in (0, 1)
//   translate       pixels: the image moves by round(s cos a), round(s sin a)
//                   for an angle a drawn per image, zero filled
//   invert          - (must be 0): x' = 1 - x
//   occlude         side in pixels of a square patch set to 0 (background) at
//                   a position drawn per image, inside the image
enum class ImageTransform {
  kNone, kRotate, kGaussianNoise, kGaussianBlur, kContrast, kTranslate, kInvert, kOcclude
};
const std::vector<std::string>& image_transform_names();  // in enum order
ImageTransform image_transform(const std::string& name);  // std::invalid_argument if unknown

// Transforms one height x width image of values in [0, 1] (`in` and `out`
// may not alias). `seed` drives the random parts (noise, translation angle,
// patch position); the same seed gives the same output.
void transform_image(ImageTransform t, double severity, uint64_t seed, const float* in,
                     float* out, int64_t height, int64_t width);

}  // namespace hg
