#include "glow/Optimizer/Optimizer.h"
#include "glow/Backends/Interpreter/InterpreterKernels.h"
#include "glow/Support/Diagnostics.h"
#include "glow/Support/Error.h"

#include "llvm/Support/Casting.h"

#include <cmath>
#include <unordered_set>

using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;

namespace glow {

bool eliminateDeadCode(Function *F) {
  bool changed = false;
  bool again = true;
  while (again) {
    again = false;
    std::unordered_set<const Node *> used;
    for (Node *n : F->getNodes()) {
      for (unsigned i = 0; i < n->getNumInputs(); i++) {
        used.insert(n->getNthInput(i).getNode());
      }
    }
    for (Node *n : F->getNodes()) {
      if (!isa<SaveNode>(n) && !used.count(n)) {
        F->eraseNode(n);
        again = changed = true;
      }
    }
  }
  return changed;
}

/// Evaluates \p n, whose inputs are all Constants, into a new Constant.
static llvm::Expected<Constant *> evaluateToConstant(Function *F, Node *n) {
  std::vector<const Tensor *> ins;
  for (unsigned i = 0; i < n->getNumInputs(); i++) {
    ins.push_back(&cast<Constant>(n->getNthInput(i).getNode())->getPayload());
  }
  std::string problem = n->validate();
  if (!problem.empty()) {
    return makeError("node '" + n->getName() + "' (" + n->getKindName() +
                     "): " + problem);
  }
  std::vector<Tensor> outs;
  outs.emplace_back(n->getType());
  if (auto err = evaluateNode(*n, ins, outs)) {
    return std::move(err);
  }
  return F->getParent().createConstant(n->getName().str() + "__folded",
                                       std::move(outs[0]));
}

static bool allInputsConstant(const Node *n) {
  if (n->getNumInputs() == 0) {
    return false;
  }
  for (unsigned i = 0; i < n->getNumInputs(); i++) {
    if (!isa<Constant>(n->getNthInput(i).getNode())) {
      return false;
    }
  }
  return true;
}

llvm::Expected<bool> foldConstants(Function *F) {
  bool changed = false;
  for (Node *n : F->getNodesInTopologicalOrder()) {
    if (isa<SaveNode>(n) || n->getNumResults() != 1 || !allInputsConstant(n) ||
        !isNodeEvaluable(*n)) {
      continue;
    }
    auto c = evaluateToConstant(F, n);
    if (!c) {
      return c.takeError();
    }
    F->replaceAllUsesOfWith(n->getNthResult(0), *c);
    changed = true;
  }
  if (changed) {
    eliminateDeadCode(F);
  }
  return changed;
}

llvm::Expected<Constant *> getConstantValue(Function *F, NodeValue v) {
  Node *n = v.getNode();
  if (auto *c = dyn_cast<Constant>(n)) {
    return c;
  }
  if (n->isStorage() || isa<SaveNode>(n) || n->getNumResults() != 1 ||
      !isNodeEvaluable(*n)) {
    return nullptr;
  }
  for (unsigned i = 0; i < n->getNumInputs(); i++) {
    auto in = getConstantValue(F, n->getNthInput(i));
    if (!in) {
      return in.takeError();
    }
    if (!*in) {
      return nullptr;
    }
    n->setNthInput(i, *in);
  }
  auto c = evaluateToConstant(F, n);
  if (!c) {
    return c.takeError();
  }
  F->replaceAllUsesOfWith(v, *c);
  return *c;
}

bool foldBatchNormIntoConv(Function *F) {
  bool changed = false;
  for (Node *n : F->getNodes()) {
    auto *bn = dyn_cast<BatchNormalizationNode>(n);
    if (!bn || !bn->getType().isFloat()) {
      continue;
    }
    auto *conv = dyn_cast<ConvolutionNode>(bn->getInput().getNode());
    if (!conv || F->getUsers(conv->getNthResult(0)).size() != 1) {
      continue;
    }
    auto *filter = dyn_cast<Constant>(conv->getFilter().getNode());
    auto *bias = dyn_cast<Constant>(conv->getBias().getNode());
    Constant *params[4];
    bool ok = filter && bias;
    for (unsigned i = 0; i < 4 && ok; i++) {
      params[i] = dyn_cast<Constant>(bn->getNthInput(i + 1).getNode());
      ok = params[i] != nullptr;
    }
    if (!ok) {
      continue;
    }
    // y = gamma * (conv(x) + b - mean) / sqrt(var + eps) + beta
    //   = conv_{w * s}(x) + (b - mean) * s + beta, s = gamma / sqrt(var+eps).
    Tensor w = filter->getPayload().clone();
    Tensor b = bias->getPayload().clone();
    std::vector<float> scales = bn->getChannelScales();
    auto beta = params[1]->getPayload().getHandle<float>();
    auto mean = params[2]->getPayload().getHandle<float>();
    auto wh = w.getHandle<float>();
    auto bh = b.getHandle<float>();
    dim_t O = w.dims()[0], perFilter = w.size() / O;
    for (dim_t o = 0; o < O; o++) {
      float s = scales[o];
      for (dim_t i = 0; i < perFilter; i++) {
        wh.raw(o * perFilter + i) *= s;
      }
      bh.raw(o) = (bh.raw(o) - mean.raw(o)) * s + beta.raw(o);
    }
    Module &M = F->getParent();
    conv->setNthInput(1, M.createConstant(filter->getName(), std::move(w)));
    conv->setNthInput(2, M.createConstant(bias->getName(), std::move(b)));
    F->replaceAllUsesOfWith(bn->getNthResult(0), conv->getNthResult(0));
    F->eraseNode(bn);
    changed = true;
  }
  return changed;
}

bool foldPadIntoAvgPool(Function *F) {
  bool changed = false;
  for (Node *n : F->getNodes()) {
    auto *pool = dyn_cast<AvgPoolNode>(n);
    auto *pad = pool ? dyn_cast<PadNode>(pool->getInput().getNode()) : nullptr;
    if (!pad || pad->getMode() != PadNode::Mode::Constant ||
        pad->getValue() != 0.f || !pad->getType().isFloat() ||
        F->getUsers(NodeValue(pad, 0)).size() != 1) {
      continue;
    }
    // [N, C, H, W] begins then ends: H and W alone, each under the kernel.
    const auto &pp = pad->getPads();
    const auto &k = pool->getKernels();
    bool ok = pp.size() == 8 && !pp[0] && !pp[1] && !pp[4] && !pp[5] &&
              pp[2] < k[0] && pp[6] < k[0] && pp[3] < k[1] && pp[7] < k[1];
    for (unsigned v : pool->getPads()) {
      ok &= v == 0;
    }
    if (!ok) {
      continue;
    }
    AvgPoolNode *folded = F->createAvgPool(
        pool->getName().str() + ".padded", pad->getInput(), k,
        pool->getStrides(),
        {unsigned(pp[2]), unsigned(pp[3]), unsigned(pp[6]), unsigned(pp[7])},
        /* countIncludePads */ true);
    if (folded->getType() != pool->getType()) {
      F->eraseNode(folded);
      continue;
    }
    Function::swapNames(folded, pool);
    folded->setLayerName(pool->getLayerName());
    F->replaceAllUsesOfWith(NodeValue(pool, 0), NodeValue(folded, 0));
    changed = true;
  }
  if (changed) {
    eliminateDeadCode(F);
  }
  return changed;
}

bool simplifyReshapes(Function *F) {
  bool changed = false;
  for (Node *n : F->getNodes()) {
    if (auto *fc = dyn_cast<FullyConnectedNode>(n)) {
      auto *rs = dyn_cast<ReshapeNode>(fc->getInput().getNode());
      if (rs && rs->getInput().dims().size() >= 2 &&
          rs->getInput().dims()[0] == rs->dims()[0] && rs->dims().size() == 2) {
        fc->setNthInput(0, rs->getInput());
        changed = true;
      }
    }
  }
  for (Node *n : F->getNodes()) {
    auto *rs = dyn_cast<ReshapeNode>(n);
    if (!rs) {
      continue;
    }
    if (rs->getInput().getType() == rs->getType()) {
      F->replaceAllUsesOfWith(rs->getNthResult(0), rs->getInput());
      changed = true;
    } else if (auto *inner = dyn_cast<ReshapeNode>(rs->getInput().getNode())) {
      rs->setNthInput(0, inner->getInput());
      changed = true;
    }
  }
  if (changed) {
    eliminateDeadCode(F);
  }
  return changed;
}

llvm::Error optimizeFunction(Function *F) {
  ScopedPhaseTimer timer("graph optimizer");
  bool changed = true;
  for (unsigned iter = 0; changed && iter < 16; iter++) {
    size_t before = F->getNodes().size();
    changed = eliminateDeadCode(F);
    auto folded = foldConstants(F);
    if (!folded) {
      return folded.takeError();
    }
    changed |= *folded;
    changed |= foldBatchNormIntoConv(F);
    changed |= foldPadIntoAvgPool(F);
    changed |= simplifyReshapes(F);
    VLOG(1) << "graph optimizer round " << iter << ": " << before << " -> "
            << F->getNodes().size() << " nodes";
  }
  F->getParent().eraseUnusedConstants();
  return llvm::Error::success();
}

} // namespace glow
