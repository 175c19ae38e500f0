#ifndef GLOW_QUANTIZATION_EQUALIZATION_H
#define GLOW_QUANTIZATION_EQUALIZATION_H

#include "glow/Graph/Graph.h"

namespace glow {

/// What equalizeCrossLayerRanges did.
struct EqualizationReport {
  /// Conv -> (Relu | LeakyRelu | Clip(0, M) | nothing) -> Conv pairs.
  unsigned pairs{0};
  /// Of those, the pairs joined by a Clip(0, M) (ReLU6: M = 6).
  unsigned clipPairs{0};
  /// Channels of those pairs left unscaled in the last sweep because the
  /// graph does not bound them below M: a clip bound does not scale with
  /// its channel (clip(y / s, 0, 6) != clip(y, 0, 6) / s where y > 6).
  unsigned clippedChannels{0};
  /// Pairs joined by a Clip of another lower bound, left alone.
  unsigned skippedClip{0};
  /// Sweeps over all pairs until the scales settled.
  unsigned sweeps{0};
};

/// Cross-layer equalization (Nagel et al., 2019) of the FP32 Convolutions
/// of \p F (optimized: BatchNorm folded): for every pair where the first
/// convolution's output feeds only the second, directly or through one
/// positively homogeneous activation (Relu, LeakyRelu), output channel i of
/// the first is divided by s_i = sqrt(r1_i / r2_i) (filter row and bias)
/// and input channel i of the second multiplied by it, r1_i and r2_i being
/// the largest |weight| of that channel in each; depthwise and grouped
/// convolutions included. Across a Clip(0, M) (ReLU6) only the channels
/// that provably stay below M are rescaled: the first convolution's input
/// bounds (a Clip's or a Relu's output) bound each output channel by
/// interval arithmetic, and s_i is raised where needed so that the
/// rescaled channel stays below M too; the others keep s_i = 1. Sweeps repeat
/// until no scale moves by more than 0.1%. The function computed is unchanged
/// up to float rounding; names and the graph's shape are too, so a profile's
/// graph hash still matches.
EqualizationReport equalizeCrossLayerRanges(Function *F);

} // namespace glow

#endif // GLOW_QUANTIZATION_EQUALIZATION_H
