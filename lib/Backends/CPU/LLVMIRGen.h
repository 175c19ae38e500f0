#ifndef GLOW_BACKENDS_CPU_LLVMIRGEN_H
#define GLOW_BACKENDS_CPU_LLVMIRGEN_H

#include "KernelLibrary.h"
#include "KernelProgram.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>

namespace glow {
namespace cpu {

/// \returns the name of the per-thread function generated beside \p entry.
std::string getWorkerName(llvm::StringRef entry);

/// \returns the name of the call-range function generated beside \p entry
/// for precision-switchable per-image programs.
std::string getCallRangeName(llvm::StringRef entry);

/// Generates the LLVM module of \p prog: the kernel library (variant \p v)
/// linked with two generated functions,
///   int ENTRY(uint8_t *constants, uint8_t *mutable, uint8_t *activations)
///     runs the network on one thread and returns its status (0: success);
///   void ENTRY_worker(constants, mutable, activations, int tid, int n)
///     runs thread tid's share of every kernel call, with a barrier after
///     each, when n threads run it together;
/// and, for precision-switchable per-image programs (KernelProgram::images
/// > 1, numUnits > 0), a third,
///   void ENTRY_from(constants, mutable, activations, int64_t image,
///                   int first, int end, const uint8_t *switches)
///     runs calls [first, end) on image \p image alone, on one thread, with
///     the unit switches read from \p switches rather than from the mutable
///     region.
/// Every call is specialised: the kernel is cloned with its constant
/// arguments (shapes, small arrays) substituted, one clone per distinct
/// set of constants, except the arguments the planner marks as run-time
/// values (KernelArg::specialized: trip counts, strides, quantization
/// parameters), which stay arguments of the clone. With \p profile, the worker
/// calls the host's glow_cpu_profile(int call, int tid) after each kernel
/// call and its barrier (CPUFunction: GLOW_CPU_PROFILE=1).
llvm::Expected<std::unique_ptr<llvm::Module>>
generateModule(llvm::LLVMContext &ctx, const KernelProgram &prog,
               KernelVariant v, llvm::StringRef entry, bool profile = false);

/// Runs LLVM's O2 pipeline on \p M for the target of \p TM. Functions built
/// for AVX-512 VNNI (the avx512 kernels and the code calling them) may also
/// use AVX-512 VBMI and VBMI2 where \p TM has them.
void optimizeModule(llvm::Module &M, llvm::TargetMachine &TM);

} // namespace cpu
} // namespace glow

#endif // GLOW_BACKENDS_CPU_LLVMIRGEN_H
