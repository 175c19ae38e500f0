#include "glow/Quantization/Quantizer.h"
#include "glow/Backends/Backend.h"
#include "glow/Quantization/Calibration.h"
#include "glow/Support/Diagnostics.h"
#include "glow/Support/Error.h"

#include "llvm/Support/Casting.h"

#include <cmath>
#include <functional>
#include <map>

using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;

namespace glow {

using Kind = Node::Kind;

llvm::Expected<TensorQuantizationParams>
getActivationParams(NodeValue v, const ProfileSet &profile,
                    const QuantizationOptions &opts, float clipLo,
                    float clipHi) {
  auto entry = profile.get(getNodeOutputName(v));
  if (!entry) {
    return entry.takeError();
  }
  auto [lo, hi] = chooseCalibratedRange(**entry, opts.calibration,
                                        opts.calibrationPercentile);
  if (opts.calibration == CalibrationMode::Auto && VLOG_IS_ON(2)) {
    VLOG(2) << "calibration auto: " << getNodeOutputName(v) << " "
            << getCalibrationModeName(
                   chooseBestRange(**entry, opts.calibrationPercentile).first)
            << " [" << lo << ", " << hi << "] of [" << (*entry)->min << ", "
            << (*entry)->max << "]";
  }
  lo = std::max(lo, clipLo);
  hi = std::min(hi, clipHi);
  if (!(lo <= hi)) { // wholly outside the clip: one value
    lo = hi = lo > clipHi ? clipHi : clipLo;
  }
  return chooseQuantizationParams(lo, hi, opts.schema, opts.activationBits);
}

/// \returns the min and max of the float tensor \p t (0, 0 if empty).
static std::pair<float, float> rangeOf(const float *p, size_t n) {
  if (n == 0) {
    return {0.f, 0.f};
  }
  auto [lo, hi] = std::minmax_element(p, p + n);
  return {*lo, *hi};
}

Tensor quantizeTensor(const Tensor &t, QuantizationSchema schema,
                      unsigned bits) {
  auto [lo, hi] = rangeOf(t.getHandle<float>().data(), t.size());
  TensorQuantizationParams q = chooseQuantizationParams(lo, hi, schema, bits);
  Tensor out(Type(ElemKind::Int8QTy, t.dims(), q.scale, q.offset));
  auto in = t.getHandle<float>();
  auto o = out.getHandle<int8_t>();
  for (size_t i = 0; i < t.size(); i++) {
    o.raw(i) = quantizeValue(in.raw(i), q, QuantizationRange(bits));
  }
  return out;
}

bool isQuantizableNode(const Node &n) {
  if (n.getNumResults() != 1 || !n.getType().isFloat()) {
    return false;
  }
  switch (n.getKindInfo().int8) {
  case Int8Rule::None:
    return false;
  case Int8Rule::Weighted:
    // Weights and bias must be known to quantize them. A BatchNorm runs as
    // the depthwise 1x1 Convolution of its per-channel scale and shift.
    if (isa<BatchNormalizationNode>(n)) {
      for (unsigned i = 1; i < 5; i++) {
        if (!isa<Constant>(n.getNthInput(i).getNode())) {
          return false;
        }
      }
      return n.dims().size() == 4 && n.getNthInput(0).getType().isFloat();
    }
    return isa<Constant>(n.getNthInput(1).getNode()) &&
           isa<Constant>(n.getNthInput(2).getNode()) &&
           n.getNthInput(0).getType().isFloat();
  case Int8Rule::Profiled:
    // A reduction is an INT8 pool as Mean or Max; its other modes add
    // float steps (Sum's scaling, L2's square root...).
    if (auto *r = dyn_cast<ReduceNode>(&n)) {
      return r->getMode() == ReduceNode::Mode::Mean ||
             r->getMode() == ReduceNode::Mode::Max;
    }
    return true;
  case Int8Rule::Forward:
    return true;
  case Int8Rule::Table:
    return hasScalarDefinition(n) && n.getNthInput(0).getType().isFloat();
  }
  return false;
}

OpSignature getQuantizedSignature(const Node &n) {
  OpSignature sig = OpSignature::of(n);
  auto int8IfFloat = [](ElemKind &k) {
    if (k == ElemKind::FloatTy) {
      k = ElemKind::Int8QTy;
    }
  };
  switch (n.getKindInfo().int8) {
  case Int8Rule::None:
    return sig;
  case Int8Rule::Weighted:
    sig.operands = {ElemKind::Int8QTy, ElemKind::Int8QTy, ElemKind::Int32QTy};
    if (sig.kind == Kind::BatchNormalizationKind) {
      sig.kind = Kind::ConvolutionKind;
    }
    break;
  case Int8Rule::Profiled:
  case Int8Rule::Forward:
    for (ElemKind &k : sig.operands) {
      int8IfFloat(k);
    }
    // What runs of a lowered kind: a BatchMatMul is MatMuls of its slices,
    // a Resize one MatMul per axis by constant weights, a reduction a pool.
    if (sig.kind == Kind::BatchMatMulKind || sig.kind == Kind::ResizeKind) {
      sig.kind = Kind::MatMulKind;
      sig.operands.resize(2, ElemKind::Int8QTy);
    } else if (auto *r = dyn_cast<ReduceNode>(&n)) {
      sig.kind = r->getMode() == ReduceNode::Mode::Max ? Kind::MaxPoolKind
                                                       : Kind::AvgPoolKind;
    }
    break;
  case Int8Rule::Table:
    // What the backend runs: the table.
    return {Kind::IntLookupTableKind,
            {ElemKind::Int8QTy, ElemKind::Int8QTy},
            {ElemKind::Int8QTy}};
  }
  for (ElemKind &k : sig.results) {
    int8IfFloat(k);
  }
  return sig;
}

bool isQuantizableOn(const Node &n, const Backend &backend) {
  return isQuantizableNode(n) &&
         backend.isOpSupported(getQuantizedSignature(n));
}

namespace {
/// Rewrites one Function; caches the conversions it inserts.
class Rewriter {
public:
  Rewriter(Function *F, const ProfileSet &profile,
           const QuantizationOptions &opts,
           const std::set<Node *> &fourBitWeights)
      : F_(F), M_(F->getParent()), profile_(profile), opts_(opts),
        fourBit_(fourBitWeights) {}

  llvm::Error run(const std::set<Node *> &toQuantize) {
    groupConcats(toQuantize);
    for (Node *n : F_->getNodesInTopologicalOrder()) {
      if (n->isStorage()) {
        continue;
      }
      if (toQuantize.count(n)) {
        if (auto err = quantize(n)) {
          return err;
        }
        continue;
      }
      // A float node (or a Save) reads float values.
      unsigned numInputs = isa<SaveNode>(n) ? 1 : n->getNumInputs();
      for (unsigned i = 0; i < numInputs; i++) {
        n->setNthInput(i, floatValue(n->getNthInput(i)));
      }
    }
    for (Node *n : replaced_) {
      F_->eraseNode(n);
    }
    return llvm::Error::success();
  }

private:
  /// \returns \p v as float, dequantizing a quantized value once.
  NodeValue floatValue(NodeValue v) {
    if (!v.getType().isQuantized()) {
      return v;
    }
    auto it = dequantized_.find(v);
    if (it != dequantized_.end()) {
      return it->second;
    }
    Node *dq =
        F_->createDequantize(v.getNode()->getName().str() + ".dequantize", v);
    dq->setLayerName(v.getNode()->getLayerName());
    return dequantized_[v] = dq;
  }

  /// \returns the INT8 parameters of the float value \p v, produced by an
  /// INT8 node or quantized for one: the same either way, so that a value
  /// has one scale whichever side of it is INT8. When a Relu or Clip alone
  /// reads \p v, only the clipped values matter: the range is calibrated on
  /// the clip's own profile (the distribution of the clipped values) and
  /// bounded by the clip (getActivationParams), so \p v and the clip's
  /// result get the same parameters.
  llvm::Expected<TensorQuantizationParams> paramsOf(NodeValue v) {
    // A value that a Concat reads, alone or through a lone Relu/Clip,
    // takes its group's parameters.
    for (NodeValue w = v;;) {
      auto root = groupOf_.find(w);
      if (root != groupOf_.end()) {
        return groupParams(root->second);
      }
      auto users = F_->getUsers(w);
      if (users.size() != 1 ||
          !(isa<ReluNode>(users[0].first) || isa<ClipNode>(users[0].first))) {
        break;
      }
      w = NodeValue(users[0].first, 0);
    }
    float clipLo = -std::numeric_limits<float>::infinity();
    float clipHi = std::numeric_limits<float>::infinity();
    NodeValue calibrated = v;
    auto users = F_->getUsers(v);
    if (users.size() == 1 &&
        (isa<ReluNode>(users[0].first) || isa<ClipNode>(users[0].first))) {
      if (auto *clip = dyn_cast<ClipNode>(users[0].first)) {
        clipLo = clip->getMin();
        clipHi = clip->getMax();
      } else {
        clipLo = 0;
      }
      NodeValue clipped(users[0].first, 0);
      if (profile_.entries.count(getNodeOutputName(clipped))) {
        calibrated = clipped;
      }
    }
    return getActivationParams(calibrated, profile_, opts_, clipLo, clipHi);
  }

  /// Groups the values that quantized Concats join: a Concat's result and
  /// its activation operands, transitively (DenseNet's Concats share their
  /// operands, Inception's nest). A group takes one scale and offset, so
  /// that a Concat copies codes unchanged (the CPU backend then makes it
  /// with no call at all) and each producer requantizes into it as it
  /// writes: the parameters of its widest Concat result, which holds the
  /// values of all the others.
  void groupConcats(const std::set<Node *> &toQuantize) {
    std::map<NodeValue, NodeValue, NodeValueLess> parent;
    std::function<NodeValue(NodeValue)> find = [&](NodeValue v) {
      auto it = parent.find(v);
      if (it == parent.end()) {
        parent[v] = v;
        return v;
      }
      if (it->second == v) {
        return v;
      }
      NodeValue r = find(it->second);
      parent[v] = r;
      return r;
    };
    std::vector<NodeValue> results;
    for (Node *n : F_->getNodes()) {
      auto *cat = dyn_cast<ConcatNode>(n);
      if (!cat || !toQuantize.count(cat) || !cat->getType().isFloat()) {
        continue;
      }
      NodeValue out(cat, 0);
      results.push_back(out);
      for (unsigned i = 0; i < cat->getNumInputs(); i++) {
        NodeValue in = cat->getNthInput(i);
        if (in.getType().isFloat() && !isa<Constant>(in.getNode())) {
          parent[find(in)] = find(out);
        }
      }
    }
    for (auto &entry : parent) {
      groupOf_[entry.first] = find(entry.first);
    }
    // The representative of each group: its widest Concat result.
    for (NodeValue out : results) {
      auto p = profile_.entries.find(getNodeOutputName(out));
      if (p == profile_.entries.end()) {
        continue;
      }
      NodeValue root = groupOf_[out];
      auto best = widest_.find(root);
      float width = p->second.max - p->second.min;
      if (best == widest_.end() || width > best->second.second) {
        widest_[root] = {out, width};
      }
    }
  }

  /// \returns the parameters of the group with root \p root.
  llvm::Expected<TensorQuantizationParams> groupParams(NodeValue root) {
    auto it = widest_.find(root);
    if (it == widest_.end()) { // no profile entry: the error names one
      return getActivationParams(root, profile_, opts_);
    }
    return getActivationParams(it->second.first, profile_, opts_);
  }

  /// \returns \p v as int8: itself if quantized, a quantized copy of a
  /// Constant, or a (cached) Quantize of a float activation.
  llvm::Expected<NodeValue> quantizedValue(NodeValue v) {
    if (v.getType().isQuantized()) {
      return v;
    }
    if (auto *c = dyn_cast<Constant>(v.getNode())) {
      if (!c->getType().isFloat()) {
        return v; // indices and shapes stay as they are
      }
      return NodeValue(
          M_.createConstant(c->getName().str() + ".int8",
                            quantizeTensor(c->getPayload(), opts_.schema)));
    }
    auto it = quantized_.find(v);
    if (it != quantized_.end()) {
      return it->second;
    }
    auto params = paramsOf(v);
    if (!params) {
      return params.takeError();
    }
    Type ty(ElemKind::Int8QTy, v.dims(), params->scale, params->offset);
    Node *q =
        F_->createQuantize(v.getNode()->getName().str() + ".quantize", v, ty);
    q->setLayerName(v.getNode()->getLayerName());
    return quantized_[v] = q;
  }

  /// Replaces BatchNormalization \p bn by the depthwise 1x1 Convolution
  /// of the same name and layer that computes it, y = x * s + t per
  /// channel with s = gamma / sqrt(var + eps) and t = beta - mean * s.
  /// \returns the Convolution (float; one weight an output channel, so its
  /// weights are quantized channelwise).
  ConvolutionNode *asConvolution(BatchNormalizationNode *bn) {
    dim_t C = bn->dims()[1];
    auto param = [&](unsigned i) {
      return cast<Constant>(bn->getNthInput(i).getNode())
          ->getPayload()
          .getHandle<float>();
    };
    auto beta = param(2), mean = param(3);
    std::vector<float> scales = bn->getChannelScales();
    Tensor w(ElemKind::FloatTy, {C, 1, 1, 1}), b(ElemKind::FloatTy, {C});
    for (dim_t c = 0; c < C; c++) {
      float sc = scales[c];
      w.getHandle<float>().raw(c) = sc;
      b.getHandle<float>().raw(c) = beta.raw(c) - mean.raw(c) * sc;
    }
    std::string name = bn->getName().str();
    auto *conv =
        F_->createConv(name + ".conv", bn->getInput(),
                       M_.createConstant(name + ".scale", std::move(w)),
                       M_.createConstant(name + ".shift", std::move(b)), {1, 1},
                       {1, 1}, {0, 0, 0, 0}, unsigned(C), {1, 1});
    Function::swapNames(conv, bn);
    conv->setLayerName(bn->getLayerName());
    F_->replaceAllUsesOfWith(NodeValue(bn, 0), NodeValue(conv, 0));
    replaced_.push_back(bn);
    return conv;
  }

  llvm::Error quantize(Node *n) {
    if (auto *bn = dyn_cast<BatchNormalizationNode>(n)) {
      n = asConvolution(bn);
    }
    // Activation operands (the weights of a Weighted kind are quantized
    // below); operands that are not float (indices, shapes) stay as they
    // are.
    Int8Rule rule = n->getKindInfo().int8;
    bool hasWeights = rule == Int8Rule::Weighted;
    // The profile key of the float input, before it is replaced.
    std::string inputKey = getNodeOutputName(n->getNthInput(0));
    unsigned numActs = hasWeights ? 1 : n->getNumInputs();
    for (unsigned i = 0; i < numActs; i++) {
      if (!n->getNthInput(i).getType().isFloat()) {
        continue;
      }
      auto q = quantizedValue(n->getNthInput(i));
      if (!q) {
        return q.takeError();
      }
      n->setNthInput(i, *q);
    }
    if (rule == Int8Rule::Forward) {
      n->setType(0, Type::newShape(n->getNthInput(0).getType(), n->dims()));
      return llvm::Error::success();
    }
    auto out = paramsOf(n->getNthResult(0));
    if (!out) {
      return out.takeError();
    }
    if (rule == Int8Rule::Table) {
      replaceByTable(n, *out);
      return llvm::Error::success();
    }
    if (hasWeights) {
      if (auto err = quantizeWeights(n, inputKey)) {
        return err;
      }
    }
    n->setType(0, Type(ElemKind::Int8QTy, n->dims(), out->scale, out->offset));
    return llvm::Error::success();
  }

  /// Replaces the element-wise node \p n (its operand already int8) by an
  /// IntLookupTable of the same name and layer, whose entry for input q is
  /// \p out's quantization of n's FP32 function at the dequantized q.
  void replaceByTable(Node *n, const TensorQuantizationParams &out) {
    const Type &inTy = n->getNthInput(0).getType();
    TensorQuantizationParams in{inTy.getScale(), inTy.getOffset()};
    Tensor table(Type(ElemKind::Int8QTy, {256}, out.scale, out.offset));
    auto t = table.getHandle<int8_t>();
    for (int q = -128; q < 128; q++) {
      float x = dequantizeValue(int8_t(q), in);
      float y = evaluateUnary(*n, x);
      // Outside the function's domain (Log, Sqrt of a negative): 0.
      t.raw(size_t(q + 128)) =
          quantizeValue(std::isnan(y) ? 0.f : y, out,
                        QuantizationRange(opts_.activationBits));
    }
    std::string name = n->getName().str(), layer = n->getLayerName().str();
    Node *lut = F_->addNode(std::make_unique<IntLookupTableNode>(
        name + ".table",
        Type(ElemKind::Int8QTy, n->dims(), out.scale, out.offset),
        n->getNthInput(0),
        M_.createConstant(name + ".table", std::move(table))));
    Function::swapNames(lut, n); // the table is the layer's result now
    lut->setLayerName(layer);
    F_->replaceAllUsesOfWith(NodeValue(n, 0), lut);
  }

  /// With bias correction, \p bias minus the mean output error of the
  /// quantized weights \p deq (dequantized) against \p w: per output
  /// channel, the sum of weight error x the mean of the input channel it
  /// multiplies (the input's channel means from the profile entry
  /// \p inputKey; padding ignored).
  llvm::Expected<std::vector<float>>
  correctedBias(Node *n, const std::string &inputKey, const Tensor &w,
                const std::vector<float> &deq, const Tensor &bias) {
    auto bh = bias.getHandle<float>();
    std::vector<float> out(bh.data(), bh.data() + bias.size());
    if (!opts_.biasCorrection) {
      return out;
    }
    auto entry = profile_.get(inputKey);
    if (!entry) {
      return entry.takeError();
    }
    const std::vector<double> &mean = (*entry)->channelMeans;
    const float *wp = w.getHandle<float>().data();
    auto *conv = dyn_cast<ConvolutionNode>(n);
    auto wd = w.dims();
    // Conv filter [O, C/g, kh, kw] on NCHW; FC weights [K, N] on [B, K].
    size_t want = conv ? size_t(wd[1]) * conv->getGroup() : size_t(wd[0]);
    if (mean.size() != want) {
      return makeError("-enable-bias-correction: the profile has no channel "
                       "means of " +
                       llvm::Twine(want) + " channels for '" + inputKey +
                       "' (the input of '" + n->getName() +
                       "'); profile again with this version");
    }
    if (conv) {
      size_t O = wd[0], Cg = wd[1], K = w.size() / (O * Cg);
      size_t perGroup = O / conv->getGroup();
      for (size_t o = 0; o < O; o++) {
        size_t c0 = (o / perGroup) * Cg;
        double err = 0;
        for (size_t c = 0; c < Cg; c++) {
          for (size_t k = 0; k < K; k++) {
            size_t i = (o * Cg + c) * K + k;
            err += (double(deq[i]) - wp[i]) * mean[c0 + c];
          }
        }
        out[o] -= float(err);
      }
    } else {
      size_t Kin = wd[0], N = wd[1];
      for (size_t j = 0; j < N; j++) {
        double err = 0;
        for (size_t k = 0; k < Kin; k++) {
          err += (double(deq[k * N + j]) - wp[k * N + j]) * mean[k];
        }
        out[j] -= float(err);
      }
    }
    return out;
  }

  /// Quantizes the filter/weights and bias of a Convolution or FC.
  llvm::Error quantizeWeights(Node *n, const std::string &inputKey) {
    auto *w = cast<Constant>(n->getNthInput(1).getNode());
    auto *b = cast<Constant>(n->getNthInput(2).getNode());
    float inScale = n->getNthInput(0).getType().getScale();
    const Tensor &wt = w->getPayload();
    auto *conv = dyn_cast<ConvolutionNode>(n);
    unsigned bits = fourBit_.count(n) ? 4 : opts_.weightBits;
    // One weight an output channel (a BatchNorm's): its own scale costs
    // nothing.
    if (conv && (opts_.channelwise || wt.size() == wt.dims()[0])) {
      dim_t O = wt.dims()[0], per = wt.size() / O;
      Tensor qw(Type(ElemKind::Int8QTy, wt.dims(), 1.f, 0));
      Tensor scales(ElemKind::FloatTy, {O}), offsets(ElemKind::Int32ITy, {O});
      Tensor qb(Type(ElemKind::Int32QTy, {O}, inScale, 0));
      const float *wp = wt.getHandle<float>().data();
      std::vector<float> deq(wt.size());
      std::vector<TensorQuantizationParams> params(O);
      for (dim_t o = 0; o < O; o++) {
        auto [lo, hi] = rangeOf(wp + o * per, per);
        auto p = chooseQuantizationParams(lo, hi, opts_.schema, bits);
        params[o] = p;
        scales.getHandle<float>().raw(o) = p.scale;
        offsets.getHandle<int32_t>().raw(o) = p.offset;
        for (dim_t i = 0; i < per; i++) {
          int8_t q = quantizeValue(wp[o * per + i], p, QuantizationRange(bits));
          qw.getHandle<int8_t>().raw(o * per + i) = q;
          deq[o * per + i] = dequantizeValue(q, p);
        }
      }
      auto bias = correctedBias(n, inputKey, wt, deq, b->getPayload());
      if (!bias) {
        return bias.takeError();
      }
      for (dim_t o = 0; o < O; o++) {
        qb.getHandle<int32_t>().raw(o) =
            quantizeBias((*bias)[o], inScale * params[o].scale);
      }
      n->setNthInput(
          1, M_.createConstant(w->getName().str() + ".int8", std::move(qw)));
      n->setNthInput(
          2, M_.createConstant(b->getName().str() + ".int32", std::move(qb)));
      conv->setChannelwiseParams(
          M_.createConstant(w->getName().str() + ".scales", std::move(scales)),
          M_.createConstant(w->getName().str() + ".offsets",
                            std::move(offsets)));
      return llvm::Error::success();
    }
    Tensor qw = quantizeTensor(wt, opts_.schema, bits);
    TensorQuantizationParams wq{qw.getType().getScale(),
                                qw.getType().getOffset()};
    std::vector<float> deq(qw.size());
    for (size_t i = 0; i < qw.size(); i++) {
      deq[i] = dequantizeValue(qw.getHandle<int8_t>().raw(i), wq);
    }
    auto bias = correctedBias(n, inputKey, wt, deq, b->getPayload());
    if (!bias) {
      return bias.takeError();
    }
    float biasScale = inScale * wq.scale;
    Tensor qb(Type(ElemKind::Int32QTy, b->dims(), biasScale, 0));
    for (size_t i = 0; i < qb.size(); i++) {
      qb.getHandle<int32_t>().raw(i) = quantizeBias((*bias)[i], biasScale);
    }
    n->setNthInput(
        1, M_.createConstant(w->getName().str() + ".int8", std::move(qw)));
    n->setNthInput(
        2, M_.createConstant(b->getName().str() + ".int32", std::move(qb)));
    return llvm::Error::success();
  }

  Function *F_;
  Module &M_;
  const ProfileSet &profile_;
  const QuantizationOptions &opts_;
  const std::set<Node *> &fourBit_;
  struct NodeValueLess {
    bool operator()(const NodeValue &a, const NodeValue &b) const {
      return std::make_pair(a.node, a.resNo) < std::make_pair(b.node, b.resNo);
    }
  };
  std::map<NodeValue, NodeValue, NodeValueLess> quantized_, dequantized_;
  /// Nodes replaced by others, erased once the rewrite is done.
  std::vector<Node *> replaced_;
  /// Concat groups (groupConcats): each value's root, and each root's
  /// widest Concat result with its width.
  std::map<NodeValue, NodeValue, NodeValueLess> groupOf_;
  std::map<NodeValue, std::pair<NodeValue, float>, NodeValueLess> widest_;
};
} // namespace

llvm::Error quantizeNodes(Function *F, const std::set<Node *> &toQuantize,
                          const ProfileSet &profile,
                          const QuantizationOptions &opts,
                          const std::set<Node *> &fourBitWeights) {
  Rewriter rw(F, profile, opts, fourBitWeights);
  if (auto err = rw.run(toQuantize)) {
    return err;
  }
  return F->verify();
}

} // namespace glow
