#include "WeightPacking.h"

#include "glow/Quantization/QuantizationMath.h"

#include "llvm/Support/Casting.h"

namespace glow {
namespace cpu {} // namespace cpu
} // namespace glow

#include "libjit/LibjitLayout.h"

#include <algorithm>
#include <cstdlib>

namespace glow {
namespace cpu {

using libjit::divUp;
using libjit::kBlock;
using libjit::roundUp;

namespace {
template <class T> const T *dataOf(const Tensor &t) {
  return reinterpret_cast<const T *>(t.getUnsafePtr());
}

} // namespace

bool int8AccumulatorsFit(const Tensor &bias, int64_t taps) {
  const int32_t *b = dataOf<int32_t>(bias);
  int64_t maxBias = 0;
  for (size_t i = 0; i < bias.size(); i++) {
    maxBias = std::max<int64_t>(maxBias, std::abs(int64_t(b[i])));
  }
  return maxBias + 4 * 255 * 128 * taps <= INT32_MAX;
}

bool blockGroupingOf(const ConvolutionNode &n, int64_t CB, BlockGrouping &out) {
  int64_t C = n.getInput().dims()[1], O = n.dims()[1], G = n.getGroup();
  out = BlockGrouping();
  out.CbIn = divUp(C, CB);
  if (G == 1) {
    out.Cb = out.CbIn;
    return true;
  }
  int64_t Og = O / G, Cg = C / G;
  if (CB != kBlock || C % G || O % G) {
    return false;
  }
  if (Og >= 4 && kBlock % Og == 0 && Cg % Og == 0) {
    // 16 / Og groups an output block: their Cg / Og input blocks.
    out.Cb = Cg / Og;
    out.cbStep = out.Cb;
  } else if (Og % kBlock == 0 && Cg % kBlock == 0) {
    // Og / 16 output blocks a group, reading its Cg / 16 input blocks.
    out.Cb = Cg / kBlock;
    out.obPerStep = Og / kBlock;
    out.cbStep = out.Cb;
  } else {
    return false;
  }
  return out.firstInBlock(divUp(O, kBlock) - 1) + out.Cb <= out.CbIn;
}

PackedConvF32 packConvF32(const Tensor &filter, const Tensor &bias, int64_t CB,
                          int64_t G, const BlockGrouping &bg) {
  auto d = filter.dims();
  int64_t O = d[0], Cg = d[1], KH = d[2], KW = d[3];
  int64_t Ob = divUp(O, kBlock), Cb = bg.Cb, Og = O / G;
  PackedConvF32 p;
  p.filter.assign(Ob * Cb * KH * KW * CB * kBlock, 0.f);
  p.bias.assign(Ob * kBlock, 0.f);
  const float *w = dataOf<float>(filter), *b = dataOf<float>(bias);
  for (int64_t o = 0; o < O; o++) {
    p.bias[o] = b[o];
    int64_t first = bg.firstInBlock(o / kBlock), g = o / Og;
    for (int64_t cl = 0; cl < Cg; cl++) {
      int64_t c = g * Cg + cl, cb = c / CB - first;
      for (int64_t kh = 0; kh < KH; kh++) {
        for (int64_t kw = 0; kw < KW; kw++) {
          int64_t at =
              ((((o / kBlock * Cb + cb) * KH + kh) * KW + kw) * CB + c % CB) *
                  kBlock +
              o % kBlock;
          p.filter[at] = w[((o * Cg + cl) * KH + kh) * KW + kw];
        }
      }
    }
  }
  return p;
}

PackedConvF32 packDepthwiseF32(const Tensor &filter, const Tensor &bias) {
  auto d = filter.dims();
  int64_t C = d[0], KH = d[2], KW = d[3], Cb = divUp(C, kBlock);
  PackedConvF32 p;
  p.filter.assign(Cb * KH * KW * kBlock, 0.f);
  p.bias.assign(Cb * kBlock, 0.f);
  const float *w = dataOf<float>(filter), *b = dataOf<float>(bias);
  for (int64_t c = 0; c < C; c++) {
    p.bias[c] = b[c];
    for (int64_t k = 0; k < KH * KW; k++) {
      p.filter[((c / kBlock) * KH * KW + k) * kBlock + c % kBlock] =
          w[c * KH * KW + k];
    }
  }
  return p;
}

namespace {
/// Pads the per-channel requantization of \p n to \p channels entries.
void padRequantization(const ConvolutionNode &n, int64_t channels,
                       PackedConvI8 &p) {
  ConvRequantization rq = computeConvRequantization(n);
  p.filterOffsets = rq.filterOffsets;
  p.scales = rq.scales;
  p.filterOffsets.resize(channels, 0);
  p.scales.resize(channels, 0.f);
}
} // namespace

bool packConvI8(const ConvolutionNode &n, int64_t CB, const BlockGrouping &bg,
                int32_t inZero, PackedConvI8 &p) {
  const Tensor &filter =
      llvm::cast<Constant>(n.getFilter().getNode())->getPayload();
  const Tensor &bias =
      llvm::cast<Constant>(n.getBias().getNode())->getPayload();
  auto d = filter.dims();
  int64_t O = d[0], Cg = d[1], KH = d[2], KW = d[3];
  int64_t C = n.getInput().dims()[1], Og = O / n.getGroup();
  int64_t Ob = divUp(O, kBlock), Cb = bg.Cb, CBp = roundUp(CB, 4);
  if (!int8AccumulatorsFit(bias, Cb * KH * KW * CBp)) {
    return false;
  }
  padRequantization(n, Ob * kBlock, p);
  p.filter.assign(Ob * Cb * KH * KW * CBp * kBlock, 0);
  p.bias.assign(Ob * kBlock, 0);
  const int8_t *w = dataOf<int8_t>(filter);
  const int32_t *b = dataOf<int32_t>(bias);
  int64_t total = Cb * KH * KW * CBp;
  for (int64_t o = 0; o < O; o++) {
    int32_t off = p.filterOffsets[o];
    p.needsWindowSums |= off != 0;
    int64_t sum = 0, first = bg.firstInBlock(o / kBlock), g = o / Og;
    for (int64_t cb = 0; cb < Cb; cb++) {
      for (int64_t kh = 0; kh < KH; kh++) {
        for (int64_t kw = 0; kw < KW; kw++) {
          for (int64_t ci = 0; ci < CBp; ci++) {
            int64_t c = (first + cb) * CB + ci;
            // Lanes past the input's channels, and channels of other
            // groups, hold the filter offset, so that (x - zero) (w -
            // offset) is 0 for them.
            bool mine = ci < CB && c < C && c / Cg == g;
            int32_t v =
                mine ? w[((o * Cg + c - g * Cg) * KH + kh) * KW + kw] : off;
            int64_t at =
                (((((o / kBlock * Cb + cb) * KH + kh) * KW + kw) * (CBp / 4) +
                  ci / 4) *
                     kBlock +
                 o % kBlock) *
                    4 +
                ci % 4;
            p.filter[at] = int8_t(v);
            sum += v;
          }
        }
      }
    }
    // sum (x - z)(w - off) = sum x w - off sum x - z sum w + K z off.
    p.bias[o] = int32_t(int64_t(b[o]) - int64_t(inZero) * sum +
                        total * inZero * int64_t(off));
  }
  return true;
}

PackedConvI8 packDepthwiseI8(const ConvolutionNode &n, int32_t inZero) {
  const Tensor &filter =
      llvm::cast<Constant>(n.getFilter().getNode())->getPayload();
  const Tensor &bias =
      llvm::cast<Constant>(n.getBias().getNode())->getPayload();
  auto d = filter.dims();
  int64_t C = d[0], KH = d[2], KW = d[3], Cb = divUp(C, kBlock);
  int64_t G4 = divUp(KW, 4);
  PackedConvI8 p;
  padRequantization(n, Cb * kBlock, p);
  p.filter.assign(Cb * KH * G4 * kBlock * 4, 0);
  p.bias.assign(Cb * kBlock, 0);
  const int8_t *w = dataOf<int8_t>(filter);
  const int32_t *b = dataOf<int32_t>(bias);
  for (int64_t c = 0; c < C; c++) {
    int64_t sum = 0;
    for (int64_t kh = 0; kh < KH; kh++) {
      for (int64_t kw = 0; kw < KW; kw++) {
        int8_t v = w[(c * KH + kh) * KW + kw];
        p.filter[((((c / kBlock) * KH + kh) * G4 + kw / 4) * kBlock +
                  c % kBlock) *
                     4 +
                 kw % 4] = v;
        sum += v;
      }
    }
    int32_t off = p.filterOffsets[c];
    p.needsWindowSums |= off != 0;
    p.negatedOffsetsFitInt8 &= off != -128;
    // sum (x - z)(w - off) = sum x w - off sum x - z sum w + K z off.
    p.bias[c] = int32_t(int64_t(b[c]) - int64_t(inZero) * sum +
                        KH * KW * int64_t(inZero) * off);
  }
  return p;
}

PackedConvF32 packFullyConnectedF32(const Tensor &weights, const Tensor &bias,
                                    int64_t Kx) {
  int64_t K = weights.dims()[0], M = weights.dims()[1], Mb = divUp(M, kBlock);
  PackedConvF32 p;
  p.filter.assign(Mb * Kx * kBlock, 0.f);
  p.bias.assign(Mb * kBlock, 0.f);
  const float *w = dataOf<float>(weights), *b = dataOf<float>(bias);
  for (int64_t m = 0; m < M; m++) {
    p.bias[m] = b[m];
    for (int64_t k = 0; k < K; k++) {
      p.filter[((m / kBlock) * Kx + k) * kBlock + m % kBlock] = w[k * M + m];
    }
  }
  return p;
}

bool packFullyConnectedI8(const Tensor &weights, const Tensor &bias, int64_t Kx,
                          int32_t inZero, PackedFcI8 &p) {
  int64_t K = weights.dims()[0], M = weights.dims()[1], Mb = divUp(M, kBlock);
  int32_t off = weights.getType().getOffset();
  p.Kp = roundUp(Kx, 4);
  if (!int8AccumulatorsFit(bias, p.Kp)) {
    return false;
  }
  p.needsRowSums = off != 0;
  p.weights.assign(Mb * p.Kp * kBlock, 0);
  p.bias.assign(Mb * kBlock, 0);
  const int8_t *w = dataOf<int8_t>(weights);
  const int32_t *b = dataOf<int32_t>(bias);
  for (int64_t m = 0; m < M; m++) {
    int64_t sum = 0;
    for (int64_t k = 0; k < p.Kp; k++) {
      int32_t v = k < K ? w[k * M + m] : off;
      p.weights[(((m / kBlock) * (p.Kp / 4) + k / 4) * kBlock + m % kBlock) *
                    4 +
                k % 4] = int8_t(v);
      sum += v;
    }
    p.bias[m] = int32_t(int64_t(b[m]) - int64_t(inZero) * sum +
                        p.Kp * inZero * int64_t(off));
  }
  return true;
}

} // namespace cpu
} // namespace glow
