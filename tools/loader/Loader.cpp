#include "Loader.h"

#include "glow/Support/Error.h"

#include "llvm/ADT/StringExtras.h"

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
                llvm::cl::desc("Backend to run on (Interpreter)"),
                llvm::cl::init("Interpreter"), llvm::cl::cat(category));
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
} // namespace loader

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

llvm::Expected<CompiledModel>
loadAndCompileModel(std::map<std::string, Type> inputTypes,
                    const ONNXModelLoader::StaticInputValues &staticInputs) {
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
  auto ee = ExecutionEngine::create(loader::backendName);
  if (!ee) {
    return ee.takeError();
  }
  cm.engine = std::move(*ee);
  auto ld = ONNXModelLoader::load(loader::modelPath, cm.engine->getModule(),
                                  inputTypes, "main", staticInputs);
  if (!ld) {
    return ld.takeError();
  }
  cm.loader = std::move(*ld);
  cm.function = cm.loader->getFunction();
  if (auto err = cm.engine->compile(cm.function)) {
    return std::move(err);
  }
  if (!loader::dumpGraphDOT.empty()) {
    if (auto err = cm.function->dumpDAG(loader::dumpGraphDOT)) {
      return std::move(err);
    }
  }
  return std::move(cm);
}

} // namespace glow
