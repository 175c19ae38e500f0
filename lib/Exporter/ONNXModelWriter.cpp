// Graph -> ONNX (opset 14) in the QDQ form: each INT8 value is its FP32
// operation followed by QuantizeLinear and DequantizeLinear, so that a
// runtime that fuses QDQ (ONNX Runtime, TensorRT) runs what we quantized,
// and any runtime computes the same values in float.

#include "glow/Exporter/ONNXModelWriter.h"
#include "glow/Graph/Nodes.h"
#include "glow/Support/Error.h"

#include "llvm/Support/Casting.h"

#include <onnx/onnx_pb.h>

#include <fstream>
#include <map>
#include <set>

using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;

namespace glow {

namespace {

using Kind = Node::Kind;

class Writer {
public:
  Writer(const Function &F, const ONNXExportOptions &opts)
      : F_(F), opts_(opts) {
    model_.set_ir_version(7);
    model_.set_producer_name("glow-mp");
    auto *opset = model_.add_opset_import();
    opset->set_domain("");
    opset->set_version(14); // HardSwish
    graph_ = model_.mutable_graph();
    graph_->set_name(F.getName().str());
  }

  llvm::Error run(llvm::StringRef path) {
    for (Node *n : F_.getNodesInTopologicalOrder()) {
      if (isa<Placeholder>(n) || isa<Constant>(n)) {
        continue;
      }
      if (auto err = write(n)) {
        return err;
      }
    }
    std::ofstream os(path.str(), std::ios::binary | std::ios::trunc);
    if (!os || !model_.SerializeToOstream(&os)) {
      return makeError("cannot write ONNX model '" + path + "'");
    }
    return llvm::Error::success();
  }

private:
  static int onnxType(ElemKind k) {
    switch (k) {
    case ElemKind::FloatTy:
      return onnx::TensorProto::FLOAT;
    case ElemKind::Int8QTy:
      return onnx::TensorProto::INT8;
    case ElemKind::Int32QTy:
    case ElemKind::Int32ITy:
      return onnx::TensorProto::INT32;
    case ElemKind::Int64ITy:
      return onnx::TensorProto::INT64;
    case ElemKind::BoolTy:
      return onnx::TensorProto::BOOL;
    default:
      return onnx::TensorProto::UNDEFINED;
    }
  }

  /// A fresh tensor name starting with \p base.
  std::string fresh(const std::string &base) {
    std::string name = base;
    for (unsigned i = 1; !used_.insert(name).second; i++) {
      name = base + "_" + std::to_string(i);
    }
    return name;
  }

  onnx::NodeProto *op(const char *type, const std::string &name,
                      std::vector<std::string> inputs,
                      const std::string &output) {
    auto *node = graph_->add_node();
    node->set_op_type(type);
    node->set_name(fresh(name));
    for (auto &i : inputs) {
      node->add_input(i);
    }
    node->add_output(output);
    return node;
  }

  static void intsAttr(onnx::NodeProto *n, const char *name,
                       const std::vector<int64_t> &v) {
    auto *a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) {
      a->add_ints(x);
    }
  }
  static void intAttr(onnx::NodeProto *n, const char *name, int64_t v) {
    auto *a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void floatAttr(onnx::NodeProto *n, const char *name, float v) {
    auto *a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }
  template <class T> static std::vector<int64_t> ints(const T &v) {
    return std::vector<int64_t>(v.begin(), v.end());
  }

  /// An initializer named after \p base with \p dims and raw bytes.
  std::string initializer(const std::string &base, int type,
                          llvm::ArrayRef<dim_t> dims, const void *data,
                          size_t bytes) {
    std::string name = fresh(base);
    auto *t = graph_->add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    for (dim_t d : dims) {
      t->add_dims(int64_t(d));
    }
    t->set_raw_data(data, bytes);
    return name;
  }
  std::string floatScalar(const std::string &base, float v) {
    return initializer(base, onnx::TensorProto::FLOAT, {}, &v, sizeof(v));
  }
  std::string int64s(const std::string &base, const std::vector<int64_t> &v) {
    return initializer(base, onnx::TensorProto::INT64, {dim_t(v.size())},
                       v.data(), v.size() * sizeof(int64_t));
  }
  /// Scale and zero point initializers of \p ty (int8 zero point, uint8
  /// for an \p activation with uint8 activations, or int32 for a bias).
  std::pair<std::string, std::string>
  qparams(const std::string &base, const Type &ty, bool activation = false) {
    std::string scale = floatScalar(base + ".scale", ty.getScale());
    std::string zp;
    if (activation && opts_.uint8Activations) {
      uint8_t z = uint8_t(ty.getOffset() + 128);
      zp = initializer(base + ".zero_point", onnx::TensorProto::UINT8, {}, &z,
                       sizeof(z));
    } else if (ty.getElementType() == ElemKind::Int32QTy) {
      int32_t z = ty.getOffset();
      zp = initializer(base + ".zero_point", onnx::TensorProto::INT32, {}, &z,
                       sizeof(z));
    } else {
      int8_t z = int8_t(ty.getOffset());
      zp = initializer(base + ".zero_point", onnx::TensorProto::INT8, {}, &z,
                       sizeof(z));
    }
    return {scale, zp};
  }

  /// The ONNX name of \p v as a float (or integer) tensor: the input or
  /// initializer itself, or the result written for its node.
  llvm::Expected<std::string> nameOf(NodeValue v) {
    auto it = names_.find(key(v));
    if (it != names_.end()) {
      return it->second;
    }
    Node *n = v.getNode();
    if (auto *ph = dyn_cast<Placeholder>(n)) {
      std::string name = fresh(ph->getName().str());
      auto *in = graph_->add_input();
      in->set_name(name);
      setType(in, ph->getType());
      return names_[key(v)] = name;
    }
    if (auto *c = dyn_cast<Constant>(n)) {
      return names_[key(v)] = constantName(c, nullptr);
    }
    return makeError("ONNX export: '" + n->getName() + "' has no value yet");
  }

  static void setType(onnx::ValueInfoProto *info, const Type &ty) {
    auto *t = info->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnxType(ty.getElementType()));
    for (dim_t d : ty.dims()) {
      t->mutable_shape()->add_dim()->set_dim_value(int64_t(d));
    }
  }

  /// A constant as ONNX: plain, or for quantized weights an int8/int32
  /// initializer behind a DequantizeLinear (per channel with \p conv's
  /// channelwise scales).
  std::string constantName(const Constant *c, const ConvolutionNode *conv) {
    const Tensor &t = c->getPayload();
    const Type &ty = c->getType();
    std::string base = c->getName().str();
    if (!ty.isQuantized()) {
      return initializer(base, onnxType(ty.getElementType()), ty.dims(),
                         t.getUnsafePtr(), t.getSizeInBytes());
    }
    std::string raw =
        initializer(base + ".quantized", onnxType(ty.getElementType()),
                    ty.dims(), t.getUnsafePtr(), t.getSizeInBytes());
    std::string scale, zp;
    bool perChannel = conv && conv->isChannelwise();
    if (perChannel && conv->getBias().getNode() == c) {
      // Each channel's bias has the scale input scale x its filter scale.
      const Tensor &s =
          cast<Constant>(conv->getFilterScales().getNode())->getPayload();
      float inScale = conv->getInput().getType().getScale();
      std::vector<float> scales(s.size());
      for (size_t i = 0; i < s.size(); i++) {
        scales[i] = inScale * s.getHandle<float>().raw(i);
      }
      std::vector<int32_t> zeros(s.size(), 0);
      scale = initializer(base + ".scale", onnx::TensorProto::FLOAT,
                          {dim_t(scales.size())}, scales.data(),
                          scales.size() * sizeof(float));
      zp = initializer(base + ".zero_point", onnx::TensorProto::INT32,
                       {dim_t(zeros.size())}, zeros.data(),
                       zeros.size() * sizeof(int32_t));
    } else if (perChannel) {
      const Tensor &s =
          cast<Constant>(conv->getFilterScales().getNode())->getPayload();
      const Tensor &o =
          cast<Constant>(conv->getFilterOffsets().getNode())->getPayload();
      std::vector<int8_t> z(o.size());
      for (size_t i = 0; i < o.size(); i++) {
        z[i] = int8_t(o.getHandle<int32_t>().raw(i));
      }
      scale =
          initializer(base + ".scale", onnx::TensorProto::FLOAT,
                      {dim_t(s.size())}, s.getUnsafePtr(), s.getSizeInBytes());
      zp = initializer(base + ".zero_point", onnx::TensorProto::INT8,
                       {dim_t(z.size())}, z.data(), z.size());
    } else {
      std::tie(scale, zp) = qparams(base, ty);
    }
    std::string out = fresh(base + ".dequantized");
    auto *dq = op("DequantizeLinear", base + ".DequantizeLinear",
                  {raw, scale, zp}, out);
    if (perChannel) {
      intAttr(dq, "axis", 0);
    }
    return out;
  }

  /// Inputs of a convolution whose bias quantization follows its channels.
  llvm::Expected<std::string> weightName(NodeValue v,
                                         const ConvolutionNode *conv) {
    if (auto *c = dyn_cast<Constant>(v.getNode())) {
      if (c->getType().isQuantized() && conv && conv->isChannelwise()) {
        return constantName(c, conv);
      }
    }
    return nameOf(v);
  }

  /// Records \p n's result: \p floatOut is the FP32 operation's output; a
  /// quantized result adds QuantizeLinear and DequantizeLinear.
  void setResult(Node *n, const std::string &floatOut) {
    const Type &ty = n->getType();
    if (!ty.isQuantized()) {
      names_[key(NodeValue(n, 0))] = floatOut;
      return;
    }
    std::string base = n->getName().str();
    auto [scale, zp] = qparams(base, ty, /* activation */ true);
    std::string q = fresh(base + ".quantized");
    op("QuantizeLinear", base + ".QuantizeLinear", {floatOut, scale, zp}, q);
    std::string out = fresh(base + ".dequantized");
    op("DequantizeLinear", base + ".DequantizeLinear", {q, scale, zp}, out);
    codes_[key(NodeValue(n, 0))] = q;
    names_[key(NodeValue(n, 0))] = out;
  }

  /// The int8 codes of the quantized value \p v.
  llvm::Expected<std::string> codesOf(NodeValue v) {
    auto it = codes_.find(key(v));
    if (it != codes_.end()) {
      return it->second;
    }
    // Data movement keeps the codes of its input (a Reshape of a Quantize,
    // say): quantize the float form again, which is exact.
    auto name = nameOf(v);
    if (!name) {
      return name.takeError();
    }
    std::string base = v.getNode()->getName().str() + ".codes";
    auto [scale, zp] = qparams(base, v.getType(), /* activation */ true);
    std::string q = fresh(base);
    op("QuantizeLinear", base + ".QuantizeLinear", {*name, scale, zp}, q);
    return codes_[key(v)] = q;
  }

  llvm::Error write(Node *n) {
    std::string base = n->getName().str();
    // Inputs as ONNX names (float form of quantized values).
    std::vector<std::string> in;
    auto *conv = dyn_cast<ConvolutionNode>(n);
    unsigned numInputs = n->getNumInputs();
    if (conv && conv->isChannelwise()) {
      numInputs = 3;
    }
    if (n->getKind() == Kind::IntLookupTableKind) {
      numInputs = 0; // the table reads codes
    }
    if (n->getKind() == Kind::SaveKind) {
      numInputs = 1; // the second is the output placeholder
    }
    for (unsigned i = 0; i < numInputs; i++) {
      auto name = weightName(n->getNthInput(i), conv);
      if (!name) {
        return name.takeError();
      }
      in.push_back(*name);
    }
    std::string out = fresh(base);
    switch (n->getKind()) {
    case Kind::SaveKind: {
      auto *save = cast<SaveNode>(n);
      std::string name = fresh(save->getPlaceholder()->getName().str());
      op("Identity", base, {in[0]}, name);
      auto *o = graph_->add_output();
      o->set_name(name);
      setType(o, save->getPlaceholder()->getType());
      return llvm::Error::success();
    }
    case Kind::ConvolutionKind: {
      auto *node = op("Conv", base, in, out);
      intsAttr(node, "kernel_shape", ints(conv->getKernels()));
      intsAttr(node, "strides", ints(conv->getStrides()));
      intsAttr(node, "pads", ints(conv->getPads()));
      intsAttr(node, "dilations", ints(conv->getDilations()));
      intAttr(node, "group", conv->getGroup());
      break;
    }
    case Kind::FullyConnectedKind:
      if (n->getNthInput(0).dims().size() != 2) {
        // Our FC reads [batch, everything else], as Flatten gives it.
        std::string flat = fresh(base + ".flat");
        intAttr(op("Flatten", base + ".Flatten", {in[0]}, flat), "axis", 1);
        in[0] = flat;
      }
      op("Gemm", base, in, out);
      break;
    case Kind::MatMulKind:
      op("MatMul", base, in, out);
      break;
    case Kind::ClipKind: {
      auto *clip = cast<ClipNode>(n);
      in.push_back(floatScalar(base + ".min", clip->getMin()));
      in.push_back(floatScalar(base + ".max", clip->getMax()));
      op("Clip", base, in, out);
      break;
    }
    case Kind::LeakyReluKind:
      floatAttr(op("LeakyRelu", base, in, out), "alpha",
                cast<LeakyReluNode>(n)->getAlpha());
      break;
    case Kind::BatchNormalizationKind:
      // (input, scale, bias, mean, var): the ONNX operator's order.
      floatAttr(op("BatchNormalization", base, in, out), "epsilon",
                cast<BatchNormalizationNode>(n)->getEpsilon());
      break;
    case Kind::HardSigmoidKind: {
      auto *node = op("HardSigmoid", base, in, out);
      floatAttr(node, "alpha", cast<HardSigmoidNode>(n)->getAlpha());
      floatAttr(node, "beta", cast<HardSigmoidNode>(n)->getBeta());
      break;
    }
    case Kind::MaxPoolKind:
    case Kind::AvgPoolKind: {
      auto *pool = cast<PoolNode>(n);
      bool avg = n->getKind() == Kind::AvgPoolKind;
      auto *node = op(avg ? "AveragePool" : "MaxPool", base, in, out);
      intsAttr(node, "kernel_shape", ints(pool->getKernels()));
      intsAttr(node, "strides", ints(pool->getStrides()));
      intsAttr(node, "pads", ints(pool->getPads()));
      // Ceil mode is in the output shape only: bigger than floor mode's.
      auto &k = pool->getKernels(), &st = pool->getStrides(),
           &pd = pool->getPads();
      auto inDims = pool->getInput().dims(), outDims = n->getType().dims();
      for (size_t i = 0; i < 2; i++) {
        if (outDims[2 + i] > computeWindowOutputSize(inDims[2 + i], k[i], st[i],
                                                     pd[i], pd[i + 2])) {
          intAttr(node, "ceil_mode", 1);
          break;
        }
      }
      if (avg) {
        intAttr(node, "count_include_pad", pool->getCountIncludePads());
      }
      break;
    }
    case Kind::SoftMaxKind:
      intAttr(op("Softmax", base, in, out), "axis",
              cast<SoftMaxNode>(n)->getAxis());
      break;
    case Kind::ReshapeKind:
      in.push_back(int64s(base + ".shape", ints(n->dims())));
      op("Reshape", base, in, out);
      break;
    case Kind::BroadcastKind:
      in.push_back(int64s(base + ".shape", ints(n->dims())));
      op("Expand", base, in, out);
      break;
    case Kind::TransposeKind:
      intsAttr(op("Transpose", base, in, out), "perm",
               ints(cast<TransposeNode>(n)->getShuffle()));
      break;
    case Kind::ConcatKind:
      intAttr(op("Concat", base, in, out), "axis",
              cast<ConcatNode>(n)->getDim());
      break;
    case Kind::SliceKind: {
      auto *slice = cast<SliceNode>(n);
      std::vector<int64_t> starts = ints(slice->getStarts()),
                           steps = ints(slice->getSteps()), ends, axes;
      for (size_t a = 0; a < starts.size(); a++) {
        ends.push_back(starts[a] + int64_t(n->dims()[a] - 1) * steps[a] + 1);
        axes.push_back(int64_t(a));
      }
      in.push_back(int64s(base + ".starts", starts));
      in.push_back(int64s(base + ".ends", ends));
      in.push_back(int64s(base + ".axes", axes));
      in.push_back(int64s(base + ".steps", steps));
      op("Slice", base, in, out);
      break;
    }
    case Kind::PadKind: {
      auto *pad = cast<PadNode>(n);
      static const char *modes[] = {"constant", "reflect", "edge"};
      in.push_back(int64s(base + ".pads", ints(pad->getPads())));
      float value = pad->getValue();
      if (n->getType().isQuantized()) {
        // Our Pad writes the quantized pad value: its float is exact.
        value = n->getType().getScale() *
                (float(std::lround(value)) - n->getType().getOffset());
      }
      in.push_back(floatScalar(base + ".value", value));
      auto *node = op("Pad", base, in, out);
      auto *a = node->add_attribute();
      a->set_name("mode");
      a->set_type(onnx::AttributeProto::STRING);
      a->set_s(modes[int(pad->getMode())]);
      break;
    }
    case Kind::GatherKind:
      intAttr(op("Gather", base, in, out), "axis",
              cast<GatherNode>(n)->getAxis());
      break;
    case Kind::ReduceKind: {
      auto *r = cast<ReduceNode>(n);
      std::string type =
          std::string("Reduce") + ReduceNode::getModeName(r->getMode());
      onnx::NodeProto *node;
      if (r->getMode() == ReduceNode::Mode::Sum) {
        in.push_back(int64s(base + ".axes", ints(r->getAxes())));
        node = op("ReduceSum", base, in, out);
      } else {
        node = op(type.c_str(), base, in, out);
        intsAttr(node, "axes", ints(r->getAxes()));
      }
      intAttr(node, "keepdims", r->getKeepDims());
      break;
    }
    case Kind::ConvertToKind:
      intAttr(op("Cast", base, in, out), "to",
              onnxType(n->getType().getElementType()));
      break;
    case Kind::QuantizeKind:
      break; // the QuantizeLinear/DequantizeLinear below is the conversion
    case Kind::DequantizeKind:
      names_[key(NodeValue(n, 0))] = in[0]; // already float in ONNX
      return llvm::Error::success();
    case Kind::IntLookupTableKind: {
      auto *lut = cast<IntLookupTableNode>(n);
      auto codes = codesOf(lut->getInput());
      if (!codes) {
        return codes.takeError();
      }
      // The dequantized entries, indexed by int8 code + 128 (the uint8
      // code).
      const Tensor &table =
          cast<Constant>(lut->getTable().getNode())->getPayload();
      const Type &ty = n->getType();
      std::vector<float> values(256);
      for (size_t i = 0; i < 256; i++) {
        values[i] =
            ty.getScale() *
            float(int32_t(table.getHandle<int8_t>().raw(i)) - ty.getOffset());
      }
      std::string entries =
          initializer(base + ".entries", onnx::TensorProto::FLOAT, {256},
                      values.data(), values.size() * sizeof(float));
      std::string wide = fresh(base + ".codes32");
      intAttr(op("Cast", base + ".Cast", {*codes}, wide), "to",
              onnx::TensorProto::INT32);
      std::string index = wide;
      if (!opts_.uint8Activations) {
        int32_t bias = 128;
        std::string offset = initializer(
            base + ".code_offset", onnx::TensorProto::INT32, {}, &bias, 4);
        index = fresh(base + ".index");
        op("Add", base + ".Add", {wide, offset}, index);
      }
      op("Gather", base, {entries, index}, out);
      break;
    }
    default:
      // Element-wise kinds without attributes (Add, Mul, Max, Pow, Relu,
      // Sigmoid, Erf, HardSwish...) have the ONNX operator's name.
      if ((n->getKindInfo().family == NodeFamily::Binary ||
           n->getKindInfo().family == NodeFamily::Unary) &&
          n->getAttributes().empty()) {
        op(n->getKindName(), base, in, out);
        break;
      }
      return makeError("ONNX export: no ONNX form for " +
                       llvm::Twine(n->getKindName()) + " '" + n->getName() +
                       "'");
    }
    if (n->getKind() == Kind::QuantizeKind) {
      setResult(n, in[0]);
    } else {
      setResult(n, out);
    }
    return llvm::Error::success();
  }

  static std::pair<const Node *, unsigned> key(NodeValue v) {
    return {v.getNode(), v.resNo};
  }

  const Function &F_;
  ONNXExportOptions opts_;
  onnx::ModelProto model_;
  onnx::GraphProto *graph_;
  std::set<std::string> used_;
  std::map<std::pair<const Node *, unsigned>, std::string> names_, codes_;
};

} // namespace

llvm::Error writeONNXModel(const Function &F, llvm::StringRef path,
                           const ONNXExportOptions &opts) {
  Writer w(F, opts);
  return w.run(path);
}

} // namespace glow
