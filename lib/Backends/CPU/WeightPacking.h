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

/// Which input blocks each output block of a blocked convolution reads
/// (ConvShape in libjit/libjit_conv.cpp): output block ob (16 output
/// channels) reads the Cb blocks of CB input channels that start at
/// firstInBlock(ob) of the CbIn blocks of the packed input. A dense
/// convolution reads them all; a grouped one the blocks of the groups of
/// its 16 channels, with zero weights (INT8: the filter offset) for the
/// channels of other groups in them.
struct BlockGrouping {
  int64_t Cb{0}, CbIn{0}, obPerStep{1}, cbStep{0};
  int64_t firstInBlock(int64_t ob) const { return ob / obPerStep * cbStep; }
};

/// \returns the grouping of convolution \p n (not depthwise) for packed
/// input blocks of \p CB channels, or false if the blocked kernels do not
/// run it: a grouped convolution (CB 16) runs them when the groups of an
/// output block fill whole input blocks (group widths O/G of 4, 8 or 16
/// and C/G a multiple of O/G, or both multiples of 16), so that at most 4
/// times its multiply-adds are done.
bool blockGroupingOf(const ConvolutionNode &n, int64_t CB, BlockGrouping &out);

/// A convolution filter and bias in the FP32 blocked layouts.
struct PackedConvF32 {
  std::vector<float> filter; ///< [Ob][Cb][KH][KW][CB][16] or depthwise
                             ///< [Cb][KH][KW][16]
  std::vector<float> bias;   ///< [Ob * 16]
};

/// Packs the float filter [O][C/G][KH][KW] and bias [O] of a convolution
/// of \p G groups whose packed input has CB channels a block, read as
/// \p bg says.
PackedConvF32 packConvF32(const Tensor &filter, const Tensor &bias, int64_t CB,
                          int64_t G, const BlockGrouping &bg);

/// Packs the float filter [C][1][KH][KW] and bias [C] of a depthwise
/// convolution.
PackedConvF32 packDepthwiseF32(const Tensor &filter, const Tensor &bias);

/// An INT8 convolution prepared for libjit_conv_blocked_i8 or
/// libjit_conv_depthwise_i8, every array padded to whole 16-channel
/// blocks.
struct PackedConvI8 {
  std::vector<int8_t> filter; ///< [Ob][Cb][KH][KW][CBp/4][16][4], or
                              ///< depthwise [Cb][KH][ceil(KW/4)][16][4]
  std::vector<int32_t> bias;  ///< with the offset corrections
  std::vector<int32_t> filterOffsets;
  std::vector<float> scales; ///< accumulatorScale (padding channels 0)
  /// Some filter offset is not 0: the kernel needs the window sums.
  bool needsWindowSums{false};
  /// No filter offset is -128, so every -offset is an int8 code (the
  /// depthwise kernel then adds -offset x window sum through its dot
  /// products).
  bool negatedOffsetsFitInt8{true};
};

/// \returns true if accumulators of \p taps products of unsigned and signed
/// codes plus a bias of \p bias (int32) with the offset corrections folded
/// in stay within int32: max |bias| + 4 x 255 x 128 x taps <= INT32_MAX.
bool int8AccumulatorsFit(const Tensor &bias, int64_t taps);

/// Packs the INT8 convolution \p n (not depthwise) for a packed input with
/// CB channels a block (CBp rounded to 4), read as \p bg says, and input
/// zero code \p inZero (the input offset + 128). \returns false if a
/// corrected bias would overflow int32 (the plain kernel then runs it).
bool packConvI8(const ConvolutionNode &n, int64_t CB, const BlockGrouping &bg,
                int32_t inZero, PackedConvI8 &out);

/// Packs the depthwise INT8 convolution \p n for libjit_conv_depthwise_i8:
/// the filter as [Cb][KH][ceil(KW/4)][16][4] int8 codes (four horizontal
/// taps a channel, the missing ones 0) and the bias with the corrections
/// of input zero code \p inZero folded in.
PackedConvI8 packDepthwiseI8(const ConvolutionNode &n, int32_t inZero);

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
