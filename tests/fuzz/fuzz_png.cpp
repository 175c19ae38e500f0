// Fuzz target: bytes -> the PNG reader.

#include "FuzzUtil.h"

#include "glow/Base/Image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static glow_fuzz::MemFile file("image.png");
  auto img = glow::readPngImage(file.write(data, size));
  if (!img) {
    glow_fuzz::consume(img.takeError());
  }
  return 0;
}
