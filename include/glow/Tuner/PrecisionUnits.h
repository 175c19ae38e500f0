#ifndef GLOW_TUNER_PRECISIONUNITS_H
#define GLOW_TUNER_PRECISIONUNITS_H

#include "glow/Graph/Graph.h"
#include "glow/Optimizer/PrecisionMode.h"

#include <string>
#include <vector>

namespace glow {

/// What the tuner switches between FP32 and INT8 as one: a quantizable
/// layer, or a convolution with the activation (Relu, Clip) that follows
/// it. A Convolution kept FP32 whose Relu runs in INT8 still has its result
/// quantized at the Relu's input, so by default they are measured and kept
/// together.
struct PrecisionUnit {
  /// Shown in the tables: the layer names joined by " + ".
  std::string name;
  /// The layers (node names as loaded), in graph order.
  std::vector<std::string> layers;
  /// The layer kinds joined by "+" ("Convolution+Relu").
  std::string kind;
  /// 1-based position of the unit's first layer among the layers.
  size_t position{0};
  /// Elements of the weights and of the biases of its Convolution and
  /// FullyConnected nodes (what its precision changes the size of).
  uint64_t weightElements{0}, biasElements{0};

  /// \returns the bytes of those weights and biases in \p precision: 4 a
  /// float weight, 1 an int8 one, half a byte a 4-bit one (packed, as a
  /// bundle stores them); biases 4 bytes (float or int32).
  uint64_t weightBytes(LayerPrecision precision) const;
};

/// \returns the units of the optimized FP32 Function \p F in graph order:
/// every layer the quantizer can rewrite to INT8, a Convolution and its
/// only user, a Relu or Clip, as one unit when \p groupActivations.
std::vector<PrecisionUnit> findPrecisionUnits(const Function &F,
                                              bool groupActivations);

} // namespace glow

#endif // GLOW_TUNER_PRECISIONUNITS_H
