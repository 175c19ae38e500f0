#ifndef GLOW_BACKENDS_OPENCL_OPENCLCONTEXT_H
#define GLOW_BACKENDS_OPENCL_OPENCLCONTEXT_H

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace glow {
namespace opencl {

/// \returns "name (code)" for an OpenCL error code.
std::string errorName(cl_int code);

/// One OpenCL device with its context, queue and the built kernel program,
/// shared by every function compiled for it in the process. The program is
/// built from the kernel sources embedded in the library; its binary is
/// kept in a cache directory so that a later process loads it instead of
/// building again.
class OpenCLContext {
public:
  /// Opens device \p device of platform \p platform; -1 picks a default:
  /// the first GPU of any platform, else the first device.
  static llvm::Expected<std::shared_ptr<OpenCLContext>> get(int platform,
                                                            int device);
  ~OpenCLContext();

  cl_context context() const { return context_; }
  cl_command_queue queue() const { return queue_; }
  cl_program program() const { return program_; }
  /// "platform / device".
  const std::string &description() const { return description_; }
  /// True if the program came from the binary cache.
  bool fromCache() const { return fromCache_; }
  /// GLOW_OPENCL_PROFILE=1: the queue times every command.
  bool profiling() const { return profiling_; }

private:
  llvm::Error build(cl_device_id device);

  cl_context context_{nullptr};
  cl_command_queue queue_{nullptr};
  cl_program program_{nullptr};
  std::string description_;
  bool fromCache_{false};
  bool profiling_{false};
};

} // namespace opencl
} // namespace glow

#endif // GLOW_BACKENDS_OPENCL_OPENCLCONTEXT_H
