#ifndef GLOW_BACKENDS_OPENCL_OPENCLBACKEND_H
#define GLOW_BACKENDS_OPENCL_OPENCLBACKEND_H

#include "glow/Backends/Backend.h"

#include <memory>
#include <string>

namespace glow {

namespace opencl {
class OpenCLContext;
}

/// The OpenCL backend: OpenCL 1.2 C kernels embedded in the library, built
/// by the driver (with a binary cache), run through the ICD loader on the
/// device chosen by -opencl-platform / -opencl-device (default: a GPU if
/// there is one, else the first device). Every tensor of a run lives in a
/// device buffer; only inputs and outputs cross to the host. See
/// docs/Backends.md.
class OpenCLBackend final : public Backend {
public:
  /// \returns the backend, or an error if no OpenCL device can be opened.
  static llvm::Expected<std::unique_ptr<OpenCLBackend>>
  create(const BackendOptions &options);

  std::string getName() const override { return "OpenCL"; }
  bool isOpSupported(const OpSignature &sig) const override;
  bool canRun(const Node &n) const override;
  llvm::Expected<std::unique_ptr<CompiledFunction>>
  compile(const Function &F) const override;

  /// "platform / device" of the device in use.
  std::string getDeviceDescription() const;

private:
  explicit OpenCLBackend(std::shared_ptr<opencl::OpenCLContext> ctx)
      : ctx_(std::move(ctx)) {}
  std::shared_ptr<opencl::OpenCLContext> ctx_;
};

} // namespace glow

#endif // GLOW_BACKENDS_OPENCL_OPENCLBACKEND_H
