#ifndef GLOW_TOOLS_LOADER_IMAGEINPUT_H
#define GLOW_TOOLS_LOADER_IMAGEINPUT_H

#include "glow/Base/IdxDataset.h"
#include "glow/Base/Image.h"
#include "glow/Base/Tensor.h"
#include "glow/Tuner/PrecisionEvaluator.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace glow {

/// The image flags of the image tools (image-classifier, precision-tuner):
/// where the images come from and Glow's pre-processing.
namespace imageinput {
extern llvm::cl::OptionCategory category;
extern llvm::cl::opt<std::string> inputDataset;
} // namespace imageinput

/// A list of images: PNG or JPEG files, each with its label (from a class
/// folder, a list file or the name, NAME_LABEL.png; -1 if none), or an IDX
/// data set.
struct ImageSource {
  std::vector<std::string> files;
  std::vector<int> labels;
  std::unique_ptr<IdxDataset> dataset;
  std::string datasetName;
  size_t datasetCount{0};

  size_t size() const { return dataset ? datasetCount : files.size(); }
  std::string nameOf(size_t i) const;
  /// \returns the label of image \p i, or -1 if it has none.
  int labelOf(size_t i) const;
  llvm::Expected<RawImage> imageOf(size_t i) const;
  void add(std::string file, int label);
};

/// \returns the images the flags name (files, -input-image-dir,
/// -input-image-list-file, or -input-dataset with -dataset-limit).
llvm::Expected<ImageSource> collectImages();

/// \returns the images of \p dataset ("idx:IMAGES,LABELS") or, if that is
/// empty, of \p dir (every .png, sorted); at most \p limit (0: all).
llvm::Expected<ImageSource> openImages(llvm::StringRef dataset,
                                       llvm::StringRef dir, size_t limit);

/// \returns the images of \p src as an evaluation set for a model input
/// of one image of type \p image ([1, C, H, W] or [1, H, W, C]): labels at
/// once, pixels decoded and pre-processed by \p pp batch by batch, the
/// next batch on a prefetch thread, never all of them at once.
EvaluationSet streamImages(std::shared_ptr<const ImageSource> src,
                           const ImagePreprocessing &pp, const Type &image);

/// \returns the pre-processing the flags describe.
llvm::Expected<ImagePreprocessing> getImagePreprocessing();

/// \returns the model input that receives the images and its type: the
/// declared shape with the batch dimension set to \p batch, or
/// -model-input where given.
llvm::Expected<std::pair<std::string, Type>> resolveImageInput(dim_t batch);

} // namespace glow

#endif // GLOW_TOOLS_LOADER_IMAGEINPUT_H
