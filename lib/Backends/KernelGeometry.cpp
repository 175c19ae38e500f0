#include "glow/Backends/KernelGeometry.h"
#include "glow/Quantization/QuantizationMath.h"

#include "llvm/Support/Casting.h"

#include <cstring>

namespace glow {

std::pair<int64_t, int64_t> getOuterInnerSizes(llvm::ArrayRef<dim_t> dims,
                                               unsigned axis) {
  int64_t outer = 1, inner = 1;
  for (unsigned i = 0; i < axis; i++) {
    outer *= dims[i];
  }
  for (unsigned i = axis + 1; i < dims.size(); i++) {
    inner *= dims[i];
  }
  return {outer, inner};
}

std::vector<int64_t> rowMajorStrides(llvm::ArrayRef<dim_t> dims) {
  std::vector<int64_t> s(dims.size());
  int64_t acc = 1;
  for (size_t i = dims.size(); i-- > 0;) {
    s[i] = acc;
    acc *= dims[i];
  }
  return s;
}

StridedView getStridedView(const Node &n, llvm::ArrayRef<dim_t> inDims,
                           size_t outRank) {
  auto inStrides = rowMajorStrides(inDims);
  StridedView v;
  if (auto *t = llvm::dyn_cast<TransposeNode>(&n)) {
    for (unsigned s : t->getShuffle()) {
      v.strides.push_back(inStrides[s]);
    }
  } else if (auto *s = llvm::dyn_cast<SliceNode>(&n)) {
    for (size_t i = 0; i < inStrides.size(); i++) {
      v.strides.push_back(inStrides[i] * s->getSteps()[i]);
      v.start += s->getStarts()[i] * inStrides[i];
    }
  } else {
    // Broadcast: dimensions aligned right, size-1 dimensions repeat.
    size_t off = outRank - inDims.size();
    v.strides.assign(outRank, 0);
    for (size_t i = 0; i < inDims.size(); i++) {
      v.strides[i + off] = inDims[i] == 1 ? 0 : inStrides[i];
    }
  }
  return v;
}

int64_t getPadValueBits(const PadNode &n) {
  const Type &t = n.getType();
  int64_t bits = 0;
  switch (t.getElementType()) {
  case ElemKind::FloatTy: {
    float f = n.getValue();
    std::memcpy(&bits, &f, sizeof(f));
    break;
  }
  case ElemKind::Int8QTy: {
    int8_t q = quantizeValue(n.getValue(), {t.getScale(), t.getOffset()});
    std::memcpy(&bits, &q, 1);
    break;
  }
  default: {
    Tensor v(Type(t.getElementType(), {1}));
    v.setFromDouble(0, n.getValue());
    std::memcpy(&bits, v.getUnsafePtr(), v.getSizeInBytes());
    break;
  }
  }
  return bits;
}

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
    r.scales.push_back(accumulatorScale(xt.getScale(), ws, yt.getScale()));
  }
  return r;
}

std::pair<int64_t, int64_t> getClipBoundsInt8(const Node &n, float inScale) {
  auto *clip = llvm::dyn_cast<ClipNode>(&n);
  return quantizedClipBounds(clip != nullptr, clip ? clip->getMin() : 0.f,
                             clip ? clip->getMax() : 0.f, inScale);
}

std::pair<float, float> getUnaryParams(const Node &n) {
  if (auto *c = llvm::dyn_cast<ClipNode>(&n)) {
    return {c->getMin(), c->getMax()};
  }
  if (auto *l = llvm::dyn_cast<LeakyReluNode>(&n)) {
    return {l->getAlpha(), 0.f};
  }
  return {0.f, 0.f};
}

} // namespace glow
