// Fuzz target: ONNX model bytes -> loader -> optimizer -> Interpreter
// compile -> one run on zero inputs. Every llvm::Error is a normal outcome;
// a crash, a sanitizer report, a hang or memory beyond the budget is a bug.
// Graph inputs with open dimensions (a symbolic batch size) get 1 there, as
// a user would give with -model-input, so that such models load too.

#include "FuzzUtil.h"

#include "glow/ExecutionEngine/ExecutionEngine.h"
#include "glow/Graph/PlaceholderBindings.h"
#include "glow/Importer/ONNXModelLoader.h"
#include "glow/Optimizer/Optimizer.h"
#include "glow/Support/ResourceLimits.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace {
/// The types to give the inputs of the model \p bytes that have open
/// dimensions (read with readInputInfo, as the tools do): 1 for each.
std::map<std::string, glow::Type> openInputTypes(const std::string &bytes) {
  static glow_fuzz::MemFile file("model.onnx");
  std::map<std::string, glow::Type> types;
  auto infos = glow::ONNXModelLoader::readInputInfo(file.write(
      reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()));
  if (!infos) {
    glow_fuzz::consume(infos.takeError(), "readInputInfo");
    return types;
  }
  for (const auto &info : *infos) {
    std::vector<glow::dim_t> dims = info.dims;
    bool open = false;
    for (auto &d : dims) {
      if (d == glow::dim_t(-1)) {
        d = 1;
        open = true;
      }
    }
    if (open) {
      types.emplace(info.name, glow::Type(info.kind, dims));
    }
  }
  return types;
}

void runOne(const std::string &bytes) {
  auto ee = glow::ExecutionEngine::create("Interpreter");
  if (!ee) {
    glow_fuzz::consume(ee.takeError(), "backend");
    return;
  }
  glow::Module &M = (*ee)->getModule();
  auto loader =
      glow::ONNXModelLoader::loadFromBytes(bytes, M, openInputTypes(bytes));
  if (!loader) {
    glow_fuzz::consume(loader.takeError(), "load");
    return;
  }
  glow::Function *F = (*loader)->getFunction();
  if (!F) {
    return;
  }
  if (auto err = glow::optimizeFunction(F)) {
    glow_fuzz::consume(std::move(err), "optimize");
    return;
  }
  // compile() verifies; optimizing again must be harmless (a fixed point).
  if (auto err = (*ee)->compile(F, /*optimize=*/true)) {
    glow_fuzz::consume(std::move(err), "compile");
    return;
  }
  glow::PlaceholderBindings bindings;
  bindings.allocate(M.getPlaceholders());
  if (auto err = (*ee)->run(bindings)) {
    glow_fuzz::consume(std::move(err), "run");
    return;
  }
  glow_fuzz::note("ran");
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool init = [] {
    glow::setMemoryBudget(256 << 20);
    return true;
  }();
  (void)init;
  runOne(std::string(reinterpret_cast<const char *>(data), size));
  return 0;
}
