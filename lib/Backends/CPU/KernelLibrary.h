#ifndef GLOW_BACKENDS_CPU_KERNELLIBRARY_H
#define GLOW_BACKENDS_CPU_KERNELLIBRARY_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <string>

namespace glow {
namespace cpu {

/// The builds of the kernel library embedded in the backend: the same
/// sources compiled by clang-15 for three instruction sets.
enum class KernelVariant {
  Generic, ///< x86-64 (SSE2), 4-wide vectors
  AVX2,    ///< x86-64-v3 (AVX2, FMA), 8-wide
  AVX512,  ///< x86-64-v4 with AVX-512 VNNI, 16-wide, VNNI INT8 dot products
};

/// \returns the LLVM bitcode of variant \p v.
llvm::StringRef getKernelBitcode(KernelVariant v);

/// \returns "generic", "avx2" or "avx512".
const char *getKernelVariantName(KernelVariant v);

/// \returns the -march value the variant was compiled for.
const char *getKernelVariantCPU(KernelVariant v);

/// \returns the best variant a CPU can run; \p hasFeature answers for an
/// LLVM feature name ("avx512vnni" ...).
KernelVariant
chooseKernelVariant(const std::function<bool(llvm::StringRef)> &hasFeature);

/// \returns the best variant the host can run.
KernelVariant chooseHostKernelVariant();

/// Parses a variant name; "" or "auto" means \p fallback.
llvm::Expected<KernelVariant> parseKernelVariant(llvm::StringRef name,
                                                 KernelVariant fallback);

} // namespace cpu
} // namespace glow

#endif // GLOW_BACKENDS_CPU_KERNELLIBRARY_H
