#include "glow/Backends/OpenCL/OpenCLBackend.h"
#include "OpenCLContext.h"
#include "OpenCLFunction.h"

#include "glow/Backends/Interpreter/InterpreterKernels.h"
#include "glow/Support/Error.h"

namespace glow {

llvm::Expected<std::unique_ptr<OpenCLBackend>>
OpenCLBackend::create(const BackendOptions &options) {
  int number[2] = {-1, -1};
  const char *keys[2] = {"opencl-platform", "opencl-device"};
  for (int i = 0; i < 2; i++) {
    std::string v = options.get(keys[i], "-1");
    if (llvm::StringRef(v).getAsInteger(10, number[i]) || number[i] < -1) {
      return makeError(std::string("backend setting ") + keys[i] + "='" + v +
                       "' is not a device number");
    }
  }
  auto ctx = opencl::OpenCLContext::get(number[0], number[1]);
  if (!ctx) {
    return ctx.takeError();
  }
  return std::unique_ptr<OpenCLBackend>(new OpenCLBackend(std::move(*ctx)));
}

// Every kernel of the reference backend has an OpenCL counterpart.
bool OpenCLBackend::isOpSupported(const OpSignature &sig) const {
  return isSignatureEvaluable(sig);
}

bool OpenCLBackend::canRun(const Node &n) const {
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
