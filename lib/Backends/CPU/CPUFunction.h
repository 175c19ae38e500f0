#ifndef GLOW_BACKENDS_CPU_CPUFUNCTION_H
#define GLOW_BACKENDS_CPU_CPUFUNCTION_H

#include "KernelLibrary.h"
#include "KernelProgram.h"
#include "WorkerTeam.h"

#include "glow/Backends/SwitchableCompiler.h"
#include "glow/Support/ZeroedMemory.h"

#include "llvm/ExecutionEngine/Orc/LLJIT.h"

#include <memory>

namespace glow {
namespace cpu {

/// A 64-byte-aligned, zero-initialised byte buffer.
class AlignedBuffer {
public:
  explicit AlignedBuffer(uint64_t size = 0);
  uint8_t *data() { return data_.get(); }
  uint64_t size() const { return size_; }

private:
  ZeroedPtr<uint8_t> data_;
  uint64_t size_{0};
};

/// A Function compiled by the CPU backend and loaded with ORC JIT. A run
/// copies the bound inputs into the mutable region, runs the generated
/// worker on every thread of the pool, and copies the outputs back.
class CPUFunction final : public SwitchableFunction {
public:
  /// JIT-compiles \p prog (whose placeholder slots are \p placeholders, in
  /// order) with kernel variant \p v, keeping and reusing compiled parts
  /// in \p compileCache if it is not empty (compileInParts).
  static llvm::Expected<std::unique_ptr<CPUFunction>>
  create(KernelProgram prog, std::vector<const Placeholder *> placeholders,
         KernelVariant v, const std::string &compileCache = "");

  llvm::Error execute(PlaceholderBindings &bindings) override;

  /// Sets the unit switches of a precision-switchable program.
  llvm::Error setInt8Units(const std::vector<bool> &int8) override;

  /// Per-image switchable programs: each thread takes its share of the
  /// images and, per image, runs the configurations in the order of their
  /// first INT8 call, advancing one FP32 run to each start and running the
  /// rest of the network from there (the bytes live at the start saved
  /// and restored around it). Other programs: the default.
  llvm::Error
  executeConfigurations(PlaceholderBindings &bindings,
                        const Placeholder *output,
                        const std::vector<std::vector<bool>> &configs,
                        std::vector<Tensor> &results) override;

  /// With GLOW_CPU_PROFILE=1: prints the time spent in each kernel call.
  ~CPUFunction() override;

private:
  using Worker = void (*)(uint8_t *, uint8_t *, uint8_t *, int32_t, int32_t);
  using CallRange = void (*)(uint8_t *, uint8_t *, uint8_t *, int64_t, int32_t,
                             int32_t, const uint8_t *);
  CPUFunction() = default;
  /// Copies the inputs bound in \p bindings into the mutable region.
  llvm::Error copyInputs(PlaceholderBindings &bindings);
  /// \returns an error if a run left a failure status in an activations
  /// copy.
  llvm::Error checkStatus();

  std::unique_ptr<llvm::orc::LLJIT> jit_;
  Worker worker_{nullptr};
  /// The call-range function (getCallRangeName) where generated.
  CallRange callRange_{nullptr};
  KernelProgram prog_;
  std::vector<const Placeholder *> placeholders_;
  AlignedBuffer constants_, mutable_, activations_;
  /// The other threads of a run (none for one thread).
  std::unique_ptr<WorkerTeam> team_;
  /// Seconds per kernel call, summed over runs (GLOW_CPU_PROFILE=1).
  std::vector<double> profile_;
  unsigned profiledRuns_{0};
  friend void profileTick(int32_t call, int32_t tid);
};

/// Initialises LLVM's native target once per process.
void initializeLLVMTargets();

} // namespace cpu
} // namespace glow

#endif // GLOW_BACKENDS_CPU_CPUFUNCTION_H
