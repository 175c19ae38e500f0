#include "glow/Base/IdxDataset.h"
#include "glow/Support/Error.h"
#include "glow/Support/ResourceLimits.h"

#include <algorithm>
#include <zlib.h>

namespace glow {

namespace {
/// Reads a file, gunzipping it if it is gzip-compressed (zlib reads plain
/// files unchanged): the first \p maxBytes bytes, or all of it when
/// \p maxBytes is 0.
llvm::Expected<std::vector<uint8_t>> readMaybeGzipped(llvm::StringRef path,
                                                      size_t maxBytes = 0) {
  if (auto err = checkNotDirectoryOrDevice(path, "data set file")) {
    return std::move(err);
  }
  // Never more than the memory budget, whatever the file says.
  const size_t budget = getMemoryBudget();
  gzFile f = gzopen(path.str().c_str(), "rb");
  if (!f) {
    return makeError("cannot open data set file '" + path + "'");
  }
  std::vector<uint8_t> data;
  uint8_t buf[1 << 16];
  int n = 0;
  while (!maxBytes || data.size() < maxBytes) {
    if (data.size() > budget) {
      gzclose(f);
      return makeError("data set file '" + path +
                       "' is larger than the memory limit (-memory-limit)");
    }
    size_t want =
        maxBytes ? std::min(sizeof(buf), maxBytes - data.size()) : sizeof(buf);
    if ((n = gzread(f, buf, unsigned(want))) <= 0) {
      break;
    }
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

/// Parses an IDX header of unsigned bytes with \p ndim dimensions; \p d
/// holds the file, or its first \p count items (the first dimension) when
/// \p count is less than the header's count.
llvm::Expected<std::vector<dim_t>> parseIdxHeader(const std::vector<uint8_t> &d,
                                                  unsigned ndim,
                                                  llvm::StringRef path,
                                                  size_t count = ~size_t(0)) {
  if (d.size() < 4 + 4 * ndim || d[0] != 0 || d[1] != 0 || d[2] != 0x08 ||
      d[3] != ndim) {
    return makeError("'" + path + "' is not an unsigned-byte IDX file with " +
                     llvm::Twine(ndim) + " dimensions");
  }
  std::vector<dim_t> dims;
  size_t item = 1;
  for (unsigned i = 0; i < ndim; i++) {
    dims.push_back(readBigEndian32(d.data() + 4 + 4 * i));
    item *= i ? dims.back() : 1;
  }
  bool whole = count >= size_t(dims[0]);
  size_t expected = 4 + 4 * ndim + std::min(count, size_t(dims[0])) * item;
  if (whole ? d.size() != expected : d.size() < expected) {
    return makeError("'" + path + "' is truncated or has trailing data");
  }
  return dims;
}

/// The bytes to read of an IDX file of \p ndim dimensions for its first
/// \p limit items of \p itemBytes bytes (0: the whole file).
size_t idxPrefixBytes(unsigned ndim, size_t limit, size_t itemBytes) {
  return limit ? 4 + 4 * ndim + limit * itemBytes : 0;
}
} // namespace

llvm::Expected<IdxDataset> IdxDataset::load(llvm::StringRef imagesPath,
                                            llvm::StringRef labelsPath,
                                            size_t limit) {
  // With a limit, the image size comes from the header first, so that only
  // the images asked for are decompressed.
  size_t imageBytes = 0;
  if (limit) {
    auto head = readMaybeGzipped(imagesPath, 16);
    if (!head) {
      return head.takeError();
    }
    if (head->size() < 16) {
      return makeError("'" + imagesPath +
                       "' is not an unsigned-byte IDX file "
                       "with 3 dimensions");
    }
    imageBytes = size_t(readBigEndian32(head->data() + 8)) *
                 readBigEndian32(head->data() + 12);
  }
  auto images =
      readMaybeGzipped(imagesPath, idxPrefixBytes(3, limit, imageBytes));
  if (!images) {
    return images.takeError();
  }
  auto labels = readMaybeGzipped(labelsPath, idxPrefixBytes(1, limit, 1));
  if (!labels) {
    return labels.takeError();
  }
  size_t count = limit ? limit : ~size_t(0);
  auto imgDims = parseIdxHeader(*images, 3, imagesPath, count);
  if (!imgDims) {
    return imgDims.takeError();
  }
  auto lblDims = parseIdxHeader(*labels, 1, labelsPath, count);
  if (!lblDims) {
    return lblDims.takeError();
  }
  if ((*imgDims)[0] != (*lblDims)[0]) {
    return makeError("'" + imagesPath + "' has " + llvm::Twine((*imgDims)[0]) +
                     " images but '" + labelsPath + "' has " +
                     llvm::Twine((*lblDims)[0]) + " labels");
  }
  IdxDataset ds;
  ds.count_ = std::min<size_t>(count, (*imgDims)[0]);
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
