#include "glow/Lowering/Lowering.h"
#include "glow/Optimizer/Optimizer.h"
#include "glow/Support/Diagnostics.h"
#include "glow/Support/Error.h"

#include "llvm/Support/Casting.h"

namespace glow {

using Kind = Node::Kind;
using llvm::cast;

namespace {

/// Builds the primitives that replace one node: names derive from the
/// node's, layer names are the node's.
class Lowerer {
public:
  Lowerer(Function *F, Node *n) : F_(F), n_(n), name_(n->getName().str()) {}

  /// \returns the value that replaces \p n_'s result, or an error.
  llvm::Expected<NodeValue> lower() {
    switch (n_->getKind()) {
    case Kind::HardSigmoidKind: {
      // max(0, min(1, alpha * x + beta)).
      auto *hs = cast<HardSigmoidNode>(n_);
      NodeValue x = hs->getInput();
      NodeValue ax =
          binary(Kind::MulKind, "mul", x, splat("alpha", hs->getAlpha(), x));
      NodeValue y =
          binary(Kind::AddKind, "add", ax, splat("beta", hs->getBeta(), x));
      return layer(F_->createClip(name_ + ".clip", y, 0.f, 1.f));
    }
    case Kind::HardSwishKind: {
      // x * HardSigmoid(x) with alpha 1/6, beta 1/2 (ONNX HardSwish); the
      // HardSigmoid is lowered in the next round.
      NodeValue x = n_->getNthInput(0);
      Node *gate = layer(F_->addNode(std::make_unique<HardSigmoidNode>(
          name_ + ".gate", x.getType(), x, 1.f / 6.f, 0.5f)));
      return binary(Kind::MulKind, "mul", x, gate);
    }
#define DEF_NODE(CLASS, NAME, FAMILY, INT8, IMAGES, BATCH, EPILOGUE, LOWERING) \
  GLOW_UNLESS_##LOWERING(case Kind::NAME##Kind:)
#include "glow/Graph/Nodes.def"
    break;
    }
    return makeError(std::string("no lowering for ") + n_->getKindName() +
                     " (node '" + name_ + "')");
  }

private:
  /// \returns \p n with the layer name of the node being lowered.
  Node *layer(Node *n) {
    n->setLayerName(n_->getLayerName());
    return n;
  }
  /// \returns \p v broadcast to the shape of \p like.
  NodeValue splat(const char *what, float v, NodeValue like) {
    Tensor t(like.getElementType(), {1});
    t.getHandle<float>().raw(0) = v;
    Constant *c =
        F_->getParent().createConstant(name_ + "." + what, std::move(t));
    return layer(
        F_->createBroadcast(name_ + "." + what + ".broadcast", c, like.dims()));
  }
  NodeValue binary(Kind k, const char *what, NodeValue a, NodeValue b) {
    return layer(F_->createArithmetic(k, name_ + "." + what, a, b));
  }

  Function *F_;
  Node *n_;
  std::string name_;
};

} // namespace

llvm::Expected<unsigned> lowerFunction(Function *F) {
  ScopedPhaseTimer timer("lowering");
  unsigned lowered = 0;
  // A lowering may produce lowered kinds (HardSwish makes a HardSigmoid):
  // repeat until none is left.
  for (bool again = true; again;) {
    again = false;
    for (Node *n : F->getNodesInTopologicalOrder()) {
      if (n->getKindInfo().lowering != Lowering::Lowered) {
        continue;
      }
      auto v = Lowerer(F, n).lower();
      if (!v) {
        return v.takeError();
      }
      VLOG(2) << "lowering: " << n->getName().str() << " (" << n->getKindName()
              << ") -> " << v->getNode()->getKindName() << " '"
              << v->getNode()->getName().str() << "'";
      F->replaceAllUsesOfWith(NodeValue(n, 0), *v);
      lowered++;
      again = true;
    }
    eliminateDeadCode(F);
  }
  return lowered;
}

} // namespace glow
