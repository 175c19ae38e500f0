#ifndef GLOW_BACKENDS_BACKEND_H
#define GLOW_BACKENDS_BACKEND_H

#include "glow/Backends/OpSignature.h"
#include "glow/Graph/Graph.h"
#include "glow/Graph/PlaceholderBindings.h"

#include "llvm/Support/Error.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace glow {

class SwitchableCompiler;

/// A Function compiled by a backend, ready to run.
class CompiledFunction {
public:
  virtual ~CompiledFunction() = default;
  /// Runs once, reading inputs from and writing outputs to \p bindings
  /// (every placeholder the function uses must be bound).
  virtual llvm::Error execute(PlaceholderBindings &bindings) = 0;
};

/// Interface of the execution backends (Interpreter, CPU, OpenCL).
class Backend {
public:
  virtual ~Backend() = default;
  /// \returns the name used by -backend= ("Interpreter" ...).
  virtual std::string getName() const = 0;
  /// \returns true if this backend has a kernel for \p sig: the one
  /// statement of what it can run, asked by the quantizer (before rewriting
  /// a node to INT8) and by the backend's own compile.
  virtual bool isOpSupported(const OpSignature &sig) const = 0;
  /// \returns true if this backend can run \p n with its current types
  /// (storage needs no kernel): its signature is supported, and whatever
  /// else the backend asks of a node's attributes.
  virtual bool canRun(const Node &n) const {
    return n.isStorage() || isOpSupported(OpSignature::of(n));
  }
  /// Compiles the optimized, verified Function \p F.
  virtual llvm::Expected<std::unique_ptr<CompiledFunction>>
  compile(const Function &F) const = 0;
  /// \returns the backend's precision-switchable compiler
  /// (SwitchableCompiler.h), or null where it has none (the default).
  virtual const SwitchableCompiler *getSwitchableCompiler() const {
    return nullptr;
  }
};

/// Settings of a backend that the tools expose as flags: the thread count
/// that every backend may use, and named settings that only one backend
/// reads (each backend documents its keys and refuses values it cannot
/// parse):
///   CPU:    "cpu-kernels"  instruction-set variant ("auto", "generic",
///                          "avx2", "avx512"; unset: GLOW_CPU_KERNELS)
///           "cpu-compile-cache"  a folder where compiled code is kept and
///                          reused by later compiles of the same code
///   OpenCL: "opencl-platform", "opencl-device"  numbers (unset or -1: a
///                          GPU if there is one, else the first device)
struct BackendOptions {
  /// Threads a compiled function runs on (CPU backend); 0: every core.
  unsigned numThreads{0};
  std::map<std::string, std::string> settings;

  /// \returns the setting \p key, or \p otherwise where it is not set.
  std::string get(const std::string &key,
                  const std::string &otherwise = "") const {
    auto it = settings.find(key);
    return it == settings.end() ? otherwise : it->second;
  }
};

/// \returns the backend named \p name, or an error listing the known ones.
llvm::Expected<std::unique_ptr<Backend>>
createBackend(llvm::StringRef name, const BackendOptions &options = {});

/// \returns the names of every backend built into this binary.
std::vector<std::string> getAvailableBackends();

} // namespace glow

#endif // GLOW_BACKENDS_BACKEND_H
