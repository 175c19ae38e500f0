// image-classifier: runs an ONNX image model on PNG files or an IDX data set
// and prints Glow's per-image lines and an accuracy/throughput summary.

#include "../loader/ImageInput.h"
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
  auto [inputName, inputTy] = exitOnError(kTool, resolveImageInput(miniBatch));
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
  // Labels given as labels (not read from a file name) must be classes.
  for (size_t i = 0; i < expectedLabels.size(); i++) {
    if (expectedLabels[i] >= numClasses) {
      exitOnError(kTool, makeError("-expected-labels: label " +
                                   llvm::Twine(expectedLabels[i]) +
                                   " is not a class of the model (" +
                                   llvm::Twine(numClasses) + " classes)"));
    }
  }

  ImagePreprocessing pp = exitOnError(kTool, getImagePreprocessing());

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
      if (src.dataset && size_t(label) >= numClasses) {
        exitOnError(kTool,
                    makeError(src.nameOf(i) + ": label " + llvm::Twine(label) +
                              " is not a class of the model (" +
                              llvm::Twine(numClasses) + " classes)"));
      }
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
      argc, argv, category, &imageinput::category,
      "Classify images with an ONNX model.\n\n"
      "  image-classifier -m=model.onnx -image-mode=0to1 img_3.png ...\n"
      "  image-classifier -m=model.onnx -input-dataset=idx:IMAGES,LABELS\n");
  return run();
}
