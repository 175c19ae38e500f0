// INT8 reference kernels. Accumulation is in int32 (int64 where a product
// of sums could overflow). Convolutions and matrix products requantize
// their accumulators with a float scale (requantizeAccumulator of
// QuantizationMath.h: y = clamp(nearbyint(float(acc) * scale) + offset),
// scale = (in scale x weight scale) / out scale computed in double, then
// rounded to float); every other result with the fixed-point transform:
// y = clamp(round(v * ratio) + offset). Padding contributes real 0 (a code
// equal to the offset).

#include "InterpreterQuantizedKernels.h"

#include "glow/Graph/Nodes.h"
#include "glow/Quantization/QuantizationMath.h"
#include "glow/Support/Error.h"
#include <algorithm>

#include "llvm/Support/Casting.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <map>

using llvm::cast;

namespace glow {

namespace {

using Kind = Node::Kind;

TensorQuantizationParams paramsOf(const Type &t) {
  return {t.getScale(), t.getOffset()};
}

QuantizationTransform ratio(double num, double den) {
  return makeQuantizationTransform(num / den);
}

const int8_t *i8(const Tensor &t) {
  return reinterpret_cast<const int8_t *>(t.getUnsafePtr());
}
int8_t *i8(Tensor &t) { return reinterpret_cast<int8_t *>(t.getUnsafePtr()); }
const int32_t *i32(const Tensor &t) {
  return reinterpret_cast<const int32_t *>(t.getUnsafePtr());
}

void convInt8(const ConvolutionNode &n, llvm::ArrayRef<const Tensor *> in,
              Tensor &outT) {
  const Tensor &xT = *in[0], &wT = *in[1], &bT = *in[2];
  auto xd = xT.dims(), wd = wT.dims(), od = outT.dims();
  dim_t N = xd[0], C = xd[1], H = xd[2], W = xd[3];
  dim_t O = wd[0], CG = wd[1], KH = wd[2], KW = wd[3], OH = od[2], OW = od[3];
  dim_t G = n.getGroup(), OG = O / G;
  dim_t SH = n.getStrides()[0], SW = n.getStrides()[1];
  dim_t PT = n.getPads()[0], PL = n.getPads()[1];
  dim_t DH = n.getDilations()[0], DW = n.getDilations()[1];
  auto xq = paramsOf(xT.getType()), yq = paramsOf(outT.getType());
  const int8_t *x = i8(xT), *w = i8(wT);
  const int32_t *b = i32(bT);
  int8_t *y = i8(outT);
  std::vector<int32_t> acc(OH * OW), xs(C * H * W);
  std::vector<float> scales(O);
  std::vector<int32_t> filterOffsets(O);
  for (dim_t o = 0; o < O; o++) {
    float ws = n.isChannelwise() ? in[3]->getHandle<float>().raw(o)
                                 : wT.getType().getScale();
    filterOffsets[o] = n.isChannelwise() ? in[4]->getHandle<int32_t>().raw(o)
                                         : wT.getType().getOffset();
    scales[o] = accumulatorScale(xq.scale, ws, yq.scale);
  }
  for (dim_t b0 = 0; b0 < N; b0++) {
    // The input in units of its scale (x - offset); padding is 0.
    for (dim_t i = 0; i < C * H * W; i++) {
      xs[i] = int32_t(x[b0 * C * H * W + i]) - xq.offset;
    }
    for (dim_t o = 0; o < O; o++) {
      dim_t g = o / OG;
      std::fill(acc.begin(), acc.end(), b[o]);
      for (dim_t cg = 0; cg < CG; cg++) {
        const int32_t *xp = xs.data() + (g * CG + cg) * H * W;
        for (dim_t kh = 0; kh < KH; kh++) {
          for (dim_t kw = 0; kw < KW; kw++) {
            int32_t wv = int32_t(w[((o * CG + cg) * KH + kh) * KW + kw]) -
                         filterOffsets[o];
            // Output columns whose input column is inside [0, W).
            dim_t off = kw * DW - PL;
            dim_t owBegin = off >= 0 ? 0 : (-off + SW - 1) / SW;
            dim_t owEnd =
                std::min(OW, W - off <= 0 ? 0 : (W - off + SW - 1) / SW);
            for (dim_t oh = 0; oh < OH; oh++) {
              dim_t ih = oh * SH - PT + kh * DH;
              if (ih < 0 || ih >= H) {
                continue;
              }
              int32_t *ar = acc.data() + oh * OW;
              const int32_t *xr = xp + ih * W + off;
              for (dim_t ow = owBegin; ow < owEnd; ow++) {
                ar[ow] += wv * xr[ow * SW];
              }
            }
          }
        }
      }
      int8_t *yp = y + (b0 * O + o) * OH * OW;
      for (dim_t i = 0; i < OH * OW; i++) {
        yp[i] = requantizeAccumulator(acc[i], scales[o], yq.offset);
      }
    }
  }
}

/// y[n][m] = requant(bias[m] + sum_k (x[n][k]-ox) (w[k][m]-ow)).
void matMulInt8(const Tensor &xT, const Tensor &wT, const Tensor *bT,
                Tensor &outT) {
  dim_t N = xT.dims()[0], K = xT.size() / std::max<dim_t>(N, 1),
        M = wT.dims()[1];
  auto xq = paramsOf(xT.getType()), wq = paramsOf(wT.getType()),
       yq = paramsOf(outT.getType());
  const float scale = accumulatorScale(xq.scale, wq.scale, yq.scale);
  const int8_t *x = i8(xT), *w = i8(wT);
  int8_t *y = i8(outT);
  std::vector<int32_t> acc(M);
  for (dim_t i = 0; i < N; i++) {
    for (dim_t m = 0; m < M; m++) {
      acc[m] = bT ? i32(*bT)[m] : 0;
    }
    for (dim_t k = 0; k < K; k++) {
      int32_t xv = int32_t(x[i * K + k]) - xq.offset;
      const int8_t *wr = w + k * M;
      for (dim_t m = 0; m < M; m++) {
        acc[m] += xv * (int32_t(wr[m]) - wq.offset);
      }
    }
    for (dim_t m = 0; m < M; m++) {
      y[i * M + m] = requantizeAccumulator(acc[m], scale, yq.offset);
    }
  }
}

void arithmeticInt8(Kind k, const Tensor &aT, const Tensor &bT, Tensor &outT) {
  auto aq = paramsOf(aT.getType()), bq = paramsOf(bT.getType()),
       yq = paramsOf(outT.getType());
  const int8_t *a = i8(aT), *b = i8(bT);
  int8_t *y = i8(outT);
  size_t n = outT.size();
  if (k == Kind::MulKind) {
    QuantizationTransform t = ratio(double(aq.scale) * bq.scale, yq.scale);
    for (size_t i = 0; i < n; i++) {
      int64_t p = int64_t(a[i] - aq.offset) * int64_t(b[i] - bq.offset);
      y[i] = requantize(p, t, yq.offset);
    }
    return;
  }
  QuantizationTransform ta = ratio(aq.scale, yq.scale);
  QuantizationTransform tb = ratio(bq.scale, yq.scale);
  int64_t sign = k == Kind::SubKind ? -1 : 1;
  for (size_t i = 0; i < n; i++) {
    int64_t va = applyQuantizationTransform(a[i] - aq.offset, ta);
    int64_t vb = applyQuantizationTransform(b[i] - bq.offset, tb);
    y[i] = clampToInt8(va + sign * vb + yq.offset);
  }
}

void reluClipInt8(const Node &n, const Tensor &xT, Tensor &outT) {
  auto xq = paramsOf(xT.getType()), yq = paramsOf(outT.getType());
  QuantizationTransform t = ratio(xq.scale, yq.scale);
  // Bounds on (x - offset), the input in units of its scale.
  auto *clip = llvm::dyn_cast<ClipNode>(&n);
  auto [lo, hi] =
      quantizedClipBounds(clip != nullptr, clip ? clip->getMin() : 0.f,
                          clip ? clip->getMax() : 0.f, xq.scale);
  const int8_t *x = i8(xT);
  int8_t *y = i8(outT);
  for (size_t i = 0, e = outT.size(); i < e; i++) {
    int64_t v = std::min(std::max<int64_t>(x[i] - xq.offset, lo), hi);
    y[i] = requantize(v, t, yq.offset);
  }
}

void poolInt8(const PoolNode &n, const Tensor &xT, Tensor &outT) {
  auto in = xT.dims(), out = outT.dims();
  auto xq = paramsOf(xT.getType()), yq = paramsOf(outT.getType());
  dim_t H = in[2], W = in[3], OH = out[2], OW = out[3];
  dim_t KH = n.getKernels()[0], KW = n.getKernels()[1];
  dim_t SH = n.getStrides()[0], SW = n.getStrides()[1];
  dim_t PT = n.getPads()[0], PL = n.getPads()[1];
  dim_t PB = n.getPads()[2], PR = n.getPads()[3];
  bool isMax = n.getKind() == Kind::MaxPoolKind;
  QuantizationTransform maxT = ratio(xq.scale, yq.scale);
  std::map<dim_t, QuantizationTransform> avgT; // by divisor
  const int8_t *x = i8(xT);
  int8_t *y = i8(outT);
  for (dim_t plane = 0; plane < in[0] * in[1]; plane++) {
    const int8_t *xp = x + plane * H * W;
    int8_t *yp = y + plane * OH * OW;
    for (dim_t oh = 0; oh < OH; oh++) {
      for (dim_t ow = 0; ow < OW; ow++) {
        dim_t h0 = oh * SH - PT, w0 = ow * SW - PL;
        int32_t best = std::numeric_limits<int32_t>::min();
        int32_t sum = 0;
        dim_t count = 0;
        for (dim_t kh = 0; kh < KH; kh++) {
          for (dim_t kw = 0; kw < KW; kw++) {
            dim_t ih = h0 + kh, iw = w0 + kw;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
              continue;
            }
            int32_t v = int32_t(xp[ih * W + iw]) - xq.offset;
            best = std::max(best, v);
            sum += v;
            count++;
          }
        }
        if (isMax) {
          yp[oh * OW + ow] = requantize(count ? best : 0, maxT, yq.offset);
          continue;
        }
        if (n.getCountIncludePads()) {
          dim_t hEnd = std::min(h0 + KH, H + PB),
                wEnd = std::min(w0 + KW, W + PR);
          count = (hEnd - h0) * (wEnd - w0);
        }
        if (!count) {
          yp[oh * OW + ow] = clampToInt8(yq.offset);
          continue;
        }
        auto it = avgT.find(count);
        if (it == avgT.end()) {
          it = avgT.emplace(count, ratio(xq.scale, double(yq.scale) * count))
                   .first;
        }
        yp[oh * OW + ow] = requantize(sum, it->second, yq.offset);
      }
    }
  }
}

void concatInt8(const ConcatNode &n, llvm::ArrayRef<const Tensor *> ins,
                Tensor &outT) {
  auto out = outT.dims();
  unsigned dim = n.getDim();
  size_t outer = 1, inner = 1;
  for (unsigned i = 0; i < dim; i++)
    outer *= out[i];
  for (unsigned i = dim + 1; i < out.size(); i++)
    inner *= out[i];
  auto yq = paramsOf(outT.getType());
  int8_t *y = i8(outT);
  size_t outRow = out[dim] * inner, offset = 0;
  for (const Tensor *t : ins) {
    auto xq = paramsOf(t->getType());
    QuantizationTransform tr = ratio(xq.scale, yq.scale);
    size_t row = t->dims()[dim] * inner;
    const int8_t *x = i8(*t);
    for (size_t o = 0; o < outer; o++) {
      for (size_t i = 0; i < row; i++) {
        y[o * outRow + offset + i] =
            requantize(x[o * row + i] - xq.offset, tr, yq.offset);
      }
    }
    offset += row;
  }
}

void conversion(const Node &n, const Tensor &xT, Tensor &outT) {
  size_t e = outT.size();
  if (n.getKind() == Kind::QuantizeKind) {
    auto yq = paramsOf(outT.getType());
    const float *x = xT.getHandle<float>().data();
    for (size_t i = 0; i < e; i++)
      i8(outT)[i] = quantizeValue(x[i], yq);
  } else if (n.getKind() == Kind::DequantizeKind) {
    auto xq = paramsOf(xT.getType());
    float *y = outT.getHandle<float>().data();
    for (size_t i = 0; i < e; i++)
      y[i] = dequantizeValue(i8(xT)[i], xq);
  } else { // RescaleQuantized
    auto xq = paramsOf(xT.getType()), yq = paramsOf(outT.getType());
    QuantizationTransform t = ratio(xq.scale, yq.scale);
    for (size_t i = 0; i < e; i++)
      i8(outT)[i] = requantize(i8(xT)[i] - xq.offset, t, yq.offset);
  }
}

} // namespace

bool hasQuantizedKernel(const OpSignature &sig) {
  auto isInt8 = [](ElemKind k) { return k == ElemKind::Int8QTy; };
  switch (sig.kind) {
  case Kind::QuantizeKind:
    return isInt8(sig.result());
  case Kind::DequantizeKind:
    return isInt8(sig.operand(0));
  case Kind::RescaleQuantizedKind:
    return isInt8(sig.result()) && isInt8(sig.operand(0));
  case Kind::IntLookupTableKind:
    return isInt8(sig.result()) && isInt8(sig.operand(0)) &&
           isInt8(sig.operand(1));
  case Kind::ConvolutionKind:
  case Kind::FullyConnectedKind:
    return isInt8(sig.result()) && isInt8(sig.operand(0)) &&
           isInt8(sig.operand(1)) && sig.operand(2) == ElemKind::Int32QTy;
  case Kind::MatMulKind:
  case Kind::AddKind:
  case Kind::SubKind:
  case Kind::MulKind:
    return isInt8(sig.result()) && isInt8(sig.operand(0)) &&
           isInt8(sig.operand(1));
  case Kind::ReluKind:
  case Kind::ClipKind:
  case Kind::MaxPoolKind:
  case Kind::AvgPoolKind:
    return isInt8(sig.result()) && isInt8(sig.operand(0));
  case Kind::ConcatKind:
    return isInt8(sig.result()) &&
           std::all_of(sig.operands.begin(), sig.operands.end(), isInt8);
#define DEF_NODE(CLASS, NAME, FAMILY, INT8, IMAGES, BATCH, EPILOGUE, LOWERING) \
  GLOW_WHEN_##LOWERING(case Kind::NAME##Kind:)
#include "glow/Graph/Nodes.def"
  case Kind::PlaceholderKind:
  case Kind::ConstantKind:
  case Kind::SaveKind:
  case Kind::BatchNormalizationKind:
  case Kind::DivKind:
  case Kind::MaxKind:
  case Kind::MinKind:
  case Kind::PowKind:
  case Kind::LeakyReluKind:
  case Kind::SigmoidKind:
  case Kind::TanhKind:
  case Kind::ExpKind:
  case Kind::LogKind:
  case Kind::SqrtKind:
  case Kind::NegKind:
  case Kind::AbsKind:
  case Kind::ErfKind:
  case Kind::SoftMaxKind:
  case Kind::ArgMinMaxKind:
  case Kind::CompareKind:
  case Kind::SelectKind:
  case Kind::GatherElementsKind:
  case Kind::TopKKind:
  case Kind::ReshapeKind:
  case Kind::TransposeKind:
  case Kind::SliceKind:
  case Kind::PadKind:
  case Kind::GatherKind:
  case Kind::BroadcastKind:
  case Kind::ConvertToKind:
    return false; // no INT8 kernel (data movement copies in any kind)
  }
  return false;
}

llvm::Error evaluateQuantizedNode(const Node &n,
                                  llvm::ArrayRef<const Tensor *> in,
                                  Tensor &out) {
  switch (n.getKind()) {
  case Kind::ConvolutionKind:
    convInt8(cast<ConvolutionNode>(n), in, out);
    break;
  case Kind::FullyConnectedKind:
    matMulInt8(*in[0], *in[1], in[2], out);
    break;
  case Kind::MatMulKind:
    matMulInt8(*in[0], *in[1], nullptr, out);
    break;
  case Kind::AddKind:
  case Kind::SubKind:
  case Kind::MulKind:
    arithmeticInt8(n.getKind(), *in[0], *in[1], out);
    break;
  case Kind::ReluKind:
  case Kind::ClipKind:
    reluClipInt8(n, *in[0], out);
    break;
  case Kind::MaxPoolKind:
  case Kind::AvgPoolKind:
    poolInt8(cast<PoolNode>(n), *in[0], out);
    break;
  case Kind::ConcatKind:
    concatInt8(cast<ConcatNode>(n), in, out);
    break;
  case Kind::IntLookupTableKind: {
    const int8_t *x = in[0]->getHandle<int8_t>().data();
    const int8_t *table = in[1]->getHandle<int8_t>().data();
    int8_t *y = out.getHandle<int8_t>().data();
    for (size_t i = 0, e = out.size(); i < e; i++) {
      y[i] = table[int(x[i]) + 128];
    }
    break;
  }
  case Kind::QuantizeKind:
  case Kind::DequantizeKind:
  case Kind::RescaleQuantizedKind:
    conversion(n, *in[0], out);
    break;
#define DEF_NODE(CLASS, NAME, FAMILY, INT8, IMAGES, BATCH, EPILOGUE, LOWERING) \
  GLOW_WHEN_##LOWERING(case Kind::NAME##Kind:)
#include "glow/Graph/Nodes.def"
  case Kind::PlaceholderKind:
  case Kind::ConstantKind:
  case Kind::SaveKind:
  case Kind::BatchNormalizationKind:
  case Kind::DivKind:
  case Kind::MaxKind:
  case Kind::MinKind:
  case Kind::PowKind:
  case Kind::LeakyReluKind:
  case Kind::SigmoidKind:
  case Kind::TanhKind:
  case Kind::ExpKind:
  case Kind::LogKind:
  case Kind::SqrtKind:
  case Kind::NegKind:
  case Kind::AbsKind:
  case Kind::ErfKind:
  case Kind::SoftMaxKind:
  case Kind::ArgMinMaxKind:
  case Kind::CompareKind:
  case Kind::SelectKind:
  case Kind::GatherElementsKind:
  case Kind::TopKKind:
  case Kind::ReshapeKind:
  case Kind::TransposeKind:
  case Kind::SliceKind:
  case Kind::PadKind:
  case Kind::GatherKind:
  case Kind::BroadcastKind:
  case Kind::ConvertToKind:
    return makeError(std::string("the Interpreter has no INT8 kernel for ") +
                     n.getKindName() + " (node '" + n.getName().str() + "')");
  }
  return llvm::Error::success();
}

} // namespace glow
