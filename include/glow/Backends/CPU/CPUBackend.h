#ifndef GLOW_BACKENDS_CPU_CPUBACKEND_H
#define GLOW_BACKENDS_CPU_CPUBACKEND_H

#include "glow/Backends/SwitchableCompiler.h"

#include <string>

namespace glow {

/// What model-compiler -emit-bundle asks for.
struct BundleOptions {
  /// Directory that receives NAME.o, NAME.h, NAME.weights.bin/.txt.
  std::string outputDir;
  /// Network name (a C identifier): the entry point, and in upper case the
  /// prefix of the header's macros.
  std::string networkName;
  /// Glow's dynamic bundle API (NAME_config with a placeholder table)
  /// instead of the static one (macros).
  bool dynamicAPI{false};
  /// Target CPU (-mcpu, an LLVM CPU name); empty or "native": the host.
  std::string cpu;
};

/// \returns \p name with every character that is not a letter, digit or
/// underscore replaced by '_' (how bundle headers spell placeholder names).
std::string toCIdentifier(llvm::StringRef name);

/// The LLVM-based CPU backend. Compiling a Function plans it into a list of
/// kernel-library calls (layouts, fusions, packed weights, one planned
/// activation buffer), generates LLVM IR that calls the library's bitcode
/// with the graph's constants, specialises and optimises it for the CPU,
/// and runs it with ORC JIT on a pool of threads, or writes it as an
/// object file with its weights (an AOT bundle). See docs/Backends.md.
class CPUBackend final : public Backend, public SwitchableCompiler {
public:
  /// \returns a CPU backend, or an error for an unknown or unsupported
  /// kernel variant.
  static llvm::Expected<std::unique_ptr<CPUBackend>>
  create(const BackendOptions &options);

  std::string getName() const override { return "CPU"; }
  bool isOpSupported(const OpSignature &sig) const override;
  bool canRun(const Node &n) const override;
  llvm::Expected<std::unique_ptr<CompiledFunction>>
  compile(const Function &F) const override;
  llvm::Expected<std::unique_ptr<SwitchableFunction>> compileSwitchable(
      const Function &fp32, const Function &int8,
      const std::vector<std::vector<std::string>> &units) const override;
  const SwitchableCompiler *getSwitchableCompiler() const override {
    return this;
  }

  /// Plans \p F for one thread and writes it as an AOT bundle.
  llvm::Error saveBundle(const Function &F, const BundleOptions &opts) const;

  /// Threads a compiled function runs on.
  unsigned getNumThreads() const { return numThreads_; }
  /// The kernel variant in use ("generic", "avx2", "avx512").
  std::string getKernelVariantName() const;

private:
  CPUBackend(unsigned numThreads, int variant, std::string compileCache)
      : numThreads_(numThreads), variant_(variant),
        compileCache_(std::move(compileCache)) {}
  unsigned numThreads_;
  int variant_;
  /// Folder of compiled parts kept between compiles ("" : none).
  std::string compileCache_;
};

} // namespace glow

#endif // GLOW_BACKENDS_CPU_CPUBACKEND_H
