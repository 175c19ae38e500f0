#ifndef GLOW_BASE_IDXDATASET_H
#define GLOW_BASE_IDXDATASET_H

#include "glow/Base/Image.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace glow {

/// A labeled image data set in the IDX format of MNIST and Fashion-MNIST
/// (unsigned-byte images [count][rows][cols] and labels [count]).
class IdxDataset {
public:
  /// Reads \p imagesPath and \p labelsPath; each may be gzip-compressed.
  /// With \p limit, reads (and decompresses) only the first \p limit
  /// images and labels: the set is then of min(limit, count) images, and
  /// data past them is not checked.
  static llvm::Expected<IdxDataset> load(llvm::StringRef imagesPath,
                                         llvm::StringRef labelsPath,
                                         size_t limit = 0);

  dim_t size() const { return count_; }
  dim_t rows() const { return rows_; }
  dim_t cols() const { return cols_; }
  int getLabel(dim_t i) const { return labels_[i]; }
  /// \returns image \p i as a gray RawImage.
  RawImage getImage(dim_t i) const;

private:
  dim_t count_{0}, rows_{0}, cols_{0};
  std::vector<uint8_t> images_;
  std::vector<uint8_t> labels_;
};

} // namespace glow

#endif // GLOW_BASE_IDXDATASET_H
