#include "glow/Lowering/Lowering.h"
#include "glow/Optimizer/Optimizer.h"
#include "glow/Support/Diagnostics.h"
#include "glow/Support/Error.h"

#include "llvm/Support/Casting.h"

#include <algorithm>
#include <cmath>

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
    case Kind::ReciprocalKind: {
      NodeValue x = n_->getNthInput(0);
      return binary(Kind::DivKind, "div", splat("one", 1.f, x), x);
    }
    case Kind::ReduceKind:
      return reduce(cast<ReduceNode>(n_));
    case Kind::BatchMatMulKind:
      return batchMatMul(cast<BatchMatMulNode>(n_));
    case Kind::ResizeKind:
      return resize(cast<ResizeNode>(n_));
#define DEF_NODE(CLASS, NAME, FAMILY, INT8, IMAGES, BATCH, EPILOGUE, LOWERING) \
  GLOW_UNLESS_##LOWERING(case Kind::NAME##Kind:)
#include "glow/Graph/Nodes.def"
      break;
    }
    return makeError(std::string("no lowering for ") + n_->getKindName() +
                     " (node '" + name_ + "')");
  }

private:
  using Mode = ReduceNode::Mode;

  /// A reduction becomes a pooling window over the reduced elements: the
  /// reduced axes are made contiguous (a Transpose moves them last when they
  /// are not), the input is viewed as [A, B, n, inner] (A the first axis when
  /// it is kept, so that images stay apart; n the reduced elements) and a
  /// pool of window [n, 1] gives [A, B, 1, inner]. Mean is AvgPool, Max
  /// MaxPool; the other modes add element-wise steps around them.
  llvm::Expected<NodeValue> reduce(ReduceNode *r) {
    NodeValue x = r->getInput();
    auto axes = r->getAxes();
    auto d = x.dims();
    Mode mode = r->getMode();
    if (mode == Mode::Prod) {
      return reduceProd(r);
    }
    if (mode == Mode::Min) { // min(x) = -max(-x)
      NodeValue m = reduceWith(Mode::Max, unary(Kind::NegKind, "neg", x), r);
      return unary(Kind::NegKind, "negmax", m);
    }
    if (mode == Mode::L1) {
      x = unary(Kind::AbsKind, "abs", x);
    } else if (mode == Mode::L2 || mode == Mode::SumSquare) {
      x = binary(Kind::MulKind, "square", x, x);
    } else if (mode == Mode::LogSumExp) {
      x = unary(Kind::ExpKind, "exp", x);
    }
    bool max = mode == Mode::Max;
    NodeValue y = reduceWith(max ? Mode::Max : Mode::Mean, x, r);
    if (mode == Mode::Mean || max) {
      return y;
    }
    dim_t n = 1;
    for (unsigned a : axes) {
      n *= d[a];
    }
    y = binary(Kind::MulKind, "sum", y, splat("count", float(n), y));
    if (mode == Mode::L2) {
      return unary(Kind::SqrtKind, "sqrt", y);
    }
    if (mode == Mode::LogSum || mode == Mode::LogSumExp) {
      return unary(Kind::LogKind, "log", y);
    }
    return y; // Sum, SumSquare, L1
  }

  /// Mean or Max of \p x over the axes of \p r, shaped as \p r's result.
  NodeValue reduceWith(Mode mode, NodeValue x, ReduceNode *r) {
    auto axes = r->getAxes();
    auto d = x.dims();
    // The plane of an NCHW tensor (x.mean([2, 3]) of MnasNet and
    // ShuffleNetV2): one pool of the plane's size on x itself, which a
    // backend may run on its own layout of x (no view of x to make).
    if (d.size() == 4 && axes.size() == 2 && axes[0] == 2 && axes[1] == 3) {
      return pool(mode, x, {unsigned(d[2]), unsigned(d[3])}, r);
    }
    bool contiguous = axes.back() - axes.front() + 1 == axes.size();
    if (!contiguous) {
      std::vector<unsigned> perm;
      for (unsigned i = 0; i < d.size(); i++) {
        if (!std::count(axes.begin(), axes.end(), i)) {
          perm.push_back(i);
        }
      }
      perm.insert(perm.end(), axes.begin(), axes.end());
      x = layer(F_->createTranspose(name_ + ".transpose", x, perm));
      d = x.dims();
      unsigned first = unsigned(d.size() - axes.size());
      axes.clear();
      for (unsigned i = first; i < d.size(); i++) {
        axes.push_back(i);
      }
    }
    dim_t outer = 1, n = 1, inner = 1;
    for (unsigned i = 0; i < d.size(); i++) {
      (i < axes.front() ? outer : i > axes.back() ? inner : n) *= d[i];
    }
    dim_t a = axes.front() > 0 ? d[0] : 1;
    NodeValue v =
        layer(F_->createReshape(name_ + ".view", x, {a, outer / a, n, inner}));
    return pool(mode, v, {unsigned(n), 1}, r);
  }

  /// A Max or Mean pool of \p window (stride 1, no padding) over \p v,
  /// reshaped to \p r's result.
  NodeValue pool(Mode mode, NodeValue v, std::vector<unsigned> window,
                 ReduceNode *r) {
    std::vector<unsigned> strides = {1, 1}, pads = {0, 0, 0, 0};
    Node *p =
        mode == Mode::Max
            ? layer(F_->createMaxPool(name_ + ".max", v, window, strides, pads))
            : layer(F_->createAvgPool(name_ + ".mean", v, window, strides, pads,
                                      false));
    if (r->getType().isQuantized()) { // an INT8 pool to the result's scale
      p->setType(0, Type::newShape(r->getType(), p->dims()));
    }
    return layer(F_->createReshape(name_ + ".result", p, r->getType().dims()));
  }

  /// The product of up to kMaxProdElements slices along the reduced axes,
  /// multiplied in order.
  llvm::Expected<NodeValue> reduceProd(ReduceNode *r) {
    constexpr dim_t kMaxProdElements = 64;
    NodeValue x = r->getInput();
    auto axes = r->getAxes();
    auto d = x.dims();
    // Move the reduced axes first and view them as one: [n, rest].
    std::vector<unsigned> perm(axes.begin(), axes.end());
    for (unsigned i = 0; i < d.size(); i++) {
      if (!std::count(axes.begin(), axes.end(), i)) {
        perm.push_back(i);
      }
    }
    dim_t n = 1;
    for (unsigned ax : axes) {
      n *= d[ax];
    }
    if (n > kMaxProdElements) {
      return makeError("ReduceProd over " + llvm::Twine(n) +
                       " elements is not supported (at most " +
                       llvm::Twine(kMaxProdElements) + "; node '" + name_ +
                       "')");
    }
    dim_t rest = x.getType().size() / n;
    NodeValue t = layer(F_->createTranspose(name_ + ".transpose", x, perm));
    NodeValue v = layer(F_->createReshape(name_ + ".view", t, {n, rest}));
    NodeValue acc;
    for (dim_t i = 0; i < n; i++) {
      NodeValue s = layer(F_->createSlice(name_ + ".slice" + std::to_string(i),
                                          v, {i, 0}, {1, 1}, {1, rest}));
      acc = i == 0 ? s : binary(Kind::MulKind, "prod", acc, s);
    }
    return layer(
        F_->createReshape(name_ + ".result", acc, r->getType().dims()));
  }

  /// One MatMul a batch element, of Slices of both operands viewed as
  /// matrices, concatenated by rows and viewed as [B, M, N].
  NodeValue batchMatMul(BatchMatMulNode *bmm) {
    NodeValue a = bmm->getLHS(), b = bmm->getRHS();
    dim_t B = a.dims()[0], M = a.dims()[1], K = a.dims()[2], N = b.dims()[2];
    std::vector<NodeValue> rows;
    for (dim_t i = 0; i < B; i++) {
      std::string s = std::to_string(i);
      NodeValue ai = layer(F_->createSlice(name_ + ".lhs" + s, a, {i, 0, 0},
                                           {1, 1, 1}, {1, M, K}));
      NodeValue bi = layer(F_->createSlice(name_ + ".rhs" + s, b, {i, 0, 0},
                                           {1, 1, 1}, {1, K, N}));
      ai = layer(F_->createReshape(name_ + ".lhs" + s + ".matrix", ai, {M, K}));
      bi = layer(F_->createReshape(name_ + ".rhs" + s + ".matrix", bi, {K, N}));
      Node *mm = layer(F_->createMatMul(name_ + ".matmul" + s, ai, bi));
      // In INT8 every product has the BatchMatMul's result scale.
      mm->setType(0, Type::newShape(bmm->getType(), {M, N}));
      rows.push_back(mm);
    }
    NodeValue all =
        B == 1 ? rows[0] : layer(F_->createConcat(name_ + ".concat", rows, 0));
    return layer(F_->createReshape(name_ + ".result", all, {B, M, N}));
  }

  /// Each resized axis, the last first, is moved last (a Transpose that
  /// swaps it with the last axis, its own inverse), viewed as rows of its
  /// elements and multiplied by the transposed weights of the axis (a
  /// constant in x out matrix).
  NodeValue resize(ResizeNode *r) {
    NodeValue x = r->getInput();
    unsigned rank = unsigned(x.dims().size());
    for (unsigned ax = rank; ax-- > 0;) {
      if (r->isIdentityAxis(ax)) {
        continue;
      }
      std::string s = name_ + ".axis" + std::to_string(ax);
      dim_t in = x.dims()[ax], out = r->getType().dims()[ax];
      std::vector<unsigned> swap(rank);
      for (unsigned i = 0; i < rank; i++) {
        swap[i] = i;
      }
      std::swap(swap[ax], swap[rank - 1]);
      bool last = ax == rank - 1;
      NodeValue t = last ? x : layer(F_->createTranspose(s + ".move", x, swap));
      std::vector<dim_t> d(t.dims().begin(), t.dims().end());
      dim_t rows = t.getType().size() / in;
      NodeValue m = layer(F_->createReshape(s + ".rows", t, {rows, in}));
      std::vector<float> w = r->getAxisWeights(ax); // out x in
      Constant *c = F_->getParent().createConstant(
          s + ".weights", axisMatrix(w, in, out, x.getType().isQuantized()));
      Node *p = layer(F_->createMatMul(s + ".interpolate", m, c));
      if (x.getType().isQuantized()) {
        // INT8: every axis's product has the Resize's result scale (an
        // interpolation stays within the range of its input).
        p->setType(0, Type::newShape(r->getType(), p->dims()));
      }
      d.back() = out;
      NodeValue y = layer(F_->createReshape(s + ".unrows", p, d));
      x = last ? y : layer(F_->createTranspose(s + ".back", y, swap));
    }
    return x;
  }

  /// The transposed (in x out) matrix of the out x in weights \p w: float,
  /// or with \p int8 symmetric int8 of scale max|w| / 127.
  static Tensor axisMatrix(const std::vector<float> &w, dim_t in, dim_t out,
                           bool int8) {
    float scale = 0;
    for (float v : w) {
      scale = std::max(scale, std::abs(v) / 127.f);
    }
    scale = scale > 0 ? scale : 1.f;
    Tensor t = int8 ? Tensor(Type(ElemKind::Int8QTy, {in, out}, scale, 0))
                    : Tensor(ElemKind::FloatTy, {in, out});
    for (dim_t o = 0; o < out; o++) {
      for (dim_t k = 0; k < in; k++) {
        float v = w[o * in + k];
        if (int8) {
          t.getHandle<int8_t>().raw(k * out + o) = int8_t(
              std::max(-127.f, std::min(127.f, std::nearbyint(v / scale))));
        } else {
          t.getHandle<float>().raw(k * out + o) = v;
        }
      }
    }
    return t;
  }

  NodeValue unary(Kind k, const char *what, NodeValue x) {
    return layer(F_->createUnary(k, name_ + "." + what, x));
  }

  /// \returns \p n with the layer name of the node being lowered.
  Node *layer(Node *n) {
    n->setLayerName(n_->getLayerName());
    return n;
  }
  /// \returns \p v broadcast to the shape of \p like.
  NodeValue splat(const char *what, float v, NodeValue like) {
    Tensor t(like.getElementType(), {1});
    if (like.dims().empty()) { // a scalar: the constant itself
      t = Tensor(like.getElementType(), {});
    }
    t.getHandle<float>().raw(0) = v;
    Constant *c =
        F_->getParent().createConstant(name_ + "." + what, std::move(t));
    if (like.dims().empty()) {
      return c;
    }
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
      // The node that now gives the layer's result takes the lowered
      // node's name, so that the result keeps its name (the switchable
      // CPU program and DOT dumps find layers by it).
      Node *result = v->getNode();
      bool fresh = result != n && !result->isStorage() &&
                   result->getLayerName() == n->getLayerName();
      for (unsigned i = 0; fresh && i < n->getNumInputs(); i++) {
        fresh = n->getNthInput(i).getNode() != result;
      }
      if (fresh) {
        Function::swapNames(n, result);
      }
      F->replaceAllUsesOfWith(NodeValue(n, 0), *v);
      lowered++;
      again = true;
    }
    eliminateDeadCode(F);
  }
  return lowered;
}

} // namespace glow
