#ifndef GLOW_TOOLS_LOADER_LOADER_H
#define GLOW_TOOLS_LOADER_LOADER_H

#include "glow/ExecutionEngine/ExecutionEngine.h"
#include "glow/Importer/ONNXModelLoader.h"
#include "glow/Optimizer/PrecisionMode.h"
#include "glow/Quantization/Profiler.h"

#include "llvm/Support/CommandLine.h"

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace glow {

/// The model-loading flags every tool shares (Glow's spellings).
namespace loader {
extern llvm::cl::OptionCategory category;
extern llvm::cl::opt<std::string> modelPath;
extern llvm::cl::opt<std::string> backendName;
extern llvm::cl::opt<bool> quiet;
extern llvm::cl::opt<unsigned> numThreads;
/// Most threads -num-threads may ask for.
constexpr int64_t kMaxThreads = 1024;
/// \returns the backend options the flags describe (-num-threads,
/// -opencl-platform, -opencl-device).
BackendOptions getBackendOptions();
extern llvm::cl::opt<std::string> dumpGraphDOT;
extern llvm::cl::list<std::string> modelInputs;
extern llvm::cl::opt<std::string> modelInputName;
} // namespace loader

/// The quantization flags (Glow's spellings).
namespace quantization {
extern llvm::cl::OptionCategory category;
extern llvm::cl::opt<std::string> dumpProfile;
extern llvm::cl::opt<std::string> loadProfile;
extern llvm::cl::opt<unsigned> numHistogramBins;
/// \returns the precision configuration the quantization flags describe.
llvm::Expected<PrecisionConfig> readPrecisionConfig();
} // namespace quantization

/// Parses the command line of a tool: shows in -help only \p toolCategory,
/// \p extraCategory if given, and the shared model-loading and
/// quantization flags.
void parseToolCommandLine(int argc, char **argv,
                          llvm::cl::OptionCategory &toolCategory,
                          llvm::cl::OptionCategory *extraCategory,
                          const char *overview);

/// Parses "name,float,[1,1,28,28]" (the -model-input syntax).
llvm::Expected<std::pair<std::string, Type>>
parseModelInputSpec(llvm::StringRef spec);

/// A model loaded from an ONNX file and compiled for a backend.
struct CompiledModel {
  std::unique_ptr<ExecutionEngine> engine;
  std::unique_ptr<ONNXModelLoader> loader;
  Function *function{nullptr};
  /// Set with -dump-profile: records every run.
  std::unique_ptr<Profiler> profiler;
  /// Set with -load-profile: what precision selection decided.
  PrecisionReport precision;
  /// The layers of the optimized graph before lowering, in topological
  /// order, with the kind of the node that bears the layer's name (else of
  /// its last node): what -list-layers shows and the keep list accepts.
  std::vector<std::pair<std::string, std::string>> layerKinds;
  /// Seconds the backend took to compile the optimized Function.
  double compileSeconds{0};

  /// Call after each run: records the profile with -dump-profile (only the
  /// first \p validBatch images of the batch count; 0: all).
  void afterRun(PlaceholderBindings &bindings, dim_t validBatch = 0);
  /// Call at the end: writes the -dump-profile file.
  llvm::Error finish();
};

/// \returns the types of the model's inputs: -model-input where given,
/// else the declared shape with an open first dimension set to \p batch.
llvm::Expected<std::map<std::string, Type>> resolveInputTypes(dim_t batch);

/// Loads -m with the given input types plus those of -model-input,
/// optimizes, dumps -dump-graph-DOT if asked, and compiles for -backend.
/// \p staticInputs are input values known at compile time (see
/// ONNXModelLoader::StaticInputValues).
/// \p beforeCompile, if given, sees the optimized graph after precision
/// selection, before lowering (model-compiler's -export-onnx-qdq).
llvm::Expected<CompiledModel> loadAndCompileModel(
    std::map<std::string, Type> inputTypes,
    const ONNXModelLoader::StaticInputValues &staticInputs = {},
    const std::function<llvm::Error(const Function &)> &beforeCompile =
        nullptr);

} // namespace glow

#endif // GLOW_TOOLS_LOADER_LOADER_H
