#include "Loader.h"
#include "glow/Support/Progress.h"

#include "glow/Optimizer/Optimizer.h"
#include "glow/Quantization/Equalization.h"
#include "glow/Quantization/Profile.h"
#include "glow/Support/Diagnostics.h"
#include "glow/Support/Distributed.h"
#include "glow/Support/Error.h"
#include "glow/Support/ResourceLimits.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstring>
#include <map>
#include <set>

#include <fcntl.h>
#include <unistd.h>

namespace glow {
namespace loader {
llvm::cl::OptionCategory category("Model loading options");
llvm::cl::opt<std::string> modelPath("m", llvm::cl::desc("ONNX model file"),
                                     llvm::cl::value_desc("model.onnx"),
                                     llvm::cl::cat(category));
llvm::cl::alias modelPathAlias("model", llvm::cl::desc("Alias for -m"),
                               llvm::cl::aliasopt(modelPath),
                               llvm::cl::cat(category));
llvm::cl::opt<std::string>
    backendName("backend",
                llvm::cl::desc("Backend to run on (Interpreter, CPU, OpenCL)"),
                llvm::cl::init("Interpreter"), llvm::cl::cat(category));
llvm::cl::opt<bool> quiet(
    "quiet",
    llvm::cl::desc("No progress and time-left lines on stderr on long runs"),
    llvm::cl::init(false), llvm::cl::cat(category));
llvm::cl::opt<unsigned> numThreads(
    "num-threads",
    llvm::cl::desc("Threads the CPU backend runs a network on (default 0: "
                   "every core)"),
    llvm::cl::init(0), llvm::cl::cat(category));
llvm::cl::opt<std::string> compileCache(
    "compile-cache",
    llvm::cl::desc("CPU backend: keep compiled code in this folder and reuse "
                   "it when the same code is compiled again"),
    llvm::cl::value_desc("dir"), llvm::cl::cat(category));
llvm::cl::opt<int> openclPlatform(
    "opencl-platform",
    llvm::cl::desc("OpenCL platform number (default: the one of the first "
                   "GPU, else of the first device)"),
    llvm::cl::init(-1), llvm::cl::cat(category));
llvm::cl::opt<int> openclDevice(
    "opencl-device",
    llvm::cl::desc("OpenCL device number, within -opencl-platform if given, "
                   "else among all devices (default: the first GPU, else "
                   "the first device)"),
    llvm::cl::init(-1), llvm::cl::cat(category));
llvm::cl::opt<std::string>
    dumpGraphDOT("dump-graph-DOT",
                 llvm::cl::desc("Write the optimized graph in Graphviz DOT"),
                 llvm::cl::value_desc("file.dot"), llvm::cl::cat(category));
llvm::cl::list<std::string> modelInputs(
    "model-input",
    llvm::cl::desc("Type of a model input: name,float,[1,1,28,28] (repeat "
                   "for several inputs)"),
    llvm::cl::cat(category));
llvm::cl::opt<std::string>
    modelInputName("model-input-name",
                   llvm::cl::desc("Name of the model input that receives the "
                                  "data (default: the first input)"),
                   llvm::cl::cat(category));
llvm::cl::opt<uint64_t> memoryLimit(
    "memory-limit",
    llvm::cl::desc("Most memory in MB that one tensor, or all the tensors "
                   "of the compiled model together, may take (default: half "
                   "of the physical memory)"),
    llvm::cl::init(0), llvm::cl::cat(category));
BackendOptions getBackendOptions() {
  BackendOptions options;
  options.numThreads = numThreads;
  if (!compileCache.empty()) {
    options.settings["cpu-compile-cache"] = compileCache;
  }
  if (openclPlatform != -1) {
    options.settings["opencl-platform"] = std::to_string(openclPlatform);
  }
  if (openclDevice != -1) {
    options.settings["opencl-device"] = std::to_string(openclDevice);
  }
  return options;
}
} // namespace loader

namespace quantization {
llvm::cl::OptionCategory category("Quantization options");
llvm::cl::opt<std::string> dumpProfile(
    "dump-profile",
    llvm::cl::desc("Profile every float node output on the inputs and write "
                   "the profile (YAML) to this file"),
    llvm::cl::value_desc("profile.yaml"), llvm::cl::cat(category));
llvm::cl::opt<std::string>
    loadProfile("load-profile",
                llvm::cl::desc("Quantize the model with this profile (INT8)"),
                llvm::cl::value_desc("profile.yaml"), llvm::cl::cat(category));
llvm::cl::opt<unsigned> numHistogramBins(
    "num-histogram-bins",
    llvm::cl::desc("Histogram bins per profiled output (KL calibration needs "
                   "thousands, e.g. 2048)"),
    llvm::cl::init(10), llvm::cl::cat(category));
llvm::cl::opt<QuantizationSchema> schema(
    "quantization-schema", llvm::cl::desc("How ranges map onto int8"),
    llvm::cl::values(
        clEnumValN(QuantizationSchema::Asymmetric, "asymmetric",
                   "[min, max] onto [-128, 127] (default)"),
        clEnumValN(QuantizationSchema::Symmetric, "symmetric",
                   "[-a, a], offset 0"),
        clEnumValN(QuantizationSchema::SymmetricWithUInt8,
                   "symmetric_with_uint8",
                   "symmetric, or [0, max] onto all 256 codes if min >= 0"),
        clEnumValN(QuantizationSchema::SymmetricWithPower2Scale,
                   "symmetric_with_power2_scale",
                   "symmetric with power-of-2 scales")),
    llvm::cl::init(QuantizationSchema::Asymmetric), llvm::cl::cat(category));
llvm::cl::opt<CalibrationMode> calibration(
    "quantization-calibration",
    llvm::cl::desc("How activation ranges are chosen from the profile"),
    llvm::cl::values(clEnumValN(CalibrationMode::None, "none",
                                "observed min and max (default)"),
                     clEnumValN(CalibrationMode::KL, "KL",
                                "minimise the KL divergence of the histogram"),
                     clEnumValN(CalibrationMode::Percentile, "percentile",
                                "keep -calibration-percentile percent of the "
                                "values at each end"),
                     clEnumValN(CalibrationMode::MSE, "MSE",
                                "minimise the expected squared quantization "
                                "error of the histogram"),
                     clEnumValN(CalibrationMode::Auto, "auto",
                                "per tensor, the method above whose range "
                                "has the best expected SQNR")),
    llvm::cl::init(CalibrationMode::None), llvm::cl::cat(category));
llvm::cl::opt<double> calibrationPercentile(
    "calibration-percentile",
    llvm::cl::desc("Percentile calibration: the percent of values kept at "
                   "each end, in (50, 100] (default 99.99)"),
    llvm::cl::init(99.99), llvm::cl::cat(category));
llvm::cl::opt<bool> enableBiasCorrection(
    "enable-bias-correction",
    llvm::cl::desc("Correct each Convolution/FC bias by the mean output "
                   "error of its quantized weights (from the input's channel "
                   "means in the profile)"),
    llvm::cl::init(false), llvm::cl::cat(category));
llvm::cl::opt<bool> enableCLE(
    "enable-cle",
    llvm::cl::desc("Cross-layer equalization of consecutive convolutions "
                   "before profiling and quantizing (give it to both)"),
    llvm::cl::init(false), llvm::cl::cat(category));
llvm::cl::opt<bool> enableChannelwise(
    "enable-channelwise",
    llvm::cl::desc("Per-output-channel filter scales for Convolution"),
    llvm::cl::init(false), llvm::cl::cat(category));
llvm::cl::opt<std::string>
    precision("quantization-precision",
              llvm::cl::desc("Quantized element kind (Int8)"),
              llvm::cl::init("Int8"), llvm::cl::cat(category));
llvm::cl::opt<unsigned> weightBits(
    "quantization-weight-bits",
    llvm::cl::desc("Bits of quantized weights, 2 to 8 (int8 containers)"),
    llvm::cl::init(8), llvm::cl::cat(category));
llvm::cl::opt<unsigned> activationBits(
    "quantization-activation-bits",
    llvm::cl::desc("Bits of quantized activations, 2 to 8 (int8 containers)"),
    llvm::cl::init(8), llvm::cl::cat(category));
llvm::cl::list<std::string> keepNodes(
    "keep-original-precision-for-nodes",
    llvm::cl::desc("Node kinds that stay FP32 (e.g. Add,Convolution)"),
    llvm::cl::CommaSeparated, llvm::cl::cat(category));
llvm::cl::opt<std::string> keepLayers(
    "keep-original-precision-for-layers",
    llvm::cl::desc("Layers (node names as loaded) that stay FP32: "
                   "name1,name2 or @file.txt (one a line, # comments)"),
    llvm::cl::cat(category));
llvm::cl::opt<std::string> layerPrecision(
    "layer-precision",
    llvm::cl::desc("Per-layer precisions: @file.txt with lines 'LAYER "
                   "fp32|int8|w4a8' (w4a8: 4-bit weights, 8-bit "
                   "activations; layers not listed: the other flags)"),
    llvm::cl::value_desc("@file"), llvm::cl::cat(category));
llvm::cl::opt<bool> assertAllQuantized(
    "assert-all-nodes-quantized",
    llvm::cl::desc("Fail, listing them, if nodes stay FP32 without being "
                   "asked to"),
    llvm::cl::init(false), llvm::cl::cat(category));

llvm::Expected<PrecisionConfig> readPrecisionConfig() {
  PrecisionConfig config;
  config.quantization.schema = schema;
  config.quantization.calibration = calibration;
  if (!(calibrationPercentile > 50 && calibrationPercentile <= 100)) {
    return makeError("-calibration-percentile takes a value in (50, 100], "
                     "got " +
                     std::to_string(double(calibrationPercentile)));
  }
  config.quantization.calibrationPercentile = calibrationPercentile;
  config.quantization.channelwise = enableChannelwise;
  config.quantization.biasCorrection = enableBiasCorrection;
  config.quantization.crossLayerEqualization = enableCLE;
  config.assertAllNodesQuantized = assertAllQuantized;
  for (unsigned bits : {unsigned(weightBits), unsigned(activationBits)}) {
    if (bits < 2 || bits > 8) {
      return makeError("-quantization-weight-bits and "
                       "-quantization-activation-bits take 2 to 8, got " +
                       llvm::Twine(bits));
    }
  }
  config.quantization.weightBits = weightBits;
  config.quantization.activationBits = activationBits;
  if (precision != "Int8") {
    return makeError("-quantization-precision=" + precision +
                     " is not supported (Int8)");
  }
  for (auto &k : keepNodes) {
    Node::Kind kind;
    if (!Node::getKindFromName(k, kind)) {
      return makeError("unknown node kind '" + k +
                       "' in -keep-original-precision-for-nodes (e.g. "
                       "Convolution, FullyConnected, Add, Relu, MaxPool)");
    }
    config.keepKinds.insert(kind);
  }
  if (!keepLayers.empty()) {
    auto names = parseLayerList(keepLayers);
    if (!names) {
      return names.takeError();
    }
    config.keepLayers = *names;
  }
  if (!layerPrecision.empty()) {
    auto precisions = parseLayerPrecisions(layerPrecision);
    if (!precisions) {
      return precisions.takeError();
    }
    config.layerPrecisions = std::move(*precisions);
  }
  return config;
}
} // namespace quantization

namespace {
/// For its lifetime, sends this process's stdout and stderr to /dev/null
/// when \p silent (a process that exits meanwhile prints nothing).
class SilencedOutput {
public:
  explicit SilencedOutput(bool silent) {
    int devNull = silent ? open("/dev/null", O_WRONLY) : -1;
    if (devNull < 0) {
      return;
    }
    llvm::outs().flush();
    llvm::errs().flush();
    for (int fd : {1, 2}) {
      saved_[fd - 1] = dup(fd);
      dup2(devNull, fd);
    }
    close(devNull);
  }
  ~SilencedOutput() {
    llvm::outs().flush();
    llvm::errs().flush();
    for (int fd : {1, 2}) {
      if (saved_[fd - 1] >= 0) {
        dup2(saved_[fd - 1], fd);
        close(saved_[fd - 1]);
      }
    }
  }

private:
  int saved_[2] = {-1, -1};
};
} // namespace

void parseToolCommandLine(int argc, char **argv,
                          llvm::cl::OptionCategory &toolCategory,
                          llvm::cl::OptionCategory *extraCategory,
                          const char *overview) {
  std::vector<const llvm::cl::OptionCategory *> shown = {
      &toolCategory, &loader::category, &quantization::category};
  if (extraCategory) {
    shown.push_back(extraCategory);
  }
  llvm::cl::HideUnrelatedOptions(shown);
  // Under mpirun every rank reads the same command line: rank 0 alone
  // prints the usage (-help) or the error, so that the terminal shows one
  // copy instead of copies interleaved mid-line. The exit status is the
  // same on every rank.
  SilencedOutput quiet(Communicator::launcherRank() != 0);
  const char *tool = argc ? argv[0] : "tool";
  tool = std::strrchr(tool, '/') ? std::strrchr(tool, '/') + 1 : tool;
  // glog's -v=N and -vmodule= go to glog (Diagnostics.h), the rest to LLVM.
  std::vector<char *> rest = exitOnError(
      tool, initDiagnostics(std::vector<char *>(argv, argv + argc)));
  static llvm::cl::extrahelp diagnosticsHelp(
      "\nDiagnostics: -v=N (0-9, or the GLOG_v environment variable) logs "
      "pass and compile timings (1) and per-node decisions (2) to stderr; "
      "-vmodule=FILE=N as glog documents.\n");
  llvm::cl::ParseCommandLineOptions(int(rest.size()), rest.data(), overview);
  // The shared flags that bound resources, checked before any work.
  exitOnError(tool, checkRange(int64_t(loader::memoryLimit), 0,
                               int64_t(getPhysicalMemory() >> 20),
                               "-memory-limit (MB)"));
  setMemoryBudget(uint64_t(loader::memoryLimit) << 20);
  exitOnError(tool, checkRange(loader::numThreads, 0, loader::kMaxThreads,
                               "-num-threads"));
  exitOnError(tool, checkRange(quantization::numHistogramBins, 1,
                               kMaxHistogramBins, "-num-histogram-bins"));
  ProgressReporter::setQuiet(loader::quiet);
}

void CompiledModel::afterRun(PlaceholderBindings &bindings, dim_t validBatch) {
  if (profiler) {
    profiler->record(bindings, validBatch);
  }
}

llvm::Error CompiledModel::finish() {
  if (profiler) {
    return writeProfile(profiler->getProfile(), quantization::dumpProfile);
  }
  return llvm::Error::success();
}

llvm::Expected<std::map<std::string, Type>> resolveInputTypes(dim_t batch) {
  std::map<std::string, Type> types;
  for (auto &spec : loader::modelInputs) {
    auto parsed = parseModelInputSpec(spec);
    if (!parsed) {
      return parsed.takeError();
    }
    types[parsed->first] = parsed->second;
  }
  auto infos = ONNXModelLoader::readInputInfo(loader::modelPath);
  if (!infos) {
    return infos.takeError();
  }
  for (auto &info : *infos) {
    if (types.count(info.name)) {
      continue;
    }
    std::vector<dim_t> dims = info.dims;
    for (size_t i = 0; i < dims.size(); i++) {
      if (dims[i] > 0) {
        continue;
      }
      if (i != 0) {
        return makeError("input '" + info.name + "' has open dimensions " +
                         dimsToString(info.dims) +
                         "; give -model-input=" + info.name + ",float,[...]");
      }
      dims[0] = batch;
    }
    types[info.name] = Type(info.kind, dims);
  }
  return types;
}

llvm::Expected<std::pair<std::string, Type>>
parseModelInputSpec(llvm::StringRef spec) {
  auto bad = [&]() {
    return makeError("bad -model-input '" + spec +
                     "': expected name,float,[d0,d1,...]");
  };
  auto [name, rest] = spec.split(',');
  auto [kindStr, dimsStr] = rest.split(',');
  dimsStr = dimsStr.trim();
  if (name.empty() || !dimsStr.consume_front("[") ||
      !dimsStr.consume_back("]")) {
    return bad();
  }
  ElemKind kind;
  if (kindStr == "float") {
    kind = ElemKind::FloatTy;
  } else if (kindStr == "int64") {
    kind = ElemKind::Int64ITy;
  } else if (kindStr == "int32") {
    kind = ElemKind::Int32ITy;
  } else {
    return makeError("bad -model-input '" + spec + "': unknown type '" +
                     kindStr + "' (float, int64, int32)");
  }
  std::vector<dim_t> dims;
  llvm::SmallVector<llvm::StringRef, 6> parts;
  dimsStr.split(parts, ',', -1, false);
  for (auto p : parts) {
    dim_t d;
    if (p.trim().getAsInteger(10, d) || d <= 0) {
      return bad();
    }
    dims.push_back(d);
  }
  return std::make_pair(name.str(), Type(kind, dims));
}

llvm::Expected<CompiledModel> loadAndCompileModel(
    std::map<std::string, Type> inputTypes,
    const ONNXModelLoader::StaticInputValues &staticInputs,
    const std::function<llvm::Error(const Function &)> &beforeCompile) {
  if (loader::modelPath.empty()) {
    return makeError("no model given (use -m=model.onnx)");
  }
  for (auto &spec : loader::modelInputs) {
    auto parsed = parseModelInputSpec(spec);
    if (!parsed) {
      return parsed.takeError();
    }
    inputTypes[parsed->first] = parsed->second;
  }
  CompiledModel cm;
  auto ee =
      ExecutionEngine::create(loader::backendName, loader::getBackendOptions());
  if (!ee) {
    return ee.takeError();
  }
  cm.engine = std::move(*ee);
  auto ld = [&] {
    ScopedPhaseTimer timer("ONNX import");
    return ONNXModelLoader::load(loader::modelPath, cm.engine->getModule(),
                                 inputTypes, "main", staticInputs);
  }();
  if (!ld) {
    return ld.takeError();
  }
  cm.loader = std::move(*ld);
  cm.function = cm.loader->getFunction();
  Function *F = cm.function;
  // The profile belongs to the graph as loaded; precision is chosen on the
  // optimized graph, whose layer names are still the ones of the file.
  uint64_t hash = hashGraph(*F);
  if (auto err = optimizeFunction(F)) {
    return std::move(err);
  }
  {
    // Layer kinds before lowering: the node named as its layer, else the
    // last node of the layer in topological order.
    std::set<std::string> named;
    for (const Node *n : F->getNodes()) {
      if (isLayerNode(*n) && n->getName() == n->getLayerName()) {
        named.insert(n->getName().str());
      }
    }
    std::map<std::string, size_t> index;
    for (const Node *n : F->getNodesInTopologicalOrder()) {
      if (!isLayerNode(*n)) {
        continue;
      }
      std::string layer = n->getLayerName().str();
      auto it = index.emplace(layer, cm.layerKinds.size());
      if (it.second) {
        cm.layerKinds.push_back({layer, n->getKindName()});
      } else if (!named.count(layer) || n->getName() == layer) {
        cm.layerKinds[it.first->second].second = n->getKindName();
      }
    }
  }
  auto config = quantization::readPrecisionConfig();
  if (!config) {
    return config.takeError();
  }
  bool wantsPrecision =
      !config->keepKinds.empty() || !config->keepLayers.empty() ||
      !config->layerPrecisions.empty() || quantization::assertAllQuantized;
  if (!quantization::dumpProfile.empty() &&
      !quantization::loadProfile.empty()) {
    return makeError("-dump-profile and -load-profile cannot be combined");
  }
  if (wantsPrecision && quantization::loadProfile.empty()) {
    return makeError("the keep-original-precision, -layer-precision and "
                     "assert flags need -load-profile (a quantized run)");
  }
  if (config->quantization.crossLayerEqualization) {
    equalizeCrossLayerRanges(F);
  }
  if (!quantization::dumpProfile.empty()) {
    cm.profiler =
        Profiler::instrument(F, hash, quantization::numHistogramBins,
                             config->quantization.crossLayerEqualization);
    if (loader::numThreads > 0) {
      cm.profiler->setThreads(loader::numThreads);
    }
  }
  if (!quantization::loadProfile.empty()) {
    auto profile = readProfile(quantization::loadProfile);
    if (!profile) {
      return profile.takeError();
    }
    const Backend &backend = cm.engine->getBackend();
    auto report = transformForPrecisionMode(
        F, hash, *profile, *config,
        [&](const Node &n) { return isQuantizableOn(n, backend); });
    if (!report) {
      return report.takeError();
    }
    cm.precision = *report;
    if (!report->keptUnsupported.empty()) {
      llvm::errs() << "note: " << report->keptUnsupported.size()
                   << " nodes stay FP32 (no INT8 form on " << backend.getName()
                   << "): " << llvm::join(report->keptUnsupported, ", ")
                   << "\n";
    }
  }
  if (beforeCompile) {
    if (auto err = beforeCompile(*F)) {
      return std::move(err);
    }
  }
  auto start = std::chrono::steady_clock::now();
  if (auto err = cm.engine->compile(F)) {
    return std::move(err);
  }
  cm.compileSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  VLOG(1) << "backend compile (" << cm.engine->getBackend().getName() << ", "
          << F->getNodes().size() << " nodes): " << cm.compileSeconds * 1e3
          << " ms";
  if (!loader::dumpGraphDOT.empty()) {
    if (auto err = cm.function->dumpDAG(loader::dumpGraphDOT)) {
      return std::move(err);
    }
  }
  return std::move(cm);
}

} // namespace glow
