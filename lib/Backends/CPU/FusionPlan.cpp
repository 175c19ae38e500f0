#include "FusionPlan.h"
#include "PlannerTypes.h"
#include "WeightPacking.h"
#include "libjit/LibjitLayout.h"

#include "glow/Backends/KernelGeometry.h"
#include "glow/Support/Diagnostics.h"

#include "llvm/Support/Casting.h"

#include <cstring>

using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;

namespace glow {
namespace cpu {

bool isDepthwise(const ConvolutionNode &n) {
  int64_t C = n.getInput().dims()[1], O = n.dims()[1];
  return n.getGroup() > 1 && n.getGroup() == C && O == C &&
         n.getFilter().dims()[1] == 1;
}

bool int8ConvFitsInt32(const ConvolutionNode &n) {
  auto f = n.getFilter().dims();
  int64_t taps = libjit::roundUp(f[1], libjit::kBlock) * f[2] * f[3];
  BlockGrouping bg;
  if (!isDepthwise(n) && blockGroupingOf(n, libjit::kBlock, bg)) {
    taps = bg.Cb * libjit::kBlock * f[2] * f[3];
  }
  const Tensor &b = cast<Constant>(n.getBias().getNode())->getPayload();
  return int8AccumulatorsFit(b, taps);
}

std::optional<FusionPlan::RowOperand>
getRowBroadcast(llvm::ArrayRef<dim_t> in, llvm::ArrayRef<dim_t> out) {
  if (in.size() > out.size()) {
    return std::nullopt;
  }
  // Numpy's alignment: missing leading dimensions are 1.
  std::vector<dim_t> a(out.size() - in.size(), 1);
  a.insert(a.end(), in.begin(), in.end());
  size_t r = out.size();
  // PerRow: a prefix kept, the rest 1 ([N, H, W, 1] -> [N, H, W, C]).
  size_t keep = 0;
  while (keep < r && a[keep] == out[keep]) {
    keep++;
  }
  bool onesAfter = keep < r;
  int64_t len = 1;
  for (size_t j = keep; j < r; j++) {
    onesAfter &= a[j] == 1;
    len *= int64_t(out[j]);
  }
  if (onesAfter && len > 1) {
    return FusionPlan::RowOperand{FusionPlan::RowOperand::PerRow, 0, len,
                                  NodeValue()};
  }
  // SameRow: a suffix kept, 1s before it ([C] -> [N, H, W, C]).
  size_t from = r;
  while (from > 0 && a[from - 1] == out[from - 1]) {
    from--;
  }
  bool onesBefore = from > 0;
  len = 1;
  for (size_t j = 0; j < r; j++) {
    if (j < from) {
      onesBefore &= a[j] == 1;
    } else {
      len *= int64_t(out[j]);
    }
  }
  if (onesBefore && len > 1) {
    return FusionPlan::RowOperand{FusionPlan::RowOperand::SameRow, 0, len,
                                  NodeValue()};
  }
  return std::nullopt;
}

bool hasEqualRows(const Constant &c, int64_t rowLen) {
  const Tensor &t = c.getPayload();
  if (t.getElementType() != ElemKind::FloatTy || rowLen <= 0 ||
      t.size() % size_t(rowLen) != 0) {
    return false;
  }
  const float *p = reinterpret_cast<const float *>(t.getUnsafePtr());
  for (size_t i = size_t(rowLen); i < t.size(); i += size_t(rowLen)) {
    if (std::memcmp(p, p + i, size_t(rowLen) * sizeof(float)) != 0) {
      return false;
    }
  }
  return true;
}

namespace {
/// \returns true if \p n is an FP32 element-wise binary node that a
/// scalar or row operand can replace an input of (with \p pow, Pow too).
bool isFloatBinary(const Node *n, bool pow) {
  Node::Kind k = n->getKind();
  bool binary = k == Node::Kind::AddKind || k == Node::Kind::SubKind ||
                k == Node::Kind::MulKind || k == Node::Kind::DivKind ||
                k == Node::Kind::MaxKind || k == Node::Kind::MinKind ||
                (pow && k == Node::Kind::PowKind);
  return binary && n->getType().getElementType() == ElemKind::FloatTy;
}
} // namespace

const Constant &getOperandConstant(const Node &n, unsigned i) {
  const Node *s = n.getNthInput(i).getNode();
  if (auto *c = dyn_cast<Constant>(s)) {
    return *c;
  }
  return *cast<Constant>(s->getNthInput(0).getNode()); // a Broadcast's
}

float getScalarOperand(const Node &n, unsigned i) {
  return getOperandConstant(n, i).getPayload().getHandle<float>().raw(0);
}

bool isFastConvolution(const ConvolutionNode &n) {
  if (!isa<Constant>(n.getFilter().getNode()) ||
      !isa<Constant>(n.getBias().getNode()) || n.dims().size() != 4) {
    return false;
  }
  BlockGrouping bg;
  if (!isDepthwise(n) && !blockGroupingOf(n, libjit::kBlock, bg)) {
    return false;
  }
  if (n.getType().isQuantized()) {
    return isInt8(n.getType()) && int8ConvFitsInt32(n);
  }
  return true;
}

namespace {
void logFusion(const Node *fused, const Node *conv, const char *how) {
  VLOG(2) << "fused " << fused->getKindName() << " '" << fused->getName().str()
          << "' into " << conv->getKindName() << " '" << conv->getName().str()
          << "' (" << how << ")";
}
} // namespace

void planFusions(const Function &F, const UnitPlan &units, FusionPlan &plan) {
  bool switchable = units.isSwitchable();
  for (const Node *n : F.getNodes()) {
    auto *conv = dyn_cast<ConvolutionNode>(n);
    if (!conv) {
      continue;
    }
    if (!isFastConvolution(*conv)) {
      VLOG(2) << "Convolution '" << conv->getName().str()
              << "' runs on the plain kernel (not blocked)";
      continue;
    }
    ConvFusion fu;
    bool q = conv->getType().isQuantized();
    NodeValue last = valueOf(conv);
    const Node *u = singleUser(F, last);
    if (u && (isa<ReluNode>(u) || isa<ClipNode>(u)) &&
        u->getType().isQuantized() == q &&
        (!switchable || units.unitOf(u) == units.unitOf(conv)) &&
        (!q || makeQuantizationTransform(double(conv->getType().getScale()) /
                                         u->getType().getScale())
                       .shift >= 1)) {
      fu.act = u;
      last = valueOf(u);
      u = singleUser(F, last);
    }
    if (!switchable && u &&
        ((!q && isa<QuantizeNode>(u) && isInt8(u->getType())) ||
         (q && isa<DequantizeNode>(u)))) {
      fu.conversion = u;
    }
    if (fu.act) {
      plan.fusedInto[fu.act] = conv;
      logFusion(fu.act, conv, "epilogue");
    }
    if (fu.conversion) {
      plan.fusedInto[fu.conversion] = conv;
      logFusion(fu.conversion, conv, "epilogue");
    }
    plan.convs[conv] = fu;
  }
  // A Quantize feeding an INT8 convolution is done while packing its input,
  // unless the convolution before it already does it in its epilogue.
  for (auto &[conv, fu] : plan.convs) {
    const Node *in = conv->getNthInput(0).getNode();
    if (!switchable && conv->getType().isQuantized() && isa<QuantizeNode>(in) &&
        !plan.isFused(in) && singleUser(F, valueOf(in)) == conv) {
      fu.inputQuantize = in;
      plan.fusedInto[in] = conv;
      logFusion(in, conv, "input packing");
    }
  }
  // A Mul by a per-channel gate broadcast over the plane reads the gate
  // per channel: the broadcast copy is not made.
  for (const Node *n : F.getNodes()) {
    if (n->getKind() != Node::Kind::MulKind || n->dims().size() != 4) {
      continue;
    }
    for (unsigned i = 0; i < 2; i++) {
      auto *b = dyn_cast<BroadcastNode>(n->getNthInput(i).getNode());
      if (!b || singleUser(F, valueOf(b)) != n ||
          n->getNthInput(1 - i).dims() != n->dims() ||
          (switchable && units.unitOf(b) != units.unitOf(n))) {
        continue;
      }
      auto g = b->getInput().dims(), d = n->dims();
      if (g.size() == 4 && g[0] == d[0] && g[1] == d[1] && g[2] == 1 &&
          g[3] == 1) {
        plan.channelGates[n] = i;
        plan.fusedInto[b] = n;
        logFusion(b, n, "per-channel gate");
        break;
      }
    }
  }
  // A Relu/Clip of the same type after an INT8 Add, Sub or Mul (ResNet's
  // residual Add and Relu): clamped as the result is written.
  for (const Node *n : F.getNodes()) {
    Node::Kind k = n->getKind();
    if ((k != Node::Kind::AddKind && k != Node::Kind::SubKind &&
         k != Node::Kind::MulKind) ||
        !isInt8(n->getType()) || plan.channelGates.count(n)) {
      continue;
    }
    const Node *u = singleUser(F, valueOf(n));
    if (u && (isa<ReluNode>(u) || isa<ClipNode>(u)) &&
        u->getType() == n->getType() &&
        (!switchable || units.unitOf(u) == units.unitOf(n))) {
      plan.binaryActs[n] = u;
      plan.fusedInto[u] = n;
      logFusion(u, n, "clamp on write");
    }
  }
  // x * f(x) where only the Mul reads f(x): the Mul computes f itself.
  for (const Node *n : F.getNodes()) {
    if (n->getKind() != Node::Kind::MulKind || plan.channelGates.count(n) ||
        plan.binaryActs.count(n)) {
      continue;
    }
    for (unsigned i = 0; i < 2; i++) {
      const Node *g = n->getNthInput(i).getNode();
      NodeValue x = n->getNthInput(1 - i);
      bool q = isInt8(n->getType());
      bool gate = q ? isa<IntLookupTableNode>(g) && isInt8(x.getType()) &&
                          isInt8(g->getType()) &&
                          isa<Constant>(g->getNthInput(1).getNode())
                    : isa<SigmoidNode>(g) &&
                          n->getType().getElementType() == ElemKind::FloatTy;
      if (!gate || g->getNthInput(0) != x || x.dims() != n->dims() ||
          singleUser(F, valueOf(g)) != n ||
          (switchable && units.unitOf(g) != units.unitOf(n))) {
        continue;
      }
      plan.selfGates[n] = g;
      plan.fusedInto[g] = n;
      logFusion(g, n, "gate of its own operand");
      break;
    }
  }
  // A bias added to a MatMul by constant weights.
  for (const Node *n : F.getNodes()) {
    if (n->getKind() != Node::Kind::AddKind ||
        n->getType().getElementType() != ElemKind::FloatTy || plan.isFused(n)) {
      continue;
    }
    for (unsigned i = 0; i < 2; i++) {
      const Node *p = n->getNthInput(1 - i).getNode();
      const Node *mm = isa<ReshapeNode>(p) ? p->getNthInput(0).getNode() : p;
      if (!isa<MatMulNode>(mm) ||
          !isa<Constant>(mm->getNthInput(1).getNode()) ||
          mm->getType().getElementType() != ElemKind::FloatTy ||
          singleUser(F, valueOf(mm)) != (p == mm ? n : p) ||
          (p != mm && singleUser(F, valueOf(p)) != n) ||
          n->getNthInput(1 - i).dims() != n->dims() ||
          (switchable && units.unitOf(mm) != units.unitOf(n))) {
        continue;
      }
      int64_t M = int64_t(mm->dims()[1]);
      if (n->dims().back() != dim_t(M)) {
        continue;
      }
      const Node *s = n->getNthInput(i).getNode();
      bool row = false;
      if (auto *c = dyn_cast<Constant>(s)) {
        row = hasEqualRows(*c, M);
      } else if (auto *b = dyn_cast<BroadcastNode>(s)) {
        auto r = getRowBroadcast(b->getInput().dims(), n->dims());
        row = isa<Constant>(b->getInput().getNode()) &&
              singleUser(F, valueOf(b)) == n && r &&
              r->mode == FusionPlan::RowOperand::SameRow && r->rowLen == M;
        if (row) {
          plan.fusedInto[b] = n;
        }
      }
      if (row) {
        plan.matMulBiases[n] = {mm, i};
        plan.biasAddOf[mm] = n;
        logFusion(n, mm, "bias");
        break;
      }
    }
  }
  // An FP32 binary node with an operand broadcast from one constant value.
  for (const Node *n : F.getNodes()) {
    if (!isFloatBinary(n, true) || plan.isFused(n) ||
        plan.channelGates.count(n) || plan.selfGates.count(n) ||
        plan.matMulBiases.count(n)) {
      continue;
    }
    for (unsigned i = 0; i < 2; i++) {
      if (n->getNthInput(1 - i).dims() != n->dims()) {
        continue;
      }
      const Node *s = n->getNthInput(i).getNode();
      // A constant of one value (a broadcast the optimizer folded): read
      // as that value; the constant itself emits nothing.
      if (isa<Constant>(s) && hasEqualRows(*cast<Constant>(s), 1)) {
        plan.scalarOperands[n] = i;
        break;
      }
      auto *b = dyn_cast<BroadcastNode>(s);
      if (!b || !isa<Constant>(b->getInput().getNode()) ||
          b->getInput().getType().size() != 1 ||
          singleUser(F, valueOf(b)) != n ||
          (switchable && units.unitOf(b) != units.unitOf(n))) {
        continue;
      }
      plan.scalarOperands[n] = i;
      plan.fusedInto[b] = n;
      logFusion(b, n, "scalar operand");
      break;
    }
  }
  // An FP32 binary node with an operand broadcast along rows.
  for (const Node *n : F.getNodes()) {
    if (!isFloatBinary(n, false) || plan.isFused(n) ||
        plan.channelGates.count(n) || plan.selfGates.count(n) ||
        plan.scalarOperands.count(n) || plan.matMulBiases.count(n)) {
      continue;
    }
    auto d = n->dims();
    for (unsigned i = 0; i < 2; i++) {
      if (n->getNthInput(1 - i).dims() != d) {
        continue;
      }
      std::optional<FusionPlan::RowOperand> r;
      const Node *s = n->getNthInput(i).getNode();
      if (auto *b = dyn_cast<BroadcastNode>(s)) {
        if (singleUser(F, valueOf(b)) == n &&
            (!switchable || units.unitOf(b) == units.unitOf(n))) {
          r = getRowBroadcast(b->getInput().dims(), d);
          // Only along the last axis (LayerNorm's statistics, a bias over
          // pixels): a broadcast over H x W of an NCHW value would take a
          // blocked operand back to the plain layout.
          if (r && r->rowLen != int64_t(d.back())) {
            r = std::nullopt;
          }
          if (r) {
            r->value = b->getInput();
            plan.fusedInto[b] = n;
            logFusion(b, n, "row operand");
          }
        }
      } else if (auto *c = dyn_cast<Constant>(s)) {
        int64_t rowLen = d.empty() ? 0 : int64_t(d.back());
        if (rowLen > 1 && c->getType().size() > size_t(rowLen) &&
            hasEqualRows(*c, rowLen)) {
          r = FusionPlan::RowOperand{FusionPlan::RowOperand::SameRow, 0, rowLen,
                                     NodeValue()};
        }
      }
      if (r) {
        r->input = i;
        plan.rowOperands[n] = *r;
        break;
      }
    }
  }
  // GELU: Mul(Mul(x, Add(Erf(Div(x, c)), 1)), 0.5), the Muls and the Add
  // either way round, each node read only by the next.
  auto scalarIs = [&](const Node *n, Node::Kind k, float v) {
    auto it = plan.scalarOperands.find(n);
    return n->getKind() == k && it != plan.scalarOperands.end() &&
           getScalarOperand(*n, it->second) == v;
  };
  auto onlyFeeds = [&](const Node *n, const Node *user) {
    return singleUser(F, valueOf(n)) == user && !plan.isFused(n) &&
           (!switchable || units.unitOf(n) == units.unitOf(user));
  };
  for (const Node *n : F.getNodes()) {
    if (!scalarIs(n, Node::Kind::MulKind, 0.5f) || plan.isFused(n)) {
      continue;
    }
    const Node *m = n->getNthInput(1 - plan.scalarOperands.at(n)).getNode();
    if (m->getKind() != Node::Kind::MulKind || !onlyFeeds(m, n) ||
        plan.scalarOperands.count(m) || plan.channelGates.count(m) ||
        plan.selfGates.count(m)) {
      continue;
    }
    for (unsigned j = 0; j < 2; j++) {
      const Node *a = m->getNthInput(j).getNode();
      NodeValue x = m->getNthInput(1 - j);
      if (!scalarIs(a, Node::Kind::AddKind, 1.f) || !onlyFeeds(a, m)) {
        continue;
      }
      const Node *e = a->getNthInput(1 - plan.scalarOperands.at(a)).getNode();
      if (e->getKind() != Node::Kind::ErfKind || !onlyFeeds(e, a)) {
        continue;
      }
      const Node *d = e->getNthInput(0).getNode();
      auto sd = plan.scalarOperands.find(d);
      if (d->getKind() != Node::Kind::DivKind ||
          sd == plan.scalarOperands.end() || sd->second != 1 ||
          d->getNthInput(0) != x || !onlyFeeds(d, e)) {
        continue;
      }
      plan.gelus[n] = {x, getScalarOperand(*d, 1)};
      for (const Node *f : {m, a, e, d}) {
        plan.fusedInto[f] = n;
        logFusion(f, n, "GELU");
      }
      break;
    }
  }
}

} // namespace cpu
} // namespace glow
