#include "glow/Backends/CPU/CPUBackend.h"
#include "BundleSaver.h"
#include "CPUFunction.h"
#include "KernelLibrary.h"
#include "KernelProgramBuilder.h"

#include "glow/Backends/Interpreter/InterpreterKernels.h"
#include "glow/Support/Diagnostics.h"
#include "glow/Support/Error.h"

#include <cstdlib>
#include <thread>

namespace glow {

llvm::Expected<std::unique_ptr<CPUBackend>>
CPUBackend::create(const BackendOptions &options) {
  std::string name = options.get("cpu-kernels");
  if (name.empty()) {
    if (const char *env = std::getenv("GLOW_CPU_KERNELS")) {
      name = env;
    }
  }
  auto variant = cpu::parseKernelVariant(name, cpu::chooseHostKernelVariant());
  if (!variant) {
    return variant.takeError();
  }
  unsigned threads = options.numThreads;
  if (threads == 0) {
    threads = std::max(1u, std::thread::hardware_concurrency());
  }
  return std::unique_ptr<CPUBackend>(
      new CPUBackend(threads, int(*variant), options.get("cpu-compile-cache")));
}

std::string CPUBackend::getKernelVariantName() const {
  return cpu::getKernelVariantName(cpu::KernelVariant(variant_));
}

bool CPUBackend::isOpSupported(const OpSignature &sig) const {
  return cpu::isSupportedByCPUBackend(sig);
}

bool CPUBackend::canRun(const Node &n) const {
  return n.isStorage() || isNodeEvaluable(n);
}

llvm::Expected<std::unique_ptr<CompiledFunction>>
CPUBackend::compile(const Function &F) const {
  auto prog = [&] {
    ScopedPhaseTimer timer("CPU: kernel planning");
    return cpu::buildKernelProgram(F, numThreads_);
  }();
  if (!prog) {
    return prog.takeError();
  }
  std::vector<const Placeholder *> phs;
  for (auto &slot : prog->placeholders) {
    phs.push_back(F.getParent().getPlaceholderByName(slot.name));
  }
  auto fn =
      cpu::CPUFunction::create(std::move(*prog), std::move(phs),
                               cpu::KernelVariant(variant_), compileCache_);
  if (!fn) {
    return fn.takeError();
  }
  return std::unique_ptr<CompiledFunction>(std::move(*fn));
}

llvm::Expected<std::unique_ptr<SwitchableFunction>>
CPUBackend::compileSwitchable(
    const Function &fp32, const Function &int8,
    const std::vector<std::vector<std::string>> &units) const {
  auto prog = cpu::buildSwitchableKernelProgram(fp32, int8, units, numThreads_);
  if (!prog) {
    return prog.takeError();
  }
  std::vector<const Placeholder *> phs;
  for (auto &slot : prog->placeholders) {
    phs.push_back(fp32.getParent().getPlaceholderByName(slot.name));
  }
  auto fn =
      cpu::CPUFunction::create(std::move(*prog), std::move(phs),
                               cpu::KernelVariant(variant_), compileCache_);
  if (!fn) {
    return fn.takeError();
  }
  return std::unique_ptr<SwitchableFunction>(std::move(*fn));
}

llvm::Error CPUBackend::saveBundle(const Function &F,
                                   const BundleOptions &opts) const {
  auto prog = cpu::buildKernelProgram(F, 1);
  if (!prog) {
    return prog.takeError();
  }
  return cpu::saveBundle(*prog, opts, cpu::KernelVariant(variant_));
}

} // namespace glow
