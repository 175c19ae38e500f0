#include "LayoutPlan.h"
#include "libjit/LibjitLayout.h"

namespace glow {
namespace cpu {

using Kind = Node::Kind;

uint64_t getLayoutBytes(const Type &t, Layout l) {
  if (l == Layout::Plain) {
    return t.getSizeInBytes();
  }
  auto d = t.dims();
  return uint64_t(d[0]) * libjit::roundUp(d[1], libjit::kBlock) * d[2] * d[3] *
         getElementSize(t.getElementType());
}

int64_t getLayoutElements(const Type &t, Layout l) {
  return getLayoutBytes(t, l) / getElementSize(t.getElementType());
}

bool keepsPaddingLanesFinite(const Node &n) {
  Kind k = n.getKind();
  // Element-wise kinds that map finite values to finite values: the
  // padding lanes of a blocked value stay finite (Exp, Log or Sqrt could
  // make them infinite or NaN, which a zero weight would not cancel).
  return k == Kind::AddKind || k == Kind::SubKind || k == Kind::MulKind ||
         k == Kind::MaxKind || k == Kind::MinKind || k == Kind::ReluKind ||
         k == Kind::ClipKind || k == Kind::LeakyReluKind ||
         (!n.getType().isQuantized() &&
          (k == Kind::SigmoidKind || k == Kind::TanhKind ||
           k == Kind::NegKind)) ||
         k == Kind::IntLookupTableKind ||
         n.getFamily() == NodeFamily::Quantization;
}

Layout getElementwiseLayout(const Node &n, const LayoutPlan &plan) {
  if (!keepsPaddingLanesFinite(n) || n.dims().size() != 4) {
    return Layout::Plain;
  }
  for (unsigned i = 0; i < n.getNumInputs(); i++) {
    if (plan.hasBlocked(n.getNthInput(i))) {
      return Layout::Blocked;
    }
  }
  return Layout::Plain;
}

Layout getPoolLayout(const PoolNode &n, const LayoutPlan &plan) {
  return plan.hasBlocked(n.getInput()) ? Layout::Blocked : Layout::Plain;
}

} // namespace cpu
} // namespace glow
