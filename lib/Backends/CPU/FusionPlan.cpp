#include "FusionPlan.h"
#include "PlannerTypes.h"
#include "WeightPacking.h"
#include "libjit/LibjitLayout.h"

#include "glow/Backends/Interpreter/InterpreterKernels.h"
#include "glow/Backends/KernelGeometry.h"
#include "glow/Support/Diagnostics.h"

#include "llvm/Support/Casting.h"

#include <algorithm>
#include <cstring>
#include <set>

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
  if (rowLen <= 0 || t.size() % size_t(rowLen) != 0) {
    return false;
  }
  const char *p = t.getUnsafePtr();
  size_t row = size_t(rowLen) * getElementSize(t.getElementType());
  for (size_t i = row; i < t.getSizeInBytes(); i += row) {
    if (std::memcmp(p, p + i, row) != 0) {
      return false;
    }
  }
  return true;
}

namespace {
/// \returns true if \p k is an element-wise binary arithmetic kind.
bool isBinaryKind(Node::Kind k) {
  return k == Node::Kind::AddKind || k == Node::Kind::SubKind ||
         k == Node::Kind::MulKind || k == Node::Kind::DivKind ||
         k == Node::Kind::MaxKind || k == Node::Kind::MinKind ||
         k == Node::Kind::PowKind;
}

/// \returns true if \p n is an FP32 element-wise binary node that a
/// scalar or row operand can replace an input of (with \p pow, Pow too).
bool isFloatBinary(const Node *n, bool pow) {
  Node::Kind k = n->getKind();
  return isBinaryKind(k) && (pow || k != Node::Kind::PowKind) &&
         n->getType().getElementType() == ElemKind::FloatTy;
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

namespace {
/// \returns true if a node of kind \p k computes each element of its
/// result from the same element of each input.
bool isElementwiseKind(Node::Kind k) {
  switch (k) {
  case Node::Kind::AddKind:
  case Node::Kind::SubKind:
  case Node::Kind::MulKind:
  case Node::Kind::DivKind:
  case Node::Kind::MaxKind:
  case Node::Kind::MinKind:
  case Node::Kind::PowKind:
  case Node::Kind::ReluKind:
  case Node::Kind::ClipKind:
  case Node::Kind::LeakyReluKind:
  case Node::Kind::SigmoidKind:
  case Node::Kind::TanhKind:
  case Node::Kind::ExpKind:
  case Node::Kind::LogKind:
  case Node::Kind::SqrtKind:
  case Node::Kind::NegKind:
  case Node::Kind::AbsKind:
  case Node::Kind::ErfKind:
  case Node::Kind::QuantizeKind:
  case Node::Kind::DequantizeKind:
  case Node::Kind::RescaleQuantizedKind:
  case Node::Kind::IntLookupTableKind:
    return true;
  default:
    return false;
  }
}

/// \returns the constant of one value that \p s is, or that \p s
/// broadcasts; null if neither.
const Constant *getUniformConstant(const Node *s) {
  if (auto *b = dyn_cast<BroadcastNode>(s)) {
    s = b->getInput().getNode();
  }
  auto *c = dyn_cast<Constant>(s);
  return c && hasEqualRows(*c, 1) ? c : nullptr;
}

/// \returns true if operand \p i of \p n is read whole whatever the
/// element (a lookup table).
bool isTableOperand(const Node *n, unsigned i) {
  return isa<IntLookupTableNode>(n) && i == 1;
}

/// Runs \p nodes, a chain computed from \p x alone (FusionPlan::CodeMap),
/// on the 256 codes of \p x with the Interpreter's kernels. \returns the
/// codes of the last node's result, or nothing if a kernel is missing.
std::optional<std::vector<int8_t>>
evaluateCodeMap(NodeValue x, llvm::ArrayRef<const Node *> nodes) {
  Tensor codes(Type::newShape(x.getType(), {256}));
  int8_t *c = reinterpret_cast<int8_t *>(codes.getUnsafePtr());
  for (int i = 0; i < 256; i++) {
    c[i] = int8_t(i - 128);
  }
  std::map<const Node *, Tensor> results;
  for (const Node *n : nodes) {
    std::vector<const Tensor *> ins;
    std::vector<Tensor> splats; // an operand's one value, 256 times
    splats.reserve(n->getNumInputs());
    for (unsigned i = 0; i < n->getNumInputs(); i++) {
      NodeValue v = n->getNthInput(i);
      auto r = results.find(v.getNode());
      if (v == x) {
        ins.push_back(&codes);
      } else if (r != results.end()) {
        ins.push_back(&r->second);
      } else if (isTableOperand(n, i)) {
        ins.push_back(&cast<Constant>(v.getNode())->getPayload());
      } else {
        const Tensor &k = getUniformConstant(v.getNode())->getPayload();
        Tensor &t = splats.emplace_back(Type::newShape(k.getType(), {256}));
        size_t e = getElementSize(k.getElementType());
        for (size_t j = 0; j < 256; j++) {
          std::memcpy(t.getUnsafePtr() + j * e, k.getUnsafePtr(), e);
        }
        ins.push_back(&t);
      }
    }
    std::vector<Tensor> outs;
    outs.emplace_back(Type::newShape(n->getType(), {256}));
    if (auto err = evaluateNode(*n, ins, outs)) {
      llvm::consumeError(std::move(err));
      return std::nullopt;
    }
    results.emplace(n, std::move(outs[0]));
  }
  const int8_t *y =
      reinterpret_cast<const int8_t *>(results.at(nodes.back()).getUnsafePtr());
  return std::vector<int8_t>(y, y + 256);
}

/// The longest chain a code map grows to: its search stays linear.
constexpr size_t kMaxCodeMapNodes = 64;

/// Plans the code maps of \p F (FusionPlan::codeMaps): from each INT8
/// element-wise node, the latest first, grows the chain back through
/// element-wise producers read only by the chain, and keeps the longest
/// prefix of that growth that reads one INT8 value of the result's shape
/// besides constants of one value.
void planCodeMaps(const Function &F, const UnitPlan &units, FusionPlan &plan) {
  bool switchable = units.isSwitchable();
  std::vector<Node *> order = F.getNodesInTopologicalOrder();
  std::map<const Node *, size_t> position;
  std::map<const Node *, std::vector<const Node *>> users;
  for (size_t i = 0; i < order.size(); i++) {
    position[order[i]] = i;
    for (unsigned j = 0; j < order[i]->getNumInputs(); j++) {
      users[order[i]->getNthInput(j).getNode()].push_back(order[i]);
    }
  }
  auto eligible = [&](const Node *p, const Node *root) {
    if (p->isStorage() || !isElementwiseKind(p->getKind()) ||
        p->getNumResults() != 1 || plan.isFused(p) || plan.codeMaps.count(p) ||
        plan.channelGates.count(p) || p->dims() != root->dims() ||
        (switchable && units.unitOf(p) != units.unitOf(root))) {
      return false;
    }
    ElemKind k = p->getType().getElementType();
    if ((k != ElemKind::FloatTy && k != ElemKind::Int8QTy) ||
        (switchable && p->getFamily() == NodeFamily::Quantization)) {
      return false; // a switchable program converts at its units' bounds
    }
    for (unsigned i = 0; i < p->getNumInputs(); i++) {
      const Node *s = p->getNthInput(i).getNode();
      if (isTableOperand(p, i) ? !isa<Constant>(s)
                               : isa<Constant>(s) && !getUniformConstant(s)) {
        return false; // a table that is not constant, a tensor of weights
      }
    }
    return isNodeEvaluable(*p);
  };
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const Node *root = *it;
    if (!eligible(root, root) || !isInt8(root->getType())) {
      continue;
    }
    std::vector<const Node *> chain;
    std::set<const Node *> inChain;
    std::vector<NodeValue> frontier; // what the chain reads besides itself
    size_t best = 0;
    NodeValue bestX;
    auto add = [&](const Node *p) {
      chain.push_back(p);
      inChain.insert(p);
      frontier.erase(std::remove(frontier.begin(), frontier.end(), valueOf(p)),
                     frontier.end());
      for (unsigned i = 0; i < p->getNumInputs(); i++) {
        NodeValue v = p->getNthInput(i);
        if (!isTableOperand(p, i) && !getUniformConstant(v.getNode()) &&
            std::find(frontier.begin(), frontier.end(), v) == frontier.end()) {
          frontier.push_back(v);
        }
      }
    };
    add(root);
    while (true) {
      bool worth = chain.size() >= 2 || isBinaryKind(root->getKind());
      if (worth && frontier.size() == 1 && isInt8(frontier[0].getType()) &&
          frontier[0].dims() == root->dims()) {
        best = chain.size();
        bestX = frontier[0];
      }
      const Node *next = nullptr;
      for (NodeValue v : frontier) {
        const Node *p = v.getNode();
        if (!eligible(p, root) ||
            (next && position.at(p) < position.at(next))) {
          continue;
        }
        const auto &us = users[p];
        if (std::all_of(us.begin(), us.end(),
                        [&](const Node *u) { return inChain.count(u); })) {
          next = p;
        }
      }
      if (!next || chain.size() == kMaxCodeMapNodes) {
        break;
      }
      add(next);
    }
    if (!best) {
      continue;
    }
    std::vector<const Node *> nodes(chain.begin(), chain.begin() + best);
    std::sort(nodes.begin(), nodes.end(), [&](const Node *a, const Node *b) {
      return position.at(a) < position.at(b);
    });
    auto table = evaluateCodeMap(bestX, nodes);
    if (!table) {
      continue;
    }
    plan.codeMaps[root] = {bestX, nodes, std::move(*table)};
    // (Not inChain: the growth may have gone on past the chain kept.)
    const std::set<const Node *> members(nodes.begin(), nodes.end());
    for (const Node *m : nodes) {
      for (unsigned i = 0; i < m->getNumInputs(); i++) {
        // A broadcast scalar that only the chain reads is not made.
        const Node *b = m->getNthInput(i).getNode();
        const auto &us = users[b];
        if (isa<BroadcastNode>(b) && getUniformConstant(b) &&
            !plan.isFused(b) &&
            std::all_of(us.begin(), us.end(),
                        [&](const Node *u) { return members.count(u); }) &&
            (!switchable || units.unitOf(b) == units.unitOf(root))) {
          plan.fusedInto[b] = root;
          logFusion(b, root, "code map");
        }
      }
      if (m != root) {
        plan.fusedInto[m] = root;
        logFusion(m, root, "code map");
      }
    }
    VLOG(2) << "code map of " << nodes.size() << " nodes from '"
            << bestX.getNode()->getName().str() << "' into "
            << root->getKindName() << " '" << root->getName().str() << "'";
  }
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
  planCodeMaps(F, units, plan);
  // A Relu/Clip of the same type after an INT8 Add, Sub or Mul (ResNet's
  // residual Add and Relu): clamped as the result is written.
  for (const Node *n : F.getNodes()) {
    Node::Kind k = n->getKind();
    if ((k != Node::Kind::AddKind && k != Node::Kind::SubKind &&
         k != Node::Kind::MulKind) ||
        !isInt8(n->getType()) || plan.channelGates.count(n) ||
        plan.isFused(n) || plan.codeMaps.count(n)) {
      continue;
    }
    const Node *u = singleUser(F, valueOf(n));
    if (u && (isa<ReluNode>(u) || isa<ClipNode>(u)) && !plan.isFused(u) &&
        !plan.codeMaps.count(u) && u->getType() == n->getType() &&
        (!switchable || units.unitOf(u) == units.unitOf(n))) {
      plan.binaryActs[n] = u;
      plan.fusedInto[u] = n;
      logFusion(u, n, "clamp on write");
    }
  }
  // x * sigmoid(x) in FP32 where only the Mul reads the Sigmoid: one pass.
  for (const Node *n : F.getNodes()) {
    if (n->getKind() != Node::Kind::MulKind ||
        n->getType().getElementType() != ElemKind::FloatTy ||
        plan.channelGates.count(n) || plan.isFused(n)) {
      continue;
    }
    for (unsigned i = 0; i < 2; i++) {
      const Node *g = n->getNthInput(i).getNode();
      NodeValue x = n->getNthInput(1 - i);
      if (!isa<SigmoidNode>(g) || g->getNthInput(0) != x ||
          x.dims() != n->dims() || singleUser(F, valueOf(g)) != n ||
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
