#ifndef GLOW_BACKENDS_BACKEND_H
#define GLOW_BACKENDS_BACKEND_H

#include "glow/Graph/Graph.h"
#include "glow/Graph/PlaceholderBindings.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace glow {

/// A Function compiled by a backend, ready to run.
class CompiledFunction {
public:
  virtual ~CompiledFunction() = default;
  /// Runs once, reading inputs from and writing outputs to \p bindings
  /// (every placeholder the function uses must be bound).
  virtual llvm::Error execute(PlaceholderBindings &bindings) = 0;
};

/// A Function compiled so that each of its units (groups of layers) runs in
/// FP32 or in INT8 as chosen before a run, without compiling again
/// (Backend::compileSwitchable). Used by precision-tuner.
class SwitchableFunction : public CompiledFunction {
public:
  /// Runs unit u in INT8 where \p int8[u], in FP32 elsewhere; the results
  /// equal those of the mixed graph that transformForPrecisionMode makes
  /// with the FP32 units kept.
  virtual llvm::Error setInt8Units(const std::vector<bool> &int8) = 0;

  /// Runs the inputs bound in \p bindings once per configuration of
  /// \p configs (as setInt8Units takes them) and stores the values of
  /// \p output of run i in \p results[i]. Every call before a
  /// configuration's first INT8 unit computes what FP32 computes, so a
  /// backend may run that part once for every configuration that starts
  /// there or later (the CPU backend does); the default runs each
  /// configuration whole. The switches are left as the last configuration
  /// set them.
  virtual llvm::Error
  executeConfigurations(PlaceholderBindings &bindings,
                        const Placeholder *output,
                        const std::vector<std::vector<bool>> &configs,
                        std::vector<Tensor> &results);
};

/// Interface of the execution backends (Interpreter, CPU, OpenCL).
class Backend {
public:
  virtual ~Backend() = default;
  /// \returns the name used by -backend= ("Interpreter" ...).
  virtual std::string getName() const = 0;
  /// \returns true if this backend can run \p n with its current types.
  virtual bool isOpSupported(const Node &n) const = 0;
  /// \returns true if this backend runs the INT8 form of the float node
  /// \p n (asked before quantizing; the node still has float types).
  virtual bool canRunInt8(const Node &n) const { return true; }
  /// Compiles the optimized, verified Function \p F.
  virtual llvm::Expected<std::unique_ptr<CompiledFunction>>
  compile(const Function &F) const = 0;
  /// Compiles a precision-switchable function from \p fp32 and \p int8,
  /// the same optimized graph in FP32 and fully quantized (in two Modules,
  /// so that names match); \p units lists the layer names of each unit.
  /// \returns an error where the backend cannot (the default).
  virtual llvm::Expected<std::unique_ptr<SwitchableFunction>>
  compileSwitchable(const Function &fp32, const Function &int8,
                    const std::vector<std::vector<std::string>> &units) const;
};

/// Settings of a backend that the tools expose as flags.
struct BackendOptions {
  /// Threads a compiled function runs on (CPU backend); 0: every core.
  unsigned numThreads{0};
  /// Instruction-set variant of the CPU kernels ("", "auto", "generic",
  /// "avx2", "avx512"); the GLOW_CPU_KERNELS environment variable is read
  /// when this is empty.
  std::string cpuKernels;
  /// OpenCL platform and device numbers; -1: a GPU if there is one, else
  /// the first device.
  int openclPlatform{-1};
  int openclDevice{-1};
};

/// \returns the backend named \p name, or an error listing the known ones.
llvm::Expected<std::unique_ptr<Backend>>
createBackend(llvm::StringRef name, const BackendOptions &options = {});

/// \returns the names of every backend built into this binary.
std::vector<std::string> getAvailableBackends();

} // namespace glow

#endif // GLOW_BACKENDS_BACKEND_H
