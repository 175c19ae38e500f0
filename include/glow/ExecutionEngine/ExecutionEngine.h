#ifndef GLOW_EXECUTIONENGINE_EXECUTIONENGINE_H
#define GLOW_EXECUTIONENGINE_EXECUTIONENGINE_H

#include "glow/Backends/Backend.h"
#include "glow/Graph/Graph.h"
#include "glow/Graph/PlaceholderBindings.h"

#include <memory>

namespace glow {

/// Owns a Module, compiles one of its Functions for a named backend and
/// runs it: loader -> optimizer -> backend compile -> run.
class ExecutionEngine {
public:
  /// Creates an engine for the backend named \p backendName.
  static llvm::Expected<std::unique_ptr<ExecutionEngine>>
  create(llvm::StringRef backendName, const BackendOptions &options = {});

  Module &getModule() { return module_; }
  const Backend &getBackend() const { return *backend_; }

  /// Optimizes (unless \p optimize is false), verifies and compiles \p F.
  llvm::Error compile(Function *F, bool optimize = true);

  /// Runs the compiled function on \p bindings.
  llvm::Error run(PlaceholderBindings &bindings);

private:
  explicit ExecutionEngine(std::unique_ptr<Backend> backend)
      : backend_(std::move(backend)) {}

  Module module_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<CompiledFunction> compiled_;
};

} // namespace glow

#endif // GLOW_EXECUTIONENGINE_EXECUTIONENGINE_H
