#include "glow/ExecutionEngine/ExecutionEngine.h"
#include "glow/Lowering/Lowering.h"
#include "glow/Optimizer/Optimizer.h"
#include "glow/Support/Error.h"

namespace glow {

llvm::Expected<std::unique_ptr<ExecutionEngine>>
ExecutionEngine::create(llvm::StringRef backendName,
                        const BackendOptions &options) {
  auto backend = createBackend(backendName, options);
  if (!backend) {
    return backend.takeError();
  }
  return std::unique_ptr<ExecutionEngine>(
      new ExecutionEngine(std::move(*backend)));
}

llvm::Error ExecutionEngine::compile(Function *F, bool optimize) {
  if (optimize) {
    if (auto err = optimizeFunction(F)) {
      return err;
    }
  }
  auto lowered = lowerFunction(F);
  if (!lowered) {
    return lowered.takeError();
  }
  if (auto err = F->verify()) {
    return err;
  }
  auto compiled = backend_->compile(*F);
  if (!compiled) {
    return compiled.takeError();
  }
  compiled_ = std::move(*compiled);
  return llvm::Error::success();
}

llvm::Error ExecutionEngine::run(PlaceholderBindings &bindings) {
  if (!compiled_) {
    return makeError("run() called before compile()");
  }
  return compiled_->execute(bindings);
}

} // namespace glow
