#ifndef GLOW_BACKENDS_KERNELGEOMETRY_H
#define GLOW_BACKENDS_KERNELGEOMETRY_H

// What the compiling backends (CPU, OpenCL) derive from a node for their
// kernels, in one place: strides of the data-movement views, the bytes of a
// Pad value, the per-channel requantization of an INT8 convolution, the
// parameters of the element-wise unary kernels.

#include "glow/Graph/Nodes.h"

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace glow {

/// \returns the row-major strides (in elements) of \p dims.
std::vector<int64_t> rowMajorStrides(llvm::ArrayRef<dim_t> dims);

/// \returns the products of \p dims before and after axis \p axis (a
/// Concat's or a softmax's outer and inner sizes).
std::pair<int64_t, int64_t> getOuterInnerSizes(llvm::ArrayRef<dim_t> dims,
                                               unsigned axis);

/// A Transpose, Slice or Broadcast as a strided read: output element with
/// multi-index idx reads input element start + sum_d idx[d] * strides[d].
struct StridedView {
  std::vector<int64_t> strides;
  int64_t start{0};
};

/// \returns the view of \p n (Transpose, Slice or Broadcast) whose input
/// has shape \p inDims and whose output has rank \p outRank.
StridedView getStridedView(const Node &n, llvm::ArrayRef<dim_t> inDims,
                           size_t outRank);

/// \returns the bytes of \p n's pad value in its output's element kind
/// (quantized for an INT8 output), in the low bytes of an int64.
int64_t getPadValueBits(const PadNode &n);

/// Per output channel of an INT8 convolution: the filter offset and the
/// scale of the accumulator's requantization (accumulatorScale of in scale,
/// filter scale and out scale), exactly as the Interpreter computes them.
struct ConvRequantization {
  std::vector<int32_t> filterOffsets;
  std::vector<float> scales; ///< accumulatorScale per output channel
};

/// \returns the per-channel requantization of the INT8 convolution \p n.
ConvRequantization computeConvRequantization(const ConvolutionNode &n);

/// \returns the bounds of the INT8 Relu or Clip \p n on (x - in offset),
/// the input in units of \p inScale, as the Interpreter computes them.
std::pair<int64_t, int64_t> getClipBoundsInt8(const Node &n, float inScale);

/// \returns the two float parameters of an FP32 element-wise unary kernel:
/// Clip's min and max, LeakyRelu's alpha and 0, else zeros.
std::pair<float, float> getUnaryParams(const Node &n);

} // namespace glow

#endif // GLOW_BACKENDS_KERNELGEOMETRY_H
