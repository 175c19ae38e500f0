#include "KernelLibrary.h"

#include "glow/Support/Error.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Host.h"

// Defined by the generated LibjitBitcode.S (see CMakeLists.txt).
extern "C" const char glow_libjit_generic[], glow_libjit_generic_end[];
extern "C" const char glow_libjit_avx2[], glow_libjit_avx2_end[];
extern "C" const char glow_libjit_avx512[], glow_libjit_avx512_end[];

namespace glow {
namespace cpu {

llvm::StringRef getKernelBitcode(KernelVariant v) {
  switch (v) {
  case KernelVariant::Generic:
    return {glow_libjit_generic,
            size_t(glow_libjit_generic_end - glow_libjit_generic)};
  case KernelVariant::AVX2:
    return {glow_libjit_avx2, size_t(glow_libjit_avx2_end - glow_libjit_avx2)};
  case KernelVariant::AVX512:
    return {glow_libjit_avx512,
            size_t(glow_libjit_avx512_end - glow_libjit_avx512)};
  }
  return {};
}

const char *getKernelVariantName(KernelVariant v) {
  switch (v) {
  case KernelVariant::Generic:
    return "generic";
  case KernelVariant::AVX2:
    return "avx2";
  case KernelVariant::AVX512:
    return "avx512";
  }
  return "?";
}

const char *getKernelVariantCPU(KernelVariant v) {
  switch (v) {
  case KernelVariant::Generic:
    return "x86-64";
  case KernelVariant::AVX2:
    return "x86-64-v3";
  case KernelVariant::AVX512:
    return "x86-64-v4";
  }
  return "x86-64";
}

KernelVariant
chooseKernelVariant(const std::function<bool(llvm::StringRef)> &hasFeature) {
  auto all = [&](std::initializer_list<const char *> names) {
    for (const char *n : names) {
      if (!hasFeature(n)) {
        return false;
      }
    }
    return true;
  };
  if (all({"avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512vnni", "avx2",
           "fma"})) {
    return KernelVariant::AVX512;
  }
  if (all({"avx2", "fma", "bmi", "bmi2", "f16c", "lzcnt", "movbe"})) {
    return KernelVariant::AVX2;
  }
  return KernelVariant::Generic;
}

KernelVariant chooseHostKernelVariant() {
  llvm::StringMap<bool> has;
  llvm::sys::getHostCPUFeatures(has);
  return chooseKernelVariant([&](llvm::StringRef f) { return has.lookup(f); });
}

llvm::Expected<KernelVariant> parseKernelVariant(llvm::StringRef name,
                                                 KernelVariant fallback) {
  if (name.empty() || name == "auto") {
    return fallback;
  }
  for (auto v :
       {KernelVariant::Generic, KernelVariant::AVX2, KernelVariant::AVX512}) {
    if (name == getKernelVariantName(v)) {
      if (int(v) > int(fallback)) {
        return makeError("kernel variant '" + name +
                         "' needs instructions this CPU lacks (best: " +
                         getKernelVariantName(fallback) + ")");
      }
      return v;
    }
  }
  return makeError("unknown kernel variant '" + name +
                   "' (generic, avx2, avx512, auto)");
}

} // namespace cpu
} // namespace glow
