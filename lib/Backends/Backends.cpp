#include "glow/Backends/Backend.h"
#include "glow/Backends/CPU/CPUBackend.h"
#include "glow/Backends/Interpreter/Interpreter.h"
#include "glow/Backends/OpenCL/OpenCLBackend.h"
#include "glow/Backends/SwitchableCompiler.h"
#include "glow/Support/Error.h"

namespace glow {

llvm::Expected<const SwitchableCompiler *>
getSwitchableCompiler(const Backend &backend) {
  if (const SwitchableCompiler *c = backend.getSwitchableCompiler()) {
    return c;
  }
  return makeError("the " + backend.getName() +
                   " backend cannot compile precision-switchable functions");
}

llvm::Error SwitchableFunction::executeConfigurations(
    PlaceholderBindings &bindings, const Placeholder *output,
    const std::vector<std::vector<bool>> &configs,
    std::vector<Tensor> &results) {
  const Tensor *out = bindings.get(output);
  if (!out) {
    return makeError("placeholder '" + output->getName() + "' is not bound");
  }
  results.clear();
  for (const auto &config : configs) {
    if (auto err = setInt8Units(config)) {
      return err;
    }
    if (auto err = execute(bindings)) {
      return err;
    }
    results.push_back(out->clone());
  }
  return llvm::Error::success();
}

std::vector<std::string> getAvailableBackends() {
  return {"Interpreter", "CPU", "OpenCL"};
}

llvm::Expected<std::unique_ptr<Backend>>
createBackend(llvm::StringRef name, const BackendOptions &options) {
  if (name == "Interpreter") {
    return std::make_unique<Interpreter>();
  }
  if (name == "CPU") {
    return CPUBackend::create(options);
  }
  if (name == "OpenCL") {
    return OpenCLBackend::create(options);
  }
  std::string known;
  for (auto &b : getAvailableBackends()) {
    known += (known.empty() ? "" : ", ") + b;
  }
  return makeError("unknown backend '" + name + "' (available: " + known + ")");
}

} // namespace glow
