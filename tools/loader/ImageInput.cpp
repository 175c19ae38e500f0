#include "ImageInput.h"
#include "Loader.h"

#include "glow/Support/Error.h"
#include "glow/Support/ResourceLimits.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cstring>
#include <future>
#include <mutex>

namespace glow {
namespace imageinput {
llvm::cl::OptionCategory category("Image input options");

llvm::cl::list<std::string>
    inputImageFiles(llvm::cl::Positional,
                    llvm::cl::desc("<image .png/.jpg ...>"),
                    llvm::cl::ZeroOrMore);
llvm::cl::opt<std::string> inputImageDir(
    "input-image-dir",
    llvm::cl::desc("Every .png/.jpg/.jpeg of this directory (label from the "
                   "name), or, when it holds only folders, one folder per "
                   "class (label: the folder's index in sorted order)"),
    llvm::cl::cat(category));
llvm::cl::opt<std::string> inputImageListFile(
    "input-image-list-file",
    llvm::cl::desc("File with one image a line: PATH [LABEL] (a relative "
                   "PATH is relative to the list's folder)"),
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
llvm::cl::opt<unsigned> resizeShorterSide(
    "resize-shorter-side",
    llvm::cl::desc("Resize each image (bilinear, as PIL/torchvision) so that "
                   "its shorter side has N pixels, before -center-crop"),
    llvm::cl::value_desc("N"), llvm::cl::init(0), llvm::cl::cat(category));
llvm::cl::opt<unsigned> centerCrop(
    "center-crop",
    llvm::cl::desc("Take the centre SxS pixels of each image (after "
                   "-resize-shorter-side), as torchvision's CenterCrop"),
    llvm::cl::value_desc("S"), llvm::cl::init(0), llvm::cl::cat(category));
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
  return dataset ? dataset->getLabel(i) : labels[i];
}

llvm::Expected<RawImage> ImageSource::imageOf(size_t i) const {
  if (dataset) {
    return dataset->getImage(i);
  }
  return readImage(files[i]);
}

void ImageSource::add(std::string file, int label) {
  files.push_back(std::move(file));
  labels.push_back(label);
}

/// \returns true if \p path names an image file the tools read.
static bool isImageFile(llvm::StringRef path) {
  llvm::StringRef ext = llvm::sys::path::extension(path);
  return ext.equals_insensitive(".png") || ext.equals_insensitive(".jpg") ||
         ext.equals_insensitive(".jpeg");
}

/// The image files and the folders of \p dir, each sorted.
static llvm::Error listDirectory(llvm::StringRef dir,
                                 std::vector<std::string> &images,
                                 std::vector<std::string> &folders) {
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    auto type = it->type();
    if (type == llvm::sys::fs::file_type::directory_file) {
      folders.push_back(it->path());
    } else if (isImageFile(it->path())) {
      images.push_back(it->path());
    }
  }
  if (ec) {
    return makeError("cannot read directory '" + dir + "': " + ec.message());
  }
  std::sort(images.begin(), images.end());
  std::sort(folders.begin(), folders.end());
  return llvm::Error::success();
}

/// Adds the images of \p dir to \p src: its image files (label from the
/// name), or, when it holds folders and no image, every image of each
/// folder with the folder's index as its label (torchvision's
/// ImageFolder).
static llvm::Error addDirectory(llvm::StringRef dir, ImageSource &src) {
  std::vector<std::string> images, folders;
  if (auto err = listDirectory(dir, images, folders)) {
    return err;
  }
  if (!images.empty() || folders.empty()) {
    for (auto &f : images) {
      src.add(f, getLabelFromFileName(f));
    }
    return llvm::Error::success();
  }
  for (size_t c = 0; c < folders.size(); c++) {
    std::vector<std::string> inside, nested;
    if (auto err = listDirectory(folders[c], inside, nested)) {
      return err;
    }
    for (auto &f : inside) {
      src.add(f, int(c));
    }
  }
  return llvm::Error::success();
}

/// Adds the images of the list file \p path: "PATH [LABEL]" lines, a
/// relative PATH taken from the list's folder, the label from the file
/// name where the line gives none.
static llvm::Error addListFile(llvm::StringRef path, ImageSource &src) {
  auto text = readFileBounded(path, kMaxTextFileBytes, "image list");
  if (!text) {
    return text.takeError();
  }
  llvm::StringRef base = llvm::sys::path::parent_path(path);
  llvm::SmallVector<llvm::StringRef, 64> lines;
  llvm::StringRef(*text).split(lines, '\n');
  for (size_t i = 0; i < lines.size(); i++) {
    llvm::StringRef line = lines[i].trim();
    if (line.empty() || line.startswith("#")) {
      continue;
    }
    llvm::StringRef file = line, labelText;
    size_t space = line.find_last_of(" \t");
    if (space != llvm::StringRef::npos) {
      file = line.substr(0, space).rtrim();
      labelText = line.substr(space + 1);
    }
    int label = -1;
    if (!labelText.empty()) {
      unsigned v;
      if (labelText.getAsInteger(10, v) || v > (1u << 30)) {
        return makeError("image list '" + path + "' line " +
                         llvm::Twine(i + 1) + ": '" + labelText.take_front(40) +
                         "' is not a label (expected PATH LABEL)");
      }
      label = int(v);
    }
    llvm::SmallString<256> full;
    if (llvm::sys::path::is_relative(file) && !base.empty()) {
      full = base;
      llvm::sys::path::append(full, file);
    } else {
      full = file;
    }
    src.add(full.str().str(), label >= 0 ? label : getLabelFromFileName(full));
  }
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
  for (auto &f : inputImageFiles) {
    src.add(f, getLabelFromFileName(f));
  }
  if (!inputImageDir.empty()) {
    if (auto err = addDirectory(inputImageDir, src)) {
      return std::move(err);
    }
  }
  if (!inputImageListFile.empty()) {
    if (auto err = addListFile(inputImageListFile, src)) {
      return std::move(err);
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
  } else if (auto err = addDirectory(dir, src)) {
    return std::move(err);
  }
  if (!src.dataset && limit && limit < src.files.size()) {
    src.files.resize(limit);
    src.labels.resize(limit);
  }
  if (src.size() == 0) {
    return makeError("no images in '" + (dataset.empty() ? dir : dataset) +
                     "'");
  }
  return std::move(src);
}

namespace {
/// The decoding side of streamImages: one batch decoded ahead on a
/// prefetch thread (a queue of one), so that at most two batches of
/// pixels exist at a time.
struct ImageStream {
  std::shared_ptr<const ImageSource> src;
  ImagePreprocessing pp;
  std::vector<dim_t> imageDims;
  std::mutex mutex;
  size_t aheadFirst{0}, aheadCount{0};
  std::future<llvm::Expected<Tensor>> ahead;

  /// Decodes images [first, first + n) into a new tensor [n, ...].
  llvm::Expected<Tensor> decode(size_t first, size_t n) const {
    std::vector<dim_t> dims = imageDims;
    dims[0] = dim_t(n);
    Tensor t(ElemKind::FloatTy, dims);
    for (size_t j = 0; j < n; j++) {
      auto img = src->imageOf(first + j);
      if (!img) {
        return img.takeError();
      }
      if (auto err = writeImageToBatch(*img, pp, t, dim_t(j))) {
        return makeError(src->nameOf(first + j) + ": " +
                         llvm::toString(std::move(err)));
      }
    }
    return std::move(t);
  }

  /// Waits for the batch decoded ahead, if any, and drops it.
  void dropAhead() {
    if (ahead.valid()) {
      auto stale = ahead.get();
      if (!stale) {
        llvm::consumeError(stale.takeError());
      }
    }
  }
};
} // namespace

EvaluationSet streamImages(std::shared_ptr<const ImageSource> src,
                           const ImagePreprocessing &pp, const Type &image) {
  auto st = std::make_shared<ImageStream>();
  st->src = src;
  st->pp = pp;
  st->imageDims.assign(image.dims().begin(), image.dims().end());
  EvaluationSet set;
  set.imageDims = st->imageDims;
  set.imageDims[0] = 1;
  for (size_t i = 0; i < src->size(); i++) {
    set.labels.push_back(src->labelOf(i));
  }
  set.prefetch = [st](size_t first, size_t n) {
    std::lock_guard<std::mutex> lock(st->mutex);
    st->dropAhead();
    st->aheadFirst = first;
    st->aheadCount = n;
    // A plain pointer: the stream's future waits for the task when the
    // stream goes, and a shared one would keep the stream alive forever.
    ImageStream *raw = st.get();
    st->ahead = std::async(std::launch::async,
                           [raw, first, n] { return raw->decode(first, n); });
  };
  set.read = [st](size_t first, size_t n, Tensor &batch) -> llvm::Error {
    llvm::Expected<Tensor> got = Tensor();
    {
      std::lock_guard<std::mutex> lock(st->mutex);
      if (st->ahead.valid() && st->aheadFirst == first && st->aheadCount == n) {
        got = st->ahead.get();
      } else {
        st->dropAhead();
        got = st->decode(first, n);
      }
    }
    if (!got) {
      return got.takeError();
    }
    if (n > batch.dims()[0] || got->getSizeInBytes() / std::max<size_t>(n, 1) !=
                                   batch.getSizeInBytes() / batch.dims()[0]) {
      return makeError("the decoded images do not fit the model input " +
                       batch.getType().toString());
    }
    batch.zero();
    std::memcpy(batch.getUnsafePtr(), got->getUnsafePtr(),
                got->getSizeInBytes());
    return llvm::Error::success();
  };
  return set;
}

llvm::Expected<ImagePreprocessing> getImagePreprocessing() {
  ImagePreprocessing pp;
  pp.mode = imageMode;
  pp.layout = imageLayout;
  pp.order = imageChannelOrder;
  pp.mean.assign(meanValues.begin(), meanValues.end());
  pp.stddev.assign(stddevValues.begin(), stddevValues.end());
  pp.resizeShorterSide = resizeShorterSide;
  pp.centerCrop = centerCrop;
  if (resizeShorterSide > kMaxImageSide || centerCrop > kMaxImageSide) {
    return makeError("-resize-shorter-side and -center-crop must be at most " +
                     llvm::Twine(kMaxImageSide));
  }
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
