// A standalone classifier built on an ahead-of-time bundle of the reference
// ResNet-18 (Fashion-MNIST, 1x28x28 gray images). It links only the bundle's
// object file, libpng and libm: no compiler, no LLVM. The bundle is chosen
// at build time (CMakeLists.txt compiles this file once per bundle):
//   BUNDLE_HEADER  the bundle header, e.g. "resnet18_fp32.h"
//   BUNDLE_ENTRY   the entry point, e.g. resnet18_fp32
//   BUNDLE_PREFIX  the header's macro prefix, e.g. RESNET18_FP32
//   WEIGHTS_FILE   default path of NAME.weights.bin
//
// Usage: APP [-weights FILE] IMAGE.png...
// Prints "IMAGE LABEL" per image and, for names ending in _LABEL.png, the
// accuracy.

#include BUNDLE_HEADER

#include <png.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#define GLUE2(a, b) a##_##b
#define GLUE(a, b) GLUE2(a, b)
#define BUNDLE(x) GLUE(BUNDLE_PREFIX, x)

namespace {

/// A zeroed buffer aligned as the bundle requires.
struct Buffer {
  explicit Buffer(size_t size) {
    size_t rounded =
        (size + BUNDLE(MEM_ALIGN) - 1) / BUNDLE(MEM_ALIGN) * BUNDLE(MEM_ALIGN);
    data = static_cast<uint8_t *>(
        std::aligned_alloc(BUNDLE(MEM_ALIGN), rounded ? rounded : 64));
    if (data) {
      std::memset(data, 0, rounded);
    }
  }
  ~Buffer() { std::free(data); }
  uint8_t *data{nullptr};
};

/// Reads an 8-bit 28x28 PNG as gray pixels (colour is averaged, alpha
/// dropped). \returns false with a message on failure.
bool readImage(const char *path, std::vector<uint8_t> &gray) {
  png_image img;
  std::memset(&img, 0, sizeof(img));
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&img, path)) {
    std::fprintf(stderr, "error: cannot read '%s': %s\n", path, img.message);
    return false;
  }
  img.format = PNG_FORMAT_GRAY;
  if (img.width != 28 || img.height != 28) {
    std::fprintf(stderr, "error: '%s' is %ux%u, the model takes 28x28\n", path,
                 img.width, img.height);
    png_image_free(&img);
    return false;
  }
  gray.resize(PNG_IMAGE_SIZE(img));
  if (!png_image_finish_read(&img, nullptr, gray.data(), 0, nullptr)) {
    std::fprintf(stderr, "error: cannot decode '%s': %s\n", path, img.message);
    return false;
  }
  return true;
}

/// The label in a name "..._LABEL.png", or -1.
int labelFromName(const std::string &path) {
  size_t dot = path.rfind('.'), us = path.rfind('_');
  if (dot == std::string::npos || us == std::string::npos || us > dot) {
    return -1;
  }
  std::string digits = path.substr(us + 1, dot - us - 1);
  if (digits.empty() ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return -1;
  }
  return std::atoi(digits.c_str());
}

} // namespace

int main(int argc, char **argv) {
  const char *weightsPath = WEIGHTS_FILE;
  std::vector<const char *> images;
  for (int i = 1; i < argc; i++) {
    if (!std::strcmp(argv[i], "-weights") && i + 1 < argc) {
      weightsPath = argv[++i];
    } else {
      images.push_back(argv[i]);
    }
  }
  if (images.empty()) {
    std::fprintf(stderr, "usage: %s [-weights FILE] IMAGE.png...\n", argv[0]);
    return 2;
  }
  Buffer constants(BUNDLE(CONSTANT_MEM_SIZE)), mut(BUNDLE(MUTABLE_MEM_SIZE)),
      activations(BUNDLE(ACTIVATIONS_MEM_SIZE));
  FILE *f = std::fopen(weightsPath, "rb");
  if (!f) {
    std::fprintf(stderr, "error: cannot open weights '%s'\n", weightsPath);
    return 1;
  }
  // The weights file, expanded into the constant region (4-bit weights
  // are packed in the file; otherwise this copies it).
  std::vector<uint8_t> file(BUNDLE(WEIGHTS_FILE_SIZE));
  size_t want = file.size();
  size_t got = std::fread(file.data(), 1, want, f);
  bool longer = std::fgetc(f) != EOF;
  std::fclose(f);
  if (got != want || longer) {
    std::fprintf(stderr,
                 "error: '%s' holds %s%zu bytes, the bundle needs %zu\n",
                 weightsPath, longer ? "more than " : "", got, want);
    return 1;
  }
  GLUE(BUNDLE_ENTRY, unpack_weights)(file.data(), constants.data);
  float *input = reinterpret_cast<float *>(mut.data + BUNDLE(input));
  const float *logits =
      reinterpret_cast<const float *>(mut.data + BUNDLE(save_logits));
  int labelled = 0, correct = 0;
  for (const char *path : images) {
    std::vector<uint8_t> gray;
    if (!readImage(path, gray)) {
      return 1;
    }
    // The training pre-processing: (pixel / 255 - 0.286) / 0.353.
    for (int i = 0; i < 28 * 28; i++) {
      input[i] = (float(gray[i]) / 255.f - 0.286f) / 0.353f;
    }
    int status = BUNDLE_ENTRY(constants.data, mut.data, activations.data);
    if (status != GLOW_SUCCESS) {
      std::fprintf(stderr, "error: the bundle returned %d\n", status);
      return 1;
    }
    int best = 0;
    for (int k = 1; k < 10; k++) {
      best = logits[k] > logits[best] ? k : best;
    }
    std::printf("%s %d\n", path, best);
    int label = labelFromName(path);
    if (label >= 0) {
      labelled++;
      correct += label == best;
    }
  }
  if (labelled) {
    std::printf("accuracy %.2f%% (%d/%d)\n", 100.0 * correct / labelled,
                correct, labelled);
  }
  return 0;
}
