// Fuzz target: bytes -> the JPEG/PNG reader (chosen by the first bytes),
// then the ImageNet resize and centre crop of what it decoded.

#include "FuzzUtil.h"

#include "glow/Base/Image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static glow_fuzz::MemFile file("image.jpg");
  auto img = glow::readImage(file.write(data, size));
  if (!img) {
    glow_fuzz::consume(img.takeError());
    return 0;
  }
  // Small sizes keep each run fast; a large picture is still resized.
  glow::ImagePreprocessing pp;
  pp.resizeShorterSide = 20;
  pp.centerCrop = 16;
  auto out = glow::resizeAndCrop(std::move(*img), pp);
  if (!out) {
    glow_fuzz::consume(out.takeError());
  }
  return 0;
}
