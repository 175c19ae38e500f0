#ifndef GLOW_BACKENDS_CPU_FUSIONPLAN_H
#define GLOW_BACKENDS_CPU_FUSIONPLAN_H

// Fusion planning, a pass of the CPU planner: which convolutions run on the
// blocked kernels ("fast" convolutions) and which nodes they absorb: a
// Relu/Clip and a Quantize/Dequantize applied in the kernel's epilogue, and
// a Quantize of the input done while the input is packed; the Broadcast
// of a per-channel gate that a Mul applies (squeeze-excitation), read per
// channel by the Mul's kernel; the Relu/Clip after an INT8 Add, Sub or
// Mul; an INT8 chain of element-wise nodes of one input, one table
// lookup; the Sigmoid of an FP32 SiLU; a constant broadcast from one
// value, read as that value; and the nodes of an FP32 GELU.
// A fused node emits no call of its own.

#include "UnitPlan.h"

#include "glow/Graph/Graph.h"

#include <map>
#include <optional>

namespace glow {
namespace cpu {

/// What a fast convolution does besides convolving (null: nothing).
struct ConvFusion {
  const Node *act{nullptr};           ///< Relu/Clip in the epilogue
  const Node *conversion{nullptr};    ///< Quantize/Dequantize in the epilogue
  const Node *inputQuantize{nullptr}; ///< Quantize done while packing
};

/// The fusions of a program.
struct FusionPlan {
  /// The fast convolutions, with what each absorbs.
  std::map<const Node *, ConvFusion> convs;
  /// Each fused node and the node it is fused into.
  std::map<const Node *, const Node *> fusedInto;
  /// Muls of a [N, C, H, W] value by a gate [N, C, 1, 1] broadcast to it:
  /// the Mul and which of its inputs (0 or 1) is the fused Broadcast.
  std::map<const Node *, unsigned> channelGates;
  /// INT8 Add/Sub/Mul and the Relu/Clip of the same scale and offset that
  /// alone reads each: the clamp is applied as the result is written (a
  /// residual Add and its Relu in one pass).
  std::map<const Node *, const Node *> binaryActs;
  /// FP32 Muls of a value x by its Sigmoid that only the Mul reads (SiLU):
  /// the Mul and the Sigmoid; one pass of x * sigmoid(x).
  std::map<const Node *, const Node *> selfGates;
  /// An INT8 result computed element-wise from one INT8 value x alone:
  /// element-wise nodes (INT8, or FP32 between a Dequantize and a
  /// Quantize) whose other operands are constants of one value, each read
  /// only by the chain. Its codes depend on x's codes alone, so the last
  /// node looks them up in one table of 256 entries, which the
  /// Interpreter's kernels compute by running the nodes on the 256 codes
  /// (bit for bit what they would compute one by one). GELU between INT8
  /// MatMuls (Dequantize, Div, Quantize, Erf's table, Add, Mul, Mul), the
  /// x * table(x) of SiLU and HardSwish. The other nodes are fused into
  /// the last.
  struct CodeMap {
    NodeValue x;
    std::vector<const Node *> nodes; ///< in the order they compute
    std::vector<int8_t> table;       ///< the result of code c at c + 128
  };
  std::map<const Node *, CodeMap> codeMaps;
  /// FP32 element-wise binary nodes one of whose operands is a single
  /// constant value broadcast (a lowered HardSigmoid's alpha and beta) or a
  /// constant all of whose elements are one value (a broadcast the
  /// optimizer folded: LayerNorm's exponent 2 as PyTorch exports it): the
  /// node and which input (0 or 1) that is. The kernel reads the value, so
  /// no broadcast copy is made or read and the node runs in its other
  /// operand's layout.
  std::map<const Node *, unsigned> scalarOperands;
  /// An FP32 Add of a bias to a MatMul by constant weights (directly or
  /// through a Reshape that keeps the rows), the bias one row of M values
  /// (a Broadcast of a constant [M], or a constant whose rows are equal):
  /// the Add, and the MatMul, which adds the bias in its kernel. The Add's
  /// result is the MatMul's (no call).
  struct MatMulBias {
    const Node *matMul;
    unsigned input; ///< the Add's bias input (0 or 1)
  };
  std::map<const Node *, MatMulBias> matMulBiases;
  /// The MatMuls of matMulBiases and their Adds.
  std::map<const Node *, const Node *> biasAddOf;
  /// FP32 element-wise binary nodes one of whose operands is broadcast
  /// along rows of the result (rows of its last axis, rowLen elements): one
  /// value a row (PerRow: LayerNorm's mean and deviation, [.., 1] broadcast to
  /// [.., C]) or one row for all rows (SameRow: a bias [C] broadcast over
  /// the pixels, or a constant whose rows are all equal, a broadcast the
  /// optimizer folded). The kernel reads the small operand, so the
  /// broadcast copy is not made or read; plain layout.
  struct RowOperand {
    enum Mode { PerRow, SameRow } mode;
    unsigned input;  ///< which input (0 or 1) is broadcast
    int64_t rowLen;  ///< elements of a row of the result
    NodeValue value; ///< what the kernel reads (null: the constant's row)
  };
  std::map<const Node *, RowOperand> rowOperands;
  /// GELU as PyTorch exports it, 0.5 * (x * (1 + erf(x / c))) in five FP32
  /// nodes, each read only by the next: the last Mul and its x and c. The
  /// Mul computes all five in one pass (the same float operations).
  struct Gelu {
    NodeValue x;
    float divisor;
  };
  std::map<const Node *, Gelu> gelus;

  bool isFused(const Node *n) const { return fusedInto.count(n) != 0; }
  /// \returns the fusion of fast convolution \p conv, or null if \p conv
  /// is not a fast convolution.
  const ConvFusion *getFusion(const Node *conv) const {
    auto it = convs.find(conv);
    return it == convs.end() ? nullptr : &it->second;
  }
};

/// \returns how a value of dims \p in broadcast to \p out is read by rows
/// of the result (FusionPlan::rowOperands), or nothing if it is neither one
/// value a row nor one row for all.
std::optional<FusionPlan::RowOperand>
getRowBroadcast(llvm::ArrayRef<dim_t> in, llvm::ArrayRef<dim_t> out);

/// \returns true if the constant \p c is one row of \p rowLen values
/// repeated (bit for bit); with \p rowLen 1, one value throughout.
bool hasEqualRows(const Constant &c, int64_t rowLen);

/// \returns the constant that operand \p i of \p n is, or that it
/// broadcasts (a scalar operand, a fused bias).
const Constant &getOperandConstant(const Node &n, unsigned i);

/// \returns the value of operand \p i of \p n, a scalar operand
/// (FusionPlan::scalarOperands): the one value of a Broadcast's constant,
/// or of a constant of one value.
float getScalarOperand(const Node &n, unsigned i);

/// \returns true if \p n runs on the blocked kernels: constant filter and
/// bias, 4-D, group 1, depthwise or grouped as blockGroupingOf admits; INT8
/// only where the int32 accumulators cannot overflow.
bool isFastConvolution(const ConvolutionNode &n);

/// \returns true if \p n is depthwise: one group per input channel, one
/// output channel per group.
bool isDepthwise(const ConvolutionNode &n);

/// \returns true if the INT8 blocked kernel's int32 accumulators and
/// corrected biases cannot overflow for \p n (WeightPacking.h).
bool int8ConvFitsInt32(const ConvolutionNode &n);

/// Adds the fusions of \p F to \p plan. In a switchable program (\p units
/// not empty) an activation fuses only into a convolution of its own unit,
/// conversions not at all.
void planFusions(const Function &F, const UnitPlan &units, FusionPlan &plan);

} // namespace cpu
} // namespace glow

#endif // GLOW_BACKENDS_CPU_FUSIONPLAN_H
