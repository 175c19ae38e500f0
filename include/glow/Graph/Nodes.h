#ifndef GLOW_GRAPH_NODES_H
#define GLOW_GRAPH_NODES_H

#include "glow/Base/Tensor.h"
#include "glow/Graph/Node.h"

#include <string>
#include <vector>

namespace glow {

/// An input or output of a Function, bound to a tensor at run time.
class Placeholder : public Node {
public:
  Placeholder(llvm::StringRef name, const Type &ty)
      : Node(Kind::PlaceholderKind, name) {
    addResult(ty);
  }
  static bool classof(const Node *n) {
    return n->getKind() == Kind::PlaceholderKind;
  }
};

/// A tensor whose value is known at compile time (weights, shapes).
class Constant : public Node {
public:
  Constant(llvm::StringRef name, Tensor &&payload)
      : Node(Kind::ConstantKind, name), payload_(std::move(payload)) {
    addResult(payload_.getType());
  }
  const Tensor &getPayload() const { return payload_; }
  /// Replaces the payload (and the result type with it).
  void setPayload(Tensor &&t) {
    payload_ = std::move(t);
    setType(0, payload_.getType());
  }
  static bool classof(const Node *n) {
    return n->getKind() == Kind::ConstantKind;
  }

private:
  Tensor payload_;
};

/// Copies Input into the Output placeholder.
class SaveNode : public Node {
public:
  SaveNode(llvm::StringRef name, NodeValue input, Placeholder *output)
      : Node(Kind::SaveKind, name) {
    addInput("Input", input);
    addInput("Output", output);
  }
  NodeValue getInput() const { return getNthInput(0); }
  Placeholder *getPlaceholder() const {
    return static_cast<Placeholder *>(getNthInput(1).getNode());
  }
  std::string verify() const override;
  static bool classof(const Node *n) { return n->getKind() == Kind::SaveKind; }
};

/// 2-D convolution in NCHW. Filter [O, C/group, KH, KW], Bias [O].
/// Pads are {top, left, bottom, right}. A channelwise-quantized convolution
/// has two more inputs, FilterScales (float [O]) and FilterOffsets (int32
/// [O]), that override the filter type's scale and offset per output
/// channel; its Int32 bias then has scale input scale * FilterScales[o].
class ConvolutionNode : public Node {
public:
  ConvolutionNode(llvm::StringRef name, const Type &outTy, NodeValue input,
                  NodeValue filter, NodeValue bias,
                  std::vector<unsigned> kernels, std::vector<unsigned> strides,
                  std::vector<unsigned> pads, unsigned group,
                  std::vector<unsigned> dilations)
      : Node(Kind::ConvolutionKind, name), kernels_(std::move(kernels)),
        strides_(std::move(strides)), pads_(std::move(pads)), group_(group),
        dilations_(std::move(dilations)) {
    addInput("Input", input);
    addInput("Filter", filter);
    addInput("Bias", bias);
    addResult(outTy);
  }
  NodeValue getInput() const { return getNthInput(0); }
  NodeValue getFilter() const { return getNthInput(1); }
  NodeValue getBias() const { return getNthInput(2); }
  bool isChannelwise() const { return getNumInputs() == 5; }
  NodeValue getFilterScales() const { return getNthInput(3); }
  NodeValue getFilterOffsets() const { return getNthInput(4); }
  /// Makes this convolution channelwise-quantized (see the class comment).
  void setChannelwiseParams(NodeValue scales, NodeValue offsets) {
    addInput("FilterScales", scales);
    addInput("FilterOffsets", offsets);
  }
  const std::vector<unsigned> &getKernels() const { return kernels_; }
  const std::vector<unsigned> &getStrides() const { return strides_; }
  const std::vector<unsigned> &getPads() const { return pads_; }
  unsigned getGroup() const { return group_; }
  const std::vector<unsigned> &getDilations() const { return dilations_; }
  std::string verify() const override;
  AttributeList getAttributes() const override;
  static bool classof(const Node *n) {
    return n->getKind() == Kind::ConvolutionKind;
  }

private:
  /// Output size along spatial dimension \p i (0: H, 1: W), 0 if empty.
  dim_t computeWindowOutputSizeForVerify(dim_t in, unsigned i) const;

  std::vector<unsigned> kernels_, strides_, pads_;
  unsigned group_;
  std::vector<unsigned> dilations_;
};

/// Out[n][m] = sum_k In[n][k] * Weights[k][m] + Bias[m]. An input of rank
/// above 2 is read as [dim0, product of the other dims] (an implicit
/// flatten).
class FullyConnectedNode : public Node {
public:
  FullyConnectedNode(llvm::StringRef name, const Type &outTy, NodeValue input,
                     NodeValue weights, NodeValue bias)
      : Node(Kind::FullyConnectedKind, name) {
    addInput("Input", input);
    addInput("Weights", weights);
    addInput("Bias", bias);
    addResult(outTy);
  }
  NodeValue getInput() const { return getNthInput(0); }
  NodeValue getWeights() const { return getNthInput(1); }
  NodeValue getBias() const { return getNthInput(2); }
  std::string verify() const override;
  static bool classof(const Node *n) {
    return n->getKind() == Kind::FullyConnectedKind;
  }
};

/// Inference batch normalisation over channel dimension 1.
class BatchNormalizationNode : public Node {
public:
  BatchNormalizationNode(llvm::StringRef name, const Type &outTy,
                         NodeValue input, NodeValue scale, NodeValue bias,
                         NodeValue mean, NodeValue var, float epsilon)
      : Node(Kind::BatchNormalizationKind, name), epsilon_(epsilon) {
    addInput("Input", input);
    addInput("Scale", scale);
    addInput("Bias", bias);
    addInput("Mean", mean);
    addInput("Var", var);
    addResult(outTy);
  }
  NodeValue getInput() const { return getNthInput(0); }
  NodeValue getScale() const { return getNthInput(1); }
  NodeValue getBias() const { return getNthInput(2); }
  NodeValue getMean() const { return getNthInput(3); }
  NodeValue getVar() const { return getNthInput(4); }
  float getEpsilon() const { return epsilon_; }
  /// \returns s = Scale / sqrt(Var + Epsilon) per channel, the factor of
  /// y = (x - Mean) * s + Bias, or nothing unless Scale and Var are float
  /// Constants.
  std::vector<float> getChannelScales() const;
  std::string verify() const override;
  AttributeList getAttributes() const override;
  static bool classof(const Node *n) {
    return n->getKind() == Kind::BatchNormalizationKind;
  }

private:
  float epsilon_;
};

/// Matrix product of two rank-2 operands: [N, K] x [K, M] -> [N, M].
class MatMulNode : public Node {
public:
  MatMulNode(llvm::StringRef name, const Type &outTy, NodeValue lhs,
             NodeValue rhs)
      : Node(Kind::MatMulKind, name) {
    addInput("LHS", lhs);
    addInput("RHS", rhs);
    addResult(outTy);
  }
  NodeValue getLHS() const { return getNthInput(0); }
  NodeValue getRHS() const { return getNthInput(1); }
  std::string verify() const override;
  static bool classof(const Node *n) {
    return n->getKind() == Kind::MatMulKind;
  }
};

/// [B, M, K] x [B, K, N] -> [B, M, N]: B independent matrix products of
/// two computed operands (ONNX MatMul of 3-D and 4-D tensors, attention).
/// Lowered (lib/Lowering) to B MatMuls of Slices and a Concat.
class BatchMatMulNode : public Node {
public:
  BatchMatMulNode(llvm::StringRef name, const Type &outTy, NodeValue lhs,
                  NodeValue rhs)
      : Node(Kind::BatchMatMulKind, name) {
    addInput("LHS", lhs);
    addInput("RHS", rhs);
    addResult(outTy);
  }
  NodeValue getLHS() const { return getNthInput(0); }
  NodeValue getRHS() const { return getNthInput(1); }
  std::string verify() const override;
  static bool classof(const Node *n) {
    return n->getKind() == Kind::BatchMatMulKind;
  }
};

/// Element-wise binary operation on two operands of the same shape.
class ArithmeticNode : public Node {
public:
  ArithmeticNode(Kind k, llvm::StringRef name, const Type &outTy, NodeValue lhs,
                 NodeValue rhs)
      : Node(k, name) {
    addInput("LHS", lhs);
    addInput("RHS", rhs);
    addResult(outTy);
  }
  NodeValue getLHS() const { return getNthInput(0); }
  NodeValue getRHS() const { return getNthInput(1); }
  std::string verify() const override;
  static bool classof(const Node *n);
};

#define GLOW_ARITHMETIC_NODE(CLASS, NAME)                                      \
  class CLASS : public ArithmeticNode {                                        \
  public:                                                                      \
    CLASS(llvm::StringRef name, const Type &outTy, NodeValue lhs,              \
          NodeValue rhs)                                                       \
        : ArithmeticNode(Kind::NAME##Kind, name, outTy, lhs, rhs) {}           \
    static bool classof(const Node *n) {                                       \
      return n->getKind() == Kind::NAME##Kind;                                 \
    }                                                                          \
  };
GLOW_ARITHMETIC_NODE(AddNode, Add)
GLOW_ARITHMETIC_NODE(SubNode, Sub)
GLOW_ARITHMETIC_NODE(MulNode, Mul)
GLOW_ARITHMETIC_NODE(DivNode, Div)
GLOW_ARITHMETIC_NODE(MaxNode, Max)
GLOW_ARITHMETIC_NODE(MinNode, Min)
GLOW_ARITHMETIC_NODE(PowNode, Pow)
#undef GLOW_ARITHMETIC_NODE

/// Element-wise unary operation; the result has the input's shape.
class UnaryNode : public Node {
public:
  UnaryNode(Kind k, llvm::StringRef name, const Type &outTy, NodeValue input)
      : Node(k, name) {
    addInput("Input", input);
    addResult(outTy);
  }
  NodeValue getInput() const { return getNthInput(0); }
  std::string verify() const override;
  static bool classof(const Node *n);
};

#define GLOW_UNARY_NODE(CLASS, NAME)                                           \
  class CLASS : public UnaryNode {                                             \
  public:                                                                      \
    CLASS(llvm::StringRef name, const Type &outTy, NodeValue input)            \
        : UnaryNode(Kind::NAME##Kind, name, outTy, input) {}                   \
    static bool classof(const Node *n) {                                       \
      return n->getKind() == Kind::NAME##Kind;                                 \
    }                                                                          \
  };
// The classes of the kinds declared with DEF_UNARY_NODE.
#define DEF_UNARY_NODE(CLASS, NAME, ...) GLOW_UNARY_NODE(CLASS, NAME)
#include "glow/Graph/Nodes.def"
#undef GLOW_UNARY_NODE

/// Clamps the input to [Min, Max].
class ClipNode : public UnaryNode {
public:
  ClipNode(llvm::StringRef name, const Type &outTy, NodeValue input, float min,
           float max)
      : UnaryNode(Kind::ClipKind, name, outTy, input), min_(min), max_(max) {}
  float getMin() const { return min_; }
  float getMax() const { return max_; }
  std::string verify() const override;
  AttributeList getAttributes() const override;
  static bool classof(const Node *n) { return n->getKind() == Kind::ClipKind; }

private:
  float min_, max_;
};

/// x >= 0 ? x : alpha * x.
class LeakyReluNode : public UnaryNode {
public:
  LeakyReluNode(llvm::StringRef name, const Type &outTy, NodeValue input,
                float alpha)
      : UnaryNode(Kind::LeakyReluKind, name, outTy, input), alpha_(alpha) {}
  float getAlpha() const { return alpha_; }
  AttributeList getAttributes() const override;
  static bool classof(const Node *n) {
    return n->getKind() == Kind::LeakyReluKind;
  }

private:
  float alpha_;
};

/// max(0, min(1, Alpha * x + Beta)) (ONNX HardSigmoid; lowered).
class HardSigmoidNode : public UnaryNode {
public:
  HardSigmoidNode(llvm::StringRef name, const Type &outTy, NodeValue input,
                  float alpha, float beta)
      : UnaryNode(Kind::HardSigmoidKind, name, outTy, input), alpha_(alpha),
        beta_(beta) {}
  float getAlpha() const { return alpha_; }
  float getBeta() const { return beta_; }
  AttributeList getAttributes() const override {
    return {{"Alpha", std::to_string(alpha_)}, {"Beta", std::to_string(beta_)}};
  }
  static bool classof(const Node *n) {
    return n->getKind() == Kind::HardSigmoidKind;
  }

private:
  float alpha_, beta_;
};

/// Max or average pooling over NCHW. Pads are {top, left, bottom, right}.
class PoolNode : public Node {
public:
  PoolNode(Kind k, llvm::StringRef name, const Type &outTy, NodeValue input,
           std::vector<unsigned> kernels, std::vector<unsigned> strides,
           std::vector<unsigned> pads, bool countIncludePads)
      : Node(k, name), kernels_(std::move(kernels)),
        strides_(std::move(strides)), pads_(std::move(pads)),
        countIncludePads_(countIncludePads) {
    addInput("Input", input);
    addResult(outTy);
  }
  NodeValue getInput() const { return getNthInput(0); }
  const std::vector<unsigned> &getKernels() const { return kernels_; }
  const std::vector<unsigned> &getStrides() const { return strides_; }
  const std::vector<unsigned> &getPads() const { return pads_; }
  /// AvgPool only: whether padding cells count in the divisor.
  bool getCountIncludePads() const { return countIncludePads_; }
  std::string verify() const override;
  AttributeList getAttributes() const override;
  static bool classof(const Node *n) {
    return n->getKind() == Kind::MaxPoolKind ||
           n->getKind() == Kind::AvgPoolKind;
  }

private:
  std::vector<unsigned> kernels_, strides_, pads_;
  bool countIncludePads_;
};

class MaxPoolNode : public PoolNode {
public:
  MaxPoolNode(llvm::StringRef name, const Type &outTy, NodeValue input,
              std::vector<unsigned> kernels, std::vector<unsigned> strides,
              std::vector<unsigned> pads)
      : PoolNode(Kind::MaxPoolKind, name, outTy, input, std::move(kernels),
                 std::move(strides), std::move(pads), false) {}
  static bool classof(const Node *n) {
    return n->getKind() == Kind::MaxPoolKind;
  }
};

class AvgPoolNode : public PoolNode {
public:
  AvgPoolNode(llvm::StringRef name, const Type &outTy, NodeValue input,
              std::vector<unsigned> kernels, std::vector<unsigned> strides,
              std::vector<unsigned> pads, bool countIncludePads)
      : PoolNode(Kind::AvgPoolKind, name, outTy, input, std::move(kernels),
                 std::move(strides), std::move(pads), countIncludePads) {}
  static bool classof(const Node *n) {
    return n->getKind() == Kind::AvgPoolKind;
  }
};

/// Softmax along one axis.
class SoftMaxNode : public Node {
public:
  SoftMaxNode(llvm::StringRef name, const Type &outTy, NodeValue input,
              unsigned axis)
      : Node(Kind::SoftMaxKind, name), axis_(axis) {
    addInput("Input", input);
    addResult(outTy);
  }
  NodeValue getInput() const { return getNthInput(0); }
  unsigned getAxis() const { return axis_; }
  std::string verify() const override;
  AttributeList getAttributes() const override;
  static bool classof(const Node *n) {
    return n->getKind() == Kind::SoftMaxKind;
  }

private:
  unsigned axis_;
};

/// A reduction of the input over Axes (sorted, distinct); the reduced axes
/// stay as size 1 when KeepDims, else they are dropped. ONNX ReduceMean,
/// ReduceSum, ...; lowered (lib/Lowering) onto pooling and element-wise
/// primitives.
class ReduceNode : public Node {
public:
  enum class Mode {
#define GLOW_REDUCE_MODE(NAME) NAME,
#include "glow/Graph/ReduceModes.def"
  };
  ReduceNode(llvm::StringRef name, const Type &outTy, NodeValue input,
             Mode mode, std::vector<unsigned> axes, bool keepDims)
      : Node(Kind::ReduceKind, name), mode_(mode), axes_(std::move(axes)),
        keepDims_(keepDims) {
    addInput("Input", input);
    addResult(outTy);
  }
  NodeValue getInput() const { return getNthInput(0); }
  Mode getMode() const { return mode_; }
  const std::vector<unsigned> &getAxes() const { return axes_; }
  bool getKeepDims() const { return keepDims_; }
  /// The ONNX name of \p mode without "Reduce" (Mean, Sum, ...).
  static const char *getModeName(Mode mode);
  std::string verify() const override;
  AttributeList getAttributes() const override;
  static bool classof(const Node *n) {
    return n->getKind() == Kind::ReduceKind;
  }

private:
  Mode mode_;
  std::vector<unsigned> axes_;
  bool keepDims_;
};

/// ONNX Resize (and Upsample): every axis resampled separately; output
/// element o of an axis is a weighted sum of input elements along it. The
/// weights (getAxisWeights) follow ONNX's definitions of the interpolation
/// modes and coordinate transformations; the lowering stage applies them
/// as one MatMul per resized axis.
class ResizeNode : public Node {
public:
  enum class Interpolation { Nearest, Linear, Cubic };
  /// ONNX coordinate_transformation_mode: the input coordinate of output
  /// element x (scale = the axis's scale factor).
  enum class Coordinates {
    HalfPixel,          ///< (x + 0.5) / scale - 0.5
    PyTorchHalfPixel,   ///< as HalfPixel, 0 where the output length is 1
    AlignCorners,       ///< x * (in - 1) / (out - 1)
    Asymmetric,         ///< x / scale
    TfHalfPixelForNN,   ///< (x + 0.5) / scale
    HalfPixelSymmetric, ///< HalfPixel centred (opset 18)
  };
  /// ONNX nearest_mode: how Nearest rounds a fractional coordinate.
  enum class Rounding { RoundPreferFloor, RoundPreferCeil, Floor, Ceil };
  struct Options {
    Interpolation interpolation{Interpolation::Nearest};
    Coordinates coordinates{Coordinates::HalfPixel};
    Rounding rounding{Rounding::RoundPreferFloor};
    float cubicCoeffA{-0.75f};
    bool excludeOutside{false};
  };

  /// \p scales has one factor per axis (ONNX's scales, or output length /
  /// input length where the model gives sizes).
  ResizeNode(llvm::StringRef name, const Type &outTy, NodeValue input,
             std::vector<float> scales, Options options)
      : Node(Kind::ResizeKind, name), scales_(std::move(scales)),
        options_(options) {
    addInput("Input", input);
    addResult(outTy);
  }
  NodeValue getInput() const { return getNthInput(0); }
  const std::vector<float> &getScales() const { return scales_; }
  const Options &getOptions() const { return options_; }
  /// \returns the weights of axis \p axis as an out x in row-major matrix:
  /// row o holds the contribution of each input element to output element
  /// o (taps beyond the edges count as the edge element).
  std::vector<float> getAxisWeights(unsigned axis) const;
  /// \returns true if axis \p axis is copied unchanged.
  bool isIdentityAxis(unsigned axis) const;
  std::string verify() const override;
  AttributeList getAttributes() const override;
  static bool classof(const Node *n) {
    return n->getKind() == Kind::ResizeKind;
  }

private:
  std::vector<float> scales_;
  Options options_;
};

/// ONNX ArgMax and ArgMin: the index (Int64) of the largest or smallest
/// element along Axis, the first of equal ones unless SelectLastIndex. The
/// result keeps Axis with length 1 (KeepDims) or drops it; its elements
/// are in the same order either way.
class ArgMinMaxNode : public Node {
public:
  ArgMinMaxNode(llvm::StringRef name, const Type &outTy, NodeValue input,
                unsigned axis, bool keepDims, bool min, bool selectLastIndex)
      : Node(Kind::ArgMinMaxKind, name), axis_(axis), keepDims_(keepDims),
        min_(min), selectLastIndex_(selectLastIndex) {
    addInput("Input", input);
    addResult(outTy);
  }
  NodeValue getInput() const { return getNthInput(0); }
  unsigned getAxis() const { return axis_; }
  bool getKeepDims() const { return keepDims_; }
  /// ArgMin if true, else ArgMax.
  bool isMin() const { return min_; }
  bool getSelectLastIndex() const { return selectLastIndex_; }
  std::string verify() const override;
  AttributeList getAttributes() const override;
  static bool classof(const Node *n) {
    return n->getKind() == Kind::ArgMinMaxKind;
  }

private:
  unsigned axis_;
  bool keepDims_, min_, selectLastIndex_;
};

/// ONNX comparisons and Boolean logic, element-wise: a Bool result of the
/// operands' shape. The operands have one shape and one element kind (the
/// importer broadcasts): float or integer for the comparisons, Bool for And,
/// Or, Xor and Not (which has one operand).
class CompareNode : public Node {
public:
  enum class Mode {
#define KERNEL_COMPARE_MODE(NAME, CODE) NAME = CODE,
#include "glow/Backends/KernelOps.def"
  };
  CompareNode(llvm::StringRef name, const Type &outTy, Mode mode,
              llvm::ArrayRef<NodeValue> operands)
      : Node(Kind::CompareKind, name), mode_(mode) {
    for (NodeValue v : operands) {
      addInput("Operand", v);
    }
    addResult(outTy);
  }
  Mode getMode() const { return mode_; }
  /// The ONNX-like name of \p mode ("Equal", "LessEqual", "Not" ...).
  static const char *getModeName(Mode mode);
  /// True for And, Or, Xor and Not (Bool operands).
  bool isLogic() const { return mode_ >= Mode::And; }
  std::string verify() const override;
  AttributeList getAttributes() const override;
  static bool classof(const Node *n) {
    return n->getKind() == Kind::CompareKind;
  }

private:
  Mode mode_;
};

/// ONNX Where: Result[i] = Cond[i] ? LHS[i] : RHS[i], operands of one shape
/// (the importer broadcasts), Cond Bool, LHS and RHS of the result's kind.
class SelectNode : public Node {
public:
  SelectNode(llvm::StringRef name, const Type &outTy, NodeValue cond,
             NodeValue lhs, NodeValue rhs)
      : Node(Kind::SelectKind, name) {
    addInput("Cond", cond);
    addInput("LHS", lhs);
    addInput("RHS", rhs);
    addResult(outTy);
  }
  NodeValue getCond() const { return getNthInput(0); }
  NodeValue getLHS() const { return getNthInput(1); }
  NodeValue getRHS() const { return getNthInput(2); }
  std::string verify() const override;
  static bool classof(const Node *n) {
    return n->getKind() == Kind::SelectKind;
  }
};

/// ONNX GatherElements: the result has the shape of Indices (Int32 or
/// Int64, same rank as Data) and Result[i] = Data[i with its Axis
/// coordinate replaced by Indices[i]] (negative indices count from the
/// end; one out of range is a run-time error).
class GatherElementsNode : public Node {
public:
  GatherElementsNode(llvm::StringRef name, const Type &outTy, NodeValue data,
                     NodeValue indices, unsigned axis)
      : Node(Kind::GatherElementsKind, name), axis_(axis) {
    addInput("Data", data);
    addInput("Indices", indices);
    addResult(outTy);
  }
  NodeValue getData() const { return getNthInput(0); }
  NodeValue getIndices() const { return getNthInput(1); }
  unsigned getAxis() const { return axis_; }
  std::string verify() const override;
  AttributeList getAttributes() const override;
  static bool classof(const Node *n) {
    return n->getKind() == Kind::GatherElementsKind;
  }

private:
  unsigned axis_;
};

/// The indices (Int64) of ONNX TopK: along Axis, the K largest elements of
/// Input (or smallest unless Largest), best first, of equal ones the lower
/// index first. The result is Input's shape with K along Axis; the values
/// are a GatherElements of Input with these indices.
class TopKNode : public Node {
public:
  TopKNode(llvm::StringRef name, const Type &outTy, NodeValue input,
           unsigned axis, bool largest)
      : Node(Kind::TopKKind, name), axis_(axis), largest_(largest) {
    addInput("Input", input);
    addResult(outTy);
  }
  NodeValue getInput() const { return getNthInput(0); }
  unsigned getAxis() const { return axis_; }
  bool getLargest() const { return largest_; }
  dim_t getK() const { return getType().dims()[axis_]; }
  std::string verify() const override;
  AttributeList getAttributes() const override;
  static bool classof(const Node *n) { return n->getKind() == Kind::TopKKind; }

private:
  unsigned axis_;
  bool largest_;
};

/// An INT8 element-wise function as a table: result element = Table[q +
/// 128] for input element q. The quantizer makes it from a unary kind of
/// Int8Rule::Table, filling the table with the quantized value of the
/// kind's FP32 function at each dequantized input.
class IntLookupTableNode : public Node {
public:
  IntLookupTableNode(llvm::StringRef name, const Type &outTy, NodeValue input,
                     NodeValue table)
      : Node(Kind::IntLookupTableKind, name) {
    addInput("Input", input);
    addInput("Table", table);
    addResult(outTy);
  }
  NodeValue getInput() const { return getNthInput(0); }
  NodeValue getTable() const { return getNthInput(1); }
  std::string verify() const override;
  static bool classof(const Node *n) {
    return n->getKind() == Kind::IntLookupTableKind;
  }
};

/// Same elements, new shape (row-major order kept).
class ReshapeNode : public Node {
public:
  ReshapeNode(llvm::StringRef name, const Type &outTy, NodeValue input)
      : Node(Kind::ReshapeKind, name) {
    addInput("Input", input);
    addResult(outTy);
  }
  NodeValue getInput() const { return getNthInput(0); }
  std::string verify() const override;
  static bool classof(const Node *n) {
    return n->getKind() == Kind::ReshapeKind;
  }
};

/// Out dimension i is input dimension Shuffle[i].
class TransposeNode : public Node {
public:
  TransposeNode(llvm::StringRef name, const Type &outTy, NodeValue input,
                std::vector<unsigned> shuffle)
      : Node(Kind::TransposeKind, name), shuffle_(std::move(shuffle)) {
    addInput("Input", input);
    addResult(outTy);
  }
  NodeValue getInput() const { return getNthInput(0); }
  const std::vector<unsigned> &getShuffle() const { return shuffle_; }
  std::string verify() const override;
  AttributeList getAttributes() const override;
  static bool classof(const Node *n) {
    return n->getKind() == Kind::TransposeKind;
  }

private:
  std::vector<unsigned> shuffle_;
};

/// Concatenation of any number of inputs along Dim.
class ConcatNode : public Node {
public:
  ConcatNode(llvm::StringRef name, const Type &outTy,
             llvm::ArrayRef<NodeValue> inputs, unsigned dim)
      : Node(Kind::ConcatKind, name), dim_(dim) {
    for (NodeValue v : inputs) {
      addInput("Input", v);
    }
    addResult(outTy);
  }
  unsigned getDim() const { return dim_; }
  std::string verify() const override;
  AttributeList getAttributes() const override;
  static bool classof(const Node *n) {
    return n->getKind() == Kind::ConcatKind;
  }

private:
  unsigned dim_;
};

/// Out[i...] = In[Starts + i * Steps ...] per dimension (steps may be < 0).
class SliceNode : public Node {
public:
  SliceNode(llvm::StringRef name, const Type &outTy, NodeValue input,
            std::vector<dim_t> starts, std::vector<dim_t> steps)
      : Node(Kind::SliceKind, name), starts_(std::move(starts)),
        steps_(std::move(steps)) {
    addInput("Input", input);
    addResult(outTy);
  }
  NodeValue getInput() const { return getNthInput(0); }
  const std::vector<dim_t> &getStarts() const { return starts_; }
  const std::vector<dim_t> &getSteps() const { return steps_; }
  std::string verify() const override;
  AttributeList getAttributes() const override;
  static bool classof(const Node *n) { return n->getKind() == Kind::SliceKind; }

private:
  std::vector<dim_t> starts_, steps_;
};

/// Padding of every dimension: Pads = {begin_0.., end_0..}, as in ONNX.
class PadNode : public Node {
public:
  enum class Mode { Constant, Reflect, Edge };
  PadNode(llvm::StringRef name, const Type &outTy, NodeValue input,
          std::vector<dim_t> pads, Mode mode, float value)
      : Node(Kind::PadKind, name), pads_(std::move(pads)), mode_(mode),
        value_(value) {
    addInput("Input", input);
    addResult(outTy);
  }
  NodeValue getInput() const { return getNthInput(0); }
  const std::vector<dim_t> &getPads() const { return pads_; }
  Mode getMode() const { return mode_; }
  float getValue() const { return value_; }
  std::string verify() const override;
  AttributeList getAttributes() const override;
  static bool classof(const Node *n) { return n->getKind() == Kind::PadKind; }

private:
  std::vector<dim_t> pads_;
  Mode mode_;
  float value_;
};

/// Gathers slices of Data along Axis at Indices (int64, negative allowed).
class GatherNode : public Node {
public:
  GatherNode(llvm::StringRef name, const Type &outTy, NodeValue data,
             NodeValue indices, unsigned axis)
      : Node(Kind::GatherKind, name), axis_(axis) {
    addInput("Data", data);
    addInput("Indices", indices);
    addResult(outTy);
  }
  NodeValue getData() const { return getNthInput(0); }
  NodeValue getIndices() const { return getNthInput(1); }
  unsigned getAxis() const { return axis_; }
  std::string verify() const override;
  AttributeList getAttributes() const override;
  static bool classof(const Node *n) {
    return n->getKind() == Kind::GatherKind;
  }

private:
  unsigned axis_;
};

/// Numpy-style broadcast of Input to the result shape (dims aligned right).
class BroadcastNode : public Node {
public:
  BroadcastNode(llvm::StringRef name, const Type &outTy, NodeValue input)
      : Node(Kind::BroadcastKind, name) {
    addInput("Input", input);
    addResult(outTy);
  }
  NodeValue getInput() const { return getNthInput(0); }
  std::string verify() const override;
  static bool classof(const Node *n) {
    return n->getKind() == Kind::BroadcastKind;
  }
};

/// Converts between non-quantized element kinds (ONNX Cast).
class ConvertToNode : public Node {
public:
  ConvertToNode(llvm::StringRef name, const Type &outTy, NodeValue input)
      : Node(Kind::ConvertToKind, name) {
    addInput("Input", input);
    addResult(outTy);
  }
  NodeValue getInput() const { return getNthInput(0); }
  std::string verify() const override;
  static bool classof(const Node *n) {
    return n->getKind() == Kind::ConvertToKind;
  }
};

/// Float -> quantized, Quantized -> float, quantized -> other scale/offset.
class QuantizationNode : public Node {
public:
  QuantizationNode(Kind k, llvm::StringRef name, const Type &outTy,
                   NodeValue input)
      : Node(k, name) {
    addInput("Input", input);
    addResult(outTy);
  }
  NodeValue getInput() const { return getNthInput(0); }
  std::string verify() const override;
  static bool classof(const Node *n) {
    return n->getKind() == Kind::QuantizeKind ||
           n->getKind() == Kind::DequantizeKind ||
           n->getKind() == Kind::RescaleQuantizedKind;
  }
};

#define GLOW_QUANTIZATION_NODE(CLASS, NAME)                                    \
  class CLASS : public QuantizationNode {                                      \
  public:                                                                      \
    CLASS(llvm::StringRef name, const Type &outTy, NodeValue input)            \
        : QuantizationNode(Kind::NAME##Kind, name, outTy, input) {}            \
    static bool classof(const Node *n) {                                       \
      return n->getKind() == Kind::NAME##Kind;                                 \
    }                                                                          \
  };
GLOW_QUANTIZATION_NODE(QuantizeNode, Quantize)
GLOW_QUANTIZATION_NODE(DequantizeNode, Dequantize)
GLOW_QUANTIZATION_NODE(RescaleQuantizedNode, RescaleQuantized)
#undef GLOW_QUANTIZATION_NODE

/// \returns true for the DataMovement family of Nodes.def: kinds that
/// only move or copy elements (Reshape, Transpose, Concat, Slice, Pad,
/// Gather, Broadcast).
bool isDataMovementKind(Node::Kind k);

/// \returns true for kinds whose result has the element type, and in a
/// quantized graph the scale and offset, of operand 0 (Int8Rule::Forward):
/// their kernels copy elements of any kind unchanged.
bool isTypePreservingKind(Node::Kind k);

/// \returns true if \p n is a layer the user sees: not storage, not an
/// output (Save), not a precision conversion (Quantize, Dequantize,
/// RescaleQuantized).
bool isLayerNode(const Node &n);

/// \returns true if \p n is an element-wise function of one float operand
/// that evaluateUnary() computes (the unary kinds, primitive or lowered).
bool hasScalarDefinition(const Node &n);

/// The FP32 definition of an element-wise unary node \p n at \p x, in one
/// place: the Interpreter's kernels and the INT8 lookup tables
/// (Int8Rule::Table) compute with it. \p n must have hasScalarDefinition.
float evaluateUnary(const Node &n, float x);

/// \returns true if image i of \p n's result may depend on another image
/// of its operands (dimension 0 is the batch): a Transpose that moves
/// dimension 0, a Concat along it ... (BatchMixing in Nodes.def).
bool mayMixImages(const Node &n);

} // namespace glow

#endif // GLOW_GRAPH_NODES_H
