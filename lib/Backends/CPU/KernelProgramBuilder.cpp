// The CPU planner's driver: runs its passes in order.
//   1. BatchAnalysis: may the program run image by image?
//   2. UnitPlan: the units of a precision-switchable program and the
//      emission order.
//   3. FusionPlan: fast convolutions and what they absorb.
//   4. KernelEmitter: the calls, node by node, choosing layouts as it goes
//      (LayoutPlan).
//   5. MemoryPlanner: buffer lifetimes and offsets, the regions' sizes.

#include "KernelProgramBuilder.h"
#include "BatchAnalysis.h"
#include "FusionPlan.h"
#include "KernelEmitter.h"
#include "UnitPlan.h"

#include "glow/Backends/Interpreter/InterpreterKernels.h"
#include "glow/Support/Diagnostics.h"
#include "glow/Support/Error.h"

#include <algorithm>

namespace glow {
namespace cpu {

bool isSupportedByCPUBackend(const OpSignature &sig) {
  // The CPU backend implements every kernel of the reference backend.
  return isSignatureEvaluable(sig);
}

namespace {

/// Logs what batch analysis found and how the program runs the batch.
void logBatchPlan(const BatchPlan &b, unsigned numThreads) {
  if (!VLOG_IS_ON(1)) {
    return;
  }
  std::string how = b.separable ? "separable" : "not separable: " + b.reason;
  std::string loop;
  if (b.loopsOverImages(numThreads)) {
    loop = "the program loops over the images";
  } else if (!b.separable) {
    loop = "the calls process the whole batch";
  } else if (b.batch < 2) {
    loop = "the calls process the whole batch (fewer than two images)";
  } else {
    loop = "the calls process the whole batch (the images do not split "
           "evenly over " +
           std::to_string(numThreads) + " threads)";
  }
  VLOG(1) << "batch analysis: batch " << b.batch << ", " << how << "; " << loop;
}

/// Plans \p F; with \p int8 and \p unitNames, a precision-switchable
/// program.
llvm::Expected<KernelProgram>
plan(const Function &F, unsigned numThreads, const Function *int8,
     const std::vector<std::vector<std::string>> *unitNames) {
  numThreads = std::max(1u, numThreads);
  BatchPlan batch = analyzeBatch(F, int8);
  bool perImage = batch.loopsOverImages(numThreads);
  logBatchPlan(batch, numThreads);
  UnitPlan units;
  if (int8) {
    auto u = UnitPlan::create(F, *int8, *unitNames);
    if (!u) {
      return u.takeError();
    }
    units = std::move(*u);
  }
  FusionPlan fusions;
  planFusions(F, units, fusions);
  if (int8) {
    planFusions(*int8, units, fusions);
  }
  auto order = getEmissionOrder(F, units);
  if (!order) {
    return order.takeError();
  }
  KernelEmitter emitter(F, int8, numThreads, batch, perImage, units, fusions);
  for (const Node *n : *order) {
    if (!n->isStorage() && !isNodeEvaluable(*n)) {
      return makeError(std::string("the CPU backend cannot run node '") +
                       n->getName().str() + "' (" + n->getKindName() + " on " +
                       n->getType().toString() + ")");
    }
    if (auto err = emitter.emitNode(*n)) {
      return std::move(err);
    }
  }
  return emitter.finish();
}

} // namespace

llvm::Expected<KernelProgram> buildKernelProgram(const Function &F,
                                                 unsigned numThreads) {
  return plan(F, numThreads, nullptr, nullptr);
}

llvm::Expected<KernelProgram>
buildSwitchableKernelProgram(const Function &fp32, const Function &int8,
                             const std::vector<std::vector<std::string>> &units,
                             unsigned numThreads) {
  return plan(fp32, numThreads, &int8, &units);
}

} // namespace cpu
} // namespace glow
