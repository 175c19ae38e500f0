// Fuzz target: bytes -> parseLayerList, both as a keep-list file
// ("@FILE") and as an inline comma list.

#include "FuzzUtil.h"

#include "glow/Optimizer/PrecisionMode.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static glow_fuzz::MemFile file("keep-layers.txt");
  auto fromFile = glow::parseLayerList("@" + file.write(data, size));
  if (!fromFile) {
    glow_fuzz::consume(fromFile.takeError());
  }
  std::string inlineList(reinterpret_cast<const char *>(data), size);
  auto fromList = glow::parseLayerList(inlineList);
  if (!fromList) {
    glow_fuzz::consume(fromList.takeError());
  }
  return 0;
}
