#include "ImageInput.h"
#include "Loader.h"

#include "glow/Support/Error.h"
#include "glow/Support/ResourceLimits.h"

#include "llvm/Support/FileSystem.h"

#include <algorithm>

namespace glow {
namespace imageinput {
llvm::cl::OptionCategory category("Image input options");

llvm::cl::list<std::string> inputImageFiles(llvm::cl::Positional,
                                            llvm::cl::desc("<image .png ...>"),
                                            llvm::cl::ZeroOrMore);
llvm::cl::opt<std::string>
    inputImageDir("input-image-dir",
                  llvm::cl::desc("Use every .png in this directory"),
                  llvm::cl::cat(category));
llvm::cl::opt<std::string>
    inputImageListFile("input-image-list-file",
                       llvm::cl::desc("File listing one image path per line"),
                       llvm::cl::cat(category));
llvm::cl::opt<std::string> inputDataset(
    "input-dataset",
    llvm::cl::desc("An IDX data set: idx:IMAGES,LABELS (gzip allowed)"),
    llvm::cl::cat(category));

llvm::cl::opt<ImageNormalizationMode> imageMode(
    "image-mode", llvm::cl::desc("Range that pixels 0..255 are mapped onto"),
    llvm::cl::values(
        clEnumValN(ImageNormalizationMode::k0to1, "0to1", "[0, 1]"),
        clEnumValN(ImageNormalizationMode::kneg1to1, "neg1to1", "[-1, 1]"),
        clEnumValN(ImageNormalizationMode::k0to255, "0to255", "[0, 255]"),
        clEnumValN(ImageNormalizationMode::kneg128to127, "neg128to127",
                   "[-128, 127]")),
    llvm::cl::init(ImageNormalizationMode::k0to1), llvm::cl::cat(category));
llvm::cl::opt<ImageLayout> imageLayout(
    "image-layout", llvm::cl::desc("Layout of the image input"),
    llvm::cl::values(clEnumValN(ImageLayout::NCHW, "NCHW", "NCHW (default)"),
                     clEnumValN(ImageLayout::NHWC, "NHWC", "NHWC")),
    llvm::cl::init(ImageLayout::NCHW), llvm::cl::cat(category));
llvm::cl::opt<ImageChannelOrder> imageChannelOrder(
    "image-channel-order", llvm::cl::desc("Channel order of the image input"),
    llvm::cl::values(clEnumValN(ImageChannelOrder::BGR, "BGR",
                                "BGR (default, as Glow)"),
                     clEnumValN(ImageChannelOrder::RGB, "RGB", "RGB")),
    llvm::cl::init(ImageChannelOrder::BGR), llvm::cl::cat(category));
llvm::cl::list<float>
    meanValues("mean",
               llvm::cl::desc("Per-channel mean in pixel units (0..255)"),
               llvm::cl::CommaSeparated, llvm::cl::cat(category));
llvm::cl::list<float> stddevValues(
    "stddev", llvm::cl::desc("Per-channel standard deviation in pixel units"),
    llvm::cl::CommaSeparated, llvm::cl::cat(category));
llvm::cl::opt<unsigned> datasetLimit(
    "dataset-limit",
    llvm::cl::desc("Use only the first N images of -input-dataset (0: all)"),
    llvm::cl::init(0), llvm::cl::cat(category));

} // namespace imageinput

using namespace imageinput;

std::string ImageSource::nameOf(size_t i) const {
  return dataset ? datasetName + "#" + std::to_string(i) : files[i];
}

int ImageSource::labelOf(size_t i) const {
  return dataset ? dataset->getLabel(i) : getLabelFromFileName(files[i]);
}

llvm::Expected<RawImage> ImageSource::imageOf(size_t i) const {
  if (dataset) {
    return dataset->getImage(i);
  }
  return readPngImage(files[i]);
}

/// Appends every .png of \p dir, sorted, to \p files.
static llvm::Error addDirectory(llvm::StringRef dir,
                                std::vector<std::string> &files) {
  std::error_code ec;
  std::vector<std::string> found;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    if (llvm::StringRef(it->path()).endswith(".png")) {
      found.push_back(it->path());
    }
  }
  if (ec) {
    return makeError("cannot read directory '" + dir + "': " + ec.message());
  }
  std::sort(found.begin(), found.end());
  files.insert(files.end(), found.begin(), found.end());
  return llvm::Error::success();
}

/// Opens the IDX data set \p spec ("idx:IMAGES,LABELS") into \p src.
static llvm::Error openDataset(llvm::StringRef spec, size_t limit,
                               ImageSource &src) {
  llvm::StringRef rest = spec;
  if (!rest.consume_front("idx:") || !rest.contains(',')) {
    return makeError("bad data set '" + spec + "': expected idx:IMAGES,LABELS");
  }
  auto [images, labels] = rest.split(',');
  auto ds = IdxDataset::load(images, labels, limit);
  if (!ds) {
    return ds.takeError();
  }
  src.dataset = std::make_unique<IdxDataset>(std::move(*ds));
  src.datasetName = spec.str();
  src.datasetCount = src.dataset->size();
  return llvm::Error::success();
}

llvm::Expected<ImageSource> collectImages() {
  ImageSource src;
  src.files.assign(inputImageFiles.begin(), inputImageFiles.end());
  if (!inputImageDir.empty()) {
    if (auto err = addDirectory(inputImageDir, src.files)) {
      return std::move(err);
    }
  }
  if (!inputImageListFile.empty()) {
    auto text =
        readFileBounded(inputImageListFile, kMaxTextFileBytes, "image list");
    if (!text) {
      return text.takeError();
    }
    llvm::SmallVector<llvm::StringRef, 64> lines;
    llvm::StringRef(*text).split(lines, '\n');
    for (auto line : lines) {
      if (!line.trim().empty()) {
        src.files.push_back(line.trim().str());
      }
    }
  }
  if (!inputDataset.empty()) {
    if (!src.files.empty()) {
      return makeError("give either image files or -input-dataset, not both");
    }
    if (auto err = openDataset(inputDataset, datasetLimit, src)) {
      return std::move(err);
    }
  }
  if (src.size() == 0) {
    return makeError("no images given (image files, -input-image-dir, "
                     "-input-image-list-file or -input-dataset)");
  }
  return std::move(src);
}

llvm::Expected<ImageSource> openImages(llvm::StringRef dataset,
                                       llvm::StringRef dir, size_t limit) {
  ImageSource src;
  if (!dataset.empty()) {
    if (auto err = openDataset(dataset, limit, src)) {
      return std::move(err);
    }
  } else if (auto err = addDirectory(dir, src.files)) {
    return std::move(err);
  }
  if (!src.dataset && limit && limit < src.files.size()) {
    src.files.resize(limit);
  }
  if (src.size() == 0) {
    return makeError("no images in '" + (dataset.empty() ? dir : dataset) +
                     "'");
  }
  return std::move(src);
}

llvm::Expected<Tensor> readAllImages(const ImageSource &src,
                                     const ImagePreprocessing &pp,
                                     const Type &image,
                                     std::vector<int> &labels) {
  std::vector<dim_t> dims(image.dims().begin(), image.dims().end());
  dims[0] = dim_t(src.size());
  if (auto bytes = checkedTensorBytes(dims, sizeof(float), "the images");
      !bytes) {
    return bytes.takeError();
  }
  Tensor images(ElemKind::FloatTy, dims);
  labels.clear();
  for (size_t i = 0; i < src.size(); i++) {
    auto img = src.imageOf(i);
    if (!img) {
      return img.takeError();
    }
    if (auto err = writeImageToBatch(*img, pp, images, i)) {
      return makeError(src.nameOf(i) + ": " + llvm::toString(std::move(err)));
    }
    labels.push_back(src.labelOf(i));
  }
  return std::move(images);
}

llvm::Expected<ImagePreprocessing> getImagePreprocessing() {
  ImagePreprocessing pp;
  pp.mode = imageMode;
  pp.layout = imageLayout;
  pp.order = imageChannelOrder;
  pp.mean.assign(meanValues.begin(), meanValues.end());
  pp.stddev.assign(stddevValues.begin(), stddevValues.end());
  if (auto err = pp.validate()) {
    return std::move(err);
  }
  return pp;
}

llvm::Expected<std::pair<std::string, Type>> resolveImageInput(dim_t batch) {
  auto infos = ONNXModelLoader::readInputInfo(loader::modelPath);
  if (!infos) {
    return infos.takeError();
  }
  if (infos->empty()) {
    return makeError("the model has no inputs");
  }
  const ONNXInputInfo *info = &(*infos)[0];
  if (!loader::modelInputName.empty()) {
    info = nullptr;
    for (auto &i : *infos) {
      if (i.name == loader::modelInputName) {
        info = &i;
      }
    }
    if (!info) {
      return makeError("the model has no input named '" +
                       loader::modelInputName + "'");
    }
  }
  for (auto &spec : loader::modelInputs) {
    auto parsed = parseModelInputSpec(spec);
    if (!parsed) {
      return parsed.takeError();
    }
    if (parsed->first == info->name) {
      return std::move(*parsed);
    }
  }
  if (info->dims.size() != 4) {
    return makeError("input '" + info->name + "' has shape " +
                     dimsToString(info->dims) +
                     "; an image input must be 4-D (use -model-input)");
  }
  std::vector<dim_t> dims = info->dims;
  dims[0] = batch;
  for (dim_t d : dims) {
    if (d <= 0) {
      return makeError("input '" + info->name + "' has open dimensions " +
                       dimsToString(info->dims) + "; give -model-input=" +
                       info->name + ",float,[N,C,H,W]");
    }
  }
  if (auto bytes = checkedTensorBytes(dims, sizeof(float),
                                      "input '" + info->name + "' (batch " +
                                          llvm::Twine(batch) + ")");
      !bytes) {
    return bytes.takeError();
  }
  return std::make_pair(info->name, Type(ElemKind::FloatTy, dims));
}

} // namespace glow
