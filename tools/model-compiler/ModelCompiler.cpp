// model-compiler: loads an ONNX model, applies the precision flags and
// compiles it for a backend; -list-layers prints every layer's precision.

#include "../loader/Loader.h"

#include <cctype>

#include "glow/Backends/CPU/CPUBackend.h"
#include "glow/Exporter/ONNXModelWriter.h"
#include "glow/Support/Error.h"

#include "llvm/CodeGen/CommandFlags.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace glow;

namespace {
const char *kTool = "model-compiler";

llvm::cl::OptionCategory category("model-compiler options");
llvm::cl::opt<bool> listLayers(
    "list-layers",
    llvm::cl::desc("Print one line per layer: name, kind, output shape, "
                   "precision (FP32/INT8)"),
    llvm::cl::init(false), llvm::cl::cat(category));
llvm::cl::opt<std::string> emitBundle(
    "emit-bundle",
    llvm::cl::desc("Write an ahead-of-time bundle into this directory "
                   "(CPU backend): NAME.o, NAME.h, NAME.weights.bin/.txt"),
    llvm::cl::value_desc("dir"), llvm::cl::cat(category));
llvm::cl::opt<std::string> networkName(
    "network-name",
    llvm::cl::desc("Bundle entry point and file names (default: the model "
                   "file's name)"),
    llvm::cl::cat(category));
enum class BundleAPI { Static, Dynamic };
llvm::cl::opt<BundleAPI> bundleAPI(
    "bundle-api", llvm::cl::desc("Bundle API of the header"),
    llvm::cl::values(clEnumValN(BundleAPI::Static, "static",
                                "macros for sizes and offsets (default)"),
                     clEnumValN(BundleAPI::Dynamic, "dynamic",
                                "a NAME_config struct with a symbol table")),
    llvm::cl::init(BundleAPI::Static), llvm::cl::cat(category));
// -mcpu is LLVM's own code-generation flag: an OpenCL driver built on the
// same LLVM (PoCL) registers it in the same process, and two registrations
// of one name abort. Registered here through LLVM, it exists once.
llvm::codegen::RegisterCodeGenFlags codegenFlags;

/// \returns -mcpu (empty: the host).
std::string targetCPU() { return llvm::codegen::getMCPU(); }
llvm::cl::opt<std::string> exportOnnxQdq(
    "export-onnx-qdq",
    llvm::cl::desc("Write the compiled precision (INT8, FP32 or mixed) as "
                   "standard ONNX with QuantizeLinear/DequantizeLinear around "
                   "each INT8 value, for ONNX Runtime or TensorRT"),
    llvm::cl::value_desc("file.onnx"), llvm::cl::cat(category));
enum class QdqActivationType { Int8, UInt8 };
llvm::cl::opt<QdqActivationType> exportOnnxQdqActivationType(
    "export-onnx-qdq-activation-type",
    llvm::cl::desc("Code type of the activations in -export-onnx-qdq (the "
                   "weights stay int8): int8 (our codes) or uint8 (the same "
                   "values with the zero point + 128; ONNX Runtime runs "
                   "convolutions in INT8 only in this form on x86)"),
    llvm::cl::values(clEnumValN(QdqActivationType::Int8, "int8", "int8"),
                     clEnumValN(QdqActivationType::UInt8, "uint8", "uint8")),
    llvm::cl::init(QdqActivationType::Int8), llvm::cl::cat(category));
llvm::cl::opt<unsigned> batchSize(
    "batch-size",
    llvm::cl::desc("Batch size for inputs whose first dimension is open"),
    llvm::cl::init(1), llvm::cl::cat(category));

/// One line per layer (the names the keep list takes), in topological
/// order: name, kind before lowering, output shape, precision (INT8, FP32 or
/// INT8+FP32 where only part of a lowered layer is INT8) and, for FP32 that
/// nobody asked for, why.
void printLayers(const CompiledModel &cm) {
  const Function &F = *cm.function;
  struct Layer {
    std::string kind, shape;
    unsigned nodes{0}, int8{0};
  };
  std::map<std::string, Layer> layers;
  std::vector<std::string> order;
  unsigned conversions = 0;
  for (const Node *n : F.getNodesInTopologicalOrder()) {
    if (!isLayerNode(*n)) {
      conversions += !llvm::isa<SaveNode>(n) && !n->isStorage();
      continue;
    }
    std::string name = n->getLayerName().str();
    auto it = layers.find(name);
    if (it == layers.end()) {
      order.push_back(name);
      it = layers.emplace(name, Layer()).first;
    }
    Layer &l = it->second;
    l.nodes++;
    l.int8 += n->getType().isQuantized();
    l.kind = n->getKindName();
    l.shape = dimsToString(n->dims()); // the last node's: the layer output
  }
  for (auto &[name, kind] : cm.layerKinds) {
    auto it = layers.find(name);
    if (it != layers.end()) {
      it->second.kind = kind;
    }
  }
  auto row = [](llvm::StringRef name, llvm::StringRef kind,
                llvm::StringRef shape, llvm::StringRef precision) {
    llvm::outs() << llvm::left_justify(name, 44) << " "
                 << llvm::left_justify(kind, 20) << " "
                 << llvm::left_justify(shape, 22) << " " << precision << "\n";
  };
  row("# layer", "kind", "output shape", "precision");
  unsigned int8 = 0, w4a8 = 0;
  for (const std::string &name : order) {
    const Layer &l = layers[name];
    std::string int8Name =
        cm.precision.w4a8Layers.count(name) ? "W4A8" : "INT8";
    std::string precision = l.int8 == l.nodes ? int8Name
                            : l.int8 == 0     ? "FP32"
                                              : int8Name + "+FP32";
    auto why = cm.precision.unsupportedReasons.find(name);
    if (why != cm.precision.unsupportedReasons.end() && l.int8 < l.nodes) {
      precision += "  (" + why->second + ")";
    }
    int8 += l.int8 == l.nodes;
    w4a8 += l.int8 == l.nodes && cm.precision.w4a8Layers.count(name);
    row(name, l.kind, l.shape, precision);
  }
  llvm::outs() << "# " << order.size() << " layers: " << int8 << " INT8"
               << (w4a8 ? " (" + std::to_string(w4a8) + " of them W4A8)" : "")
               << ", " << order.size() - int8 << " FP32; " << conversions
               << " precision conversions\n";
}
} // namespace

int main(int argc, char **argv) {
  // Show LLVM's -mcpu among this tool's flags.
  auto &options = llvm::cl::getRegisteredOptions();
  if (auto it = options.find("mcpu"); it != options.end()) {
    it->second->addCategory(category);
    it->second->setDescription("Target CPU of the bundle, an LLVM CPU name "
                               "(default: native, the host)");
  }
  parseToolCommandLine(
      argc, argv, category, nullptr,
      "Compile an ONNX model for a backend, optionally quantized.\n\n"
      "  model-compiler -m=model.onnx -load-profile=p.yaml "
      "-keep-original-precision-for-layers=conv1 -list-layers\n"
      "  model-compiler -m=model.onnx -backend=CPU -emit-bundle=out "
      "-network-name=net\n");
  auto types = exitOnError(kTool, resolveInputTypes(batchSize));
  if (emitBundle.empty() && (!networkName.empty() || !targetCPU().empty() ||
                             bundleAPI.getNumOccurrences())) {
    exitOnError(kTool, makeError("-network-name, -bundle-api and -mcpu need "
                                 "-emit-bundle=DIR"));
  }
  std::function<llvm::Error(const Function &)> exportQDQ;
  if (!exportOnnxQdq.empty()) {
    if (llvm::sys::fs::equivalent(exportOnnxQdq, loader::modelPath)) {
      exitOnError(kTool, makeError("-export-onnx-qdq=" + exportOnnxQdq +
                                   " is the input model; give another file"));
    }
    exportQDQ = [](const Function &F) {
      ONNXExportOptions opts;
      opts.uint8Activations =
          exportOnnxQdqActivationType == QdqActivationType::UInt8;
      return writeONNXModel(F, exportOnnxQdq, opts);
    };
  }
  CompiledModel cm =
      exitOnError(kTool, loadAndCompileModel(types, {}, exportQDQ));
  if (!exportOnnxQdq.empty()) {
    llvm::outs() << "ONNX model (QDQ) written to " << exportOnnxQdq << "\n";
  }
  if (listLayers) {
    printLayers(cm);
  }
  if (!emitBundle.empty()) {
    auto *cpu = dynamic_cast<const CPUBackend *>(&cm.engine->getBackend());
    if (!cpu) {
      exitOnError(kTool, makeError("bundles are written by the CPU backend: "
                                   "add -backend=CPU"));
    }
    BundleOptions opts;
    opts.outputDir = emitBundle;
    opts.networkName = networkName;
    if (opts.networkName.empty()) {
      opts.networkName =
          toCIdentifier(llvm::sys::path::stem(loader::modelPath));
      if (opts.networkName.empty() || std::isdigit(opts.networkName[0])) {
        opts.networkName = "net_" + opts.networkName;
      }
    }
    opts.dynamicAPI = bundleAPI == BundleAPI::Dynamic;
    opts.cpu = targetCPU();
    exitOnError(kTool, cpu->saveBundle(*cm.function, opts));
    llvm::outs() << "Bundle '" << opts.networkName << "' written to "
                 << emitBundle << "\n";
  }
  return 0;
}
