// Fuzz target: bytes -> the precision tuner's StudyCheckpoint::open (the
// file exists, so it is parsed and possibly rewritten), then find() on a
// few keys. make_seeds.sh writes checkpoints with the fingerprint below.

#include "FuzzUtil.h"

#include "glow/Tuner/StudyCheckpoint.h"

#include <cmath>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static glow_fuzz::MemFile file("checkpoint.txt");
  auto cp = glow::StudyCheckpoint::open(file.write(data, size),
                                        "0123456789abcdef", "fuzz settings");
  if (!cp) {
    glow_fuzz::consume(cp.takeError());
    return 0;
  }
  double sum = 0;
  for (const char *key : {"fp32", "int8", "unit/0", "/conv1/Conv", "", "M"}) {
    if (const glow::Measurement *m = (*cp)->find(key)) {
      sum += m->accuracy + m->sqnr + double(m->images);
    }
  }
  (void)std::isnan(sum);
  (void)(*cp)->resumed();
  return 0;
}
