#ifndef GLOW_BACKENDS_CPU_PARALLELCODEGEN_H
#define GLOW_BACKENDS_CPU_PARALLELCODEGEN_H

#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <vector>

namespace glow {
namespace cpu {

/// Optimizes (optimizeModule) and compiles \p M to object files in parts,
/// on up to \p threads threads, each part in its own LLVMContext.
///
/// The roots are the defined functions that are not inlined anyway (the
/// NoInline kernel clones, the worker and its pieces, the entry points);
/// each goes to one part, the biggest first onto the lightest part. Every
/// other function and every read-only global with local linkage is copied
/// into each part that uses it, so the code of a kernel is the same as in
/// one whole module. How many parts depends on the module alone, so the
/// objects are the same whoever compiles them.
///
/// Under mpirun, inside a Communicator::SharedCompileScope (every rank
/// compiling the same module at once), each rank compiles every size-th
/// part and the ranks exchange the objects.
///
/// With \p cacheDir, a part's object file is kept there under the MD5 of
/// what decides it (the part's bitcode, the target, the LLVM version) and
/// read back by a later compile instead of compiling the part again; a
/// damaged file (its own MD5 is checked) is compiled again and replaced.
///
/// \returns one object file per part, in part order.
llvm::Expected<std::vector<std::unique_ptr<llvm::MemoryBuffer>>>
compileInParts(std::unique_ptr<llvm::Module> M,
               const llvm::orc::JITTargetMachineBuilder &jtmb, unsigned threads,
               const std::string &cacheDir = "");

} // namespace cpu
} // namespace glow

#endif // GLOW_BACKENDS_CPU_PARALLELCODEGEN_H
