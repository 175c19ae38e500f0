// ONNX operators that the importer builds from several graph nodes:
// reductions, LayerNormalization, batched MatMul and the element-wise
// activations that are compositions of primitives (Elu, Selu, Celu,
// Softplus, Softsign, PRelu, LogSoftmax), pure data movement (Split,
// DepthToSpace, SpaceToDepth) and ConvTranspose (zero insertion and a
// Conv). Every node built here carries the ONNX node's layer name.

#include "ONNXHelpers.h"
#include "glow/Importer/ONNXModelLoader.h"

#include "glow/Support/Error.h"
#include "glow/Support/ResourceLimits.h"

#include <onnx/onnx_pb.h>

#include <map>

namespace glow {

using namespace onnximport;

llvm::Error ONNXModelLoader::loadReduce(const onnx::NodeProto &node,
                                        const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  if (!in.getType().isFloat()) {
    return makeError(describe(node, name) + ": input must be float");
  }
  static const std::map<std::string, ReduceNode::Mode> modes = {
#define GLOW_REDUCE_MODE(NAME) {"Reduce" #NAME, ReduceNode::Mode::NAME},
#include "glow/Graph/ReduceModes.def"
  };
  // Axes: an attribute, or (ReduceSum from opset 13, all from opset 18) an
  // optional second input.
  std::vector<int64_t> axes = getInts(node, "axes");
  if (hasInput(node, 1)) {
    ASSIGN_OR_RETURN(a, getConstantInts(node, 1));
    axes = a;
  }
  auto d = in.dims();
  if (axes.empty() && getInt(node, "noop_with_empty_axes", 0)) {
    setOutput(node, 0, in);
    return llvm::Error::success();
  }
  std::vector<bool> reduced(d.size(), axes.empty());
  for (int64_t a : axes) {
    ASSIGN_OR_RETURN(ax, normalizeAxis(a, d.size(), node, name));
    if (reduced[ax]) {
      return makeError(describe(node, name) + ": repeated axis");
    }
    reduced[ax] = true;
  }
  bool keepDims = getInt(node, "keepdims", 1) != 0;
  std::vector<unsigned> sorted;
  std::vector<dim_t> outDims;
  for (unsigned i = 0; i < d.size(); i++) {
    if (reduced[i]) {
      sorted.push_back(i);
    }
    if (!reduced[i] || keepDims) {
      outDims.push_back(reduced[i] ? 1 : d[i]);
    }
  }
  if (sorted.empty()) { // a scalar input: nothing to reduce
    setOutput(node, 0, in);
    return llvm::Error::success();
  }
  Type outTy(in.getElementType(), outDims);
  setOutput(node, 0,
            F_->addNode(std::make_unique<ReduceNode>(
                name, outTy, in, modes.at(node.op_type()), sorted, keepDims)));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadLayerNormalization(const onnx::NodeProto &node,
                                                    const std::string &name) {
  // (x - mean) / sqrt(var + epsilon) * scale + bias over the axes from
  // `axis` to the last, built from Reduce (lowered) and element-wise nodes.
  // The optional outputs Mean and InvStdDev keep the reduced axes as 1.
  // InstanceNormalization is the same over the spatial axes (from 2), with
  // a scale and a bias per channel.
  ASSIGN_OR_RETURN(x, getInput(node, 0));
  ASSIGN_OR_RETURN(scale, getInput(node, 1));
  if (!x.getType().isFloat()) {
    return makeError(describe(node, name) + ": input must be float");
  }
  auto d = x.dims();
  bool instance = node.op_type() == "InstanceNormalization";
  // A per-channel [C] operand viewed as [C, 1, ...] against [N, C, ...].
  auto perChannel = [&](NodeValue v, const char *what) -> NodeValue {
    std::vector<dim_t> shape(d.size() - 1, 1);
    shape[0] = v.getType().size();
    return F_->createReshape(name + "." + what + ".per_channel", v, shape);
  };
  if (instance) {
    if (d.size() < 3 || scale.dims().size() != 1 || scale.dims()[0] != d[1]) {
      return makeError(describe(node, name) +
                       ": needs an input [N, C, ...] of rank 3 or more and "
                       "a scale of C values");
    }
    scale = perChannel(scale, "scale");
  }
  ASSIGN_OR_RETURN(axis, normalizeAxis(instance ? 2 : getInt(node, "axis", -1),
                                       d.size(), node, name));
  std::vector<unsigned> axes;
  std::vector<dim_t> kept(d.begin(), d.end());
  for (unsigned i = axis; i < d.size(); i++) {
    axes.push_back(i);
    kept[i] = 1;
  }
  Type keptTy = Type::newShape(x.getType(), kept);
  auto mean = [&](const std::string &what, NodeValue v) -> NodeValue {
    return F_->addNode(std::make_unique<ReduceNode>(
        name + "." + what, keptTy, v, ReduceNode::Mode::Mean, axes, true));
  };
  auto splat = [&](const std::string &what, float v) -> NodeValue {
    Tensor t(ElemKind::FloatTy, {1});
    t.getHandle<float>().raw(0) = v;
    return F_->createBroadcast(
        name + "." + what + ".broadcast",
        M_.createConstant(name + "." + what, std::move(t)), kept);
  };
  NodeValue meanK = mean("mean", x);
  NodeValue centred = F_->createArithmetic(
      Node::Kind::SubKind, name + ".centre", x,
      F_->createBroadcast(name + ".mean.broadcast", meanK, d));
  NodeValue varK =
      mean("var", F_->createArithmetic(Node::Kind::MulKind, name + ".square",
                                       centred, centred));
  NodeValue stdK = F_->createUnary(
      Node::Kind::SqrtKind, name + ".stddev",
      F_->createArithmetic(Node::Kind::AddKind, name + ".var_eps", varK,
                           splat("epsilon", getFloat(node, "epsilon", 1e-5f))));
  NodeValue y = F_->createArithmetic(
      Node::Kind::DivKind, name + ".normalize", centred,
      F_->createBroadcast(name + ".stddev.broadcast", stdK, d));
  if (auto err = broadcastOperands(name + ".scale", y, scale)) {
    return err;
  }
  y = F_->createArithmetic(Node::Kind::MulKind, name + ".scale", y, scale);
  if (hasInput(node, 2)) {
    ASSIGN_OR_RETURN(bias, getInput(node, 2));
    if (instance) {
      if (bias.dims().size() != 1 || bias.dims()[0] != d[1]) {
        return makeError(describe(node, name) + ": needs a bias of C values");
      }
      bias = perChannel(bias, "bias");
    }
    if (auto err = broadcastOperands(name + ".bias", y, bias)) {
      return err;
    }
    y = F_->createArithmetic(Node::Kind::AddKind, name + ".bias", y, bias);
  }
  setOutput(node, 0, y);
  setOutput(node, 1, meanK);
  if (node.output_size() > 2 && !node.output(2).empty()) {
    setOutput(node, 2,
              F_->createArithmetic(Node::Kind::DivKind, name + ".inv_stddev",
                                   splat("one", 1.f), stdK));
  }
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadBatchMatMul(const onnx::NodeProto &node,
                                             const std::string &name,
                                             NodeValue a, NodeValue b) {
  // [..., M, K] x [..., K, N]: the leading (batch) dimensions broadcast
  // (numpy), then both operands are viewed as [B, M, K] and [B, K, N].
  auto ad = a.dims(), bd = b.dims();
  dim_t M = ad[ad.size() - 2], K = ad.back(), N = bd.back();
  if (bd[bd.size() - 2] != K) {
    return makeError(describe(node, name) + ": inner dimensions differ: " +
                     dimsToString(ad) + " x " + dimsToString(bd));
  }
  std::vector<dim_t> batch;
  if (!broadcastShape(ad.drop_back(2), bd.drop_back(2), batch)) {
    return makeError(describe(node, name) + ": batch dimensions of " +
                     dimsToString(ad) + " and " + dimsToString(bd) +
                     " do not broadcast");
  }
  dim_t B = 1;
  for (dim_t d : batch) {
    B *= d;
  }
  auto expand = [&](NodeValue v, dim_t r, dim_t c, const char *what) {
    std::vector<dim_t> full(batch.size() + 2 - v.dims().size(), 1);
    full.insert(full.end(), v.dims().begin(), v.dims().end());
    std::vector<dim_t> want = batch;
    want.push_back(r);
    want.push_back(c);
    if (full != v.dims().vec()) {
      v = F_->createReshape(name + "." + what + ".rank", v, full);
    }
    if (full != want) {
      v = F_->createBroadcast(name + "." + what + ".broadcast", v, want);
    }
    return F_->createReshape(name + "." + what + ".batch", v, {B, r, c});
  };
  NodeValue a3 = expand(a, M, K, "lhs"), b3 = expand(b, K, N, "rhs");
  Node *bmm = F_->addNode(std::make_unique<BatchMatMulNode>(
      name, Type::newShape(a.getType(), {B, M, N}), a3, b3));
  std::vector<dim_t> outDims = batch;
  outDims.push_back(M);
  outDims.push_back(N);
  setOutput(node, 0, F_->createReshape(name + ".unbatch", bmm, outDims));
  return llvm::Error::success();
}

namespace {
/// Builds the nodes of one ONNX node: names are the node's with a suffix.
struct Composer {
  Function *F;
  Module &M;
  const std::string &name;

  NodeValue splat(const std::string &what, float v, NodeValue like) {
    Tensor t(ElemKind::FloatTy, {1});
    t.getHandle<float>().raw(0) = v;
    return F->createBroadcast(name + "." + what + ".broadcast",
                              M.createConstant(name + "." + what, std::move(t)),
                              like.dims());
  }
  NodeValue op(Node::Kind k, const std::string &what, NodeValue a,
               NodeValue b) {
    return F->createArithmetic(k, name + "." + what, a, b);
  }
  NodeValue unary(Node::Kind k, const std::string &what, NodeValue a) {
    return F->createUnary(k, name + "." + what, a);
  }
  /// alpha * min(exp(x) - 1, 0) + max(x, 0): Elu, and Selu and Celu with
  /// their scalings.
  NodeValue elu(NodeValue x, float alpha, float inScale) {
    using K = Node::Kind;
    NodeValue xs = inScale == 1.f ? x
                                  : op(K::MulKind, "in_scale", x,
                                       splat("inv_alpha", inScale, x));
    NodeValue em1 = op(K::SubKind, "expm1", unary(K::ExpKind, "exp", xs),
                       splat("one", 1.f, x));
    NodeValue neg = op(K::MulKind, "negative",
                       op(K::MinKind, "min", em1, splat("zero", 0.f, x)),
                       splat("alpha", alpha, x));
    return op(K::AddKind, "sum",
              op(K::MaxKind, "positive", x, splat("zero_max", 0.f, x)), neg);
  }
};
} // namespace

llvm::Error ONNXModelLoader::loadActivation(const onnx::NodeProto &node,
                                            const std::string &name) {
  using K = Node::Kind;
  ASSIGN_OR_RETURN(x, getInput(node, 0));
  if (!x.getType().isFloat()) {
    return makeError(describe(node, name) + ": input must be float");
  }
  Composer c{F_, M_, name};
  const std::string &op = node.op_type();
  NodeValue y;
  if (op == "Elu") {
    y = c.elu(x, getFloat(node, "alpha", 1.f), 1.f);
  } else if (op == "Celu") { // max(0,x) + min(0, alpha*(exp(x/alpha)-1))
    float alpha = getFloat(node, "alpha", 1.f);
    if (alpha == 0) {
      return makeError(describe(node, name) + ": alpha must not be 0");
    }
    y = c.elu(x, alpha, 1.f / alpha);
  } else if (op == "Selu") {
    y = c.op(K::MulKind, "gamma",
             c.elu(x, getFloat(node, "alpha", 1.67326319217681884765625f), 1.f),
             c.splat("gamma",
                     getFloat(node, "gamma", 1.05070102214813232421875f), x));
  } else if (op == "Softplus") { // log(exp(x) + 1)
    y = c.unary(K::LogKind, "log",
                c.op(K::AddKind, "plus_one", c.unary(K::ExpKind, "exp", x),
                     c.splat("one", 1.f, x)));
  } else if (op == "Softsign") { // x / (1 + |x|)
    y = c.op(K::DivKind, "div", x,
             c.op(K::AddKind, "plus_one", c.unary(K::AbsKind, "abs", x),
                  c.splat("one", 1.f, x)));
  } else { // PRelu: max(x, 0) + slope * min(x, 0), slope broadcast to x
    ASSIGN_OR_RETURN(slope, getInput(node, 1));
    // Before opset 7 a 1-D slope of C values is per channel (axis 1).
    auto xd = x.dims();
    if (opset_ < 7 && slope.dims().size() == 1 && xd.size() > 2 &&
        slope.dims()[0] == xd[1] && xd[1] != 1) {
      std::vector<dim_t> perChannel(xd.size() - 1, 1);
      perChannel[0] = xd[1];
      slope = F_->createReshape(name + ".slope.channels", slope, perChannel);
    }
    NodeValue xs = x;
    if (auto err = broadcastOperands(name + ".slope", xs, slope)) {
      return err;
    }
    if (xs.dims() != x.dims()) {
      return makeError(describe(node, name) + ": slope " +
                       dimsToString(slope.dims()) + " does not broadcast to " +
                       dimsToString(x.dims()));
    }
    y = c.op(K::AddKind, "sum",
             c.op(K::MaxKind, "positive", x, c.splat("zero_max", 0.f, x)),
             c.op(K::MulKind, "negative",
                  c.op(K::MinKind, "min", x, c.splat("zero", 0.f, x)), slope));
  }
  setOutput(node, 0, y);
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadSplit(const onnx::NodeProto &node,
                                       const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  auto d = in.dims();
  ASSIGN_OR_RETURN(
      axis, normalizeAxis(getInt(node, "axis", 0), d.size(), node, name));
  std::vector<int64_t> sizes = getInts(node, "split");
  if (hasInput(node, 1)) { // opset 13: the sizes are an input
    ASSIGN_OR_RETURN(s, getConstantInts(node, 1));
    sizes = s;
  }
  int n = node.output_size();
  if (sizes.empty()) { // equal parts, the last one smaller (opset 18)
    dim_t part = (d[axis] + n - 1) / std::max(n, 1);
    for (int i = 0; i < n; i++) {
      sizes.push_back(std::min<int64_t>(part, int64_t(d[axis]) - i * part));
    }
  }
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s < 0) {
      return makeError(describe(node, name) + ": negative split size");
    }
    total += s;
  }
  if (int(sizes.size()) != n || total != int64_t(d[axis])) {
    return makeError(describe(node, name) + ": split sizes do not add up to " +
                     llvm::Twine(d[axis]) + " in " + llvm::Twine(n) +
                     " outputs");
  }
  dim_t start = 0;
  for (int i = 0; i < n; i++) {
    std::vector<dim_t> starts(d.size(), 0), steps(d.size(), 1),
        dims(d.begin(), d.end());
    starts[axis] = start;
    dims[axis] = dim_t(sizes[i]);
    setOutput(node, i,
              F_->createSlice(name + ".part" + std::to_string(i), in, starts,
                              steps, dims));
    start += dim_t(sizes[i]);
  }
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadDepthToSpace(const onnx::NodeProto &node,
                                              const std::string &name) {
  // Reshape, Transpose, Reshape (ONNX's definitions of both operators).
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  auto d = in.dims();
  int64_t b = getInt(node, "blocksize", 0);
  if (d.size() != 4 || b < 1 || b > 1024) {
    return makeError(describe(node, name) +
                     ": needs a 4-D input and a blocksize >= 1");
  }
  dim_t N = d[0], C = d[1], H = d[2], W = d[3], B = dim_t(b);
  NodeValue y;
  if (node.op_type() == "SpaceToDepth") {
    if (H % B || W % B) {
      return makeError(describe(node, name) +
                       ": height and width must be multiples of blocksize");
    }
    y = F_->createReshape(name + ".split", in, {N, C, H / B, B, W / B, B});
    y = F_->createTranspose(name + ".move", y, {0, 3, 5, 1, 2, 4});
    y = F_->createReshape(name, y, {N, C * B * B, H / B, W / B});
  } else {
    if (C % (B * B)) {
      return makeError(describe(node, name) +
                       ": channels must be a multiple of blocksize^2");
    }
    bool crd = getString(node, "mode", "DCR") == "CRD";
    dim_t c = C / (B * B);
    if (crd) {
      y = F_->createReshape(name + ".split", in, {N, c, B, B, H, W});
      y = F_->createTranspose(name + ".move", y, {0, 1, 4, 2, 5, 3});
    } else {
      y = F_->createReshape(name + ".split", in, {N, B, B, c, H, W});
      y = F_->createTranspose(name + ".move", y, {0, 3, 4, 1, 5, 2});
    }
    y = F_->createReshape(name, y, {N, c, H * B, W * B});
  }
  setOutput(node, 0, y);
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadConvTranspose(const onnx::NodeProto &node,
                                               const std::string &name) {
  // The gradient of a convolution, built as a convolution: the input gets
  // stride - 1 zeros between its elements (Concat with zeros, then a
  // Reshape), and a stride-1 convolution with the spatially flipped,
  // transposed filter and padding (k - 1) * dilation - pad (a Slice where
  // that is negative) gives the result. 1-D windows run as 2-D of height 1.
  ASSIGN_OR_RETURN(x, getInput(node, 0));
  ASSIGN_OR_RETURN(wc, getConstantInput(node, 1));
  auto xd = x.dims();
  size_t spatial = xd.size() >= 2 ? xd.size() - 2 : 0;
  if (!x.getType().isFloat() || (spatial != 1 && spatial != 2) ||
      wc->dims().size() != xd.size()) {
    return makeError(describe(node, name) +
                     ": needs a float 3-D or 4-D input and weights of the "
                     "same rank (1-D and 2-D windows), input is " +
                     dimsToString(xd));
  }
  int64_t group = getInt(node, "group", 1);
  dim_t N = xd[0], Cin = xd[1], Cout_g = wc->dims()[1];
  if (group < 1 || Cin % dim_t(group) || wc->dims()[0] != Cin) {
    return makeError(describe(node, name) + ": weights " +
                     dimsToString(wc->dims()) + " do not fit input channels " +
                     llvm::Twine(Cin) + " and group " + llvm::Twine(group));
  }
  dim_t G = dim_t(group), Cin_g = Cin / G, Cout = Cout_g * G;
  // Per spatial axis, as 2-D (a 1-D window is axis 1 of height 1).
  auto attr = [&](const char *what, int64_t def, size_t n) {
    auto v = getInts(node, what);
    return v.empty() ? std::vector<int64_t>(n, def) : v;
  };
  std::vector<int64_t> strides = attr("strides", 1, spatial),
                       dil = attr("dilations", 1, spatial),
                       outPad = attr("output_padding", 0, spatial),
                       pads = attr("pads", 0, 2 * spatial),
                       outShape = getInts(node, "output_shape");
  if (strides.size() != spatial || dil.size() != spatial ||
      outPad.size() != spatial || pads.size() != 2 * spatial ||
      (!outShape.empty() && outShape.size() != spatial)) {
    return makeError(describe(node, name) +
                     ": strides, dilations, output_padding, output_shape "
                     "and pads must have one value per spatial axis (two "
                     "for pads)");
  }
  std::string autoPad = getString(node, "auto_pad", "NOTSET");
  std::vector<dim_t> in(2, 1), k(2, 1);
  std::vector<int64_t> s(2, 1), d(2, 1), padBegin(2, 0), padEnd(2, 0),
      out(2, 1);
  for (size_t i = 0; i < spatial; i++) {
    size_t a = i + 2 - spatial;
    in[a] = xd[2 + i];
    k[a] = wc->dims()[2 + i];
    s[a] = strides[i];
    d[a] = dil[i];
    for (auto [v, what, lo] : {std::make_tuple(s[a], "strides", 1),
                               {d[a], "dilations", 1},
                               {outPad[i], "output_padding", 0},
                               {pads[i], "pads", 0},
                               {pads[i + spatial], "pads", 0}}) {
      if (auto err =
              checkRange(v, lo, 1 << 16, describe(node, name) + ": " + what)) {
        return err;
      }
    }
    int64_t full = s[a] * (int64_t(in[a]) - 1) + outPad[i] +
                   (int64_t(k[a]) - 1) * d[a] + 1;
    if (!outShape.empty() || autoPad == "SAME_UPPER" ||
        autoPad == "SAME_LOWER") {
      int64_t want = outShape.empty() ? int64_t(in[a]) * s[a] : outShape[i];
      int64_t total = full - want;
      // ONNX: SAME_UPPER puts the smaller half first, the others last.
      int64_t small = total >= 0 ? total / 2 : -((-total + 1) / 2);
      if (autoPad == "SAME_UPPER") {
        padBegin[a] = small;
        padEnd[a] = total - small;
      } else {
        padBegin[a] = total - small;
        padEnd[a] = small;
      }
    } else if (autoPad == "NOTSET") {
      padBegin[a] = pads[i];
      padEnd[a] = pads[i + spatial];
    } else if (autoPad != "VALID") {
      return makeError(describe(node, name) + ": unknown auto_pad '" + autoPad +
                       "'");
    }
    out[a] = full - padBegin[a] - padEnd[a];
    if (out[a] < 1) {
      return makeError(describe(node, name) + ": the result would be empty");
    }
    // The output padding extends the end: fold it into padEnd.
    padEnd[a] -= outPad[i];
  }
  // Filter [Cout, Cin_g, kh, kw]: transposed per group and flipped.
  Tensor filter(ElemKind::FloatTy, {Cout, Cin_g, k[0], k[1]});
  {
    auto src = wc->getPayload().getHandle<float>();
    auto dst = filter.getHandle<float>();
    for (dim_t g = 0; g < G; g++) {
      for (dim_t co = 0; co < Cout_g; co++) {
        for (dim_t ci = 0; ci < Cin_g; ci++) {
          for (dim_t h = 0; h < k[0]; h++) {
            for (dim_t w = 0; w < k[1]; w++) {
              dim_t from =
                  (((g * Cin_g + ci) * Cout_g + co) * k[0] + (k[0] - 1 - h)) *
                      k[1] +
                  (k[1] - 1 - w);
              dst.raw((((g * Cout_g + co) * Cin_g + ci) * k[0] + h) * k[1] +
                      w) = src.raw(from);
            }
          }
        }
      }
    }
  }
  NodeValue bias;
  if (hasInput(node, 2)) {
    ASSIGN_OR_RETURN(b, getInput(node, 2));
    bias = b;
  } else {
    bias = M_.createConstant(name + ".bias", Tensor(ElemKind::FloatTy, {Cout}));
  }
  NodeValue v = F_->createReshape(name + ".as2d", x, {N, Cin, in[0], in[1]});
  // Zeros between the elements of each strided axis.
  std::vector<dim_t> cur = {N, Cin, in[0], in[1]};
  for (unsigned a = 0; a < 2; a++) {
    if (s[a] == 1) {
      continue;
    }
    std::string t = name + (a ? ".dilate_w" : ".dilate_h");
    dim_t S = dim_t(s[a]);
    // View the axis as [len, 1] (and what follows it as one), append S - 1
    // zeros to each element, then drop the trailing zeros.
    dim_t len = cur[2 + a];
    std::vector<dim_t> view = a == 0
                                  ? std::vector<dim_t>{N, Cin, len, 1, cur[3]}
                                  : std::vector<dim_t>{N, Cin, cur[2], len, 1};
    NodeValue e = F_->createReshape(t + ".view", v, view);
    std::vector<dim_t> zd = view;
    zd[a == 0 ? 3 : 4] = S - 1;
    Tensor zero(ElemKind::FloatTy, {1});
    NodeValue z = F_->createBroadcast(
        t + ".zeros", M_.createConstant(t + ".zero", std::move(zero)), zd);
    NodeValue c = F_->createConcat(t + ".interleave", {e, z}, a == 0 ? 3 : 4);
    std::vector<dim_t> grown = cur;
    grown[2 + a] = len * S;
    NodeValue r = F_->createReshape(t + ".grown", c, grown);
    cur[2 + a] = (len - 1) * S + 1;
    v = F_->createSlice(t + ".trim", r, {0, 0, 0, 0}, {1, 1, 1, 1}, cur);
  }
  // Padding of the stride-1 convolution; a negative amount crops.
  std::vector<unsigned> convPads(4);
  std::vector<int64_t> crop(4, 0);
  for (unsigned a = 0; a < 2; a++) {
    int64_t edge = (int64_t(k[a]) - 1) * d[a];
    int64_t before = edge - padBegin[a], after = edge - padEnd[a];
    convPads[a] = unsigned(std::max<int64_t>(before, 0));
    convPads[a + 2] = unsigned(std::max<int64_t>(after, 0));
    crop[a] = std::max<int64_t>(-before, 0);
    crop[a + 2] = std::max<int64_t>(-after, 0);
  }
  if (crop[0] || crop[1] || crop[2] || crop[3]) {
    std::vector<dim_t> kept = {N, Cin, cur[2] - dim_t(crop[0] + crop[2]),
                               cur[3] - dim_t(crop[1] + crop[3])};
    v = F_->createSlice(name + ".crop", v,
                        {0, 0, dim_t(crop[0]), dim_t(crop[1])}, {1, 1, 1, 1},
                        kept);
  }
  Constant *f = M_.createConstant(name + ".filter", std::move(filter));
  NodeValue y = F_->createConv(
      name + ".conv", v, f, bias, {unsigned(k[0]), unsigned(k[1])}, {1, 1},
      convPads, unsigned(G), {unsigned(d[0]), unsigned(d[1])});
  std::vector<dim_t> outDims = {N, Cout};
  for (size_t i = 0; i < spatial; i++) {
    outDims.push_back(dim_t(out[i + 2 - spatial]));
  }
  if (y.dims() != llvm::ArrayRef<dim_t>(outDims) &&
      y.getType().size() != Type(ElemKind::FloatTy, outDims).size()) {
    return makeError(describe(node, name) + ": internal shape mismatch " +
                     dimsToString(y.dims()) + " vs " + dimsToString(outDims));
  }
  setOutput(node, 0, F_->createReshape(name, y, outDims));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadLRN(const onnx::NodeProto &node,
                                     const std::string &name) {
  // y = x / (bias + alpha / size * sum of x^2 over `size` neighbouring
  // channels)^beta: the squares viewed as [N, 1, C, rest] go through an
  // AvgPool of window [size, 1] whose zero padding counts (the mean of the
  // window, padding included, is the sum / size).
  ASSIGN_OR_RETURN(x, getInput(node, 0));
  auto d = x.dims();
  int64_t size = getInt(node, "size", 0);
  if (!x.getType().isFloat() || d.size() < 3) {
    return makeError(describe(node, name) +
                     ": needs a float input [N, C, ...] of rank 3 or more");
  }
  if (auto err =
          checkRange(size, 1, 1 << 16, describe(node, name) + ": size")) {
    return err;
  }
  float alpha = getFloat(node, "alpha", 1e-4f),
        beta = getFloat(node, "beta", 0.75f),
        bias = getFloat(node, "bias", 1.f);
  dim_t N = d[0], C = d[1], rest = x.getType().size() / (N * C);
  auto splat = [&](const char *what, float v) -> NodeValue {
    Tensor t(ElemKind::FloatTy, {1});
    t.getHandle<float>().raw(0) = v;
    return F_->createBroadcast(
        name + "." + what + ".broadcast",
        M_.createConstant(name + "." + what, std::move(t)), d);
  };
  NodeValue sq =
      F_->createArithmetic(Node::Kind::MulKind, name + ".square", x, x);
  NodeValue v = F_->createReshape(name + ".channels", sq, {N, 1, C, rest});
  unsigned before = unsigned((size - 1) / 2), after = unsigned(size / 2);
  NodeValue mean =
      F_->createAvgPool(name + ".window", v, {unsigned(size), 1}, {1, 1},
                        {before, 0, after, 0}, /*countIncludePads=*/true);
  mean = F_->createReshape(name + ".window.result", mean, d);
  NodeValue base = F_->createArithmetic(
      Node::Kind::AddKind, name + ".bias",
      F_->createArithmetic(Node::Kind::MulKind, name + ".alpha", mean,
                           splat("alpha", alpha)),
      splat("bias", bias));
  NodeValue denom = F_->createArithmetic(Node::Kind::PowKind, name + ".pow",
                                         base, splat("beta", beta));
  setOutput(node, 0, F_->createArithmetic(Node::Kind::DivKind, name, x, denom));
  return llvm::Error::success();
}

} // namespace glow
