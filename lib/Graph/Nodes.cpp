#include "glow/Graph/Nodes.h"
#include "glow/Support/ResourceLimits.h"

#include "llvm/Support/Casting.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <sstream>

namespace glow {

using Kind = Node::Kind;

const NodeKindInfo &Node::getKindInfo(Kind k) {
  static const NodeKindInfo table[] = {
#define DEF_NODE(CLASS, NAME, FAMILY, INT8, IMAGES, BATCH, EPILOGUE, LOWERING) \
  {#NAME,                                                                      \
   NodeFamily::FAMILY,                                                         \
   Int8Rule::INT8,                                                             \
   ImageOperands::IMAGES,                                                      \
   BatchMixing::BATCH,                                                         \
   EpilogueRole::EPILOGUE,                                                     \
   Lowering::LOWERING},
#include "glow/Graph/Nodes.def"
  };
  static_assert(sizeof(table) / sizeof(table[0]) == kNumKinds,
                "one row per kind");
  return table[unsigned(k)];
}

bool Node::getKindFromName(llvm::StringRef name, Kind &k) {
#define DEF_NODE(CLASS, NAME, ...)                                             \
  if (name == #NAME) {                                                         \
    k = Kind::NAME##Kind;                                                      \
    return true;                                                               \
  }
#include "glow/Graph/Nodes.def"
  return false;
}

std::string Node::validate() const {
  for (unsigned r = 0; r < getNumResults(); r++) {
    const Type &ty = getType(r);
    auto bytes =
        checkedTensorBytes(ty.dims(), getElementSize(ty.getElementType()),
                           "result " + llvm::Twine(r));
    if (!bytes) {
      return llvm::toString(bytes.takeError());
    }
  }
  return verify();
}

bool isDataMovementKind(Node::Kind k) {
  return Node::getKindInfo(k).family == NodeFamily::DataMovement;
}

bool isTypePreservingKind(Node::Kind k) {
  return Node::getKindInfo(k).int8 == Int8Rule::Forward;
}

bool isLayerNode(const Node &n) {
  switch (n.getFamily()) {
  case NodeFamily::Storage:
  case NodeFamily::Output:
  case NodeFamily::Quantization:
    return false;
  case NodeFamily::Weighted:
  case NodeFamily::Binary:
  case NodeFamily::Unary:
  case NodeFamily::Pool:
  case NodeFamily::Normalization:
  case NodeFamily::DataMovement:
  case NodeFamily::Conversion:
  case NodeFamily::Logic:
    return true;
  }
  return true;
}

bool mayMixImages(const Node &n) {
  if (n.getKindInfo().batch == BatchMixing::Never) {
    return false;
  }
  llvm::ArrayRef<dim_t> out = n.dims();
  if (auto *t = llvm::dyn_cast<TransposeNode>(&n)) {
    return t->getShuffle()[0] != 0;
  }
  if (auto *s = llvm::dyn_cast<SliceNode>(&n)) {
    return s->getStarts()[0] != 0 || s->getSteps()[0] != 1;
  }
  if (auto *c = llvm::dyn_cast<ConcatNode>(&n)) {
    return c->getDim() == 0;
  }
  if (auto *p = llvm::dyn_cast<PadNode>(&n)) {
    return p->getPads()[0] != 0 || p->getPads()[out.size()] != 0;
  }
  if (auto *g = llvm::dyn_cast<GatherNode>(&n)) {
    return g->getAxis() == 0;
  }
  if (auto *s = llvm::dyn_cast<SoftMaxNode>(&n)) {
    return s->getAxis() == 0;
  }
  if (auto *r = llvm::dyn_cast<ReduceNode>(&n)) {
    return !r->getAxes().empty() && r->getAxes()[0] == 0;
  }
  if (auto *a = llvm::dyn_cast<ArgMinMaxNode>(&n)) {
    return a->getAxis() == 0;
  }
  if (auto *r = llvm::dyn_cast<ResizeNode>(&n)) {
    return !r->isIdentityAxis(0);
  }
  if (llvm::isa<BroadcastNode>(&n) || llvm::isa<ReshapeNode>(&n)) {
    llvm::ArrayRef<dim_t> in = n.getNthInput(0).dims();
    bool sameRank = llvm::isa<ReshapeNode>(&n) || in.size() == out.size();
    return in.empty() || out.empty() || !sameRank || in[0] != out[0];
  }
  return true; // ByAttributes without a rule here: assume it mixes
}

bool ArithmeticNode::classof(const Node *n) {
  return n->getFamily() == NodeFamily::Binary;
}

bool UnaryNode::classof(const Node *n) {
  return n->getFamily() == NodeFamily::Unary;
}

namespace {
/// Collects the first failed check of a node's verification.
class Checker {
public:
  /// Records \p msg if \p ok is false and nothing failed before.
  Checker &expect(bool ok, const std::string &msg) {
    if (!ok && msg_.empty()) {
      msg_ = msg;
    }
    return *this;
  }
  std::string result() const { return msg_; }

private:
  std::string msg_;
};

std::string shapeOf(NodeValue v) { return v.getType().toString(); }

bool sameShape(NodeValue a, NodeValue b) { return a.dims() == b.dims(); }

/// Float results need float inputs; quantized ones any quantized kind.
bool compatibleKinds(const Type &a, const Type &b) {
  return a.isQuantized() ? b.isQuantized()
                         : a.getElementType() == b.getElementType();
}
} // namespace

std::string SaveNode::verify() const {
  Checker c;
  c.expect(getInput().getType() == getPlaceholder()->getType(),
           "Save input " + shapeOf(getInput()) + " does not match output " +
               getPlaceholder()->getType().toString());
  return c.result();
}

std::string ConvolutionNode::verify() const {
  Checker c;
  auto in = getInput().dims(), f = getFilter().dims(), b = getBias().dims(),
       out = getType().dims();
  c.expect(in.size() == 4,
           "Convolution input must be 4-D NCHW, got " + shapeOf(getInput()));
  c.expect(f.size() == 4,
           "Convolution filter must be 4-D, got " + shapeOf(getFilter()));
  c.expect(b.size() == 1, "Convolution bias must be 1-D");
  c.expect(out.size() == 4, "Convolution result must be 4-D");
  c.expect(kernels_.size() == 2 && strides_.size() == 2 && pads_.size() == 4 &&
               dilations_.size() == 2,
           "Convolution needs 2 kernels, 2 strides, 4 pads, 2 dilations");
  c.expect(group_ >= 1, "Convolution group must be >= 1");
  if (!c.result().empty()) {
    return c.result();
  }
  for (unsigned s : strides_) {
    c.expect(s >= 1, "Convolution strides must be >= 1");
  }
  for (unsigned d : dilations_) {
    c.expect(d >= 1, "Convolution dilations must be >= 1");
  }
  c.expect(in[1] % group_ == 0 && f[0] % group_ == 0,
           "Convolution channels not divisible by group");
  c.expect(f[1] * group_ == in[1],
           "Convolution filter " + shapeOf(getFilter()) +
               " does not match input channels of " + shapeOf(getInput()));
  c.expect(f[2] == kernels_[0] && f[3] == kernels_[1],
           "Convolution filter shape does not match kernel attribute");
  c.expect(b[0] == f[0], "Convolution bias size does not match filter count");
  if (!c.result().empty()) {
    return c.result();
  }
  dim_t oh = computeWindowOutputSizeForVerify(in[2], 0);
  dim_t ow = computeWindowOutputSizeForVerify(in[3], 1);
  c.expect(oh > 0 && ow > 0,
           "Convolution window larger than the padded input " +
               shapeOf(getInput()));
  c.expect(out[0] == in[0] && out[1] == f[0] && out[2] == oh && out[3] == ow,
           "Convolution result shape " + getType().toString() +
               " is not the computed one");
  c.expect(compatibleKinds(getType(), getInput().getType()),
           "Convolution input and result element kinds differ");
  c.expect(!getType().isFloat() || (getFilter().getType().isFloat() &&
                                    getBias().getType().isFloat()),
           "float Convolution needs a float filter and bias");
  if (isChannelwise()) {
    c.expect(getFilterScales().dims() == llvm::ArrayRef<dim_t>{f[0]} &&
                 getFilterOffsets().dims() == llvm::ArrayRef<dim_t>{f[0]},
             "Convolution filter scales/offsets need one value per filter");
    c.expect(getFilter().getType().isQuantized(),
             "channelwise Convolution needs a quantized filter");
  }
  if (getType().isQuantized()) {
    c.expect(getInput().getType().isQuantized() &&
                 getFilter().getType().isQuantized() &&
                 getBias().getElementType() == ElemKind::Int32QTy,
             "quantized Convolution needs quantized input and filter and an "
             "int32 bias");
  }
  return c.result();
}

dim_t ConvolutionNode::computeWindowOutputSizeForVerify(dim_t in,
                                                        unsigned i) const {
  dim_t eff = dim_t(dilations_[i]) * (kernels_[i] - 1) + 1;
  dim_t padded = in + pads_[i] + pads_[i + 2];
  if (padded < eff) {
    return 0;
  }
  return (padded - eff) / strides_[i] + 1;
}

AttributeList ConvolutionNode::getAttributes() const {
  return {{"kernels", listToString(kernels_)},
          {"strides", listToString(strides_)},
          {"pads", listToString(pads_)},
          {"group", std::to_string(group_)},
          {"dilations", listToString(dilations_)}};
}

std::string FullyConnectedNode::verify() const {
  Checker c;
  auto in = getInput().dims(), w = getWeights().dims(), b = getBias().dims(),
       out = getType().dims();
  c.expect(in.size() >= 2, "FullyConnected input must have rank >= 2");
  c.expect(w.size() == 2, "FullyConnected weights must be 2-D");
  c.expect(b.size() == 1, "FullyConnected bias must be 1-D");
  c.expect(out.size() == 2, "FullyConnected result must be 2-D");
  if (!c.result().empty()) {
    return c.result();
  }
  dim_t k = 1;
  for (size_t i = 1; i < in.size(); i++) {
    k *= in[i];
  }
  c.expect(w[0] == k, "FullyConnected weights " + shapeOf(getWeights()) +
                          " do not match input " + shapeOf(getInput()));
  c.expect(b[0] == w[1], "FullyConnected bias size does not match weights");
  c.expect(out[0] == in[0] && out[1] == w[1],
           "FullyConnected result shape is not the computed one");
  c.expect(compatibleKinds(getType(), getInput().getType()) &&
               compatibleKinds(getType(), getWeights().getType()),
           "FullyConnected input, weights and result element kinds differ");
  c.expect(!getType().isFloat() || getBias().getType().isFloat(),
           "float FullyConnected needs a float bias");
  return c.result();
}

std::string BatchNormalizationNode::verify() const {
  Checker c;
  auto in = getInput().dims();
  c.expect(in.size() >= 2, "BatchNormalization input must have rank >= 2");
  if (!c.result().empty()) {
    return c.result();
  }
  for (unsigned i = 1; i < 5; i++) {
    auto d = getNthInput(i).dims();
    c.expect(d.size() == 1 && d[0] == in[1],
             std::string("BatchNormalization ") + getInputName(i).str() +
                 " must have one value per channel");
  }
  c.expect(getType() == getInput().getType(),
           "BatchNormalization result type must equal its input type");
  for (unsigned i = 0; i < 5; i++) {
    c.expect(getNthInput(i).getType().isFloat(),
             "BatchNormalization operands must be float");
  }
  return c.result();
}

AttributeList BatchNormalizationNode::getAttributes() const {
  return {{"epsilon", std::to_string(epsilon_)}};
}

std::string BatchMatMulNode::verify() const {
  Checker c;
  auto l = getLHS().dims(), r = getRHS().dims(), o = getType().dims();
  c.expect(l.size() == 3 && r.size() == 3 && o.size() == 3,
           "BatchMatMul operands must be 3-D");
  if (!c.result().empty()) {
    return c.result();
  }
  c.expect(l[0] == r[0] && l[2] == r[1],
           "BatchMatMul shapes do not fit: " + shapeOf(getLHS()) + " x " +
               shapeOf(getRHS()));
  c.expect(o[0] == l[0] && o[1] == l[1] && o[2] == r[2],
           "BatchMatMul result shape is wrong");
  c.expect(getType().getElementType() == getLHS().getElementType() &&
               getType().getElementType() == getRHS().getElementType(),
           "BatchMatMul operands and result differ in element kind");
  return c.result();
}

std::string MatMulNode::verify() const {
  Checker c;
  auto l = getLHS().dims(), r = getRHS().dims(), o = getType().dims();
  c.expect(l.size() == 2 && r.size() == 2 && o.size() == 2,
           "MatMul operands must be 2-D");
  if (!c.result().empty()) {
    return c.result();
  }
  c.expect(l[1] == r[0], "MatMul inner dimensions differ: " +
                             shapeOf(getLHS()) + " x " + shapeOf(getRHS()));
  c.expect(o[0] == l[0] && o[1] == r[1], "MatMul result shape is wrong");
  c.expect(compatibleKinds(getType(), getLHS().getType()) &&
               compatibleKinds(getType(), getRHS().getType()),
           "MatMul operands and result differ in element kind: " +
               shapeOf(getLHS()) + " x " + shapeOf(getRHS()));
  return c.result();
}

std::string ArithmeticNode::verify() const {
  Checker c;
  c.expect(sameShape(getLHS(), getRHS()),
           std::string(getKindName()) + " operands differ in shape: " +
               shapeOf(getLHS()) + " and " + shapeOf(getRHS()));
  c.expect(getType().dims() == getLHS().dims(),
           std::string(getKindName()) + " result shape differs from operands");
  c.expect(compatibleKinds(getLHS().getType(), getRHS().getType()),
           std::string(getKindName()) + " operands differ in element kind");
  return c.result();
}

std::string UnaryNode::verify() const {
  Checker c;
  c.expect(getType().dims() == getInput().dims(),
           std::string(getKindName()) + " result shape differs from input");
  return c.result();
}

std::string ClipNode::verify() const {
  Checker c;
  c.expect(UnaryNode::verify().empty(), UnaryNode::verify());
  c.expect(min_ <= max_, "Clip min is greater than max");
  return c.result();
}

AttributeList ClipNode::getAttributes() const {
  return {{"min", std::to_string(min_)}, {"max", std::to_string(max_)}};
}

AttributeList LeakyReluNode::getAttributes() const {
  return {{"alpha", std::to_string(alpha_)}};
}

std::string PoolNode::verify() const {
  Checker c;
  auto in = getInput().dims(), out = getType().dims();
  c.expect(in.size() == 4 && out.size() == 4,
           std::string(getKindName()) + " input must be 4-D NCHW");
  c.expect(kernels_.size() == 2 && strides_.size() == 2 && pads_.size() == 4,
           std::string(getKindName()) + " needs 2 kernels, 2 strides, 4 pads");
  if (!c.result().empty()) {
    return c.result();
  }
  c.expect(strides_[0] >= 1 && strides_[1] >= 1 && kernels_[0] >= 1 &&
               kernels_[1] >= 1,
           std::string(getKindName()) + " kernels and strides must be >= 1");
  c.expect(out[0] == in[0] && out[1] == in[1] && out[2] > 0 && out[3] > 0,
           std::string(getKindName()) + " result shape " +
               getType().toString() + " is wrong for input " +
               shapeOf(getInput()));
  c.expect(in[2] + pads_[0] + pads_[2] >= kernels_[0] &&
               in[3] + pads_[1] + pads_[3] >= kernels_[1],
           std::string(getKindName()) + " window larger than padded input");
  return c.result();
}

AttributeList PoolNode::getAttributes() const {
  AttributeList a = {{"kernels", listToString(kernels_)},
                     {"strides", listToString(strides_)},
                     {"pads", listToString(pads_)}};
  if (getKind() == Kind::AvgPoolKind) {
    a.push_back({"countIncludePads", countIncludePads_ ? "1" : "0"});
  }
  return a;
}

const char *ReduceNode::getModeName(Mode mode) {
  switch (mode) {
#define GLOW_REDUCE_MODE(NAME)                                                 \
  case Mode::NAME:                                                             \
    return #NAME;
#include "glow/Graph/ReduceModes.def"
  }
  return "?";
}

std::string ReduceNode::verify() const {
  Checker c;
  auto in = getInput().dims(), out = getType().dims();
  bool sorted = std::is_sorted(axes_.begin(), axes_.end()) &&
                std::adjacent_find(axes_.begin(), axes_.end()) == axes_.end();
  c.expect(!axes_.empty() && sorted && axes_.back() < in.size(),
           "Reduce axes must be sorted, distinct and within the input rank");
  if (!c.result().empty()) {
    return c.result();
  }
  std::vector<dim_t> expect;
  for (unsigned i = 0; i < in.size(); i++) {
    bool reduced = std::count(axes_.begin(), axes_.end(), i) != 0;
    if (!reduced) {
      expect.push_back(in[i]);
    } else if (keepDims_) {
      expect.push_back(1);
    }
  }
  c.expect(out == llvm::ArrayRef<dim_t>(expect),
           "Reduce result shape " + dimsToString(out) + " should be " +
               dimsToString(expect));
  c.expect(getType().getElementType() == getInput().getElementType(),
           "Reduce changes the element kind");
  return c.result();
}

AttributeList ReduceNode::getAttributes() const {
  return {{"mode", getModeName(mode_)},
          {"axes", listToString(axes_)},
          {"keepDims", keepDims_ ? "1" : "0"}};
}

std::string ResizeNode::verify() const {
  Checker c;
  auto in = getInput().dims(), out = getType().dims();
  c.expect(in.size() == out.size() && scales_.size() == in.size(),
           "Resize needs one scale per axis and keeps the rank");
  c.expect(getType().getElementType() == getInput().getElementType(),
           "Resize changes the element kind");
  for (size_t i = 0; i < scales_.size() && c.result().empty(); i++) {
    c.expect(scales_[i] > 0 && std::isfinite(scales_[i]) && out[i] > 0,
             "Resize scales and output lengths must be positive");
  }
  return c.result();
}

AttributeList ResizeNode::getAttributes() const {
  static const char *interpolation[] = {"nearest", "linear", "cubic"};
  static const char *coordinates[] = {
      "half_pixel", "pytorch_half_pixel",   "align_corners",
      "asymmetric", "tf_half_pixel_for_nn", "half_pixel_symmetric"};
  static const char *rounding[] = {"round_prefer_floor", "round_prefer_ceil",
                                   "floor", "ceil"};
  std::ostringstream scales;
  for (size_t i = 0; i < scales_.size(); i++) {
    scales << (i ? ", " : "[") << scales_[i];
  }
  scales << "]";
  const Options &o = options_;
  AttributeList a = {{"mode", interpolation[int(o.interpolation)]},
                     {"coordinates", coordinates[int(o.coordinates)]},
                     {"scales", scales.str()}};
  if (o.interpolation == Interpolation::Nearest) {
    a.push_back({"nearest", rounding[int(o.rounding)]});
  }
  if (o.interpolation == Interpolation::Cubic) {
    a.push_back({"cubicCoeffA", std::to_string(o.cubicCoeffA)});
    a.push_back({"excludeOutside", o.excludeOutside ? "1" : "0"});
  }
  return a;
}

std::string ArgMinMaxNode::verify() const {
  Checker c;
  auto in = getInput().dims(), out = getType().dims();
  c.expect(axis_ < in.size(), "ArgMinMax axis out of range");
  if (!c.result().empty()) {
    return c.result();
  }
  std::vector<dim_t> expect(in.begin(), in.end());
  if (keepDims_) {
    expect[axis_] = 1;
  } else {
    expect.erase(expect.begin() + axis_);
  }
  c.expect(out == llvm::ArrayRef<dim_t>(expect),
           "ArgMinMax result shape " + dimsToString(out) + " should be " +
               dimsToString(expect));
  c.expect(getType().getElementType() == ElemKind::Int64ITy,
           "ArgMinMax result must be Int64");
  c.expect(getInput().getType().isFloat(), "ArgMinMax input must be float");
  return c.result();
}

AttributeList ArgMinMaxNode::getAttributes() const {
  return {{"mode", min_ ? "min" : "max"},
          {"axis", std::to_string(axis_)},
          {"keepDims", keepDims_ ? "1" : "0"},
          {"selectLastIndex", selectLastIndex_ ? "1" : "0"}};
}

const char *CompareNode::getModeName(Mode m) {
  switch (m) {
#define KERNEL_COMPARE_MODE(NAME, CODE)                                        \
  case CompareNode::Mode::NAME:                                                \
    return #NAME;
#include "glow/Backends/KernelOps.def"
  }
  return "?";
}

std::string CompareNode::verify() const {
  Checker c;
  size_t want = mode_ == Mode::Not ? 1 : 2;
  c.expect(getNumInputs() == want, std::string(getModeName(mode_)) + " takes " +
                                       std::to_string(want) + " operands");
  c.expect(getType().getElementType() == ElemKind::BoolTy,
           "Compare result must be Bool");
  for (unsigned i = 0; i < getNumInputs(); i++) {
    NodeValue v = getNthInput(i);
    c.expect(v.dims() == getType().dims(),
             "Compare operands must have the result's shape");
    c.expect(v.getElementType() == getNthInput(0).getElementType(),
             "Compare operands must be of one kind");
    c.expect(!v.getType().isQuantized(), "Compare operands cannot be INT8");
    c.expect(!isLogic() || v.getElementType() == ElemKind::BoolTy,
             "And, Or, Xor and Not take Bool operands");
  }
  return c.result();
}

AttributeList CompareNode::getAttributes() const {
  return {{"mode", getModeName(mode_)}};
}

std::string SelectNode::verify() const {
  Checker c;
  auto out = getType().dims();
  c.expect(getCond().getElementType() == ElemKind::BoolTy,
           "Select condition must be Bool");
  for (NodeValue v : {getCond(), getLHS(), getRHS()}) {
    c.expect(v.dims() == out, "Select operands must have the result's shape");
  }
  c.expect(getLHS().getType().isEqualElemType(getType()) &&
               getRHS().getType().isEqualElemType(getType()),
           "Select operands must be of the result's type");
  return c.result();
}

std::string GatherElementsNode::verify() const {
  Checker c;
  auto d = getData().dims(), idx = getIndices().dims(), out = getType().dims();
  c.expect(axis_ < d.size(), "GatherElements axis out of range");
  c.expect(getIndices().getElementType() == ElemKind::Int64ITy ||
               getIndices().getElementType() == ElemKind::Int32ITy,
           "GatherElements indices must be integers");
  c.expect(idx.size() == d.size(), "GatherElements indices rank is wrong");
  c.expect(out == idx, "GatherElements result must have the indices' shape");
  c.expect(getData().getType().isEqualElemType(getType()),
           "GatherElements result must have the data's type");
  return c.result();
}

AttributeList GatherElementsNode::getAttributes() const {
  return {{"axis", std::to_string(axis_)}};
}

std::string TopKNode::verify() const {
  Checker c;
  auto in = getInput().dims(), out = getType().dims();
  c.expect(axis_ < in.size() && in.size() == out.size(),
           "TopK axis or rank is wrong");
  if (!c.result().empty()) {
    return c.result();
  }
  for (size_t i = 0; i < in.size(); i++) {
    c.expect(i == axis_ ? out[i] <= in[i] : out[i] == in[i],
             "TopK result shape " + dimsToString(out) + " does not fit " +
                 dimsToString(in));
  }
  c.expect(getType().getElementType() == ElemKind::Int64ITy,
           "TopK result must be Int64");
  c.expect(getInput().getType().isFloat(), "TopK input must be float");
  return c.result();
}

AttributeList TopKNode::getAttributes() const {
  return {{"k", std::to_string(getK())},
          {"axis", std::to_string(axis_)},
          {"largest", largest_ ? "1" : "0"}};
}

std::string IntLookupTableNode::verify() const {
  Checker c;
  const Type &in = getInput().getType(), &t = getTable().getType(),
             &out = getType();
  c.expect(in.getElementType() == ElemKind::Int8QTy &&
               out.getElementType() == ElemKind::Int8QTy &&
               t.getElementType() == ElemKind::Int8QTy,
           "IntLookupTable input, table and result must be int8");
  c.expect(t.dims().size() == 1 && t.dims()[0] == 256,
           "IntLookupTable table must have 256 entries");
  c.expect(in.dims() == out.dims(), "IntLookupTable changes the shape");
  return c.result();
}

std::string SoftMaxNode::verify() const {
  Checker c;
  c.expect(axis_ < getInput().dims().size(), "SoftMax axis out of range");
  c.expect(getType().dims() == getInput().dims(),
           "SoftMax result shape differs from input");
  return c.result();
}

AttributeList SoftMaxNode::getAttributes() const {
  return {{"axis", std::to_string(axis_)}};
}

std::string ReshapeNode::verify() const {
  Checker c;
  c.expect(getType().size() == getInput().getType().size(),
           "Reshape from " + shapeOf(getInput()) + " to " +
               getType().toString() + " changes the number of elements");
  return c.result();
}

std::string TransposeNode::verify() const {
  Checker c;
  auto in = getInput().dims(), out = getType().dims();
  c.expect(shuffle_.size() == in.size() && out.size() == in.size(),
           "Transpose permutation does not match the input rank");
  if (!c.result().empty()) {
    return c.result();
  }
  std::vector<bool> seen(in.size(), false);
  for (size_t i = 0; i < shuffle_.size(); i++) {
    c.expect(shuffle_[i] < in.size() && !seen[shuffle_[i]],
             "Transpose permutation is not a permutation");
    if (!c.result().empty()) {
      return c.result();
    }
    seen[shuffle_[i]] = true;
    c.expect(out[i] == in[shuffle_[i]], "Transpose result shape is wrong");
  }
  return c.result();
}

AttributeList TransposeNode::getAttributes() const {
  return {{"shuffle", listToString(shuffle_)}};
}

std::string ConcatNode::verify() const {
  Checker c;
  auto out = getType().dims();
  c.expect(getNumInputs() >= 1, "Concat needs at least one input");
  c.expect(dim_ < out.size(), "Concat axis out of range");
  if (!c.result().empty()) {
    return c.result();
  }
  dim_t sum = 0;
  for (unsigned i = 0; i < getNumInputs(); i++) {
    auto d = getNthInput(i).dims();
    c.expect(d.size() == out.size(), "Concat inputs differ in rank");
    if (!c.result().empty()) {
      return c.result();
    }
    for (size_t j = 0; j < d.size(); j++) {
      c.expect(j == dim_ || d[j] == out[j],
               "Concat input " + shapeOf(getNthInput(i)) +
                   " does not match the other inputs");
    }
    sum += d[dim_];
  }
  c.expect(sum == out[dim_], "Concat result size along the axis is wrong");
  return c.result();
}

AttributeList ConcatNode::getAttributes() const {
  return {{"dim", std::to_string(dim_)}};
}

std::string SliceNode::verify() const {
  Checker c;
  auto in = getInput().dims(), out = getType().dims();
  c.expect(starts_.size() == in.size() && steps_.size() == in.size() &&
               out.size() == in.size(),
           "Slice starts/steps do not match the input rank");
  if (!c.result().empty()) {
    return c.result();
  }
  for (size_t i = 0; i < in.size(); i++) {
    c.expect(steps_[i] != 0, "Slice step is zero");
    if (out[i] == 0) {
      continue;
    }
    dim_t last = starts_[i] + (out[i] - 1) * steps_[i];
    c.expect(starts_[i] >= 0 && starts_[i] < in[i] && last >= 0 && last < in[i],
             "Slice reads outside the input " + shapeOf(getInput()));
  }
  return c.result();
}

AttributeList SliceNode::getAttributes() const {
  return {{"starts", listToString(starts_)}, {"steps", listToString(steps_)}};
}

std::string PadNode::verify() const {
  Checker c;
  auto in = getInput().dims(), out = getType().dims();
  c.expect(pads_.size() == 2 * in.size() && out.size() == in.size(),
           "Pad needs 2 pads per input dimension");
  if (!c.result().empty()) {
    return c.result();
  }
  for (size_t i = 0; i < in.size(); i++) {
    c.expect(out[i] == in[i] + pads_[i] + pads_[i + in.size()] && out[i] >= 0,
             "Pad result shape is wrong");
    if (mode_ == Mode::Reflect) {
      c.expect(pads_[i] < in[i] && pads_[i + in.size()] < in[i],
               "Pad reflect amount must be smaller than the dimension");
    }
  }
  return c.result();
}

AttributeList PadNode::getAttributes() const {
  const char *modes[] = {"constant", "reflect", "edge"};
  return {{"pads", listToString(pads_)},
          {"mode", modes[int(mode_)]},
          {"value", std::to_string(value_)}};
}

std::string GatherNode::verify() const {
  Checker c;
  auto d = getData().dims(), idx = getIndices().dims(), out = getType().dims();
  c.expect(axis_ < d.size(), "Gather axis out of range");
  c.expect(getIndices().getElementType() == ElemKind::Int64ITy ||
               getIndices().getElementType() == ElemKind::Int32ITy,
           "Gather indices must be integers");
  c.expect(out.size() == d.size() - 1 + idx.size(),
           "Gather result rank is wrong");
  return c.result();
}

AttributeList GatherNode::getAttributes() const {
  return {{"axis", std::to_string(axis_)}};
}

std::string BroadcastNode::verify() const {
  Checker c;
  auto in = getInput().dims(), out = getType().dims();
  c.expect(in.size() <= out.size(), "Broadcast cannot lower the rank");
  if (!c.result().empty()) {
    return c.result();
  }
  size_t off = out.size() - in.size();
  for (size_t i = 0; i < in.size(); i++) {
    c.expect(in[i] == 1 || in[i] == out[i + off],
             "cannot broadcast " + shapeOf(getInput()) + " to " +
                 getType().toString());
  }
  return c.result();
}

std::string ConvertToNode::verify() const {
  Checker c;
  c.expect(getType().dims() == getInput().dims(),
           "ConvertTo changes the shape");
  c.expect(!getType().isQuantized() && !getInput().getType().isQuantized(),
           "ConvertTo does not take quantized kinds");
  return c.result();
}

std::string QuantizationNode::verify() const {
  Checker c;
  const Type &in = getInput().getType(), &out = getType();
  c.expect(in.dims() == out.dims(),
           std::string(getKindName()) + " changes the shape");
  if (getKind() == Kind::QuantizeKind) {
    c.expect(in.isFloat() && out.isQuantized(),
             "Quantize must take float and give a quantized kind");
  } else if (getKind() == Kind::DequantizeKind) {
    c.expect(in.isQuantized() && out.isFloat(),
             "Dequantize must take a quantized kind and give float");
  } else {
    c.expect(in.isQuantized() && out.isQuantized(),
             "RescaleQuantized must take and give quantized kinds");
  }
  if (out.isQuantized()) {
    c.expect(out.getScale() > 0, "quantization scale must be positive");
  }
  return c.result();
}

} // namespace glow
