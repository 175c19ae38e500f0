#include "glow/Backends/Backend.h"
#include "glow/Backends/CPU/CPUBackend.h"
#include "glow/Backends/Interpreter/Interpreter.h"
#include "glow/Backends/OpenCL/OpenCLBackend.h"
#include "glow/Support/Error.h"

namespace glow {

llvm::Expected<std::unique_ptr<SwitchableFunction>> Backend::compileSwitchable(
    const Function &, const Function &,
    const std::vector<std::vector<std::string>> &) const {
  return makeError("the " + getName() +
                   " backend cannot compile precision-switchable functions");
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
