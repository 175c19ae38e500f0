#ifndef GLOW_BACKENDS_SWITCHABLECOMPILER_H
#define GLOW_BACKENDS_SWITCHABLECOMPILER_H

#include "glow/Backends/Backend.h"

namespace glow {

/// A Function compiled so that each of its units (groups of layers) runs in
/// FP32 or in INT8 as chosen before a run, without compiling again. Used by
/// precision-tuner (lib/Tuner).
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

/// The optional capability of a backend to compile precision-switchable
/// functions (Backend::getSwitchableCompiler); the CPU backend has it.
class SwitchableCompiler {
public:
  virtual ~SwitchableCompiler() = default;
  /// Compiles a precision-switchable function from \p fp32 and \p int8,
  /// the same optimized graph in FP32 and fully quantized (in two Modules,
  /// so that names match); \p units lists the layer names of each unit.
  virtual llvm::Expected<std::unique_ptr<SwitchableFunction>>
  compileSwitchable(const Function &fp32, const Function &int8,
                    const std::vector<std::vector<std::string>> &units)
      const = 0;
};

/// \returns \p backend's switchable compiler, or an error naming the
/// backend where it has none.
llvm::Expected<const SwitchableCompiler *>
getSwitchableCompiler(const Backend &backend);

} // namespace glow

#endif // GLOW_BACKENDS_SWITCHABLECOMPILER_H
