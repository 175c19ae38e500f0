#ifndef GLOW_BACKENDS_CPU_BUNDLESAVER_H
#define GLOW_BACKENDS_CPU_BUNDLESAVER_H

#include "KernelLibrary.h"
#include "KernelProgram.h"

#include "glow/Backends/CPU/CPUBackend.h"

#include "llvm/Support/Error.h"

namespace glow {
namespace cpu {

/// Writes an ahead-of-time bundle of \p prog (planned for one thread) into
/// opts.outputDir: NAME.o (the code, for the target CPU opts.cpu or the
/// host), NAME.weights.bin (the constant region), NAME.weights.txt (the
/// same bytes as a C initializer list) and NAME.h (Glow's static or dynamic
/// bundle API). \p hostVariant is the kernel variant used when the target
/// is the host. See docs/AOT.md.
llvm::Error saveBundle(const KernelProgram &prog, const BundleOptions &opts,
                       KernelVariant hostVariant);

} // namespace cpu
} // namespace glow

#endif // GLOW_BACKENDS_CPU_BUNDLESAVER_H
