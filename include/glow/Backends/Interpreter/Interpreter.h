#ifndef GLOW_BACKENDS_INTERPRETER_INTERPRETER_H
#define GLOW_BACKENDS_INTERPRETER_INTERPRETER_H

#include "glow/Backends/Backend.h"

namespace glow {

/// The reference backend: runs each node with the plain kernels of
/// InterpreterKernels.h, in topological order.
class Interpreter final : public Backend {
public:
  std::string getName() const override { return "Interpreter"; }
  bool isOpSupported(const OpSignature &sig) const override;
  bool canRun(const Node &n) const override;
  llvm::Expected<std::unique_ptr<CompiledFunction>>
  compile(const Function &F) const override;
};

} // namespace glow

#endif // GLOW_BACKENDS_INTERPRETER_INTERPRETER_H
