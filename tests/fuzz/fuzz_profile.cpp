// Fuzz target: bytes -> the quantization profile YAML reader.

#include "FuzzUtil.h"

#include "glow/Quantization/Profile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static glow_fuzz::MemFile file("profile.yaml");
  auto profile = glow::readProfile(file.write(data, size));
  if (!profile) {
    glow_fuzz::consume(profile.takeError());
  }
  return 0;
}
