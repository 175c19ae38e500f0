// precision-tuner: measures how much accuracy each layer (unit) loses in
// INT8, and picks the layers to keep in FP32 until a target accuracy is
// met; writes the tables, the figure and the keep list that
// -keep-original-precision-for-layers=@FILE reads. See docs/MixedPrecision.md.

#include "glow/Tuner/ConfigurationMeasurer.h"
#include "glow/Tuner/PrecisionEvaluator.h"
#include "glow/Tuner/PrecisionUnits.h"
#include "glow/Tuner/SensitivityStudy.h"
#include "glow/Tuner/StudyCheckpoint.h"
#include "glow/Tuner/StudyReport.h"

#include "../loader/ImageInput.h"
#include "../loader/Loader.h"

#include "glow/ExecutionEngine/ExecutionEngine.h"
#include "glow/Importer/ONNXModelLoader.h"
#include "glow/Optimizer/Optimizer.h"
#include "glow/Quantization/Calibration.h"
#include "glow/Support/Diagnostics.h"
#include "glow/Support/Distributed.h"
#include "glow/Support/Error.h"
#include "glow/Support/Progress.h"
#include "glow/Support/ResourceLimits.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MD5.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

using namespace glow;

namespace {
const char *kTool = "precision-tuner";

llvm::cl::OptionCategory category("precision-tuner options");
llvm::cl::opt<std::string>
    outputDir("output-dir",
              llvm::cl::desc("Directory for the tables, the figure, the keep "
                             "list, the profile and the checkpoint"),
              llvm::cl::value_desc("dir"), llvm::cl::cat(category));
llvm::cl::opt<std::string> calibrationDataset(
    "calibration-dataset",
    llvm::cl::desc("Calibration images (profile), an IDX data set "
                   "idx:IMAGES,LABELS; keep them apart from the evaluation "
                   "images"),
    llvm::cl::cat(category));
llvm::cl::opt<std::string> calibrationImageDir(
    "calibration-image-dir",
    llvm::cl::desc("Calibration images: every .png of this directory"),
    llvm::cl::cat(category));
llvm::cl::opt<unsigned> calibrationLimit(
    "calibration-limit",
    llvm::cl::desc("Calibration images used (default 1000; 0: all)"),
    llvm::cl::init(1000), llvm::cl::cat(category));
llvm::cl::opt<StudyOptions::Mode> sensitivityMode(
    "sensitivity", llvm::cl::desc("What is measured per unit"),
    llvm::cl::values(
        clEnumValN(StudyOptions::Mode::OnlyOne, "only-one",
                   "only this unit INT8 (default, the published figure)"),
        clEnumValN(StudyOptions::Mode::AllButOne, "all-but-one",
                   "every unit but this one INT8")),
    llvm::cl::init(StudyOptions::Mode::OnlyOne), llvm::cl::cat(category));
llvm::cl::opt<StudyOptions::Metric>
    metric("metric", llvm::cl::desc("How a configuration is scored"),
           llvm::cl::values(
               clEnumValN(StudyOptions::Metric::Accuracy, "accuracy",
                          "top-1 accuracy (default; needs labels)"),
               clEnumValN(StudyOptions::Metric::Proxy, "proxy",
                          "SQNR of the outputs against FP32 on -proxy-images "
                          "images (no labels needed)")),
           llvm::cl::init(StudyOptions::Metric::Accuracy),
           llvm::cl::cat(category));
llvm::cl::opt<unsigned> subsetImages(
    "subset-images",
    llvm::cl::desc("Images of the first, ranking pass (default 500)"),
    llvm::cl::init(500), llvm::cl::cat(category));
llvm::cl::opt<unsigned>
    proxyImages("proxy-images",
                llvm::cl::desc("Images of the proxy metric (default 500)"),
                llvm::cl::init(500), llvm::cl::cat(category));
llvm::cl::opt<unsigned>
    recheck("recheck",
            llvm::cl::desc("Most sensitive units measured again on every image "
                           "(default 3)"),
            llvm::cl::init(3), llvm::cl::cat(category));
llvm::cl::opt<bool>
    search("search",
           llvm::cl::desc("Choose the FP32 units greedily (default true)"),
           llvm::cl::init(true), llvm::cl::cat(category));
llvm::cl::opt<bool> rerank(
    "rerank",
    llvm::cl::desc("Re-rank the remaining units on the current mix after each "
                   "kept one (default true)"),
    llvm::cl::init(true), llvm::cl::cat(category));
llvm::cl::opt<double>
    targetAccuracy("target-accuracy",
                   llvm::cl::desc("Stop when top-1 reaches this (percent)"),
                   llvm::cl::init(-1), llvm::cl::cat(category));
llvm::cl::opt<double> maxAccuracyDrop(
    "max-accuracy-drop",
    llvm::cl::desc("Stop when top-1 is at most this far below FP32 "
                   "(percentage points, default 1)"),
    llvm::cl::init(1.0), llvm::cl::cat(category));
llvm::cl::opt<unsigned> maxFP32Units(
    "max-fp32-units",
    llvm::cl::desc("Keep at most this many units FP32 (default: no limit)"),
    llvm::cl::init(0), llvm::cl::cat(category));
llvm::cl::opt<bool> groupActivations(
    "group-activations",
    llvm::cl::desc("Treat a Convolution and the Relu/Clip after it as one "
                   "unit (default true)"),
    llvm::cl::init(true), llvm::cl::cat(category));
enum class Objective { Accuracy, Size };
llvm::cl::opt<Objective> objective(
    "objective", llvm::cl::desc("What the search minimises"),
    llvm::cl::values(
        clEnumValN(Objective::Accuracy, "accuracy",
                   "the fewest FP32 units that meet the target (default)"),
        clEnumValN(Objective::Size, "size",
                   "the smallest total weight bytes that meet the target, "
                   "over -search-precisions")),
    llvm::cl::init(Objective::Accuracy), llvm::cl::cat(category));
llvm::cl::list<std::string> searchPrecisions(
    "search-precisions",
    llvm::cl::desc("Precisions a unit may take with -objective=size: "
                   "fp32,int8,w4a8 (default fp32,int8)"),
    llvm::cl::CommaSeparated, llvm::cl::cat(category));

/// -search-precisions as precisions, or an error for an unknown one.
llvm::Expected<std::vector<LayerPrecision>> readSearchPrecisions() {
  std::vector<LayerPrecision> out;
  for (const std::string &w : searchPrecisions) {
    LayerPrecision p;
    if (!parseLayerPrecisionName(llvm::StringRef(w).trim(), p)) {
      return makeError("unknown precision '" +
                       llvm::StringRef(w).take_front(40) +
                       "' in -search-precisions (fp32, int8, w4a8)");
    }
    out.push_back(p);
  }
  if (out.empty()) {
    out = {LayerPrecision::FP32, LayerPrecision::INT8};
  }
  bool narrow = std::count(out.begin(), out.end(), LayerPrecision::W4A8);
  if (objective != Objective::Size && (narrow || out.size() != 2)) {
    return makeError("-search-precisions other than fp32,int8 need "
                     "-objective=size");
  }
  if (std::set<LayerPrecision>(out.begin(), out.end()).size() < 2) {
    return makeError("-search-precisions needs at least two precisions");
  }
  return out;
}

enum class Strategy { Fast, Naive };
llvm::cl::opt<Strategy> strategy(
    "strategy", llvm::cl::desc("How configurations are evaluated"),
    llvm::cl::values(
        clEnumValN(Strategy::Fast, "fast",
                   "one precision-switchable compile, a subset first "
                   "(default)"),
        clEnumValN(Strategy::Naive, "naive",
                   "compile every configuration, every image each time (the "
                   "published method; for comparison)")),
    llvm::cl::init(Strategy::Fast), llvm::cl::cat(category));
llvm::cl::opt<unsigned>
    miniBatch("minibatch", llvm::cl::desc("Images per run (default 100)"),
              llvm::cl::init(100), llvm::cl::cat(category));

/// \returns the MD5 of the file \p path, in hex.
llvm::Expected<std::string> fileDigest(llvm::StringRef path) {
  auto buf = readFileBounded(path, kMaxModelBytes, "file");
  if (!buf) {
    return buf.takeError();
  }
  llvm::MD5 md5;
  md5.update(*buf);
  llvm::MD5::MD5Result result;
  md5.final(result);
  return result.digest().str().str();
}

const char *schemaName(QuantizationSchema s) {
  switch (s) {
  case QuantizationSchema::Asymmetric:
    return "asymmetric";
  case QuantizationSchema::Symmetric:
    return "symmetric";
  case QuantizationSchema::SymmetricWithUInt8:
    return "symmetric_with_uint8";
  case QuantizationSchema::SymmetricWithPower2Scale:
    return "symmetric_with_power2_scale";
  }
  return "?";
}

/// Where the report goes: stdout on rank 0, nowhere on the other ranks.
llvm::raw_ostream &out() {
  return Communicator::world().isRoot() ? llvm::outs() : llvm::nulls();
}

/// Logs one line of the study (rank 0 only).
void logLine(const std::string &line) {
  out() << "  " << line << "\n";
  out().flush();
}

int run() {
  Communicator &comm = Communicator::world();
  if (outputDir.empty()) {
    exitOnError(kTool, makeError("give -output-dir=DIR"));
  }
  if (!quantization::dumpProfile.empty()) {
    exitOnError(kTool, makeError("precision-tuner makes its own profile: use "
                                 "-calibration-dataset or -load-profile"));
  }
  if (miniBatch == 0) {
    exitOnError(kTool, makeError("-minibatch must be at least 1"));
  }
  auto config = exitOnError(kTool, quantization::readPrecisionConfig());
  auto precisions = exitOnError(kTool, readSearchPrecisions());
  if (!config.keepLayers.empty() || !config.keepKinds.empty() ||
      !config.layerPrecisions.empty()) {
    exitOnError(kTool, makeError("precision-tuner chooses the FP32 layers "
                                 "itself: leave out the keep and "
                                 "-layer-precision flags"));
  }
  if (loader::modelPath.empty()) {
    exitOnError(kTool, makeError("no model given (use -m=model.onnx)"));
  }
  if (quantization::loadProfile.empty() && calibrationDataset.empty() &&
      calibrationImageDir.empty()) {
    exitOnError(kTool,
                makeError("give calibration images (-calibration-dataset or "
                          "-calibration-image-dir) or -load-profile"));
  }
  if (comm.isRoot()) {
    if (auto ec = llvm::sys::fs::create_directories(outputDir)) {
      exitOnError(kTool, makeError("cannot create '" + outputDir +
                                   "': " + ec.message()));
    }
  }
  auto start = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };

  // Evaluation images, decoded batch by batch when they are run.
  auto images =
      std::make_shared<ImageSource>(exitOnError(kTool, collectImages()));
  auto [inputName, imageType] = exitOnError(kTool, resolveImageInput(1));
  ImagePreprocessing pp = exitOnError(kTool, getImagePreprocessing());
  EvaluationSet data = streamImages(images, pp, imageType);

  EvaluatorSetup setup;
  setup.modelPath = loader::modelPath;
  setup.inputName = inputName;
  setup.batch = miniBatch;
  setup.backend = loader::backendName;
  setup.backendOptions = loader::getBackendOptions();
  setup.quantization = config.quantization;
  setup.data = &data;

  // The units, from the optimized FP32 graph.
  {
    auto ee = exitOnError(kTool, ExecutionEngine::create("Interpreter"));
    auto ld = exitOnError(
        kTool, ONNXModelLoader::load(loader::modelPath, ee->getModule(),
                                     {{inputName, imageType}}));
    exitOnError(kTool, optimizeFunction(ld->getFunction()));
    setup.units = findPrecisionUnits(*ld->getFunction(), groupActivations);
  }
  if (setup.units.empty()) {
    exitOnError(kTool, makeError("the model has no layer that runs in INT8"));
  }

  // The profile: given, or taken on the calibration images.
  llvm::SmallString<256> profilePath(outputDir);
  llvm::sys::path::append(profilePath, "profile.yaml");
  std::string calibration;
  if (!quantization::loadProfile.empty()) {
    setup.profile = exitOnError(kTool, readProfile(quantization::loadProfile));
    profilePath = quantization::loadProfile;
    calibration = "profile " + quantization::loadProfile;
  } else {
    // Written next to its final name; moved there once the checkpoint
    // accepts these settings, so a refused run changes nothing.
    profilePath += ".new";
    // Rank 0 profiles (a histogram depends on the order it saw the
    // values in) and sends the profile to the others.
    std::string text;
    if (comm.isRoot()) {
      ScopedPhaseTimer timer("precision-tuner: profile");
      auto cal = std::make_shared<ImageSource>(
          exitOnError(kTool, openImages(calibrationDataset, calibrationImageDir,
                                        calibrationLimit)));
      calibration =
          std::to_string(cal->size()) + " calibration images of " +
          (calibrationDataset.empty() ? calibrationImageDir.getValue()
                                      : calibrationDataset.getValue());
      EvaluationSet calSet = streamImages(cal, pp, imageType);
      ProgressReporter progress("calibration images", calSet.count());
      // The other ranks of this machine wait for the profile without
      // spinning: rank 0 takes their threads too (the profile does not
      // depend on the number of threads).
      EvaluatorSetup profiling = setup;
      if (comm.localSize() > 1 && profiling.backendOptions.numThreads > 0) {
        profiling.backendOptions.numThreads *= comm.localSize();
      }
      setup.profile = exitOnError(
          kTool, profileModel(profiling, calSet, quantization::numHistogramBins,
                              [&](size_t done) { progress.update(done); }));
      progress.finish();
      exitOnError(kTool, writeProfile(setup.profile, profilePath));
      text = exitOnError(
          kTool, readFileBounded(profilePath, kMaxModelBytes, "profile"));
    }
    comm.broadcast(text);
    if (!comm.isRoot()) {
      setup.profile = exitOnError(kTool, parseProfile(text, profilePath));
    }
  }

  StudyOptions opts;
  opts.mode = sensitivityMode;
  opts.metric = metric;
  opts.subsetImages = subsetImages;
  opts.proxyImages = proxyImages;
  opts.recheck = recheck;
  // With -objective=size the size search replaces the FP32 search.
  opts.search = search && objective == Objective::Accuracy;
  opts.rerank = rerank;
  opts.targetAccuracy = targetAccuracy >= 0 ? targetAccuracy / 100 : -1;
  opts.maxDrop = maxAccuracyDrop / 100;
  opts.maxFP32Units = maxFP32Units ? maxFP32Units : ~size_t(0);
  opts.naive = strategy == Strategy::Naive;

  // The settings, for the files and the checkpoint's fingerprint.
  StudyDescription desc;
  desc.model = loader::modelPath;
  desc.options = opts;
  llvm::raw_string_ostream settings(desc.settings);
  settings
      << "schema " << schemaName(config.quantization.schema) << ", calibration "
      << getCalibrationModeName(config.quantization.calibration)
      << (config.quantization.calibration == CalibrationMode::Percentile ||
                  config.quantization.calibration == CalibrationMode::Auto
              ? " " + std::to_string(config.quantization.calibrationPercentile)
              : std::string())
      << (config.quantization.channelwise ? ", channelwise" : "")
      << (config.quantization.biasCorrection ? ", bias correction" : "")
      << (config.quantization.crossLayerEqualization ? ", CLE" : "")
      << ", weights " << config.quantization.weightBits << " bits, activations "
      << config.quantization.activationBits << " bits, " << calibration << ", "
      << data.count() << " evaluation images, sensitivity "
      << (opts.mode == StudyOptions::Mode::OnlyOne ? "only-one" : "all-but-one")
      << ", metric "
      << (opts.metric == StudyOptions::Metric::Accuracy ? "accuracy" : "proxy")
      << ", units " << setup.units.size()
      << (groupActivations ? " (conv+activation grouped)" : "") << ", backend "
      << loader::backendName;
  settings.flush();
  llvm::raw_string_ostream brief(desc.shortSettings);
  brief << "schema " << schemaName(config.quantization.schema)
        << (config.quantization.channelwise ? " channelwise" : "") << ", W"
        << config.quantization.weightBits << "/A"
        << config.quantization.activationBits << ", " << setup.units.size()
        << " units, " << data.count() << " images, subset "
        << std::min<size_t>(subsetImages, data.count());
  brief.flush();
  std::string fingerprint;
  if (comm.isRoot()) {
    llvm::MD5 md5;
    md5.update(exitOnError(kTool, fileDigest(loader::modelPath)));
    md5.update(exitOnError(kTool, fileDigest(profilePath)));
    md5.update(desc.settings);
    md5.update(images->size() ? images->nameOf(0) : "");
    md5.update(std::to_string(opts.proxyImages) + ";" +
               std::to_string(opts.maxFP32Units));
    for (auto &u : setup.units) {
      md5.update(u.name + ";");
    }
    llvm::MD5::MD5Result result;
    md5.final(result);
    fingerprint = result.digest().str().str();
  }
  llvm::SmallString<256> checkpointPath(outputDir);
  llvm::sys::path::append(checkpointPath, "checkpoint.txt");
  // Rank 0 owns the checkpoint file and sends what it holds to the others,
  // so a run resumes with any number of ranks.
  std::unique_ptr<StudyCheckpoint> checkpoint;
  std::string resumedText;
  if (comm.isRoot()) {
    auto opened =
        StudyCheckpoint::open(checkpointPath, fingerprint, desc.settings);
    if (quantization::loadProfile.empty()) {
      llvm::SmallString<256> finalPath = profilePath;
      finalPath.resize(finalPath.size() - 4); // drop ".new"
      if (!opened) {
        llvm::sys::fs::remove(profilePath);
      } else if (auto ec = llvm::sys::fs::rename(profilePath, finalPath)) {
        exitOnError(kTool, makeError("cannot write '" + finalPath +
                                     "': " + ec.message()));
      }
    }
    if (!opened) {
      exitOnError(kTool, opened.takeError());
    }
    checkpoint = std::move(*opened);
    resumedText = checkpoint->serialize();
  }
  comm.broadcast(resumedText);
  if (!comm.isRoot()) {
    checkpoint = StudyCheckpoint::fromSerialized(resumedText);
  }
  out() << "precision-tuner: " << loader::modelPath << ", "
        << setup.units.size() << " units, " << data.count()
        << " evaluation images\n  " << desc.settings << "\n";
  if (checkpoint->resumed()) {
    out() << "  resuming: " << checkpoint->resumed()
          << " measurements read from " << checkpointPath << "\n";
  }
  out().flush();

  // The evaluator: one switchable compile where the backend can.
  std::unique_ptr<PrecisionEvaluator> evaluator;
  if (strategy == Strategy::Fast) {
    // Every rank compiles the same function now: they share the work.
    Communicator::SharedCompileScope sharedCompile;
    ScopedPhaseTimer timer("precision-tuner: switchable compile");
    auto e = createSwitchingEvaluator(setup);
    if (e) {
      evaluator = std::move(*e);
    } else {
      std::string why = llvm::toString(e.takeError());
      if (comm.isRoot()) {
        llvm::errs() << "note: " << why
                     << "; compiling each configuration instead\n";
      }
    }
  }
  if (!evaluator) {
    evaluator = createRecompilingEvaluator(setup);
  }

  ConfigurationMeasurer measurer(*evaluator, data, setup.units.size(),
                                 setup.batch, comm);
  {
    ScopedPhaseTimer timer("precision-tuner: FP32 reference");
    exitOnError(kTool, measurer.init());
  }
  SensitivityStudy study(measurer, data, setup.units, opts, *checkpoint,
                         logLine);
  StudyResult result = [&] {
    ScopedPhaseTimer timer("precision-tuner: study");
    return exitOnError(kTool, study.run());
  }();
  double elapsed = seconds();

  printStudySummary(out(), opts, setup.units, result,
                    opts.search && data.hasLabels());
  if (comm.isRoot()) {
    exitOnError(kTool, writeStudyReport(outputDir, desc, setup.units, result));
  }
  if (objective == Objective::Size && search) {
    // Every configuration compiled: w4a8 has no switchable form.
    auto sizeEvaluator = createRecompilingEvaluator(setup);
    ConfigurationMeasurer sizeMeasurer(*sizeEvaluator, data, setup.units.size(),
                                       setup.batch, comm);
    exitOnError(kTool, sizeMeasurer.init());
    auto sized = exitOnError(
        kTool,
        searchSmallestWeights(sizeMeasurer, data, setup.units, precisions,
                              opts.targetAccuracy, opts.maxDrop, logLine));
    const SizeSearchStep &answer = sized.steps.back();
    out() << llvm::format(
        "size search: %.2f%% with %llu weight bytes (FP32 %.2f%% with %llu, "
        "target %.2f%%: %s), %zu configurations, %zu compilations\n",
        100 * answer.measured.accuracy, (unsigned long long)answer.weightBytes,
        100 * sized.fp32.accuracy, (unsigned long long)sized.fp32Bytes,
        100 * sized.target, sized.targetMet ? "met" : "not met",
        sized.evaluations, sizeEvaluator->compiles());
    if (comm.isRoot()) {
      exitOnError(kTool, writeSizeSearch(outputDir, loader::modelPath,
                                         setup.units, sized));
    }
    out() << "wrote size-search.csv, size-frontier.svg and the size "
             "search's layer-precision.txt and keep-layers.txt\n";
  }
  out() << "wrote sensitivity.csv, sensitivity.json, sensitivity.svg, "
           "search.csv, keep-layers.txt, layer-precision.txt and "
        << (quantization::loadProfile.empty() ? "profile.yaml" : "") << " in "
        << outputDir << "\n"
        << llvm::format("%.1f", elapsed) << " s, " << result.evaluations
        << " configurations evaluated (" << checkpoint->resumed()
        << " from the checkpoint), " << evaluator->compiles()
        << " compilations ("
        << llvm::format("%.1f", evaluator->compileSeconds()) << " s), "
        << measurer.imageRuns() << " image runs"
        << (comm.distributed() ? ", " + std::to_string(comm.size()) + " ranks"
                               : std::string())
        << "\n";
  out().flush();
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  // Under mpirun every rank runs this program; see docs/MixedPrecision.md.
  // MPI starts once the command line is read: -help, -version and a bad
  // flag end every rank before it, as a program without MPI ends.
  parseToolCommandLine(
      argc, argv, category, &imageinput::category,
      "Measure the INT8 sensitivity of every layer and choose the layers to "
      "keep FP32.\n\n"
      "  precision-tuner -m=model.onnx -backend=CPU -image-mode=0to1 "
      "-input-dataset=idx:TEST_IMAGES,TEST_LABELS "
      "-calibration-dataset=idx:TRAIN_IMAGES,TRAIN_LABELS "
      "-output-dir=study\n");
  Communicator::init(&argc, &argv);
  int rc = run();
  Communicator::finalize();
  return rc;
}
