#include "glow/Base/IdxDataset.h"
#include "glow/Support/Error.h"

#include <zlib.h>

namespace glow {

namespace {
/// Reads a whole file, gunzipping it if it is gzip-compressed (zlib reads
/// plain files unchanged).
llvm::Expected<std::vector<uint8_t>> readMaybeGzipped(llvm::StringRef path) {
  gzFile f = gzopen(path.str().c_str(), "rb");
  if (!f) {
    return makeError("cannot open data set file '" + path + "'");
  }
  std::vector<uint8_t> data;
  uint8_t buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof(buf))) > 0) {
    data.insert(data.end(), buf, buf + n);
  }
  int errnum = 0;
  const char *msg = gzerror(f, &errnum);
  bool failed = n < 0 || (errnum != Z_OK && errnum != Z_STREAM_END);
  std::string err = msg ? msg : "";
  gzclose(f);
  if (failed) {
    return makeError("cannot read '" + path + "': " + err);
  }
  return data;
}

uint32_t readBigEndian32(const uint8_t *p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) |
         (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

/// Parses an IDX header of unsigned bytes with \p ndim dimensions.
llvm::Expected<std::vector<dim_t>> parseIdxHeader(const std::vector<uint8_t> &d,
                                                  unsigned ndim,
                                                  llvm::StringRef path) {
  if (d.size() < 4 + 4 * ndim || d[0] != 0 || d[1] != 0 || d[2] != 0x08 ||
      d[3] != ndim) {
    return makeError("'" + path + "' is not an unsigned-byte IDX file with " +
                     llvm::Twine(ndim) + " dimensions");
  }
  std::vector<dim_t> dims;
  size_t total = 1;
  for (unsigned i = 0; i < ndim; i++) {
    dims.push_back(readBigEndian32(d.data() + 4 + 4 * i));
    total *= dims.back();
  }
  if (d.size() != 4 + 4 * ndim + total) {
    return makeError("'" + path + "' is truncated or has trailing data");
  }
  return dims;
}
} // namespace

llvm::Expected<IdxDataset> IdxDataset::load(llvm::StringRef imagesPath,
                                            llvm::StringRef labelsPath) {
  auto images = readMaybeGzipped(imagesPath);
  if (!images) {
    return images.takeError();
  }
  auto labels = readMaybeGzipped(labelsPath);
  if (!labels) {
    return labels.takeError();
  }
  auto imgDims = parseIdxHeader(*images, 3, imagesPath);
  if (!imgDims) {
    return imgDims.takeError();
  }
  auto lblDims = parseIdxHeader(*labels, 1, labelsPath);
  if (!lblDims) {
    return lblDims.takeError();
  }
  if ((*imgDims)[0] != (*lblDims)[0]) {
    return makeError("'" + imagesPath + "' has " + llvm::Twine((*imgDims)[0]) +
                     " images but '" + labelsPath + "' has " +
                     llvm::Twine((*lblDims)[0]) + " labels");
  }
  IdxDataset ds;
  ds.count_ = (*imgDims)[0];
  ds.rows_ = (*imgDims)[1];
  ds.cols_ = (*imgDims)[2];
  ds.images_.assign(images->begin() + 16, images->end());
  ds.labels_.assign(labels->begin() + 8, labels->end());
  return ds;
}

RawImage IdxDataset::getImage(dim_t i) const {
  RawImage img;
  img.height = rows_;
  img.width = cols_;
  img.channels = 1;
  auto begin = images_.begin() + i * rows_ * cols_;
  img.pixels.assign(begin, begin + rows_ * cols_);
  return img;
}

} // namespace glow
