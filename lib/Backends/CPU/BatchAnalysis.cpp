#include "BatchAnalysis.h"

#include "llvm/Support/Casting.h"

#include <algorithm>
#include <vector>

using llvm::isa;

namespace glow {
namespace cpu {

namespace {

/// Marks the batch-carrying values of one Function into a BatchPlan shared
/// by the Functions of a program.
class BatchMarker {
public:
  explicit BatchMarker(BatchPlan &plan) : plan_(plan) {}

  /// Marks the batch-carrying nodes of \p F. \returns false (with
  /// plan_.reason) if some node mixes images.
  bool mark(const Function &F);

private:
  bool fail(const Node &n, const std::string &why) {
    plan_.reason = "'" + n.getName().str() + "' (" + n.getKindName() + ") " +
                   why + " in function '" + F_->getName().str() + "'";
    return false;
  }

  BatchPlan &plan_;
  const Function *F_{nullptr};
};

bool BatchMarker::mark(const Function &F) {
  F_ = &F;
  int64_t &batch = plan_.batch;
  // The batch: the first dimension of the placeholders the graph reads.
  for (Placeholder *ph : F.getParent().getPlaceholders()) {
    bool read = false;
    for (auto &u : F.getUsers(ph)) {
      read |= !isa<SaveNode>(u.first);
    }
    if (!read) {
      continue;
    }
    if (ph->dims().empty() || (batch && int64_t(ph->dims()[0]) != batch)) {
      return fail(*ph, "has no batch dimension, or another batch");
    }
    batch = ph->dims()[0];
    plan_.batched.insert(ph);
  }
  for (const Node *n : F.getNodesInTopologicalOrder()) {
    if (n->isStorage()) {
      continue;
    }
    // The operands that carry images; the others are weights, indices ...
    std::vector<unsigned> data = {0};
    if (n->getKindInfo().images == ImageOperands::All) {
      for (unsigned i = 1; i < n->getNumInputs(); i++) {
        data.push_back(i);
      }
    }
    bool any = false;
    for (unsigned i = 0; i < n->getNumInputs(); i++) {
      bool isData = std::find(data.begin(), data.end(), i) != data.end();
      bool b = plan_.isBatched(n->getNthInput(i).getNode());
      if (b && !isData) {
        return fail(*n,
                    "reads images in a weight operand " + std::to_string(i));
      }
      any |= b;
    }
    if (!any) {
      continue;
    }
    for (unsigned i : data) {
      if (!plan_.isBatched(n->getNthInput(i).getNode())) {
        return fail(*n, "combines images with operand " + std::to_string(i) +
                            ", which is not per image");
      }
    }
    if (auto *save = llvm::dyn_cast<SaveNode>(n)) {
      if (save->getPlaceholder()->dims().empty() ||
          int64_t(save->getPlaceholder()->dims()[0]) != batch) {
        return fail(*n, "writes an output whose first dimension is not "
                        "the batch of " +
                            std::to_string(batch));
      }
      plan_.batched.insert(save->getPlaceholder());
      continue;
    }
    if (n->getNumResults() != 1 || n->dims().empty() ||
        int64_t(n->dims()[0]) != batch) {
      return fail(*n, "has a result whose first dimension is not the "
                      "batch of " +
                          std::to_string(batch));
    }
    if (mayMixImages(*n)) {
      return fail(*n, "mixes the images of the batch");
    }
    plan_.batched.insert(n);
  }
  return true;
}

} // namespace

BatchPlan analyzeBatch(const Function &F, const Function *int8) {
  BatchPlan plan;
  BatchMarker marker(plan);
  plan.separable = marker.mark(F) && (!int8 || marker.mark(*int8));
  if (!plan.separable) {
    plan.batched.clear();
  }
  return plan;
}

} // namespace cpu
} // namespace glow
