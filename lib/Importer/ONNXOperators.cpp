#include "ONNXHelpers.h"
#include "glow/Importer/ONNXModelLoader.h"

#include "glow/Support/Error.h"
#include "glow/Support/ResourceLimits.h"

#include "llvm/Support/Casting.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

using llvm::cast;
using llvm::dyn_cast;

namespace glow {

using namespace onnximport;

//===----------------------------------------------------------------------===//
// Builders
//===----------------------------------------------------------------------===//

llvm::Error ONNXModelLoader::loadBatchNormalization(const onnx::NodeProto &node,
                                                    const std::string &name) {
  std::vector<NodeValue> ins;
  for (unsigned i = 0; i < 5; i++) {
    ASSIGN_OR_RETURN(v, getInput(node, i));
    ins.push_back(v);
  }
  if (getInt(node, "training_mode", 0) != 0) {
    return makeError(describe(node, name) +
                     ": training_mode=1 is not supported (inference only)");
  }
  auto *bn =
      F_->createBatchNormalization(name, ins[0], ins[1], ins[2], ins[3], ins[4],
                                   getFloat(node, "epsilon", 1e-5f));
  setOutput(node, 0, bn);
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadGemm(const onnx::NodeProto &node,
                                      const std::string &name) {
  ASSIGN_OR_RETURN(a, getInput(node, 0));
  ASSIGN_OR_RETURN(b, getInput(node, 1));
  if (a.dims().size() != 2 || b.dims().size() != 2) {
    return makeError(describe(node, name) + ": A and B must be 2-D");
  }
  float alpha = getFloat(node, "alpha", 1.f),
        beta = getFloat(node, "beta", 1.f);
  if (getInt(node, "transA", 0)) {
    a = F_->createTranspose(name + ".transA", a, {1, 0});
  }
  if (getInt(node, "transB", 0)) {
    b = F_->createTranspose(name + ".transB", b, {1, 0});
  }
  if (alpha != 1.f) {
    Tensor t(ElemKind::FloatTy, {1});
    t.getHandle<float>().raw(0) = alpha;
    NodeValue s = F_->createBroadcast(
        name + ".alpha", M_.createConstant(name + ".alpha", std::move(t)),
        b.dims());
    b = F_->createArithmetic(Node::Kind::MulKind, name + ".scaleB", b, s);
  }
  dim_t M = a.dims()[0], N = b.dims().size() == 2 ? b.dims()[1] : 0;
  NodeValue c;
  if (hasInput(node, 2)) {
    ASSIGN_OR_RETURN(cv, getInput(node, 2));
    c = cv;
    if (beta != 1.f) {
      Tensor t(ElemKind::FloatTy, {1});
      t.getHandle<float>().raw(0) = beta;
      NodeValue s = F_->createBroadcast(
          name + ".beta", M_.createConstant(name + ".beta", std::move(t)),
          c.dims());
      c = F_->createArithmetic(Node::Kind::MulKind, name + ".scaleC", c, s);
    }
  }
  // A bias of one value per output column becomes a FullyConnected.
  auto cd = c.getNode() ? c.dims() : llvm::ArrayRef<dim_t>();
  bool rowBias = !c.getNode() || (cd.size() == 1 && cd[0] == N) ||
                 (cd.size() == 2 && cd[0] == 1 && cd[1] == N);
  if (rowBias) {
    if (!c.getNode()) {
      c = M_.createConstant(name + ".bias", Tensor(ElemKind::FloatTy, {N}));
    } else if (cd.size() == 2) {
      c = F_->createReshape(name + ".bias", c, {N});
    }
    setOutput(node, 0, F_->createFullyConnected(name, a, b, c));
    return llvm::Error::success();
  }
  NodeValue prod = F_->createMatMul(name, a, b);
  if (auto err = broadcastOperands(name, prod, c)) {
    return err;
  }
  if (prod.dims() != llvm::ArrayRef<dim_t>({M, N})) {
    return makeError(describe(node, name) + ": C does not broadcast to [M, N]");
  }
  setOutput(node, 0,
            F_->createArithmetic(Node::Kind::AddKind, name + ".addC", prod, c));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadMatMul(const onnx::NodeProto &node,
                                        const std::string &name) {
  ASSIGN_OR_RETURN(a, getInput(node, 0));
  ASSIGN_OR_RETURN(b, getInput(node, 1));
  auto ad = a.dims(), bd = b.dims();
  if (ad.size() < 2 || bd.size() < 2) {
    return makeError(describe(node, name) +
                     ": operands must be at least 2-D, got " +
                     dimsToString(ad) + " x " + dimsToString(bd));
  }
  if (bd.size() > 2) {
    return loadBatchMatMul(node, name, a, b);
  }
  if (ad.size() == 2) {
    setOutput(node, 0, F_->createMatMul(name, a, b));
    return llvm::Error::success();
  }
  // [..., K] x [K, M]: fold the leading dimensions into rows.
  std::vector<dim_t> outDims(ad.begin(), ad.end());
  outDims.back() = bd[1];
  dim_t rows = a.getType().size() / ad.back();
  NodeValue a2 = F_->createReshape(name + ".rows", a, {rows, ad.back()});
  NodeValue mm = F_->createMatMul(name, a2, b);
  setOutput(node, 0, F_->createReshape(name + ".unrows", mm, outDims));
  return llvm::Error::success();
}

static Node::Kind arithmeticKind(const std::string &op) {
  if (op == "Add" || op == "Sum")
    return Node::Kind::AddKind;
  if (op == "Sub")
    return Node::Kind::SubKind;
  if (op == "Mul")
    return Node::Kind::MulKind;
  if (op == "Div")
    return Node::Kind::DivKind;
  if (op == "Max")
    return Node::Kind::MaxKind;
  if (op == "Min")
    return Node::Kind::MinKind;
  return Node::Kind::PowKind;
}

llvm::Error ONNXModelLoader::loadArithmetic(const onnx::NodeProto &node,
                                            const std::string &name) {
  ASSIGN_OR_RETURN(a, getInput(node, 0));
  ASSIGN_OR_RETURN(b, getInput(node, 1));
  bool hasAxis =
      std::any_of(node.attribute().begin(), node.attribute().end(),
                  [](const auto &at) { return at.name() == "axis"; });
  if (opset_ < 7 && getInt(node, "broadcast", 0) && hasAxis) {
    // Legacy broadcast (opset < 7) with an axis: B's dimensions are A's
    // from that axis on; without one they are A's last (numpy rules).
    int64_t axis = getInt(node, "axis", 0);
    size_t ra = a.dims().size(), rb = b.dims().size();
    if (axis < 0) {
      axis += int64_t(ra);
    }
    if (axis < 0 || axis + rb > ra) {
      return makeError(describe(node, name) + ": legacy broadcast axis " +
                       llvm::Twine(getInt(node, "axis", 0)) +
                       " does not fit operands " + dimsToString(a.dims()) +
                       " and " + dimsToString(b.dims()));
    }
    std::vector<dim_t> aligned(b.dims().begin(), b.dims().end());
    aligned.resize(ra - size_t(axis), 1);
    b = F_->createReshape(name + ".legacy_broadcast", b, aligned);
  }
  ElemKind ak = a.getElementType(), bk = b.getElementType();
  if (node.op_type() == "Pow" && ak != bk && !a.getType().isQuantized() &&
      !b.getType().isQuantized()) {
    // Pow's exponent may be of another type than the base (the result's):
    // computed in float, then cast to the base's type.
    if (ak != ElemKind::FloatTy) {
      a = F_->createConvertTo(name + ".base", a, ElemKind::FloatTy);
    }
    if (bk != ElemKind::FloatTy) {
      b = F_->createConvertTo(name + ".exponent", b, ElemKind::FloatTy);
    }
    if (auto err = broadcastOperands(name, a, b)) {
      return err;
    }
    NodeValue p = F_->createArithmetic(
        Node::Kind::PowKind, ak == ElemKind::FloatTy ? name : name + ".pow", a,
        b);
    setOutput(node, 0,
              ak == ElemKind::FloatTy ? p : F_->createConvertTo(name, p, ak));
    return llvm::Error::success();
  }
  if (a.getElementType() != b.getElementType()) {
    return makeError(describe(node, name) + ": operands of different types " +
                     getElemKindName(a.getElementType()) + " and " +
                     getElemKindName(b.getElementType()));
  }
  if (auto err = broadcastOperands(name, a, b)) {
    return err;
  }
  setOutput(node, 0,
            F_->createArithmetic(arithmeticKind(node.op_type()), name, a, b));
  return llvm::Error::success();
}

namespace {
CompareNode::Mode compareMode(const std::string &op) {
  using Mode = CompareNode::Mode;
  static const std::map<std::string, Mode> modes = {
      {"Equal", Mode::Equal},
      {"Less", Mode::Less},
      {"LessOrEqual", Mode::LessEqual},
      {"Greater", Mode::Greater},
      {"GreaterOrEqual", Mode::GreaterEqual},
      {"And", Mode::And},
      {"Or", Mode::Or},
      {"Xor", Mode::Xor},
      {"Not", Mode::Not}};
  return modes.at(op);
}
} // namespace

llvm::Error ONNXModelLoader::loadCompare(const onnx::NodeProto &node,
                                         const std::string &name) {
  // On constants (PyTorch's shape arithmetic) the nodes fold when a shape
  // asks for their value (getConstantInput), or in the optimizer.
  CompareNode::Mode mode = compareMode(node.op_type());
  bool logic = mode >= CompareNode::Mode::And;
  std::vector<NodeValue> operands;
  for (int i = 0; i < node.input_size(); i++) {
    ASSIGN_OR_RETURN(v, getInput(node, i));
    ElemKind k = v.getElementType();
    if (logic ? k != ElemKind::BoolTy
              : (v.getType().isQuantized() ||
                 (i && k != operands[0].getElementType()))) {
      return makeError(
          describe(node, name) + ": operand " + llvm::Twine(i) + " is " +
          getElemKindName(k) +
          (logic ? ", expected bool" : ", expected the first operand's kind"));
    }
    operands.push_back(v);
  }
  if (operands.size() == 2) {
    if (auto err = broadcastOperands(name, operands[0], operands[1])) {
      return err;
    }
  }
  Type outTy(ElemKind::BoolTy, operands[0].dims());
  setOutput(
      node, 0,
      F_->addNode(std::make_unique<CompareNode>(name, outTy, mode, operands)));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadWhere(const onnx::NodeProto &node,
                                       const std::string &name) {
  // On constants (PyTorch's shape arithmetic) the nodes fold when a shape
  // asks for their value (getConstantInput), or in the optimizer.
  ASSIGN_OR_RETURN(cond, getInput(node, 0));
  ASSIGN_OR_RETURN(x, getInput(node, 1));
  ASSIGN_OR_RETURN(y, getInput(node, 2));
  if (cond.getElementType() != ElemKind::BoolTy) {
    return makeError(describe(node, name) +
                     ": the condition must be bool, not " +
                     getElemKindName(cond.getElementType()));
  }
  if (x.getElementType() != y.getElementType()) {
    return makeError(describe(node, name) + ": X and Y of different types " +
                     getElemKindName(x.getElementType()) + " and " +
                     getElemKindName(y.getElementType()));
  }
  // Broadcast the three to one shape: x with y, the condition with both.
  for (auto [a, b] :
       {std::pair{&x, &y}, std::pair{&cond, &x}, std::pair{&x, &y}}) {
    if (auto err = broadcastOperands(name, *a, *b)) {
      return err;
    }
  }
  setOutput(
      node, 0,
      F_->addNode(std::make_unique<SelectNode>(name, x.getType(), cond, x, y)));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadVariadic(const onnx::NodeProto &node,
                                          const std::string &name) {
  ASSIGN_OR_RETURN(acc, getInput(node, 0));
  for (int i = 1; i < node.input_size(); i++) {
    ASSIGN_OR_RETURN(b, getInput(node, i));
    if (auto err = broadcastOperands(name, acc, b)) {
      return err;
    }
    std::string stepName =
        i + 1 == node.input_size() ? name : name + ".step" + std::to_string(i);
    acc =
        F_->createArithmetic(arithmeticKind(node.op_type()), stepName, acc, b);
  }
  setOutput(node, 0, acc);
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadUnary(const onnx::NodeProto &node,
                                       const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  ElemKind k = in.getElementType();
  bool isInt = k == ElemKind::Int64ITy || k == ElemKind::Int32ITy;
  if (isInt && (node.op_type() == "Neg" || node.op_type() == "Abs")) {
    // Integer shape arithmetic (expanded functions negate axis counts):
    // evaluated while loading; the input must be a constant.
    ASSIGN_OR_RETURN(values, getConstantInts(node, 0));
    Tensor t(k, in.dims());
    for (size_t i = 0; i < values.size(); i++) {
      int64_t v = node.op_type() == "Neg" ? -values[i]
                  : values[i] < 0         ? -values[i]
                                          : values[i];
      if (k == ElemKind::Int64ITy) {
        t.getHandle<int64_t>().raw(i) = v;
      } else {
        t.getHandle<int32_t>().raw(i) = int32_t(v);
      }
    }
    setOutput(node, 0, M_.createConstant(name, std::move(t)));
    return llvm::Error::success();
  }
  if (!in.getType().isFloat()) {
    return makeError(describe(node, name) + ": input must be float");
  }
  // The kinds declared with DEF_UNARY_NODE, each loaded from the ONNX
  // operator of its name.
  static const std::map<std::string, Node::Kind> kinds = {
#define DEF_UNARY_NODE(CLASS, NAME, ...) {#NAME, Node::Kind::NAME##Kind},
#include "glow/Graph/Nodes.def"
  };
  setOutput(node, 0, F_->createUnary(kinds.at(node.op_type()), name, in));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadHardSigmoid(const onnx::NodeProto &node,
                                             const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  if (!in.getType().isFloat()) {
    return makeError(describe(node, name) + ": input must be float");
  }
  setOutput(node, 0,
            F_->addNode(std::make_unique<HardSigmoidNode>(
                name, in.getType(), in, getFloat(node, "alpha", 0.2f),
                getFloat(node, "beta", 0.5f))));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadLeakyRelu(const onnx::NodeProto &node,
                                           const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  setOutput(node, 0,
            F_->createLeakyRelu(name, in, getFloat(node, "alpha", 0.01f)));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadClip(const onnx::NodeProto &node,
                                      const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  float lo = -std::numeric_limits<float>::infinity();
  float hi = std::numeric_limits<float>::infinity();
  if (opset_ < 11) {
    lo = getFloat(node, "min", lo);
    hi = getFloat(node, "max", hi);
  } else {
    for (unsigned i = 1; i < 3; i++) {
      if (!hasInput(node, i)) {
        continue;
      }
      ASSIGN_OR_RETURN(c, getConstantInput(node, i));
      if (c->getPayload().size() != 1) {
        return makeError(describe(node, name) + ": min/max must be scalars");
      }
      (i == 1 ? lo : hi) = float(c->getPayload().getAsDouble(0));
    }
  }
  setOutput(node, 0, F_->createClip(name, in, lo, hi));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadSoftmax(const onnx::NodeProto &node,
                                         const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  auto d = in.dims();
  ASSIGN_OR_RETURN(axis,
                   normalizeAxis(getInt(node, "axis", opset_ < 13 ? 1 : -1),
                                 d.size(), node, name));
  // LogSoftmax is log(Softmax(x)), as ONNX defines it.
  bool log = node.op_type() == "LogSoftmax";
  auto finish = [&](NodeValue sm) {
    return log ? NodeValue(
                     F_->createUnary(Node::Kind::LogKind, name + ".log", sm))
               : sm;
  };
  if (opset_ >= 13) {
    setOutput(node, 0, finish(F_->createSoftMax(name, in, axis)));
    return llvm::Error::success();
  }
  // Before opset 13 the input is coerced to 2-D at axis.
  dim_t rows = 1, cols = 1;
  for (size_t i = 0; i < d.size(); i++) {
    (i < axis ? rows : cols) *= d[i];
  }
  NodeValue flat = F_->createReshape(name + ".2d", in, {rows, cols});
  NodeValue sm = F_->createSoftMax(name, flat, 1);
  setOutput(node, 0, finish(F_->createReshape(name + ".nd", sm, d)));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadFlatten(const onnx::NodeProto &node,
                                         const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  auto d = in.dims();
  int64_t axis = getInt(node, "axis", 1);
  if (axis < -int64_t(d.size()) || axis > int64_t(d.size())) {
    return makeError(describe(node, name) + ": axis out of range");
  }
  if (axis < 0) {
    axis += d.size();
  }
  dim_t rows = 1, cols = 1;
  for (size_t i = 0; i < d.size(); i++) {
    (int64_t(i) < axis ? rows : cols) *= d[i];
  }
  setOutput(node, 0, F_->createReshape(name, in, {rows, cols}));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadReshape(const onnx::NodeProto &node,
                                         const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  std::vector<int64_t> shape;
  if (opset_ < 5) {
    shape = getInts(node, "shape");
  } else {
    ASSIGN_OR_RETURN(s, getConstantInts(node, 1));
    shape = s;
  }
  bool allowZero = getInt(node, "allowzero", 0) != 0;
  std::vector<dim_t> dims;
  int inferAt = -1;
  dim_t known = 1;
  for (size_t i = 0; i < shape.size(); i++) {
    int64_t s = shape[i];
    if (s == 0 && !allowZero) {
      if (i >= in.dims().size()) {
        return makeError(describe(node, name) + ": 0 refers past the rank");
      }
      s = in.dims()[i];
    }
    if (s == -1) {
      if (inferAt >= 0) {
        return makeError(describe(node, name) + ": more than one -1");
      }
      inferAt = i;
      dims.push_back(1);
      continue;
    }
    if (s < 0) {
      return makeError(describe(node, name) + ": negative dimension");
    }
    if (auto err = checkRange(s, 0, kMaxDimension,
                              describe(node, name) + ": dimension")) {
      return err;
    }
    dims.push_back(s);
    if (auto err = checkedMul(known, s, describe(node, name)).moveInto(known)) {
      return err;
    }
  }
  dim_t total = in.getType().size();
  if (inferAt >= 0) {
    if (known == 0 || total % known) {
      return makeError(
          describe(node, name) + ": cannot reshape " + dimsToString(in.dims()) +
          " to " +
          dimsToString(std::vector<dim_t>(shape.begin(), shape.end())));
    }
    dims[inferAt] = total / known;
  }
  setOutput(node, 0, F_->createReshape(name, in, dims));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadTranspose(const onnx::NodeProto &node,
                                           const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  size_t rank = in.dims().size();
  std::vector<int64_t> perm = getInts(node, "perm");
  if (perm.empty()) {
    for (size_t i = 0; i < rank; i++) {
      perm.push_back(rank - 1 - i);
    }
  }
  std::vector<unsigned> shuffle;
  for (int64_t p : perm) {
    if (p < 0 || p >= int64_t(rank)) {
      return makeError(describe(node, name) + ": perm out of range");
    }
    shuffle.push_back(unsigned(p));
  }
  setOutput(node, 0, F_->createTranspose(name, in, shuffle));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadConcat(const onnx::NodeProto &node,
                                        const std::string &name) {
  std::vector<NodeValue> ins;
  for (int i = 0; i < node.input_size(); i++) {
    ASSIGN_OR_RETURN(v, getInput(node, i));
    ins.push_back(v);
  }
  if (ins.empty()) {
    return makeError(describe(node, name) + ": no inputs");
  }
  ASSIGN_OR_RETURN(axis, normalizeAxis(getInt(node, "axis", 0),
                                       ins[0].dims().size(), node, name));
  setOutput(node, 0, F_->createConcat(name, ins, axis));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadIdentity(const onnx::NodeProto &node,
                                          const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  if (node.op_type() == "Dropout" && node.output_size() > 1 &&
      !node.output(1).empty()) {
    // The mask of an inference Dropout is all true.
    Tensor mask(ElemKind::BoolTy, in.dims());
    for (size_t i = 0; i < mask.size(); i++) {
      mask.setFromDouble(i, 1);
    }
    setOutput(node, 1, M_.createConstant(name + ".mask", std::move(mask)));
  }
  setOutput(node, 0, in);
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadConstant(const onnx::NodeProto &node,
                                          const std::string &name) {
  Tensor t;
  if (auto *a = findAttr(node, "value")) {
    ASSIGN_OR_RETURN(v, tensorFromProto(a->t()));
    t = std::move(v);
  } else if (auto *a = findAttr(node, "value_float")) {
    t.reset(Type(ElemKind::FloatTy, {}));
    t.setFromDouble(0, a->f());
  } else if (auto *a = findAttr(node, "value_floats")) {
    t.reset(Type(ElemKind::FloatTy, {dim_t(a->floats_size())}));
    for (int i = 0; i < a->floats_size(); i++)
      t.setFromDouble(i, a->floats(i));
  } else if (auto *a = findAttr(node, "value_int")) {
    t.reset(Type(ElemKind::Int64ITy, {}));
    t.getHandle<int64_t>().raw(0) = a->i();
  } else if (auto *a = findAttr(node, "value_ints")) {
    t.reset(Type(ElemKind::Int64ITy, {dim_t(a->ints_size())}));
    for (int i = 0; i < a->ints_size(); i++)
      t.getHandle<int64_t>().raw(i) = a->ints(i);
  } else {
    return makeError(describe(node, name) + ": unsupported value attribute");
  }
  setOutput(node, 0, M_.createConstant(name, std::move(t)));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadConstantOfShape(const onnx::NodeProto &node,
                                                 const std::string &name) {
  ASSIGN_OR_RETURN(shape, getConstantInts(node, 0));
  std::vector<dim_t> dims(shape.begin(), shape.end());
  double value = 0;
  ElemKind kind = ElemKind::FloatTy;
  if (auto *a = findAttr(node, "value")) {
    ASSIGN_OR_RETURN(v, tensorFromProto(a->t()));
    kind = v.getElementType();
    value = v.size() ? v.getAsDouble(0) : 0;
  }
  if (auto bytes =
          checkedTensorBytes(dims, getElementSize(kind), describe(node, name));
      !bytes) {
    return bytes.takeError();
  }
  Tensor t(kind, dims);
  for (size_t i = 0; i < t.size(); i++) {
    t.setFromDouble(i, value);
  }
  setOutput(node, 0, M_.createConstant(name, std::move(t)));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadShape(const onnx::NodeProto &node,
                                       const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  int64_t rank = in.dims().size();
  int64_t start = getInt(node, "start", 0), end = getInt(node, "end", rank);
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
  Tensor t(ElemKind::Int64ITy, {std::max<dim_t>(0, end - start)});
  for (int64_t i = start; i < end; i++) {
    t.getHandle<int64_t>().raw(i - start) = in.dims()[i];
  }
  setOutput(node, 0, M_.createConstant(name, std::move(t)));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadGather(const onnx::NodeProto &node,
                                        const std::string &name) {
  ASSIGN_OR_RETURN(data, getInput(node, 0));
  ASSIGN_OR_RETURN(indices, getInput(node, 1));
  ASSIGN_OR_RETURN(axis, normalizeAxis(getInt(node, "axis", 0),
                                       data.dims().size(), node, name));
  // Check constant indices now, so that a bad index is a load error.
  if (auto *c = dyn_cast<Constant>(indices.getNode())) {
    for (size_t i = 0; i < c->getPayload().size(); i++) {
      double j = c->getPayload().getAsDouble(i);
      dim_t n = data.dims()[axis];
      if (j < -n || j >= n) {
        return makeError(describe(node, name) + ": index " +
                         llvm::Twine(int64_t(j)) + " out of range");
      }
    }
  }
  setOutput(node, 0, F_->createGather(name, data, indices, axis));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadUnsqueeze(const onnx::NodeProto &node,
                                           const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  std::vector<int64_t> axes;
  if (opset_ < 13) {
    axes = getInts(node, "axes");
  } else {
    ASSIGN_OR_RETURN(a, getConstantInts(node, 1));
    axes = a;
  }
  size_t outRank = in.dims().size() + axes.size();
  std::vector<bool> isNew(outRank, false);
  for (int64_t a : axes) {
    ASSIGN_OR_RETURN(ax, normalizeAxis(a, outRank, node, name));
    if (isNew[ax]) {
      return makeError(describe(node, name) + ": repeated axis");
    }
    isNew[ax] = true;
  }
  std::vector<dim_t> dims;
  size_t j = 0;
  for (size_t i = 0; i < outRank; i++) {
    dims.push_back(isNew[i] ? 1 : in.dims()[j++]);
  }
  setOutput(node, 0, F_->createReshape(name, in, dims));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadSqueeze(const onnx::NodeProto &node,
                                         const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  auto d = in.dims();
  std::vector<int64_t> axes;
  if (opset_ < 13) {
    axes = getInts(node, "axes");
  } else if (hasInput(node, 1)) {
    ASSIGN_OR_RETURN(a, getConstantInts(node, 1));
    axes = a;
  }
  std::vector<bool> drop(d.size(), false);
  if (axes.empty()) {
    for (size_t i = 0; i < d.size(); i++) {
      drop[i] = d[i] == 1;
    }
  }
  for (int64_t a : axes) {
    ASSIGN_OR_RETURN(ax, normalizeAxis(a, d.size(), node, name));
    if (d[ax] != 1) {
      return makeError(describe(node, name) + ": cannot squeeze dimension " +
                       llvm::Twine(ax) + " of size " + llvm::Twine(d[ax]));
    }
    drop[ax] = true;
  }
  std::vector<dim_t> dims;
  for (size_t i = 0; i < d.size(); i++) {
    if (!drop[i]) {
      dims.push_back(d[i]);
    }
  }
  setOutput(node, 0, F_->createReshape(name, in, dims));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadPad(const onnx::NodeProto &node,
                                     const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  std::vector<int64_t> pads;
  float value = 0;
  if (opset_ < 11) {
    pads = getInts(node, "pads");
    value = getFloat(node, "value", 0.f);
  } else {
    ASSIGN_OR_RETURN(p, getConstantInts(node, 1));
    pads = p;
    if (hasInput(node, 2)) {
      ASSIGN_OR_RETURN(c, getConstantInput(node, 2));
      value =
          c->getPayload().size() ? float(c->getPayload().getAsDouble(0)) : 0;
    }
    if (hasInput(node, 3)) {
      return makeError(describe(node, name) + ": the axes input is not "
                                              "supported");
    }
  }
  size_t rank = in.dims().size();
  if (pads.size() != 2 * rank) {
    return makeError(describe(node, name) + ": needs " + llvm::Twine(2 * rank) +
                     " pads, got " + llvm::Twine(pads.size()));
  }
  for (int64_t p : pads) {
    if (p < 0) {
      return makeError(describe(node, name) + ": negative pads are not "
                                              "supported");
    }
    if (auto err =
            checkRange(p, 0, kMaxDimension, describe(node, name) + ": pad")) {
      return err;
    }
  }
  std::string mode = getString(node, "mode", "constant");
  PadNode::Mode m;
  if (mode == "constant") {
    m = PadNode::Mode::Constant;
  } else if (mode == "reflect") {
    m = PadNode::Mode::Reflect;
  } else if (mode == "edge") {
    m = PadNode::Mode::Edge;
  } else {
    return makeError(describe(node, name) + ": unknown mode '" + mode + "'");
  }
  setOutput(node, 0,
            F_->createPad(name, in,
                          std::vector<dim_t>(pads.begin(), pads.end()), m,
                          value));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadCast(const onnx::NodeProto &node,
                                      const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  llvm::Expected<ElemKind> kind = ElemKind::FloatTy;
  if (node.op_type() == "CastLike") { // the type of the second input
    ASSIGN_OR_RETURN(like, getInput(node, 1));
    kind = like.getElementType();
  } else {
    kind = elemKindFromONNX(int32_t(getInt(node, "to", 0)));
  }
  if (!kind) {
    return makeError(describe(node, name) + ": " +
                     llvm::toString(kind.takeError()));
  }
  if (*kind == in.getElementType()) {
    setOutput(node, 0, in);
    return llvm::Error::success();
  }
  setOutput(node, 0, F_->createConvertTo(name, in, *kind));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadSlice(const onnx::NodeProto &node,
                                       const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  auto d = in.dims();
  std::vector<int64_t> starts, ends, axes, steps;
  if (opset_ < 10) {
    starts = getInts(node, "starts");
    ends = getInts(node, "ends");
    axes = getInts(node, "axes");
  } else {
    ASSIGN_OR_RETURN(s, getConstantInts(node, 1));
    ASSIGN_OR_RETURN(e, getConstantInts(node, 2));
    starts = s;
    ends = e;
    if (hasInput(node, 3)) {
      ASSIGN_OR_RETURN(a, getConstantInts(node, 3));
      axes = a;
    }
    if (hasInput(node, 4)) {
      ASSIGN_OR_RETURN(st, getConstantInts(node, 4));
      steps = st;
    }
  }
  if (axes.empty()) {
    for (size_t i = 0; i < starts.size(); i++) {
      axes.push_back(i);
    }
  }
  if (steps.empty()) {
    steps.assign(starts.size(), 1);
  }
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size()) {
    return makeError(describe(node, name) +
                     ": starts, ends, axes and steps differ in length");
  }
  std::vector<dim_t> outStarts(d.size(), 0), outSteps(d.size(), 1),
      outDims(d.begin(), d.end());
  std::vector<bool> seen(d.size(), false);
  for (size_t i = 0; i < starts.size(); i++) {
    ASSIGN_OR_RETURN(ax, normalizeAxis(axes[i], d.size(), node, name));
    if (seen[ax]) {
      return makeError(describe(node, name) + ": axis " + llvm::Twine(ax) +
                       " is repeated");
    }
    seen[ax] = true;
    int64_t n = d[ax], step = steps[i];
    if (step == 0) {
      return makeError(describe(node, name) + ": step is zero");
    }
    if (auto err = checkRange(step, -kMaxDimension, kMaxDimension,
                              describe(node, name) + ": step")) {
      return err;
    }
    int64_t s = starts[i], e = ends[i];
    s = s < 0 ? s + n : s;
    e = e < 0 ? e + n : e;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, n);
      e = std::clamp<int64_t>(e, 0, n);
    } else {
      s = std::clamp<int64_t>(s, 0, n - 1);
      e = std::clamp<int64_t>(e, -1, n - 1);
    }
    int64_t count =
        step > 0 ? (e - s + step - 1) / step : (s - e + (-step) - 1) / (-step);
    outStarts[ax] = s;
    outSteps[ax] = step;
    outDims[ax] = std::max<int64_t>(0, count);
  }
  setOutput(node, 0, F_->createSlice(name, in, outStarts, outSteps, outDims));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadExpand(const onnx::NodeProto &node,
                                        const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  ASSIGN_OR_RETURN(shape, getConstantInts(node, 1));
  std::vector<dim_t> out;
  if (!broadcastShape(in.dims(), shape, out)) {
    return makeError(describe(node, name) + ": cannot expand " +
                     dimsToString(in.dims()));
  }
  if (auto bytes = checkedTensorBytes(out, getElementSize(in.getElementType()),
                                      describe(node, name));
      !bytes) {
    return bytes.takeError();
  }
  setOutput(node, 0, F_->createBroadcast(name, in, out));
  return llvm::Error::success();
}

} // namespace glow
