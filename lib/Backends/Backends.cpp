#include "glow/Backends/Backend.h"
#include "glow/Backends/Interpreter/Interpreter.h"
#include "glow/Support/Error.h"

namespace glow {

std::vector<std::string> getAvailableBackends() { return {"Interpreter"}; }

llvm::Expected<std::unique_ptr<Backend>> createBackend(llvm::StringRef name) {
  if (name == "Interpreter") {
    return std::make_unique<Interpreter>();
  }
  std::string known;
  for (auto &b : getAvailableBackends()) {
    known += (known.empty() ? "" : ", ") + b;
  }
  return makeError("unknown backend '" + name + "' (available: " + known + ")");
}

} // namespace glow
