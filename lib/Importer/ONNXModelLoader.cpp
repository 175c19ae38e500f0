#include "glow/Importer/ONNXModelLoader.h"
#include "glow/Optimizer/Optimizer.h"
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

namespace {

/// Oldest and newest opsets of the default domain that the loader accepts.
constexpr int64_t kMinOpset = 1;
constexpr int64_t kMaxOpset = 18;

const onnx::AttributeProto *findAttr(const onnx::NodeProto &node,
                                     llvm::StringRef name) {
  for (const auto &a : node.attribute()) {
    if (a.name() == name) {
      return &a;
    }
  }
  return nullptr;
}

int64_t getInt(const onnx::NodeProto &node, llvm::StringRef name, int64_t def) {
  auto *a = findAttr(node, name);
  return a ? a->i() : def;
}

float getFloat(const onnx::NodeProto &node, llvm::StringRef name, float def) {
  auto *a = findAttr(node, name);
  return a ? a->f() : def;
}

std::string getString(const onnx::NodeProto &node, llvm::StringRef name,
                      const std::string &def) {
  auto *a = findAttr(node, name);
  return a ? a->s() : def;
}

std::vector<int64_t> getInts(const onnx::NodeProto &node, llvm::StringRef name,
                             std::vector<int64_t> def = {}) {
  auto *a = findAttr(node, name);
  if (!a) {
    return def;
  }
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

/// \returns the ONNX node's description for messages: "'NAME' (OpType)".
std::string describe(const onnx::NodeProto &node, const std::string &name) {
  return "node '" + name + "' (" + node.op_type() + ")";
}

llvm::Expected<ElemKind> elemKindFromONNX(int32_t dt) {
  switch (dt) {
  case onnx::TensorProto::FLOAT:
    return ElemKind::FloatTy;
  case onnx::TensorProto::INT64:
    return ElemKind::Int64ITy;
  case onnx::TensorProto::INT32:
    return ElemKind::Int32ITy;
  case onnx::TensorProto::BOOL:
    return ElemKind::BoolTy;
  default:
    return makeError(
        "unsupported ONNX element type " +
        onnx::TensorProto::DataType_Name(onnx::TensorProto::DataType(dt)));
  }
}

/// \returns an error unless the graph input or output \p v is a tensor
/// (sequences, maps, optionals and sparse tensors are not supported).
llvm::Error checkTensorValueType(const onnx::ValueInfoProto &v) {
  const auto &t = v.type();
  const char *what = nullptr;
  switch (t.value_case()) {
  case onnx::TypeProto::kTensorType:
  case onnx::TypeProto::VALUE_NOT_SET: // checked where the kind is needed
    return llvm::Error::success();
  case onnx::TypeProto::kSequenceType:
    what = "a sequence";
    break;
  case onnx::TypeProto::kMapType:
    what = "a map";
    break;
  case onnx::TypeProto::kOptionalType:
    what = "an optional";
    break;
  case onnx::TypeProto::kSparseTensorType:
    what = "a sparse tensor";
    break;
  default:
    what = "an unknown";
    break;
  }
  return makeError("'" + v.name() + "' has " + what +
                   " type; only tensors are supported");
}

/// Converts an onnx.TensorProto to a Tensor.
llvm::Expected<Tensor> tensorFromProto(const onnx::TensorProto &t) {
  auto kind = elemKindFromONNX(t.data_type());
  if (!kind) {
    return makeError("tensor '" + t.name() +
                     "': " + llvm::toString(kind.takeError()));
  }
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    return makeError("tensor '" + t.name() +
                     "' uses external data, which is not supported");
  }
  std::vector<dim_t> dims(t.dims().begin(), t.dims().end());
  // The data present must match the shape before anything is allocated.
  size_t elemSize = getElementSize(*kind);
  auto bytes = checkedTensorBytes(dims, elemSize, "tensor '" + t.name() + "'");
  if (!bytes) {
    return bytes.takeError();
  }
  size_t n = *bytes / elemSize;
  if (t.has_raw_data()) {
    if (t.raw_data().size() != *bytes) {
      return makeError("tensor '" + t.name() + "' has " +
                       llvm::Twine(t.raw_data().size()) +
                       " bytes of data, expected " + llvm::Twine(*bytes));
    }
    Tensor out(*kind, dims);
    std::memcpy(out.getUnsafePtr(), t.raw_data().data(), *bytes);
    return std::move(out);
  }
  size_t have = *kind == ElemKind::FloatTy    ? t.float_data_size()
                : *kind == ElemKind::Int64ITy ? t.int64_data_size()
                                              : t.int32_data_size();
  if (have != n) {
    return makeError("tensor '" + t.name() + "' has " + llvm::Twine(have) +
                     " values, expected " + llvm::Twine(n));
  }
  Tensor out(*kind, dims);
  for (size_t i = 0; i < n; i++) {
    switch (*kind) {
    case ElemKind::FloatTy:
      out.setFromDouble(i, t.float_data(i));
      break;
    case ElemKind::Int64ITy:
      out.getHandle<int64_t>().raw(i) = t.int64_data(i);
      break;
    default:
      out.setFromDouble(i, t.int32_data(i));
      break;
    }
  }
  return std::move(out);
}

llvm::Expected<std::string> readFile(llvm::StringRef path) {
  return readFileBounded(path, kMaxModelBytes, "file");
}

llvm::Expected<onnx::ModelProto> parseModel(const std::string &bytes,
                                            llvm::StringRef what) {
  onnx::ModelProto model;
  if (bytes.empty() || !model.ParseFromString(bytes) || !model.has_graph()) {
    return makeError("'" + what +
                     "' is not a valid ONNX model (truncated or not ONNX)");
  }
  if (model.ir_version() < 3) {
    return makeError("'" + what + "' has ONNX IR version " +
                     llvm::Twine(model.ir_version()) +
                     "; versions 3 and later are supported");
  }
  return std::move(model);
}

/// Computes begin/end padding for auto_pad SAME_UPPER / SAME_LOWER.
void samePads(dim_t in, unsigned kernel, unsigned stride, unsigned dilation,
              bool upper, unsigned &begin, unsigned &end) {
  dim_t out = (in + stride - 1) / stride;
  dim_t eff = dim_t(dilation) * (kernel - 1) + 1;
  dim_t total = std::max<dim_t>(0, (out - 1) * stride + eff - in);
  begin = upper ? total / 2 : total - total / 2;
  end = total - begin;
}

/// Resolves the window attributes shared by Conv and the pools.
llvm::Error
windowAttributes(const onnx::NodeProto &node, const std::string &name,
                 llvm::ArrayRef<dim_t> inDims, std::vector<unsigned> kernel,
                 std::vector<unsigned> &kernels, std::vector<unsigned> &strides,
                 std::vector<unsigned> &pads,
                 std::vector<unsigned> &dilations) {
  if (inDims.size() != 4) {
    return makeError(describe(node, name) +
                     ": only 2-D windows on 4-D NCHW "
                     "inputs are supported, input is " +
                     dimsToString(inDims));
  }
  auto ks = getInts(node, "kernel_shape");
  if (!ks.empty()) {
    kernel.assign(ks.begin(), ks.end());
  }
  if (kernel.size() != 2) {
    return makeError(describe(node, name) +
                     ": kernel_shape must have 2 values");
  }
  kernels = kernel;
  auto st = getInts(node, "strides", {1, 1});
  auto dl = getInts(node, "dilations", {1, 1});
  auto pd = getInts(node, "pads", {0, 0, 0, 0});
  if (st.size() != 2 || dl.size() != 2 || pd.size() != 4) {
    return makeError(describe(node, name) +
                     ": strides, dilations and pads must have 2, 2, 4 values");
  }
  for (auto [values, what, lo] : {std::make_tuple(&ks, "kernel_shape", 1),
                                  {&st, "strides", 1},
                                  {&dl, "dilations", 1},
                                  {&pd, "pads", 0}}) {
    for (int64_t v : *values) {
      if (auto err = checkRange(v, lo, kMaxDimension,
                                describe(node, name) + ": " + what)) {
        return err;
      }
    }
  }
  for (unsigned k : kernel) {
    if (auto err = checkRange(k, 1, kMaxDimension,
                              describe(node, name) + ": kernel size")) {
      return err;
    }
  }
  strides.assign(st.begin(), st.end());
  dilations.assign(dl.begin(), dl.end());
  pads.assign(pd.begin(), pd.end());
  std::string autoPad = getString(node, "auto_pad", "NOTSET");
  if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (unsigned i = 0; i < 2; i++) {
      samePads(inDims[2 + i], kernels[i], strides[i], dilations[i],
               autoPad == "SAME_UPPER", pads[i], pads[i + 2]);
    }
  } else if (autoPad == "VALID") {
    pads = {0, 0, 0, 0};
  } else if (autoPad != "NOTSET") {
    return makeError(describe(node, name) + ": unknown auto_pad '" + autoPad +
                     "'");
  }
  return llvm::Error::success();
}

/// \returns \p axis made non-negative for rank \p rank, or an error.
llvm::Expected<unsigned> normalizeAxis(int64_t axis, size_t rank,
                                       const onnx::NodeProto &node,
                                       const std::string &name) {
  int64_t r = int64_t(rank);
  if (axis < -r || axis >= r) {
    return makeError(describe(node, name) + ": axis " + llvm::Twine(axis) +
                     " out of range for rank " + llvm::Twine(r));
  }
  return unsigned(axis < 0 ? axis + r : axis);
}

std::vector<int64_t> intsOf(const Tensor &t) {
  std::vector<int64_t> v;
  for (size_t i = 0; i < t.size(); i++) {
    v.push_back(int64_t(t.getAsDouble(i)));
  }
  return v;
}

} // namespace

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
      {"Relu", &ONNXModelLoader::loadUnary},
      {"Sigmoid", &ONNXModelLoader::loadUnary},
      {"Tanh", &ONNXModelLoader::loadUnary},
      {"Exp", &ONNXModelLoader::loadUnary},
      {"Log", &ONNXModelLoader::loadUnary},
      {"Sqrt", &ONNXModelLoader::loadUnary},
      {"Neg", &ONNXModelLoader::loadUnary},
      {"Abs", &ONNXModelLoader::loadUnary},
      {"LeakyRelu", &ONNXModelLoader::loadLeakyRelu},
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
      {"Conv", {2, 3, 1}},    {"BatchNormalization", {5, 5, 5}},
      {"Gemm", {2, 3, 1}},    {"MatMul", {2, 2, 1}},
      {"Add", {2, 2, 1}},     {"Sub", {2, 2, 1}},
      {"Mul", {2, 2, 1}},     {"Div", {2, 2, 1}},
      {"Pow", {2, 2, 1}},     {"Max", {1, kAny, 1}},
      {"Min", {1, kAny, 1}},  {"Sum", {1, kAny, 1}},
      {"Clip", {1, 3, 1}},    {"MaxPool", {1, 1, 2}},
      {"Reshape", {1, 2, 1}}, {"Concat", {1, kAny, 1}},
      {"Dropout", {1, 3, 2}}, {"Constant", {0, 0, 1}},
      {"Gather", {2, 2, 1}},  {"Unsqueeze", {1, 2, 1}},
      {"Squeeze", {1, 2, 1}}, {"Pad", {1, 4, 1}},
      {"Slice", {1, 5, 1}},   {"Expand", {2, 2, 1}},
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
  auto da = a.dims(), db = b.dims();
  size_t rank = std::max(da.size(), db.size());
  std::vector<dim_t> out(rank);
  for (size_t i = 0; i < rank; i++) {
    dim_t x = i < rank - da.size() ? 1 : da[i - (rank - da.size())];
    dim_t y = i < rank - db.size() ? 1 : db[i - (rank - db.size())];
    if (x != y && x != 1 && y != 1) {
      return makeError("node '" + name + "': cannot broadcast " +
                       dimsToString(da) + " with " + dimsToString(db));
    }
    out[i] = x == 1 ? y : x;
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
// Builders
//===----------------------------------------------------------------------===//

#define ASSIGN_OR_RETURN(VAR, EXPR)                                            \
  auto VAR##OrErr = (EXPR);                                                    \
  if (!VAR##OrErr) {                                                           \
    return VAR##OrErr.takeError();                                             \
  }                                                                            \
  auto VAR = std::move(*VAR##OrErr);

llvm::Error ONNXModelLoader::loadConv(const onnx::NodeProto &node,
                                      const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  ASSIGN_OR_RETURN(filter, getInput(node, 1));
  if (filter.dims().size() != 4) {
    return makeError(describe(node, name) + ": weights must be 4-D, got " +
                     dimsToString(filter.dims()));
  }
  std::vector<unsigned> kernels, strides, pads, dilations;
  if (auto err = windowAttributes(
          node, name, in.dims(),
          {unsigned(filter.dims()[2]), unsigned(filter.dims()[3])}, kernels,
          strides, pads, dilations)) {
    return err;
  }
  NodeValue bias;
  if (hasInput(node, 2)) {
    ASSIGN_OR_RETURN(b, getInput(node, 2));
    bias = b;
  } else {
    bias = M_.createConstant(name + ".bias",
                             Tensor(ElemKind::FloatTy, {filter.dims()[0]}));
  }
  int64_t group = getInt(node, "group", 1);
  if (group < 1 || group > kMaxDimension) {
    return makeError(describe(node, name) + ": group must be in 1.." +
                     llvm::Twine(kMaxDimension));
  }
  auto *conv = F_->createConv(name, in, filter, bias, kernels, strides, pads,
                              unsigned(group), dilations);
  setOutput(node, 0, conv);
  return llvm::Error::success();
}

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
  if (bd.size() != 2 || ad.size() < 2) {
    return makeError(describe(node, name) +
                     ": supported shapes are [..., K] x [K, M], got " +
                     dimsToString(ad) + " x " + dimsToString(bd));
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
  if (opset_ < 7 && getInt(node, "broadcast", 0)) {
    return makeError(describe(node, name) +
                     ": legacy broadcast (opset < 7) is not supported");
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
  if (!in.getType().isFloat()) {
    return makeError(describe(node, name) + ": input must be float");
  }
  static const std::map<std::string, Node::Kind> kinds = {
      {"Relu", Node::Kind::ReluKind}, {"Sigmoid", Node::Kind::SigmoidKind},
      {"Tanh", Node::Kind::TanhKind}, {"Exp", Node::Kind::ExpKind},
      {"Log", Node::Kind::LogKind},   {"Sqrt", Node::Kind::SqrtKind},
      {"Neg", Node::Kind::NegKind},   {"Abs", Node::Kind::AbsKind}};
  setOutput(node, 0, F_->createUnary(kinds.at(node.op_type()), name, in));
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

llvm::Error ONNXModelLoader::loadPool(const onnx::NodeProto &node,
                                      const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  if (node.output_size() > 1 && !node.output(1).empty()) {
    return makeError(describe(node, name) +
                     ": the Indices output is not supported");
  }
  std::vector<unsigned> kernels, strides, pads, dilations;
  if (auto err = windowAttributes(node, name, in.dims(), {}, kernels, strides,
                                  pads, dilations)) {
    return err;
  }
  if (dilations != std::vector<unsigned>{1, 1}) {
    return makeError(describe(node, name) + ": dilated pooling is not "
                                            "supported");
  }
  if (getInt(node, "storage_order", 0) != 0) {
    return makeError(describe(node, name) + ": storage_order=1 is not "
                                            "supported");
  }
  bool ceil = getInt(node, "ceil_mode", 0) != 0;
  if (!in.getType().isFloat()) {
    return makeError(describe(node, name) + ": input must be float");
  }
  if (node.op_type() == "MaxPool") {
    // A window entirely in the padding has no element to take the maximum
    // of; ONNX requires pads smaller than the kernel.
    for (unsigned i = 0; i < 4; i++) {
      if (pads[i] >= kernels[i % 2]) {
        return makeError(describe(node, name) + ": pad " +
                         llvm::Twine(pads[i]) +
                         " is not smaller than the kernel size " +
                         llvm::Twine(kernels[i % 2]));
      }
    }
    setOutput(node, 0,
              F_->createMaxPool(name, in, kernels, strides, pads, ceil));
  } else {
    bool countPads = getInt(node, "count_include_pad", 0) != 0;
    setOutput(
        node, 0,
        F_->createAvgPool(name, in, kernels, strides, pads, countPads, ceil));
  }
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadGlobalPool(const onnx::NodeProto &node,
                                            const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  if (in.dims().size() != 4) {
    return makeError(describe(node, name) + ": input must be 4-D NCHW");
  }
  std::vector<unsigned> k = {unsigned(in.dims()[2]), unsigned(in.dims()[3])};
  if (node.op_type() == "GlobalMaxPool") {
    setOutput(node, 0, F_->createMaxPool(name, in, k, {1, 1}, {0, 0, 0, 0}));
  } else {
    setOutput(node, 0,
              F_->createAvgPool(name, in, k, {1, 1}, {0, 0, 0, 0}, false));
  }
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadSoftmax(const onnx::NodeProto &node,
                                         const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  auto d = in.dims();
  ASSIGN_OR_RETURN(axis,
                   normalizeAxis(getInt(node, "axis", opset_ < 13 ? 1 : -1),
                                 d.size(), node, name));
  if (opset_ >= 13) {
    setOutput(node, 0, F_->createSoftMax(name, in, axis));
    return llvm::Error::success();
  }
  // Before opset 13 the input is coerced to 2-D at axis.
  dim_t rows = 1, cols = 1;
  for (size_t i = 0; i < d.size(); i++) {
    (i < axis ? rows : cols) *= d[i];
  }
  NodeValue flat = F_->createReshape(name + ".2d", in, {rows, cols});
  NodeValue sm = F_->createSoftMax(name, flat, 1);
  setOutput(node, 0, F_->createReshape(name + ".nd", sm, d));
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
  auto kind = elemKindFromONNX(int32_t(getInt(node, "to", 0)));
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
  auto d = in.dims();
  size_t rank = std::max(d.size(), shape.size());
  std::vector<dim_t> out(rank);
  for (size_t i = 0; i < rank; i++) {
    dim_t x = i < rank - d.size() ? 1 : d[i - (rank - d.size())];
    dim_t y = i < rank - shape.size() ? 1 : shape[i - (rank - shape.size())];
    if (x != y && x != 1 && y != 1) {
      return makeError(describe(node, name) + ": cannot expand " +
                       dimsToString(d));
    }
    out[i] = x == 1 ? y : x;
  }
  if (auto bytes = checkedTensorBytes(out, getElementSize(in.getElementType()),
                                      describe(node, name));
      !bytes) {
    return bytes.takeError();
  }
  setOutput(node, 0, F_->createBroadcast(name, in, out));
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
