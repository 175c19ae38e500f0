#ifndef GLOW_BACKENDS_CPU_WEIGHTPACKING_H
#define GLOW_BACKENDS_CPU_WEIGHTPACKING_H

// Host-side preparation of constant data for the kernel library: per-channel
// requantization parameters and weights rearranged into the layouts of
// libjit/LibjitLayout.h.

#include "glow/Backends/KernelGeometry.h"
#include "glow/Graph/Nodes.h"

#include <cstdint>
#include <vector>

namespace glow {
namespace cpu {} // namespace cpu
} // namespace glow

#endif // GLOW_BACKENDS_CPU_WEIGHTPACKING_H

namespace glow {
namespace cpu {

/// A convolution filter and bias in the FP32 blocked layouts.
struct PackedConvF32 {
  std::vector<float> filter; ///< [Ob][Cb][KH][KW][CB][16] or depthwise
                             ///< [Cb][KH][KW][16]
  std::vector<float> bias;   ///< [Ob * 16]
};

/// Packs the float filter [O][C][KH][KW] (group 1) and bias [O] of a
/// convolution whose packed input has CB channels a block.
PackedConvF32 packConvF32(const Tensor &filter, const Tensor &bias, int64_t CB);

/// Packs the float filter [C][1][KH][KW] and bias [C] of a depthwise
/// convolution.
PackedConvF32 packDepthwiseF32(const Tensor &filter, const Tensor &bias);

/// An INT8 convolution prepared for libjit_conv_blocked_i8 (or, with an
/// int32 filter, libjit_conv_depthwise_i8), every array padded to whole
/// 16-channel blocks.
struct PackedConvI8 {
  std::vector<int8_t> filter;    ///< [Ob][Cb][KH][KW][CBp/4][16][4]
  std::vector<int32_t> filter32; ///< depthwise: [Cb][KH][KW][16], w - off
  std::vector<int32_t> bias;     ///< with the offset corrections
  std::vector<int32_t> filterOffsets;
  std::vector<int32_t> multipliers; ///< below 2^31 (QuantizationTransform)
  std::vector<int32_t> shifts;
  /// Some filter offset is not 0: the kernel needs the window sums.
  bool needsWindowSums{false};
};

/// \returns true if accumulators of \p taps products of unsigned and signed
/// codes plus a bias of \p bias (int32) with the offset corrections folded
/// in stay within int32: max |bias| + 4 x 255 x 128 x taps <= INT32_MAX.
bool int8AccumulatorsFit(const Tensor &bias, int64_t taps);

/// Packs the INT8 convolution \p n (group 1) for a packed input with CB
/// channels a block (CBp rounded to 4) and input zero code \p inZero (the
/// input offset + 128). \returns false if a corrected bias would overflow
/// int32 (the plain kernel then runs it).
bool packConvI8(const ConvolutionNode &n, int64_t CB, int32_t inZero,
                PackedConvI8 &out);

/// Packs the depthwise INT8 convolution \p n.
PackedConvI8 packDepthwiseI8(const ConvolutionNode &n);

/// FullyConnected weights [K][M] and bias [M] for libjit_fc_f32: [Mb][Kx][16]
/// where the input rows have Kx >= K values (rows past K are 0).
PackedConvF32 packFullyConnectedF32(const Tensor &weights, const Tensor &bias,
                                    int64_t Kx);

/// INT8 FullyConnected prepared for libjit_fc_i8.
struct PackedFcI8 {
  std::vector<int8_t> weights; ///< [Mb][Kp/4][16][4]
  std::vector<int32_t> bias;   ///< [Mb * 16] with the offset corrections
  int64_t Kp{0};
  bool needsRowSums{false};
};

/// Packs INT8 weights [K][M] (offset \p weightOffset) and int32 bias [M]
/// for input rows of Kx >= K codes with zero code \p inZero. \returns
/// false if a corrected bias would overflow int32.
bool packFullyConnectedI8(const Tensor &weights, const Tensor &bias, int64_t Kx,
                          int32_t inZero, PackedFcI8 &out);

} // namespace cpu
} // namespace glow
