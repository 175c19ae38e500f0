#ifndef GLOW_QUANTIZATION_QUANTIZER_H
#define GLOW_QUANTIZATION_QUANTIZER_H

#include "glow/Backends/OpSignature.h"
#include "glow/Graph/Graph.h"
#include "glow/Quantization/Profile.h"

#include "llvm/Support/Error.h"

#include <limits>

#include <set>

namespace glow {

class Backend;

/// The quantization flags of the tools.
struct QuantizationOptions {
  QuantizationSchema schema{QuantizationSchema::Asymmetric};
  CalibrationMode calibration{CalibrationMode::None};
  /// Percentile calibration: the percent of values kept at each end.
  double calibrationPercentile{99.99};
  /// Per-output-channel filter scales for Convolution.
  bool channelwise{false};
  /// Bias correction: each Convolution/FC bias minus the mean output
  /// error that quantizing its weights causes, from the channel means of
  /// its input in the profile (sum of weight error x input channel mean).
  bool biasCorrection{false};
  /// Cross-layer equalization (equalizeCrossLayerRanges) applied to the
  /// graph before profiling and before quantizing; a profile records it.
  bool crossLayerEqualization{false};
  /// Bit widths (2 to 8) of weights and of activations. Codes stay in int8
  /// containers; N bits narrow them to [-2^(N-1), 2^(N-1) - 1].
  unsigned weightBits{8};
  unsigned activationBits{8};
};

/// \returns the quantization parameters of the activation \p v from its
/// profile entry, or an error if the profile lacks it. The calibrated
/// range is intersected with [\p clipLo, \p clipHi]: the bounds of a Relu
/// or Clip that alone reads \p v, whose output is the same whether the
/// values outside them saturate in \p v or are clipped after it.
llvm::Expected<TensorQuantizationParams>
getActivationParams(NodeValue v, const ProfileSet &profile,
                    const QuantizationOptions &opts,
                    float clipLo = -std::numeric_limits<float>::infinity(),
                    float clipHi = std::numeric_limits<float>::infinity());

/// \returns \p t quantized to int8 containers with its own range under
/// \p schema, codes limited to \p bits bits.
Tensor quantizeTensor(const Tensor &t, QuantizationSchema schema,
                      unsigned bits = 8);

/// Rewrites the nodes in \p toQuantize to INT8, in place: activations take
/// scale and offset from \p profile, Constants (weights) from their own
/// range, Convolution/FullyConnected biases become int32 with scale =
/// input scale x weight scale. Data-movement nodes (Reshape, Transpose,
/// Slice, Pad, Gather, Broadcast) keep their input's scale. Where a float
/// value meets a quantized node a Quantize is inserted, where a quantized
/// value meets a float node (or an output) a Dequantize. Every backend then
/// receives a well-typed mixed graph. The weights of the nodes in
/// \p fourBitWeights (w4a8 layers) take 4-bit codes whatever
/// opts.weightBits says.
llvm::Error quantizeNodes(Function *F, const std::set<Node *> &toQuantize,
                          const ProfileSet &profile,
                          const QuantizationOptions &opts,
                          const std::set<Node *> &fourBitWeights = {});

/// \returns true if the quantizer can rewrite \p n to INT8 (the kinds with
/// INT8 semantics and constant weights where it has weights).
bool isQuantizableNode(const Node &n);

/// \returns the signature \p n (a float node the quantizer can rewrite)
/// will have in INT8, as Nodes.def's INT8 rule makes it: int8 activations,
/// int8 weights and an int32 bias for a Weighted kind, other operands kept.
OpSignature getQuantizedSignature(const Node &n);

/// \returns true if \p n can be rewritten to INT8 and \p backend has a
/// kernel for the result: what decides, with the user's keep list, which
/// layers run in INT8.
bool isQuantizableOn(const Node &n, const Backend &backend);

} // namespace glow

#endif // GLOW_QUANTIZATION_QUANTIZER_H
