// image-classifier: runs an ONNX image model on PNG files or an IDX data set
// and prints Glow's per-image lines and an accuracy/throughput summary.

#include "../loader/Loader.h"

#include "glow/Base/IdxDataset.h"
#include "glow/Base/Image.h"
#include "glow/Support/Error.h"
#include "glow/Support/Progress.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <numeric>

using namespace glow;

namespace {
const char *kTool = "image-classifier";

llvm::cl::OptionCategory category("image-classifier options");

llvm::cl::list<std::string> inputImageFiles(llvm::cl::Positional,
                                            llvm::cl::desc("<image .png ...>"),
                                            llvm::cl::ZeroOrMore);
llvm::cl::opt<std::string>
    inputImageDir("input-image-dir",
                  llvm::cl::desc("Classify every .png in this directory"),
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
llvm::cl::opt<unsigned>
    miniBatch("minibatch", llvm::cl::desc("Images per inference (default 1)"),
              llvm::cl::init(1), llvm::cl::cat(category));
llvm::cl::opt<unsigned> topK("topk",
                             llvm::cl::desc("Labels to print per image"),
                             llvm::cl::init(1), llvm::cl::cat(category));
llvm::cl::opt<bool>
    computeSoftmax("compute-softmax",
                   llvm::cl::desc("Apply softmax to the model output"),
                   llvm::cl::init(false), llvm::cl::cat(category));
llvm::cl::list<unsigned> expectedLabels(
    "expected-labels",
    llvm::cl::desc("Expected label per image; the exit status is the number "
                   "of mismatches"),
    llvm::cl::CommaSeparated, llvm::cl::cat(category));
llvm::cl::opt<bool> verboseImages(
    "verbose-images",
    llvm::cl::desc("Print the per-image line also for IDX data sets"),
    llvm::cl::init(false), llvm::cl::cat(category));
llvm::cl::opt<unsigned> datasetLimit(
    "dataset-limit",
    llvm::cl::desc("Use only the first N images of -input-dataset (0: all)"),
    llvm::cl::init(0), llvm::cl::cat(category));

/// Where the images come from: files (label from the name) or a data set.
struct ImageSource {
  std::vector<std::string> files;
  std::unique_ptr<IdxDataset> dataset;
  size_t datasetCount{0};

  size_t size() const { return dataset ? datasetCount : files.size(); }
  std::string nameOf(size_t i) const {
    return dataset ? inputDataset + "#" + std::to_string(i) : files[i];
  }
  int labelOf(size_t i) const {
    return dataset ? dataset->getLabel(i) : getLabelFromFileName(files[i]);
  }
  llvm::Expected<RawImage> imageOf(size_t i) const {
    if (dataset) {
      return dataset->getImage(i);
    }
    return readPngImage(files[i]);
  }
};

llvm::Expected<ImageSource> collectImages() {
  ImageSource src;
  src.files.assign(inputImageFiles.begin(), inputImageFiles.end());
  if (!inputImageDir.empty()) {
    std::error_code ec;
    std::vector<std::string> found;
    for (llvm::sys::fs::directory_iterator it(inputImageDir, ec), end;
         it != end && !ec; it.increment(ec)) {
      if (llvm::StringRef(it->path()).endswith(".png")) {
        found.push_back(it->path());
      }
    }
    if (ec) {
      return makeError("cannot read directory '" + inputImageDir +
                       "': " + ec.message());
    }
    std::sort(found.begin(), found.end());
    src.files.insert(src.files.end(), found.begin(), found.end());
  }
  if (!inputImageListFile.empty()) {
    std::ifstream in(inputImageListFile);
    if (!in) {
      return makeError("cannot open image list '" + inputImageListFile + "'");
    }
    std::string line;
    while (std::getline(in, line)) {
      if (!llvm::StringRef(line).trim().empty()) {
        src.files.push_back(llvm::StringRef(line).trim().str());
      }
    }
  }
  if (!inputDataset.empty()) {
    if (!src.files.empty()) {
      return makeError("give either image files or -input-dataset, not both");
    }
    llvm::StringRef spec = inputDataset;
    if (!spec.consume_front("idx:") || !spec.contains(',')) {
      return makeError("bad -input-dataset '" + inputDataset +
                       "': expected idx:IMAGES,LABELS");
    }
    auto [images, labels] = spec.split(',');
    auto ds = IdxDataset::load(images, labels);
    if (!ds) {
      return ds.takeError();
    }
    src.dataset = std::make_unique<IdxDataset>(std::move(*ds));
    src.datasetCount = src.dataset->size();
    if (datasetLimit && datasetLimit < src.datasetCount) {
      src.datasetCount = datasetLimit;
    }
  }
  if (src.size() == 0) {
    return makeError("no images given (image files, -input-image-dir, "
                     "-input-image-list-file or -input-dataset)");
  }
  return std::move(src);
}

/// \returns the index order of \p row's values, largest first.
std::vector<size_t> rankScores(const std::vector<float> &row) {
  std::vector<size_t> idx(row.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(),
                   [&](size_t a, size_t b) { return row[a] > row[b]; });
  return idx;
}

void softmaxInPlace(std::vector<float> &row) {
  float mx = *std::max_element(row.begin(), row.end());
  double sum = 0;
  for (float &v : row) {
    v = std::exp(v - mx);
    sum += v;
  }
  for (float &v : row) {
    v = float(v / sum);
  }
}

/// Computes the input type: -model-input if given, else the declared shape
/// with the batch dimension set to the minibatch.
llvm::Expected<std::pair<std::string, Type>> resolveImageInput() {
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
  dims[0] = miniBatch;
  for (dim_t d : dims) {
    if (d <= 0) {
      return makeError("input '" + info->name + "' has open dimensions " +
                       dimsToString(info->dims) + "; give -model-input=" +
                       info->name + ",float,[N,C,H,W]");
    }
  }
  return std::make_pair(info->name, Type(ElemKind::FloatTy, dims));
}

int run() {
  if (miniBatch == 0) {
    exitOnError(kTool, makeError("-minibatch must be at least 1"));
  }
  ImageSource src = exitOnError(kTool, collectImages());
  if (!expectedLabels.empty() && expectedLabels.size() != src.size()) {
    exitOnError(kTool,
                makeError("-expected-labels has " +
                          llvm::Twine(expectedLabels.size()) + " labels for " +
                          llvm::Twine(src.size()) + " images"));
  }
  auto [inputName, inputTy] = exitOnError(kTool, resolveImageInput());
  dim_t batch = inputTy.dims()[0];
  CompiledModel cm =
      exitOnError(kTool, loadAndCompileModel({{inputName, inputTy}}));
  Placeholder *inPH = exitOnError(kTool, cm.loader->getInputByName(inputName));
  if (cm.loader->getOutputs().empty()) {
    exitOnError(kTool, makeError("the model has no outputs"));
  }
  Placeholder *outPH = cm.loader->getOutputs()[0].second;
  auto outDims = outPH->getType().dims();
  if (outDims.size() < 2 || outDims[0] != batch ||
      !outPH->getType().isFloat()) {
    exitOnError(kTool, makeError("the first model output " +
                                 outPH->getType().toString() +
                                 " is not a float [batch, classes] tensor"));
  }
  size_t numClasses = outPH->getType().size() / batch;

  ImagePreprocessing pp;
  pp.mode = imageMode;
  pp.layout = imageLayout;
  pp.order = imageChannelOrder;
  pp.mean.assign(meanValues.begin(), meanValues.end());
  pp.stddev.assign(stddevValues.begin(), stddevValues.end());

  PlaceholderBindings bindings;
  bindings.allocate(cm.engine->getModule().getPlaceholders());
  Tensor *inT = bindings.get(inPH);
  Tensor *outT = bindings.get(outPH);
  bool printEach = !src.dataset || verboseImages;
  size_t labeled = 0, top1 = 0, top5 = 0, mismatches = 0;
  ProgressReporter progress("images", src.size());
  auto start = std::chrono::steady_clock::now();
  for (size_t first = 0; first < src.size(); first += batch) {
    size_t count = std::min<size_t>(batch, src.size() - first);
    inT->zero();
    for (size_t j = 0; j < count; j++) {
      RawImage img = exitOnError(kTool, src.imageOf(first + j));
      if (auto err = writeImageToBatch(img, pp, *inT, j)) {
        exitOnError(kTool, makeError(src.nameOf(first + j) + ": " +
                                     llvm::toString(std::move(err))));
      }
    }
    exitOnError(kTool, cm.engine->run(bindings));
    cm.afterRun(bindings, count);
    const float *out = outT->getHandle<float>().data();
    for (size_t j = 0; j < count; j++) {
      size_t i = first + j;
      std::vector<float> row(out + j * numClasses, out + (j + 1) * numClasses);
      if (computeSoftmax) {
        softmaxInPlace(row);
      }
      auto ranked = rankScores(row);
      if (printEach) {
        llvm::outs() << " File: " << src.nameOf(i);
        for (unsigned k = 0; k < topK && k < ranked.size(); k++) {
          llvm::outs() << "\tLabel-K" << k + 1 << ": " << ranked[k]
                       << " (probability: "
                       << llvm::format("%0.4f", row[ranked[k]]) << ")\n";
        }
      }
      int label =
          expectedLabels.empty() ? src.labelOf(i) : int(expectedLabels[i]);
      // A number in a file name that is no class index is not a label.
      bool known =
          label >= 0 && (size_t(label) < numClasses || !expectedLabels.empty());
      if (known) {
        labeled++;
        top1 += ranked[0] == size_t(label);
        top5 += std::find(ranked.begin(),
                          ranked.begin() + std::min<size_t>(5, ranked.size()),
                          size_t(label)) !=
                ranked.begin() + std::min<size_t>(5, ranked.size());
        mismatches += ranked[0] != size_t(label);
      }
    }
    progress.update(first + count);
  }
  progress.finish();
  exitOnError(kTool, cm.finish());
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  llvm::outs() << "Summary: " << src.size() << " images";
  if (labeled) {
    llvm::outs() << ", top-1 accuracy "
                 << llvm::format("%.2f%%", 100.0 * top1 / labeled) << " ("
                 << top1 << "/" << labeled << "), top-5 accuracy "
                 << llvm::format("%.2f%%", 100.0 * top5 / labeled);
  }
  llvm::outs() << ", " << llvm::format("%.3f", secs) << " s, "
               << llvm::format("%.1f", src.size() / std::max(secs, 1e-9))
               << " images/s (backend " << loader::backendName << ", minibatch "
               << batch << ")\n";
  llvm::outs().flush();
  if (!expectedLabels.empty()) {
    return int(std::min<size_t>(mismatches, 255));
  }
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  parseToolCommandLine(
      argc, argv, category,
      "Classify images with an ONNX model.\n\n"
      "  image-classifier -m=model.onnx -image-mode=0to1 img_3.png ...\n"
      "  image-classifier -m=model.onnx -input-dataset=idx:IMAGES,LABELS\n");
  return run();
}
