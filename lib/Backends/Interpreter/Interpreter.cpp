#include "glow/Backends/Interpreter/Interpreter.h"
#include "glow/Backends/Interpreter/InterpreterKernels.h"
#include "glow/Support/Error.h"

#include "llvm/Support/Casting.h"

#include <unordered_map>

namespace glow {

namespace {

/// A Function prepared for the Interpreter: the node order and one tensor
/// per node result, allocated once and reused by every run.
class InterpreterFunction final : public CompiledFunction {
public:
  explicit InterpreterFunction(const Function &F)
      : order_(F.getNodesInTopologicalOrder()) {
    for (const Node *n : order_) {
      auto &results = results_[n];
      for (unsigned r = 0; r < n->getNumResults(); r++) {
        results.emplace_back(n->getType(r));
      }
    }
  }

  llvm::Error execute(PlaceholderBindings &bindings) override {
    std::vector<const Tensor *> ins;
    for (const Node *n : order_) {
      ins.clear();
      for (unsigned i = 0; i < n->getNumInputs(); i++) {
        auto t = lookup(n->getNthInput(i), bindings);
        if (!t) {
          return t.takeError();
        }
        ins.push_back(*t);
      }
      if (auto *save = llvm::dyn_cast<SaveNode>(n)) {
        Tensor *out = bindings.get(save->getPlaceholder());
        if (!out) {
          return makeError("output placeholder '" +
                           save->getPlaceholder()->getName() +
                           "' is not bound");
        }
        std::memcpy(out->getUnsafePtr(), ins[0]->getUnsafePtr(),
                    out->getSizeInBytes());
        continue;
      }
      if (auto err = evaluateNode(*n, ins, results_[n])) {
        return err;
      }
    }
    return llvm::Error::success();
  }

private:
  llvm::Expected<const Tensor *> lookup(NodeValue v,
                                        PlaceholderBindings &bindings) {
    Node *n = v.getNode();
    if (auto *c = llvm::dyn_cast<Constant>(n)) {
      return &c->getPayload();
    }
    if (auto *p = llvm::dyn_cast<Placeholder>(n)) {
      Tensor *t = bindings.get(p);
      if (!t) {
        return makeError("input placeholder '" + p->getName() +
                         "' is not bound");
      }
      if (t->getType() != p->getType()) {
        return makeError("tensor bound to '" + p->getName() + "' is " +
                         t->getType().toString() + ", expected " +
                         p->getType().toString());
      }
      return t;
    }
    return &results_[n][v.resNo];
  }

  std::vector<Node *> order_;
  std::unordered_map<const Node *, std::vector<Tensor>> results_;
};

} // namespace

bool Interpreter::isOpSupported(const OpSignature &sig) const {
  return isSignatureEvaluable(sig);
}

bool Interpreter::canRun(const Node &n) const {
  return n.isStorage() || isNodeEvaluable(n);
}

llvm::Expected<std::unique_ptr<CompiledFunction>>
Interpreter::compile(const Function &F) const {
  for (const Node *n : F.getNodes()) {
    if (!canRun(*n)) {
      return makeError(std::string("the Interpreter cannot run node '") +
                       n->getName().str() + "' (" + n->getKindName() + " on " +
                       n->getType().toString() + ")");
    }
  }
  return std::make_unique<InterpreterFunction>(F);
}

} // namespace glow
