#ifndef GLOW_BACKENDS_OPENCL_OPENCLFUNCTION_H
#define GLOW_BACKENDS_OPENCL_OPENCLFUNCTION_H

#include "OpenCLContext.h"

#include "glow/Backends/Backend.h"

#include <memory>
#include <string>
#include <vector>

namespace glow {
namespace opencl {

/// A Function compiled for OpenCL: one device buffer per value (weights
/// uploaded once), and the kernel launches with their arguments set, in
/// topological order. A run writes the inputs, enqueues the launches and
/// reads the outputs.
class OpenCLFunction final : public CompiledFunction {
public:
  static llvm::Expected<std::unique_ptr<OpenCLFunction>>
  create(const Function &F, std::shared_ptr<OpenCLContext> ctx);
  ~OpenCLFunction() override;

  llvm::Error execute(PlaceholderBindings &bindings) override;

  /// A kernel launch over \p items work-items, or (kernel null) a copy of
  /// \p bytes from \p src to \p dst.
  struct Step {
    cl_kernel kernel{nullptr};
    size_t items{0};
    cl_mem src{nullptr}, dst{nullptr};
    size_t bytes{0};
    /// Kernel and node, for GLOW_OPENCL_PROFILE.
    std::string what;
    double seconds{0};
  };
  /// A placeholder's device buffer.
  struct Slot {
    const Placeholder *placeholder;
    cl_mem buffer;
    bool isOutput;
  };

private:
  friend class FunctionBuilder;
  OpenCLFunction() = default;

  std::shared_ptr<OpenCLContext> ctx_;
  std::vector<Step> steps_;
  std::vector<Slot> slots_;
  std::vector<cl_mem> buffers_;
  cl_mem status_{nullptr};
  unsigned runs_{0};
};

} // namespace opencl
} // namespace glow

#endif // GLOW_BACKENDS_OPENCL_OPENCLFUNCTION_H
