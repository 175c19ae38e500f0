#include "glow/Importer/ONNXModelLoader.h"
#include "ONNXHelpers.h"
#include "glow/Optimizer/Optimizer.h"
#include "glow/Support/Diagnostics.h"
#include "glow/Support/Error.h"
#include "glow/Support/ResourceLimits.h"

#include "llvm/Support/Casting.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <set>

using llvm::cast;
using llvm::dyn_cast;

namespace glow {

using namespace onnximport;

//===----------------------------------------------------------------------===//
// The one map from ONNX operator names to builders.
//===----------------------------------------------------------------------===//

const std::map<std::string, ONNXModelLoader::Builder> &
ONNXModelLoader::getBuilders() {
  static const std::map<std::string, Builder> builders = {
      {"Conv", &ONNXModelLoader::loadConv},
      {"BatchNormalization", &ONNXModelLoader::loadBatchNormalization},
      {"Gemm", &ONNXModelLoader::loadGemm},
      {"MatMul", &ONNXModelLoader::loadMatMul},
      {"Add", &ONNXModelLoader::loadArithmetic},
      {"Sub", &ONNXModelLoader::loadArithmetic},
      {"Mul", &ONNXModelLoader::loadArithmetic},
      {"Div", &ONNXModelLoader::loadArithmetic},
      {"Pow", &ONNXModelLoader::loadArithmetic},
      {"Max", &ONNXModelLoader::loadVariadic},
      {"Min", &ONNXModelLoader::loadVariadic},
      {"Sum", &ONNXModelLoader::loadVariadic},
// Every kind declared with DEF_UNARY_NODE (Relu, Sigmoid ...).
#define DEF_UNARY_NODE(CLASS, NAME, ...) {#NAME, &ONNXModelLoader::loadUnary},
#include "glow/Graph/Nodes.def"
      {"LeakyRelu", &ONNXModelLoader::loadLeakyRelu},
      {"HardSigmoid", &ONNXModelLoader::loadHardSigmoid},
      {"LayerNormalization", &ONNXModelLoader::loadLayerNormalization},
      {"InstanceNormalization", &ONNXModelLoader::loadLayerNormalization},
      {"Elu", &ONNXModelLoader::loadActivation},
      {"Celu", &ONNXModelLoader::loadActivation},
      {"Selu", &ONNXModelLoader::loadActivation},
      {"Softplus", &ONNXModelLoader::loadActivation},
      {"Softsign", &ONNXModelLoader::loadActivation},
      {"PRelu", &ONNXModelLoader::loadActivation},
      {"Split", &ONNXModelLoader::loadSplit},
      {"DepthToSpace", &ONNXModelLoader::loadDepthToSpace},
      {"SpaceToDepth", &ONNXModelLoader::loadDepthToSpace},
      {"Resize", &ONNXModelLoader::loadResize},
      {"ConvTranspose", &ONNXModelLoader::loadConvTranspose},
      {"ArgMax", &ONNXModelLoader::loadArgMinMax},
      {"LRN", &ONNXModelLoader::loadLRN},
      {"ArgMin", &ONNXModelLoader::loadArgMinMax},
      {"Upsample", &ONNXModelLoader::loadResize},
      {"LogSoftmax", &ONNXModelLoader::loadSoftmax},
      {"CastLike", &ONNXModelLoader::loadCast},
      // Evaluated while loading, on constant inputs only:
      {"Equal", &ONNXModelLoader::loadCompare},
      {"Less", &ONNXModelLoader::loadCompare},
      {"Greater", &ONNXModelLoader::loadCompare},
      {"LessOrEqual", &ONNXModelLoader::loadCompare},
      {"GreaterOrEqual", &ONNXModelLoader::loadCompare},
      {"And", &ONNXModelLoader::loadCompare},
      {"Or", &ONNXModelLoader::loadCompare},
      {"Xor", &ONNXModelLoader::loadCompare},
      {"Not", &ONNXModelLoader::loadCompare},
      {"Where", &ONNXModelLoader::loadWhere},
      {"TopK", &ONNXModelLoader::loadTopK},
      {"GatherElements", &ONNXModelLoader::loadGatherElements},
      {"Mod", &ONNXModelLoader::loadConstantOnly},
      {"Range", &ONNXModelLoader::loadConstantOnly},
      {"ScatterND", &ONNXModelLoader::loadConstantOnly},
      {"Size", &ONNXModelLoader::loadConstantOnly},
#define GLOW_REDUCE_MODE(NAME) {"Reduce" #NAME, &ONNXModelLoader::loadReduce},
#include "glow/Graph/ReduceModes.def"
      {"Clip", &ONNXModelLoader::loadClip},
      {"MaxPool", &ONNXModelLoader::loadPool},
      {"AveragePool", &ONNXModelLoader::loadPool},
      {"GlobalAveragePool", &ONNXModelLoader::loadGlobalPool},
      {"GlobalMaxPool", &ONNXModelLoader::loadGlobalPool},
      {"Softmax", &ONNXModelLoader::loadSoftmax},
      {"Flatten", &ONNXModelLoader::loadFlatten},
      {"Reshape", &ONNXModelLoader::loadReshape},
      {"Transpose", &ONNXModelLoader::loadTranspose},
      {"Concat", &ONNXModelLoader::loadConcat},
      {"Identity", &ONNXModelLoader::loadIdentity},
      {"Dropout", &ONNXModelLoader::loadIdentity},
      {"Constant", &ONNXModelLoader::loadConstant},
      {"ConstantOfShape", &ONNXModelLoader::loadConstantOfShape},
      {"Shape", &ONNXModelLoader::loadShape},
      {"Gather", &ONNXModelLoader::loadGather},
      {"Unsqueeze", &ONNXModelLoader::loadUnsqueeze},
      {"Squeeze", &ONNXModelLoader::loadSqueeze},
      {"Pad", &ONNXModelLoader::loadPad},
      {"Cast", &ONNXModelLoader::loadCast},
      {"Slice", &ONNXModelLoader::loadSlice},
      {"Expand", &ONNXModelLoader::loadExpand},
  };
  return builders;
}

namespace {
/// How many inputs (at least, at most over the supported opsets) and
/// outputs (at most) an operator takes, per the ONNX operator spec. An
/// input or output beyond these would be silently ignored, so it is an
/// error.
struct Arity {
  int minInputs, maxInputs, maxOutputs;
};
constexpr int kAny = std::numeric_limits<int>::max();

const Arity &getArity(const std::string &op) {
  static const std::map<std::string, Arity> arities = {
      {"Conv", {2, 3, 1}},
      {"BatchNormalization", {5, 5, 5}},
      {"Gemm", {2, 3, 1}},
      {"MatMul", {2, 2, 1}},
      {"Add", {2, 2, 1}},
      {"Sub", {2, 2, 1}},
      {"Mul", {2, 2, 1}},
      {"Div", {2, 2, 1}},
      {"Pow", {2, 2, 1}},
      {"Max", {1, kAny, 1}},
      {"Min", {1, kAny, 1}},
      {"Sum", {1, kAny, 1}},
      {"Clip", {1, 3, 1}},
      {"MaxPool", {1, 1, 2}},
      {"Reshape", {1, 2, 1}},
      {"Concat", {1, kAny, 1}},
      {"Dropout", {1, 3, 2}},
      {"Constant", {0, 0, 1}},
      {"Gather", {2, 2, 1}},
      {"Unsqueeze", {1, 2, 1}},
      {"Squeeze", {1, 2, 1}},
      {"Pad", {1, 4, 1}},
      {"Slice", {1, 5, 1}},
      {"Expand", {2, 2, 1}},
      {"Equal", {2, 2, 1}},
      {"Less", {2, 2, 1}},
      {"Greater", {2, 2, 1}},
      {"LessOrEqual", {2, 2, 1}},
      {"GreaterOrEqual", {2, 2, 1}},
      {"And", {2, 2, 1}},
      {"Or", {2, 2, 1}},
      {"Xor", {2, 2, 1}},
      {"Where", {3, 3, 1}},
      {"Mod", {2, 2, 1}},
      {"Range", {3, 3, 1}},
      {"ScatterND", {3, 3, 1}},
      {"LayerNormalization", {2, 3, 3}},
      {"InstanceNormalization", {3, 3, 1}},
      {"PRelu", {2, 2, 1}},
      {"Split", {1, 2, kAny}},
      {"Resize", {1, 4, 1}},
      {"ConvTranspose", {2, 3, 1}},
      {"ArgMax", {1, 1, 1}},
      {"LRN", {1, 1, 1}},
      {"ArgMin", {1, 1, 1}},
      {"Upsample", {1, 2, 1}},
      {"CastLike", {2, 2, 1}},
      {"TopK", {1, 2, 2}},
      {"GatherElements", {2, 2, 1}},
  // Axes as an optional input (ReduceSum from opset 13, all from 18):
#define GLOW_REDUCE_MODE(NAME) {"Reduce" #NAME, {1, 2, 1}},
#include "glow/Graph/ReduceModes.def"
  };
  static const Arity unary = {1, 1, 1};
  auto it = arities.find(op);
  return it == arities.end() ? unary : it->second;
}
} // namespace

std::vector<std::string> ONNXModelLoader::getSupportedOperators() {
  std::vector<std::string> ops;
  for (auto &kv : getBuilders()) {
    ops.push_back(kv.first);
  }
  return ops;
}

//===----------------------------------------------------------------------===//
// Loading
//===----------------------------------------------------------------------===//

ONNXModelLoader::ONNXModelLoader(Module &M, llvm::StringRef functionName)
    : M_(M), F_(M.createFunction(functionName)) {}

ONNXModelLoader::~ONNXModelLoader() = default;

llvm::Expected<std::unique_ptr<ONNXModelLoader>>
ONNXModelLoader::load(llvm::StringRef path, Module &M,
                      const std::map<std::string, Type> &inputTypes,
                      llvm::StringRef functionName,
                      const StaticInputValues &staticInputs) {
  auto bytes = readFile(path);
  if (!bytes) {
    return bytes.takeError();
  }
  auto model = parseModel(*bytes, path);
  if (!model) {
    return model.takeError();
  }
  std::unique_ptr<ONNXModelLoader> loader(new ONNXModelLoader(M, functionName));
  loader->staticInputs_ = staticInputs;
  if (auto err = loader->loadModel(*model, inputTypes)) {
    return makeError(path + ": " + llvm::toString(std::move(err)));
  }
  return std::move(loader);
}

llvm::Expected<std::unique_ptr<ONNXModelLoader>>
ONNXModelLoader::loadFromBytes(const std::string &bytes, Module &M,
                               const std::map<std::string, Type> &inputTypes,
                               llvm::StringRef functionName) {
  auto model = parseModel(bytes, "<memory>");
  if (!model) {
    return model.takeError();
  }
  std::unique_ptr<ONNXModelLoader> loader(new ONNXModelLoader(M, functionName));
  if (auto err = loader->loadModel(*model, inputTypes)) {
    return std::move(err);
  }
  return std::move(loader);
}

llvm::Expected<std::vector<ONNXInputInfo>>
ONNXModelLoader::readInputInfo(llvm::StringRef path) {
  auto bytes = readFile(path);
  if (!bytes) {
    return bytes.takeError();
  }
  auto model = parseModel(*bytes, path);
  if (!model) {
    return model.takeError();
  }
  std::set<std::string> initializers;
  for (const auto &t : model->graph().initializer()) {
    initializers.insert(t.name());
  }
  std::vector<ONNXInputInfo> infos;
  for (const auto &in : model->graph().input()) {
    if (initializers.count(in.name())) {
      continue;
    }
    if (auto err = checkTensorValueType(in)) {
      return makeError(path + ": " + llvm::toString(std::move(err)));
    }
    ONNXInputInfo info;
    info.name = in.name();
    const auto &tt = in.type().tensor_type();
    auto kind = elemKindFromONNX(tt.elem_type());
    if (!kind) {
      return makeError(path + ": input '" + in.name() +
                       "': " + llvm::toString(kind.takeError()));
    }
    info.kind = *kind;
    for (const auto &d : tt.shape().dim()) {
      info.dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
    }
    infos.push_back(info);
  }
  return infos;
}

llvm::Error
ONNXModelLoader::loadModel(const onnx::ModelProto &model,
                           const std::map<std::string, Type> &inputTypes) {
  for (const auto &op : model.opset_import()) {
    if (op.domain().empty() || op.domain() == "ai.onnx") {
      opset_ = op.version();
    }
  }
  if (opset_ == 0) {
    // IR 3 files may omit the default domain's opset; it is then 1.
    opset_ = model.opset_import_size() ? 0 : 1;
  }
  if (opset_ < kMinOpset || opset_ > kMaxOpset) {
    return makeError("opset " + llvm::Twine(opset_) +
                     " of the default ONNX domain is not supported (" +
                     llvm::Twine(kMinOpset) + " to " + llvm::Twine(kMaxOpset) +
                     ")");
  }
  const auto &graph = model.graph();
  if (graph.output_size() == 0) {
    return makeError("the graph has no outputs");
  }
  for (const auto &t : graph.initializer()) {
    if (values_.count(t.name())) {
      return makeError("initializer '" + t.name() + "' is defined twice");
    }
    auto tensor = tensorFromProto(t);
    if (!tensor) {
      return tensor.takeError();
    }
    values_[t.name()] = M_.createConstant(t.name(), std::move(*tensor));
  }
  std::set<std::string> inputNames;
  for (const auto &in : graph.input()) {
    if (!inputNames.insert(in.name()).second) {
      return makeError("input '" + in.name() + "' is declared twice");
    }
    if (values_.count(in.name())) {
      continue; // An initializer listed as an input (IR 3): a constant.
    }
    if (auto err = checkTensorValueType(in)) {
      return err;
    }
    Type ty;
    auto it = inputTypes.find(in.name());
    if (it != inputTypes.end()) {
      ty = it->second;
    } else {
      const auto &tt = in.type().tensor_type();
      auto kind = elemKindFromONNX(tt.elem_type());
      if (!kind) {
        return makeError("input '" + in.name() +
                         "': " + llvm::toString(kind.takeError()));
      }
      std::vector<dim_t> dims;
      for (const auto &d : tt.shape().dim()) {
        if (!d.has_dim_value() || d.dim_value() <= 0) {
          return makeError("input '" + in.name() +
                           "' has an open dimension; give its shape (e.g. "
                           "-model-input=" +
                           in.name() + ",float,[1,3,224,224])");
        }
        dims.push_back(d.dim_value());
      }
      ty = Type(*kind, dims);
    }
    if (auto bytes =
            checkedTensorBytes(ty.dims(), getElementSize(ty.getElementType()),
                               "input '" + in.name() + "'");
        !bytes) {
      return bytes.takeError();
    }
    Placeholder *ph = M_.createPlaceholder(ty, in.name());
    values_[in.name()] = ph;
    inputs_.push_back({in.name(), ph});
  }
  for (const auto &kv : inputTypes) {
    bool found = false;
    for (auto &in : inputs_) {
      found |= in.first == kv.first;
    }
    if (!found) {
      std::string names;
      for (auto &in : inputs_) {
        names += (names.empty() ? "" : ", ") + in.first;
      }
      return makeError("the model has no input named '" + kv.first +
                       "' (inputs: " + names + ")");
    }
  }
  for (const auto &node : graph.node()) {
    if (auto err = loadNode(node)) {
      return err;
    }
  }
  for (const auto &out : graph.output()) {
    if (auto err = checkTensorValueType(out)) {
      return err;
    }
    auto v = getValue(out.name());
    if (!v) {
      return v.takeError();
    }
    SaveNode *save = F_->createSave("save_" + out.name(), *v);
    outputs_.push_back({out.name(), save->getPlaceholder()});
  }
  eliminateDeadCode(F_);
  return F_->verify();
}

llvm::Error ONNXModelLoader::loadNode(const onnx::NodeProto &node) {
  std::string name = node.name();
  if (name.empty()) {
    name = node.output_size() ? node.output(0) : node.op_type();
  }
  if (!node.domain().empty() && node.domain() != "ai.onnx") {
    return makeError("unsupported operator '" + node.domain() +
                     "::" + node.op_type() + "' in node '" + name + "'");
  }
  auto &builders = getBuilders();
  auto it = builders.find(node.op_type());
  if (it == builders.end()) {
    return makeError("unsupported ONNX operator '" + node.op_type() +
                     "' in node '" + name + "'");
  }
  const Arity &arity = getArity(node.op_type());
  if (node.input_size() < arity.minInputs ||
      node.input_size() > arity.maxInputs ||
      node.output_size() > arity.maxOutputs) {
    return makeError(
        describe(node, name) + " has " + llvm::Twine(node.input_size()) +
        " inputs and " + llvm::Twine(node.output_size()) +
        " outputs; the operator takes " + llvm::Twine(arity.minInputs) +
        " to " +
        (arity.maxInputs == kAny ? std::string("any number of")
                                 : std::to_string(arity.maxInputs)) +
        " inputs and at most " + llvm::Twine(arity.maxOutputs) + " outputs");
  }
  // Every tensor is defined once (the graph is in SSA form).
  for (const auto &out : node.output()) {
    if (!out.empty() && values_.count(out)) {
      return makeError(describe(node, name) + " writes tensor '" + out +
                       "', which is already defined");
    }
  }
  size_t before = F_->getNumNodes();
  if (auto err = (this->*(it->second))(node, name)) {
    return err;
  }
  // Verify what this ONNX node turned into before anything evaluates it;
  // every node it turned into belongs to its layer.
  for (size_t i = before; i < F_->getNumNodes(); i++) {
    Node *n = F_->getNode(i);
    n->setLayerName(name);
    std::string problem = n->validate();
    if (!problem.empty()) {
      return makeError(describe(node, name) + ": " + problem);
    }
  }
  if (VLOG_IS_ON(3)) {
    for (const auto &out : node.output()) {
      auto it = values_.find(out);
      if (it != values_.end()) {
        VLOG(3) << "load: " << name << " (" << node.op_type() << ") " << out
                << " = " << it->second.getType().toString()
                << (llvm::isa<Constant>(it->second.getNode()) ? " constant"
                                                              : "");
      }
    }
  }
  return llvm::Error::success();
}

llvm::Expected<NodeValue>
ONNXModelLoader::getValue(const std::string &name) const {
  auto it = values_.find(name);
  if (it == values_.end()) {
    return makeError("tensor '" + name +
                     "' is used before it is defined or was never defined");
  }
  return it->second;
}

bool ONNXModelLoader::hasInput(const onnx::NodeProto &node, unsigned i) {
  return int(i) < node.input_size() && !node.input(i).empty();
}

llvm::Expected<NodeValue> ONNXModelLoader::getInput(const onnx::NodeProto &node,
                                                    unsigned i) const {
  if (!hasInput(node, i)) {
    return makeError(
        "node '" + (node.name().empty() ? node.op_type() : node.name()) +
        "' (" + node.op_type() + ") lacks input " + llvm::Twine(i));
  }
  return getValue(node.input(i));
}

llvm::Expected<Constant *>
ONNXModelLoader::getConstantInput(const onnx::NodeProto &node, unsigned i) {
  auto v = getInput(node, i);
  if (!v) {
    return v.takeError();
  }
  if (auto *ph = dyn_cast<Placeholder>(v->getNode())) {
    auto it = staticInputs_.find(ph->getName().str());
    if (it != staticInputs_.end() && it->second->getType() == ph->getType()) {
      return M_.createConstant(ph->getName().str() + ".static",
                               it->second->clone());
    }
  }
  auto c = getConstantValue(F_, *v);
  if (!c) {
    return c.takeError();
  }
  if (!*c) {
    return makeError(node.op_type() + " input '" + node.input(i) +
                     "' must be a constant (computed from initializers or "
                     "static shapes only)");
  }
  values_[node.input(i)] = *c;
  return *c;
}

llvm::Expected<std::vector<int64_t>>
ONNXModelLoader::getConstantInts(const onnx::NodeProto &node, unsigned i) {
  auto c = getConstantInput(node, i);
  if (!c) {
    return c.takeError();
  }
  return intsOf((*c)->getPayload());
}

void ONNXModelLoader::setOutput(const onnx::NodeProto &node, unsigned i,
                                NodeValue v) {
  if (int(i) < node.output_size() && !node.output(i).empty()) {
    values_[node.output(i)] = v;
  }
}

llvm::Error ONNXModelLoader::broadcastOperands(const std::string &name,
                                               NodeValue &a, NodeValue &b) {
  std::vector<dim_t> out;
  if (!broadcastShape(a.dims(), b.dims(), out)) {
    return makeError("node '" + name + "': cannot broadcast " +
                     dimsToString(a.dims()) + " with " +
                     dimsToString(b.dims()));
  }
  if (a.dims() != llvm::ArrayRef<dim_t>(out)) {
    a = F_->createBroadcast(name + ".broadcast_a", a, out);
  }
  if (b.dims() != llvm::ArrayRef<dim_t>(out)) {
    b = F_->createBroadcast(name + ".broadcast_b", b, out);
  }
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Accessors
//===----------------------------------------------------------------------===//

static llvm::Expected<Placeholder *>
findByName(const std::vector<std::pair<std::string, Placeholder *>> &list,
           llvm::StringRef name, const char *what) {
  std::string names;
  for (auto &kv : list) {
    if (kv.first == name) {
      return kv.second;
    }
    names += (names.empty() ? "" : ", ") + kv.first;
  }
  return makeError(llvm::Twine("the model has no ") + what + " named '" + name +
                   "' (" + what + "s: " + names + ")");
}

llvm::Expected<Placeholder *>
ONNXModelLoader::getInputByName(llvm::StringRef name) const {
  return findByName(inputs_, name, "input");
}

llvm::Expected<Placeholder *>
ONNXModelLoader::getOutputByName(llvm::StringRef name) const {
  return findByName(outputs_, name, "output");
}

llvm::Expected<Tensor> loadTensorProtoFile(llvm::StringRef path,
                                           std::string *name) {
  auto bytes = readFile(path);
  if (!bytes) {
    return bytes.takeError();
  }
  onnx::TensorProto t;
  if (!t.ParseFromString(*bytes)) {
    return makeError("'" + path + "' is not a serialized ONNX TensorProto");
  }
  if (name) {
    *name = t.name();
  }
  auto tensor = tensorFromProto(t);
  if (!tensor) {
    return makeError(path + ": " + llvm::toString(tensor.takeError()));
  }
  return tensor;
}

} // namespace glow
