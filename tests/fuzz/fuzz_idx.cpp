// Fuzz target: bytes -> IdxDataset::load. Input layout: byte 0 = limit
// (0: whole file), bytes 1-2 = little-endian length of the images file,
// then the images file, then the labels file (the rest).

#include "FuzzUtil.h"

#include "glow/Base/IdxDataset.h"

#include <algorithm>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static glow_fuzz::MemFile images("images.idx");
  static glow_fuzz::MemFile labels("labels.idx");
  if (size < 3) {
    return 0;
  }
  size_t limit = data[0];
  size_t split = std::min<size_t>(data[1] | (size_t(data[2]) << 8), size - 3);
  const std::string &ip = images.write(data + 3, split);
  const std::string &lp = labels.write(data + 3 + split, size - 3 - split);
  auto ds = glow::IdxDataset::load(ip, lp, limit);
  if (!ds) {
    glow_fuzz::consume(ds.takeError());
    return 0;
  }
  // Touch every image and label the loader accepted.
  unsigned sum = 0;
  for (glow::dim_t i = 0; i < ds->size(); i++) {
    sum += unsigned(ds->getLabel(i));
    glow::RawImage img = ds->getImage(i);
    (void)img;
  }
  (void)sum;
  return 0;
}
