#include "WeightPacking.h"

#include "glow/Quantization/QuantizationMath.h"

#include "llvm/Support/Casting.h"

namespace glow {
namespace cpu {

ConvRequantization computeConvRequantization(const ConvolutionNode &n) {
  const Type &xt = n.getInput().getType(), &wt = n.getFilter().getType(),
             &yt = n.getType();
  dim_t O = wt.dims()[0];
  ConvRequantization r;
  const float *scales = nullptr;
  const int32_t *offsets = nullptr;
  if (n.isChannelwise()) {
    scales = reinterpret_cast<const float *>(
        llvm::cast<Constant>(n.getFilterScales().getNode())
            ->getPayload()
            .getUnsafePtr());
    offsets = reinterpret_cast<const int32_t *>(
        llvm::cast<Constant>(n.getFilterOffsets().getNode())
            ->getPayload()
            .getUnsafePtr());
  }
  for (dim_t o = 0; o < O; o++) {
    float ws = scales ? scales[o] : wt.getScale();
    r.filterOffsets.push_back(offsets ? offsets[o] : wt.getOffset());
    QuantizationTransform t = makeQuantizationTransform(
        double(xt.getScale()) * ws / double(yt.getScale()));
    r.multipliers.push_back(t.multiplier);
    r.shifts.push_back(t.shift);
  }
  return r;
}

} // namespace cpu
} // namespace glow
