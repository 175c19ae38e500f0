#include "CPUFunction.h"

#include "LLVMIRGen.h"
#include "ParallelCodegen.h"
#include "glow/Support/Diagnostics.h"

#include "glow/Support/Error.h"

#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/ThreadSafeModule.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <numeric>

namespace glow {
namespace cpu {

AlignedBuffer::AlignedBuffer(uint64_t size) : size_(size) {
  data_.reset(static_cast<uint8_t *>(allocateZeroed(size)));
  if (!data_) {
    llvm::report_fatal_error("out of memory allocating a CPU buffer");
  }
}

namespace {
/// The function being run with profiling, and when its last call ended.
thread_local CPUFunction *profiledFunction = nullptr;
std::chrono::steady_clock::time_point lastTick;

bool profilingRequested() {
  const char *env = std::getenv("GLOW_CPU_PROFILE");
  return env && *env && std::string(env) != "0";
}
} // namespace

/// Called by profiled code after each kernel call (and its barrier).
void profileTick(int32_t call, int32_t tid) {
  if (tid != 0 || !profiledFunction) {
    return;
  }
  auto now = std::chrono::steady_clock::now();
  profiledFunction->profile_[call] +=
      std::chrono::duration<double>(now - lastTick).count();
  lastTick = now;
}

extern "C" void glow_cpu_profile(int32_t call, int32_t tid) {
  profileTick(call, tid);
}

CPUFunction::~CPUFunction() {
  if (profile_.empty() || !profiledRuns_) {
    return;
  }
  double total = 0;
  for (double t : profile_) {
    total += t;
  }
  llvm::errs() << "GLOW_CPU_PROFILE: " << prog_.calls.size() << " calls, "
               << llvm::format("%.3f", 1e3 * total / profiledRuns_)
               << " ms per run (" << profiledRuns_ << " runs)\n";
  for (size_t i = 0; i < profile_.size(); i++) {
    llvm::errs() << llvm::format("%4zu %8.3f ms %5.1f%%  ", i,
                                 1e3 * profile_[i] / profiledRuns_,
                                 100 * profile_[i] / total)
                 << prog_.calls[i].kernel << "  " << prog_.calls[i].layer
                 << "\n";
  }
}

void initializeLLVMTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

llvm::Expected<std::unique_ptr<CPUFunction>>
CPUFunction::create(KernelProgram prog,
                    std::vector<const Placeholder *> placeholders,
                    KernelVariant v, const std::string &compileCache) {
  initializeLLVMTargets();
  auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb) {
    return jtmb.takeError();
  }
  jtmb->setCodeGenOptLevel(llvm::CodeGenOpt::Aggressive);
  auto ctx = std::make_unique<llvm::LLVMContext>();
  bool profile = profilingRequested();
  auto M = [&] {
    ScopedPhaseTimer timer("CPU: LLVM IR generation (" +
                           std::to_string(prog.calls.size()) +
                           " kernel calls)");
    return generateModule(*ctx, prog, v, "glow_main", profile);
  }();
  if (!M) {
    return M.takeError();
  }
  auto objects = [&] {
    ScopedPhaseTimer timer("CPU: LLVM optimization and code generation");
    return compileInParts(std::move(*M), *jtmb,
                          std::max<unsigned>(1, prog.numThreads), compileCache);
  }();
  if (!objects) {
    return objects.takeError();
  }
  auto jit =
      llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(*jtmb).create();
  if (!jit) {
    return jit.takeError();
  }
  auto gen = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      (*jit)->getDataLayout().getGlobalPrefix());
  if (!gen) {
    return gen.takeError();
  }
  (*jit)->getMainJITDylib().addGenerator(std::move(*gen));
  if (profile) {
    llvm::orc::SymbolMap hook;
    hook[(*jit)->mangleAndIntern("glow_cpu_profile")] =
        llvm::JITEvaluatedSymbol(
            llvm::pointerToJITTargetAddress(&glow_cpu_profile),
            llvm::JITSymbolFlags::Exported);
    if (auto err = (*jit)->getMainJITDylib().define(
            llvm::orc::absoluteSymbols(std::move(hook)))) {
      return std::move(err);
    }
  }
  for (auto &object : *objects) {
    if (auto err = (*jit)->addObjectFile(std::move(object))) {
      return std::move(err);
    }
  }
  auto sym = [&] {
    ScopedPhaseTimer timer("CPU: JIT linking");
    return (*jit)->lookup(getWorkerName("glow_main"));
  }();
  if (!sym) {
    return sym.takeError();
  }
  std::unique_ptr<CPUFunction> f(new CPUFunction());
  if (prog.numUnits > 0 && prog.images > 1) {
    auto from = (*jit)->lookup(getCallRangeName("glow_main"));
    if (!from) {
      return from.takeError();
    }
    f->callRange_ = from->toPtr<CallRange>();
  }
  f->jit_ = std::move(*jit);
  f->worker_ = sym->toPtr<Worker>();
  f->constants_ = AlignedBuffer(prog.constants.size());
  if (!prog.constants.empty()) {
    std::memcpy(f->constants_.data(), prog.constants.data(),
                prog.constants.size());
  }
  f->mutable_ = AlignedBuffer(prog.mutableSize);
  f->activations_ = AlignedBuffer(prog.activationsSize *
                                  prog.activationCopies(prog.numThreads));
  f->team_ =
      std::make_unique<WorkerTeam>(std::max<unsigned>(1, prog.numThreads) - 1);
  if (profile) {
    f->profile_.assign(prog.calls.size(), 0.0);
  }
  f->prog_ = std::move(prog);
  f->prog_.constants.clear();
  f->placeholders_ = std::move(placeholders);
  return std::move(f);
}

llvm::Error CPUFunction::setInt8Units(const std::vector<bool> &int8) {
  if (int8.size() != size_t(prog_.numUnits)) {
    return makeError("the function has " + llvm::Twine(prog_.numUnits) +
                     " switchable units, " + llvm::Twine(int8.size()) +
                     " given");
  }
  for (size_t u = 0; u < int8.size(); u++) {
    mutable_.data()[prog_.switchOffset + u] = int8[u] ? 1 : 0;
  }
  return llvm::Error::success();
}

llvm::Error CPUFunction::copyInputs(PlaceholderBindings &bindings) {
  for (size_t i = 0; i < placeholders_.size(); i++) {
    const Placeholder *ph = placeholders_[i];
    Tensor *t = bindings.get(ph);
    if (!t) {
      return makeError("placeholder '" + ph->getName() + "' is not bound");
    }
    if (t->getType() != ph->getType()) {
      return makeError("tensor bound to '" + ph->getName() + "' is " +
                       t->getType().toString() + ", expected " +
                       ph->getType().toString());
    }
    if (!prog_.placeholders[i].isOutput) {
      std::memcpy(mutable_.data() + prog_.placeholders[i].offset,
                  t->getUnsafePtr(), t->getSizeInBytes());
    }
  }
  return llvm::Error::success();
}

llvm::Error CPUFunction::checkStatus() {
  int32_t status = 0;
  uint64_t copies = prog_.activationCopies(prog_.numThreads);
  for (uint64_t c = 0; c < copies && !status; c++) {
    std::memcpy(&status,
                activations_.data() + c * prog_.activationsSize + kStatusOffset,
                sizeof(status));
  }
  if (status != 0) {
    return makeError("the network stopped: a Gather index is out of range");
  }
  return llvm::Error::success();
}

llvm::Error CPUFunction::execute(PlaceholderBindings &bindings) {
  if (auto err = copyInputs(bindings)) {
    return err;
  }
  uint8_t *act = activations_.data();
  uint64_t copies = prog_.activationCopies(prog_.numThreads);
  for (uint64_t c = 0; c < copies; c++) {
    std::memset(act + c * prog_.activationsSize, 0, kReservedActivationBytes);
  }
  int32_t n = int32_t(prog_.numThreads);
  if (!profile_.empty()) {
    profiledFunction = this;
    profiledRuns_++;
    lastTick = std::chrono::steady_clock::now();
  }
  team_->run([&](unsigned tid) {
    worker_(constants_.data(), mutable_.data(), act, int32_t(tid), n);
  });
  profiledFunction = nullptr;
  if (auto err = checkStatus()) {
    return err;
  }
  for (size_t i = 0; i < placeholders_.size(); i++) {
    if (prog_.placeholders[i].isOutput) {
      Tensor *t = bindings.get(placeholders_[i]);
      std::memcpy(t->getUnsafePtr(),
                  mutable_.data() + prog_.placeholders[i].offset,
                  t->getSizeInBytes());
    }
  }
  return llvm::Error::success();
}

llvm::Error CPUFunction::executeConfigurations(
    PlaceholderBindings &bindings, const Placeholder *output,
    const std::vector<std::vector<bool>> &configs,
    std::vector<Tensor> &results) {
  if (!callRange_ || !profile_.empty()) {
    return SwitchableFunction::executeConfigurations(bindings, output, configs,
                                                     results);
  }
  size_t slot = placeholders_.size();
  for (size_t i = 0; i < placeholders_.size(); i++) {
    if (placeholders_[i] == output && prog_.placeholders[i].isOutput) {
      slot = i;
    }
  }
  if (slot == placeholders_.size()) {
    return makeError("'" + output->getName() +
                     "' is not an output of the function");
  }
  size_t numUnits = size_t(prog_.numUnits);
  for (const auto &config : configs) {
    if (config.size() != numUnits) {
      return makeError("the function has " + llvm::Twine(numUnits) +
                       " switchable units, " + llvm::Twine(config.size()) +
                       " given");
    }
  }
  if (auto err = copyInputs(bindings)) {
    return err;
  }
  // Where each configuration leaves the FP32 run: the first call of its
  // first INT8 unit (after the last call when it has none).
  int64_t numCalls = int64_t(prog_.calls.size());
  std::vector<int64_t> start(configs.size(), numCalls);
  std::vector<const KernelProgram::UnitEntry *> entry(configs.size());
  std::vector<std::vector<uint8_t>> switches(configs.size());
  uint64_t maxLive = 0;
  for (size_t k = 0; k < configs.size(); k++) {
    for (size_t u = 0; u < numUnits; u++) {
      switches[k].push_back(configs[k][u] ? 1 : 0);
      const auto &e = prog_.unitEntries[u];
      if (configs[k][u] && e.firstCall < start[k]) {
        start[k] = e.firstCall;
        entry[k] = &e;
      }
    }
    uint64_t live = 0;
    if (entry[k]) {
      for (auto [begin, end] : entry[k]->live) {
        live += end - begin;
      }
    }
    maxLive = std::max(maxLive, live);
  }
  std::vector<size_t> order(configs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return start[a] < start[b]; });
  results.clear();
  for (size_t k = 0; k < configs.size(); k++) {
    results.emplace_back(output->getType());
  }
  const std::vector<uint8_t> fp32(numUnits, 0);
  const uint8_t *outRows = mutable_.data() + prog_.placeholders[slot].offset;
  uint64_t rowBytes = output->getType().getSizeInBytes() / prog_.images;
  unsigned threads = prog_.numThreads;
  auto runShare = [&](unsigned t) {
    uint8_t *act = activations_.data() + t * prog_.activationsSize;
    std::memset(act, 0, kReservedActivationBytes);
    std::vector<uint8_t> saved(maxLive);
    int64_t first = prog_.images * t / threads;
    int64_t last = prog_.images * (t + 1) / threads;
    for (int64_t image = first; image < last; image++) {
      int64_t done = 0; // calls of the FP32 run so far
      for (size_t i = 0; i < order.size(); i++) {
        size_t k = order[i];
        if (done < start[k]) {
          callRange_(constants_.data(), mutable_.data(), act, image,
                     int32_t(done), int32_t(start[k]), fp32.data());
          done = start[k];
        }
        // Later configurations go on from the FP32 run: keep what it
        // needs while this one overwrites the activations.
        bool keep = entry[k] && i + 1 < order.size();
        if (keep) {
          uint8_t *p = saved.data();
          for (auto [begin, end] : entry[k]->live) {
            std::memcpy(p, act + begin, end - begin);
            p += end - begin;
          }
        }
        if (start[k] < numCalls) {
          callRange_(constants_.data(), mutable_.data(), act, image,
                     int32_t(start[k]), int32_t(numCalls), switches[k].data());
        }
        std::memcpy(results[k].getUnsafePtr() + image * rowBytes,
                    outRows + image * rowBytes, rowBytes);
        if (keep) {
          const uint8_t *p = saved.data();
          for (auto [begin, end] : entry[k]->live) {
            std::memcpy(act + begin, p, end - begin);
            p += end - begin;
          }
        }
      }
    }
  };
  team_->run(runShare);
  if (auto err = checkStatus()) {
    return err;
  }
  return configs.empty() ? llvm::Error::success()
                         : setInt8Units(configs.back());
}

} // namespace cpu
} // namespace glow
