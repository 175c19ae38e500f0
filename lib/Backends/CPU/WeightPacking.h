#ifndef GLOW_BACKENDS_CPU_WEIGHTPACKING_H
#define GLOW_BACKENDS_CPU_WEIGHTPACKING_H

// Host-side preparation of constant data for the kernel library: per-channel
// requantization parameters and weights rearranged into the layouts of
// libjit/LibjitLayout.h.

#include "glow/Graph/Nodes.h"

#include <cstdint>
#include <vector>

namespace glow {
namespace cpu {

/// Per output channel of an INT8 convolution: the filter offset and the
/// requantization (in scale x filter scale / out scale) as multiplier and
/// shift, exactly as the Interpreter computes them.
struct ConvRequantization {
  std::vector<int32_t> filterOffsets;
  std::vector<int64_t> multipliers;
  std::vector<int32_t> shifts;
};

/// \returns the per-channel requantization of the INT8 convolution \p n.
ConvRequantization computeConvRequantization(const ConvolutionNode &n);

} // namespace cpu
} // namespace glow

#endif // GLOW_BACKENDS_CPU_WEIGHTPACKING_H
