#ifndef GLOW_BACKENDS_CPU_KERNELPROGRAMBUILDER_H
#define GLOW_BACKENDS_CPU_KERNELPROGRAMBUILDER_H

#include "KernelProgram.h"

#include "glow/Backends/OpSignature.h"
#include "glow/Graph/Graph.h"

#include "llvm/Support/Error.h"

namespace glow {
namespace cpu {

/// \returns true if the CPU backend has a kernel for \p sig (every node
/// kind and element kind the Interpreter runs).
bool isSupportedByCPUBackend(const OpSignature &sig);

/// Plans \p F (optimized, verified, possibly mixed precision) for the CPU
/// backend: chooses each value's layout (plain, or blocked for the
/// convolution chains), fuses activations and conversions into
/// convolutions, packs weights, and places every value in the three
/// regions, reusing activation memory once a value is dead. \p numThreads
/// sizes the per-thread scratch space.
llvm::Expected<KernelProgram> buildKernelProgram(const Function &F,
                                                 unsigned numThreads);

/// Plans a precision-switchable program: \p fp32 and \p int8 are the same
/// optimized graph, in FP32 and with every quantizable layer in INT8 (two
/// Modules, so node names match); \p units are groups of layer names. Each
/// unit gets both its FP32 and its INT8 calls, guarded by a run-time switch
/// (KernelProgram::switchOffset); values cross unit boundaries in FP32
/// (quantized on entry to an INT8 unit with the scale the INT8 graph gives
/// them, dequantized on exit), which reproduces the mixed graph of
/// transformForPrecisionMode bit for bit.
llvm::Expected<KernelProgram>
buildSwitchableKernelProgram(const Function &fp32, const Function &int8,
                             const std::vector<std::vector<std::string>> &units,
                             unsigned numThreads);

} // namespace cpu
} // namespace glow

#endif // GLOW_BACKENDS_CPU_KERNELPROGRAMBUILDER_H
