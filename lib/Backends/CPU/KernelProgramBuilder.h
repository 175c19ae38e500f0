#ifndef GLOW_BACKENDS_CPU_KERNELPROGRAMBUILDER_H
#define GLOW_BACKENDS_CPU_KERNELPROGRAMBUILDER_H

#include "KernelProgram.h"

#include "glow/Graph/Graph.h"

#include "llvm/Support/Error.h"

namespace glow {
namespace cpu {

/// \returns true if the CPU backend has a kernel for \p n (every node kind
/// and element kind the Interpreter runs).
bool isSupportedByCPUBackend(const Node &n);

/// Plans \p F (optimized, verified, possibly mixed precision) for the CPU
/// backend: chooses each value's layout (plain, or blocked for the
/// convolution chains), fuses activations and conversions into
/// convolutions, packs weights, and places every value in the three
/// regions, reusing activation memory once a value is dead. \p numThreads
/// sizes the per-thread scratch space.
llvm::Expected<KernelProgram> buildKernelProgram(const Function &F,
                                                 unsigned numThreads);

} // namespace cpu
} // namespace glow

#endif // GLOW_BACKENDS_CPU_KERNELPROGRAMBUILDER_H
