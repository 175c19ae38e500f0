#include "glow/Backends/OpenCL/OpenCLBackend.h"
#include "OpenCLContext.h"
#include "OpenCLFunction.h"

#include "glow/Backends/Interpreter/InterpreterKernels.h"

namespace glow {

llvm::Expected<std::unique_ptr<OpenCLBackend>>
OpenCLBackend::create(const BackendOptions &options) {
  auto ctx =
      opencl::OpenCLContext::get(options.openclPlatform, options.openclDevice);
  if (!ctx) {
    return ctx.takeError();
  }
  return std::unique_ptr<OpenCLBackend>(new OpenCLBackend(std::move(*ctx)));
}

bool OpenCLBackend::isOpSupported(const Node &n) const {
  // Every kernel of the reference backend has an OpenCL counterpart.
  return n.isStorage() || isNodeEvaluable(n);
}

llvm::Expected<std::unique_ptr<CompiledFunction>>
OpenCLBackend::compile(const Function &F) const {
  auto fn = opencl::OpenCLFunction::create(F, ctx_);
  if (!fn) {
    return fn.takeError();
  }
  return std::unique_ptr<CompiledFunction>(std::move(*fn));
}

std::string OpenCLBackend::getDeviceDescription() const {
  return ctx_->description();
}

} // namespace glow
