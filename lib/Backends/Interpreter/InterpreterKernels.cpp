// Reference kernels: plain loops that are easy to check by reading. Every
// other backend is tested against these.

#include "glow/Backends/Interpreter/InterpreterKernels.h"
#include "InterpreterQuantizedKernels.h"
#include "glow/Backends/KernelGeometry.h"
#include "glow/Graph/Nodes.h"
#include "glow/Quantization/QuantizationMath.h"
#include "glow/Support/Error.h"

#include "llvm/Support/Casting.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

using llvm::cast;

namespace glow {

namespace {

using Kind = Node::Kind;

/// \returns row-major strides of \p dims.
std::vector<size_t> stridesOf(llvm::ArrayRef<dim_t> dims) {
  std::vector<size_t> s(dims.size());
  size_t acc = 1;
  for (size_t i = dims.size(); i-- > 0;) {
    s[i] = acc;
    acc *= size_t(dims[i]);
  }
  return s;
}

/// Calls \p fn(flatIndex, multiIndex) for every element of \p dims.
template <class Fn> void forEachIndex(llvm::ArrayRef<dim_t> dims, Fn fn) {
  size_t total = 1;
  for (dim_t d : dims) {
    total *= size_t(d);
  }
  std::vector<dim_t> idx(dims.size(), 0);
  for (size_t flat = 0; flat < total; flat++) {
    fn(flat, idx);
    for (size_t i = dims.size(); i-- > 0;) {
      if (++idx[i] < dims[i]) {
        break;
      }
      idx[i] = 0;
    }
  }
}

llvm::Error noKernel(const Node &n, const Type &ty) {
  return makeError(std::string("the Interpreter has no kernel for ") +
                   n.getKindName() + " on " +
                   getElemKindName(ty.getElementType()) + " (node '" +
                   n.getName().str() + "')");
}

//===----------------------------------------------------------------------===//
// Layers with weights
//===----------------------------------------------------------------------===//

void convFloat(const ConvolutionNode &n, const Tensor &inT, const Tensor &fT,
               const Tensor &bT, Tensor &outT) {
  auto in = inT.dims(), f = fT.dims(), out = outT.dims();
  const float *x = inT.getHandle<float>().data();
  const float *w = fT.getHandle<float>().data();
  const float *b = bT.getHandle<float>().data();
  float *y = outT.getHandle<float>().data();
  dim_t N = in[0], C = in[1], H = in[2], W = in[3];
  dim_t O = f[0], CG = f[1], KH = f[2], KW = f[3];
  dim_t OH = out[2], OW = out[3];
  dim_t G = n.getGroup(), OG = O / G;
  dim_t SH = n.getStrides()[0], SW = n.getStrides()[1];
  dim_t PT = n.getPads()[0], PL = n.getPads()[1];
  dim_t DH = n.getDilations()[0], DW = n.getDilations()[1];
  for (dim_t b0 = 0; b0 < N; b0++) {
    for (dim_t o = 0; o < O; o++) {
      float *plane = y + (b0 * O + o) * OH * OW;
      std::fill(plane, plane + OH * OW, b[o]);
      dim_t g = o / OG;
      for (dim_t cg = 0; cg < CG; cg++) {
        dim_t c = g * CG + cg;
        const float *xp = x + (b0 * C + c) * H * W;
        for (dim_t kh = 0; kh < KH; kh++) {
          for (dim_t kw = 0; kw < KW; kw++) {
            float wv = w[((o * CG + cg) * KH + kh) * KW + kw];
            for (dim_t oh = 0; oh < OH; oh++) {
              dim_t ih = oh * SH - PT + kh * DH;
              if (ih < 0 || ih >= H) {
                continue;
              }
              // Range of ow whose input column is inside [0, W).
              dim_t off = kw * DW - PL;
              dim_t owBegin = off >= 0 ? 0 : (-off + SW - 1) / SW;
              dim_t owEnd = W - off <= 0 ? 0 : (W - off + SW - 1) / SW;
              owEnd = std::min(owEnd, OW);
              float *yr = plane + oh * OW;
              const float *xr = xp + ih * W + off;
              if (SW == 1) {
                for (dim_t ow = owBegin; ow < owEnd; ow++) {
                  yr[ow] += wv * xr[ow];
                }
              } else {
                for (dim_t ow = owBegin; ow < owEnd; ow++) {
                  yr[ow] += wv * xr[ow * SW];
                }
              }
            }
          }
        }
      }
    }
  }
}

/// out[n][m] = sum_k a[n][k] * b[k][m] (+ bias[m]).
void matMulFloat(const float *a, const float *b, const float *bias, float *out,
                 dim_t N, dim_t K, dim_t M) {
  for (dim_t i = 0; i < N; i++) {
    float *o = out + i * M;
    for (dim_t m = 0; m < M; m++) {
      o[m] = bias ? bias[m] : 0.f;
    }
    for (dim_t k = 0; k < K; k++) {
      float av = a[i * K + k];
      const float *br = b + k * M;
      for (dim_t m = 0; m < M; m++) {
        o[m] += av * br[m];
      }
    }
  }
}

void batchNormFloat(const BatchNormalizationNode &n,
                    llvm::ArrayRef<const Tensor *> in, Tensor &outT) {
  auto d = in[0]->dims();
  dim_t N = d[0], C = d[1], inner = in[0]->size() / (N * C);
  const float *x = in[0]->getHandle<float>().data();
  const float *scale = in[1]->getHandle<float>().data();
  const float *bias = in[2]->getHandle<float>().data();
  const float *mean = in[3]->getHandle<float>().data();
  const float *var = in[4]->getHandle<float>().data();
  float *y = outT.getHandle<float>().data();
  for (dim_t b = 0; b < N; b++) {
    for (dim_t c = 0; c < C; c++) {
      float s = scale[c] / std::sqrt(var[c] + n.getEpsilon());
      float t = bias[c] - mean[c] * s;
      size_t base = (b * C + c) * inner;
      for (dim_t i = 0; i < inner; i++) {
        y[base + i] = x[base + i] * s + t;
      }
    }
  }
}

//===----------------------------------------------------------------------===//
// Element-wise
//===----------------------------------------------------------------------===//

/// oT[i] = op(lT[i], rT[i]) in the element type of \p oT (float, int64 or
/// int32).
template <class Op>
llvm::Error arithmetic(const Tensor &lT, const Tensor &rT, Tensor &oT, Op op) {
  auto run = [&](auto zero) {
    using T = decltype(zero);
    const T *l = reinterpret_cast<const T *>(lT.getUnsafePtr());
    const T *r = reinterpret_cast<const T *>(rT.getUnsafePtr());
    T *o = reinterpret_cast<T *>(oT.getUnsafePtr());
    for (size_t i = 0, n = oT.size(); i < n; i++) {
      o[i] = op(l[i], r[i]);
    }
  };
  if (oT.getElementType() == ElemKind::FloatTy) {
    run(0.f);
  } else if (oT.getElementType() == ElemKind::Int64ITy) {
    run(int64_t(0));
  } else {
    run(int32_t(0));
  }
  return llvm::Error::success();
}

/// Division; integer division by zero gives 0 (ONNX leaves it undefined).
template <class T> T divide(T l, T r) {
  if constexpr (std::is_integral_v<T>) {
    return r == 0 ? 0 : l / r;
  } else {
    return l / r;
  }
}

/// oT[i] = op(iT[i]) on float tensors.
template <class Op>
llvm::Error unaryFloat(const Tensor &iT, Tensor &oT, Op op) {
  const float *x = iT.getHandle<float>().data();
  float *y = oT.getHandle<float>().data();
  for (size_t i = 0, e = oT.size(); i < e; i++) {
    y[i] = op(x[i]);
  }
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Pooling and softmax
//===----------------------------------------------------------------------===//

void poolFloat(const PoolNode &n, const Tensor &iT, Tensor &oT) {
  auto in = iT.dims(), out = oT.dims();
  const float *x = iT.getHandle<float>().data();
  float *y = oT.getHandle<float>().data();
  dim_t H = in[2], W = in[3], OH = out[2], OW = out[3];
  dim_t KH = n.getKernels()[0], KW = n.getKernels()[1];
  dim_t SH = n.getStrides()[0], SW = n.getStrides()[1];
  dim_t PT = n.getPads()[0], PL = n.getPads()[1];
  dim_t PB = n.getPads()[2], PR = n.getPads()[3];
  bool isMax = n.getKind() == Kind::MaxPoolKind;
  for (dim_t plane = 0; plane < in[0] * in[1]; plane++) {
    const float *xp = x + plane * H * W;
    float *yp = y + plane * OH * OW;
    for (dim_t oh = 0; oh < OH; oh++) {
      for (dim_t ow = 0; ow < OW; ow++) {
        dim_t h0 = oh * SH - PT, w0 = ow * SW - PL;
        float acc = isMax ? -std::numeric_limits<float>::infinity() : 0.f;
        dim_t count = 0;
        for (dim_t kh = 0; kh < KH; kh++) {
          for (dim_t kw = 0; kw < KW; kw++) {
            dim_t ih = h0 + kh, iw = w0 + kw;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
              continue;
            }
            float v = xp[ih * W + iw];
            acc = isMax ? std::max(acc, v) : acc + v;
            count++;
          }
        }
        if (!isMax) {
          if (n.getCountIncludePads()) {
            // Cells of the window inside the padded input count.
            dim_t hEnd = std::min(h0 + KH, H + PB),
                  wEnd = std::min(w0 + KW, W + PR);
            count = (hEnd - h0) * (wEnd - w0);
          }
          acc = count ? acc / float(count) : 0.f;
        }
        yp[oh * OW + ow] = acc;
      }
    }
  }
}

void softMaxFloat(const SoftMaxNode &n, const Tensor &iT, Tensor &oT) {
  auto d = iT.dims();
  unsigned axis = n.getAxis();
  auto [outer, inner] = getOuterInnerSizes(d, axis);
  dim_t len = d[axis];
  const float *x = iT.getHandle<float>().data();
  float *y = oT.getHandle<float>().data();
  for (dim_t o = 0; o < outer; o++) {
    for (dim_t in = 0; in < inner; in++) {
      size_t base = o * len * inner + in;
      float mx = -std::numeric_limits<float>::infinity();
      for (dim_t i = 0; i < len; i++)
        mx = std::max(mx, x[base + i * inner]);
      double sum = 0;
      for (dim_t i = 0; i < len; i++) {
        float e = std::exp(x[base + i * inner] - mx);
        y[base + i * inner] = e;
        sum += e;
      }
      for (dim_t i = 0; i < len; i++)
        y[base + i * inner] = float(y[base + i * inner] / sum);
    }
  }
}

//===----------------------------------------------------------------------===//
// Data movement (any element kind: elements are copied as bytes)
//===----------------------------------------------------------------------===//

void copyElem(Tensor &dst, size_t di, const Tensor &src, size_t si,
              size_t bytes) {
  std::memcpy(dst.getUnsafePtr() + di * bytes, src.getUnsafePtr() + si * bytes,
              bytes);
}

void transpose(const TransposeNode &n, const Tensor &iT, Tensor &oT) {
  auto inStrides = stridesOf(iT.dims());
  auto &shuffle = n.getShuffle();
  size_t bytes = getElementSize(iT.getElementType());
  forEachIndex(oT.dims(), [&](size_t flat, const std::vector<dim_t> &idx) {
    size_t src = 0;
    for (size_t i = 0; i < idx.size(); i++) {
      src += idx[i] * inStrides[shuffle[i]];
    }
    copyElem(oT, flat, iT, src, bytes);
  });
}

void concat(const ConcatNode &n, llvm::ArrayRef<const Tensor *> ins,
            Tensor &oT) {
  auto out = oT.dims();
  unsigned dim = n.getDim();
  size_t outer = 1, inner = 1;
  for (unsigned i = 0; i < dim; i++)
    outer *= out[i];
  for (unsigned i = dim + 1; i < out.size(); i++)
    inner *= out[i];
  size_t bytes = getElementSize(oT.getElementType());
  size_t outRow = out[dim] * inner * bytes, offset = 0;
  for (const Tensor *t : ins) {
    size_t row = t->dims()[dim] * inner * bytes;
    for (size_t o = 0; o < outer; o++) {
      std::memcpy(oT.getUnsafePtr() + o * outRow + offset,
                  t->getUnsafePtr() + o * row, row);
    }
    offset += row;
  }
}

void slice(const SliceNode &n, const Tensor &iT, Tensor &oT) {
  auto inStrides = stridesOf(iT.dims());
  size_t bytes = getElementSize(iT.getElementType());
  forEachIndex(oT.dims(), [&](size_t flat, const std::vector<dim_t> &idx) {
    size_t src = 0;
    for (size_t i = 0; i < idx.size(); i++) {
      src += (n.getStarts()[i] + idx[i] * n.getSteps()[i]) * inStrides[i];
    }
    copyElem(oT, flat, iT, src, bytes);
  });
}

void pad(const PadNode &n, const Tensor &iT, Tensor &oT) {
  auto in = iT.dims();
  auto inStrides = stridesOf(in);
  size_t rank = in.size();
  auto &pads = n.getPads();
  size_t bytes = getElementSize(iT.getElementType());
  forEachIndex(oT.dims(), [&](size_t flat, const std::vector<dim_t> &idx) {
    size_t src = 0;
    bool outside = false;
    for (size_t i = 0; i < rank; i++) {
      dim_t j = idx[i] - pads[i];
      if (j < 0 || j >= in[i]) {
        switch (n.getMode()) {
        case PadNode::Mode::Constant:
          outside = true;
          break;
        case PadNode::Mode::Edge:
          j = j < 0 ? 0 : in[i] - 1;
          break;
        case PadNode::Mode::Reflect:
          j = j < 0 ? -j : 2 * (in[i] - 1) - j;
          break;
        }
      }
      src += j * inStrides[i];
    }
    if (outside && oT.getType().isQuantized()) {
      oT.setFromDouble(flat,
                       quantizeValue(n.getValue(), {oT.getType().getScale(),
                                                    oT.getType().getOffset()}));
    } else if (outside) {
      oT.setFromDouble(flat, n.getValue());
    } else {
      copyElem(oT, flat, iT, src, bytes);
    }
  });
}

llvm::Error gather(const GatherNode &n, const Tensor &dT, const Tensor &iT,
                   Tensor &oT) {
  auto d = dT.dims();
  unsigned axis = n.getAxis();
  size_t outer = 1, inner = 1;
  for (unsigned i = 0; i < axis; i++)
    outer *= d[i];
  for (unsigned i = axis + 1; i < d.size(); i++)
    inner *= d[i];
  size_t bytes = getElementSize(dT.getElementType());
  size_t numIdx = iT.size();
  for (size_t o = 0; o < outer; o++) {
    for (size_t k = 0; k < numIdx; k++) {
      int64_t j = int64_t(iT.getAsDouble(k));
      if (j < 0) {
        j += d[axis];
      }
      if (j < 0 || j >= d[axis]) {
        return makeError("Gather index " +
                         llvm::Twine(int64_t(iT.getAsDouble(k))) +
                         " out of range in node '" + n.getName() + "'");
      }
      std::memcpy(oT.getUnsafePtr() + ((o * numIdx + k) * inner) * bytes,
                  dT.getUnsafePtr() + ((o * d[axis] + j) * inner) * bytes,
                  inner * bytes);
    }
  }
  return llvm::Error::success();
}

void broadcast(const Tensor &iT, Tensor &oT) {
  auto in = iT.dims(), out = oT.dims();
  auto inStrides = stridesOf(in);
  size_t off = out.size() - in.size();
  size_t bytes = getElementSize(iT.getElementType());
  forEachIndex(out, [&](size_t flat, const std::vector<dim_t> &idx) {
    size_t src = 0;
    for (size_t i = 0; i < in.size(); i++) {
      src += (in[i] == 1 ? 0 : idx[i + off]) * inStrides[i];
    }
    copyElem(oT, flat, iT, src, bytes);
  });
}

void argMinMaxFloat(const ArgMinMaxNode &n, const Tensor &iT, Tensor &oT) {
  auto d = iT.dims();
  unsigned axis = n.getAxis();
  auto [outer, inner] = getOuterInnerSizes(d, axis);
  dim_t len = d[axis];
  const float *x = iT.getHandle<float>().data();
  int64_t *y = oT.getHandle<int64_t>().data();
  bool min = n.isMin(), last = n.getSelectLastIndex();
  for (dim_t o = 0; o < outer; o++) {
    for (dim_t c = 0; c < inner; c++) {
      const float *col = x + o * len * inner + c;
      float best = col[0];
      int64_t at = 0;
      for (dim_t i = 1; i < len; i++) {
        float v = col[i * inner];
        if ((min ? v < best : v > best) || (last && v == best)) {
          best = v;
          at = int64_t(i);
        }
      }
      y[o * inner + c] = at;
    }
  }
}

template <class T> bool compareValues(CompareNode::Mode m, T l, T r) {
  using Mode = CompareNode::Mode;
  switch (m) {
  case Mode::Equal:
    return l == r;
  case Mode::Less:
    return l < r;
  case Mode::LessEqual:
    return l <= r;
  case Mode::Greater:
    return l > r;
  case Mode::GreaterEqual:
    return l >= r;
  case Mode::And:
    return l && r;
  case Mode::Or:
    return l || r;
  case Mode::Xor:
    return bool(l) != bool(r);
  case Mode::Not:
    return !l;
  }
  return false;
}

template <class T>
void compareTyped(CompareNode::Mode m, llvm::ArrayRef<const Tensor *> in,
                  Tensor &oT) {
  const T *l = reinterpret_cast<const T *>(in[0]->getUnsafePtr());
  const T *r =
      in.size() > 1 ? reinterpret_cast<const T *>(in[1]->getUnsafePtr()) : l;
  bool *y = reinterpret_cast<bool *>(oT.getUnsafePtr());
  for (size_t i = 0, e = oT.size(); i < e; i++) {
    y[i] = compareValues<T>(m, l[i], r[i]);
  }
}

void compare(const CompareNode &n, llvm::ArrayRef<const Tensor *> in,
             Tensor &oT) {
  switch (in[0]->getElementType()) {
  case ElemKind::FloatTy:
    return compareTyped<float>(n.getMode(), in, oT);
  case ElemKind::Int32ITy:
    return compareTyped<int32_t>(n.getMode(), in, oT);
  case ElemKind::Int64ITy:
    return compareTyped<int64_t>(n.getMode(), in, oT);
  default: // Bool (the signature allows nothing else)
    return compareTyped<bool>(n.getMode(), in, oT);
  }
}

void select(const Tensor &cT, const Tensor &lT, const Tensor &rT, Tensor &oT) {
  size_t bytes = getElementSize(oT.getElementType());
  const bool *c = reinterpret_cast<const bool *>(cT.getUnsafePtr());
  for (size_t i = 0, e = oT.size(); i < e; i++) {
    copyElem(oT, i, c[i] ? lT : rT, i, bytes);
  }
}

llvm::Error gatherElements(const GatherElementsNode &n, const Tensor &dT,
                           const Tensor &iT, Tensor &oT) {
  auto d = dT.dims();
  unsigned axis = n.getAxis();
  auto dataStrides = stridesOf(d);
  size_t bytes = getElementSize(dT.getElementType());
  std::optional<int64_t> bad;
  forEachIndex(iT.dims(), [&](size_t flat, const std::vector<dim_t> &idx) {
    int64_t j = int64_t(iT.getAsDouble(flat));
    int64_t at = j < 0 ? j + int64_t(d[axis]) : j;
    if (at < 0 || at >= int64_t(d[axis])) {
      bad = bad ? bad : j;
      return;
    }
    size_t src = 0;
    for (size_t k = 0; k < d.size(); k++) {
      src += (k == axis ? dim_t(at) : idx[k]) * dataStrides[k];
    }
    copyElem(oT, flat, dT, src, bytes);
  });
  if (bad) {
    return makeError("GatherElements index " + llvm::Twine(*bad) +
                     " out of range in node '" + n.getName() + "'");
  }
  return llvm::Error::success();
}

void topK(const TopKNode &n, const Tensor &iT, Tensor &oT) {
  auto d = iT.dims();
  unsigned axis = n.getAxis();
  // Plain variables: the sort's comparator captures inner (C++17 lambdas
  // cannot capture structured bindings).
  auto sizes = getOuterInnerSizes(d, axis);
  dim_t outer = sizes.first, inner = sizes.second;
  dim_t len = d[axis], k = n.getK();
  const float *x = iT.getHandle<float>().data();
  int64_t *y = oT.getHandle<int64_t>().data();
  bool largest = n.getLargest();
  std::vector<int64_t> order(len);
  for (dim_t o = 0; o < outer; o++) {
    for (dim_t c = 0; c < inner; c++) {
      const float *col = x + o * len * inner + c;
      for (dim_t i = 0; i < len; i++) {
        order[i] = int64_t(i);
      }
      // Best first; of equal values the lower index (a stable sort); NaN
      // last.
      std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
        float va = col[a * inner], vb = col[b * inner];
        if (std::isnan(va) || std::isnan(vb)) {
          return !std::isnan(va) && std::isnan(vb);
        }
        return largest ? va > vb : va < vb;
      });
      for (dim_t i = 0; i < k; i++) {
        y[(o * k + i) * inner + c] = order[i];
      }
    }
  }
}

/// Kinds whose kernel copies elements unchanged, whatever their kind.
bool isDataMovement(Kind k) {
  return k == Kind::SaveKind || isTypePreservingKind(k);
}

/// \returns true if \p sig computes on quantized values (or dequantizes).
bool isQuantizedComputation(const OpSignature &sig) {
  if (sig.kind == Kind::DequantizeKind) {
    return true;
  }
  return !isDataMovement(sig.kind) && !sig.results.empty() &&
         isQuantizedElemKind(sig.result());
}

bool isPlainNumeric(ElemKind k) {
  return k == ElemKind::FloatTy || k == ElemKind::Int64ITy ||
         k == ElemKind::Int32ITy;
}

} // namespace

bool isSignatureEvaluable(const OpSignature &sig) {
  if (isQuantizedComputation(sig)) {
    return hasQuantizedKernel(sig);
  }
  bool allFloat =
      std::all_of(sig.results.begin(), sig.results.end(),
                  [](ElemKind k) { return k == ElemKind::FloatTy; });
  switch (sig.kind) {
  case Kind::PlaceholderKind:
  case Kind::ConstantKind:
    return false;
  case Kind::SaveKind:
  case Kind::ReshapeKind:
  case Kind::TransposeKind:
  case Kind::ConcatKind:
  case Kind::SliceKind:
  case Kind::PadKind:
  case Kind::GatherKind:
  case Kind::BroadcastKind:
  case Kind::ConvertToKind:
    return true;
  case Kind::AddKind:
  case Kind::SubKind:
  case Kind::MulKind:
  case Kind::DivKind:
  case Kind::MaxKind:
  case Kind::MinKind:
  case Kind::PowKind:
    return isPlainNumeric(sig.result());
  case Kind::ConvolutionKind:
  case Kind::FullyConnectedKind:
  case Kind::BatchNormalizationKind:
  case Kind::MatMulKind:
  case Kind::ReluKind:
  case Kind::ClipKind:
  case Kind::LeakyReluKind:
  case Kind::SigmoidKind:
  case Kind::TanhKind:
  case Kind::ExpKind:
  case Kind::LogKind:
  case Kind::SqrtKind:
  case Kind::NegKind:
  case Kind::AbsKind:
  case Kind::ErfKind:
  case Kind::MaxPoolKind:
  case Kind::AvgPoolKind:
  case Kind::SoftMaxKind:
    return allFloat;
  case Kind::ArgMinMaxKind:
  case Kind::TopKKind:
    return sig.operand(0) == ElemKind::FloatTy &&
           sig.result() == ElemKind::Int64ITy;
  case Kind::CompareKind:
    return isPlainNumeric(sig.operand(0)) || sig.operand(0) == ElemKind::BoolTy;
  case Kind::SelectKind:
  case Kind::GatherElementsKind:
    return true;
#define DEF_NODE(CLASS, NAME, FAMILY, INT8, IMAGES, BATCH, EPILOGUE, LOWERING) \
  GLOW_WHEN_##LOWERING(case Kind::NAME##Kind:)
#include "glow/Graph/Nodes.def"
  case Kind::QuantizeKind:
  case Kind::DequantizeKind:
  case Kind::RescaleQuantizedKind:
  case Kind::IntLookupTableKind:
    return false; // quantized computations, answered above
  }
  return false;
}

bool isNodeEvaluable(const Node &n) {
  if (n.isStorage()) {
    return false;
  }
  if (isDataMovement(n.getKind()) && n.getNumResults() &&
      n.getType().isQuantized() &&
      !n.getNthInput(0).getType().isEqualElemType(n.getType())) {
    return false; // a copy keeps the scale: the input must have the result's
  }
  return isSignatureEvaluable(OpSignature::of(n));
}

llvm::Error evaluateNode(const Node &n, llvm::ArrayRef<const Tensor *> in,
                         llvm::MutableArrayRef<Tensor> out) {
  if (!isNodeEvaluable(n)) {
    return noKernel(n, n.getNumResults() ? n.getType() : in[0]->getType());
  }
  if (isQuantizedComputation(OpSignature::of(n))) {
    return evaluateQuantizedNode(n, in, out[0]);
  }
  switch (n.getKind()) {
  case Kind::SaveKind:
  case Kind::ReshapeKind:
    std::memcpy(out[0].getUnsafePtr(), in[0]->getUnsafePtr(),
                out[0].getSizeInBytes());
    return llvm::Error::success();
  case Kind::ConvolutionKind:
    convFloat(cast<ConvolutionNode>(n), *in[0], *in[1], *in[2], out[0]);
    return llvm::Error::success();
  case Kind::FullyConnectedKind: {
    dim_t N = in[0]->dims()[0], K = in[0]->size() / std::max<dim_t>(N, 1);
    matMulFloat(in[0]->getHandle<float>().data(),
                in[1]->getHandle<float>().data(),
                in[2]->getHandle<float>().data(),
                out[0].getHandle<float>().data(), N, K, in[1]->dims()[1]);
    return llvm::Error::success();
  }
  case Kind::MatMulKind:
    matMulFloat(in[0]->getHandle<float>().data(),
                in[1]->getHandle<float>().data(), nullptr,
                out[0].getHandle<float>().data(), in[0]->dims()[0],
                in[0]->dims()[1], in[1]->dims()[1]);
    return llvm::Error::success();
  case Kind::BatchNormalizationKind:
    batchNormFloat(cast<BatchNormalizationNode>(n), in, out[0]);
    return llvm::Error::success();
  case Kind::AddKind:
    return arithmetic(*in[0], *in[1], out[0],
                      [](auto l, auto r) { return l + r; });
  case Kind::SubKind:
    return arithmetic(*in[0], *in[1], out[0],
                      [](auto l, auto r) { return l - r; });
  case Kind::MulKind:
    return arithmetic(*in[0], *in[1], out[0],
                      [](auto l, auto r) { return l * r; });
  case Kind::DivKind:
    return arithmetic(*in[0], *in[1], out[0],
                      [](auto l, auto r) { return divide(l, r); });
  case Kind::MaxKind:
    return arithmetic(*in[0], *in[1], out[0],
                      [](auto l, auto r) { return std::max(l, r); });
  case Kind::MinKind:
    return arithmetic(*in[0], *in[1], out[0],
                      [](auto l, auto r) { return std::min(l, r); });
  case Kind::PowKind:
    return arithmetic(*in[0], *in[1], out[0], [](auto l, auto r) {
      return decltype(l)(std::pow(double(l), double(r)));
    });
  case Kind::ReluKind:
  case Kind::ClipKind:
  case Kind::LeakyReluKind:
  case Kind::SigmoidKind:
  case Kind::TanhKind:
  case Kind::ExpKind:
  case Kind::LogKind:
  case Kind::SqrtKind:
  case Kind::NegKind:
  case Kind::AbsKind:
  case Kind::ErfKind:
    return unaryFloat(*in[0], out[0],
                      [&n](float x) { return evaluateUnary(n, x); });
  case Kind::MaxPoolKind:
  case Kind::AvgPoolKind:
    poolFloat(cast<PoolNode>(n), *in[0], out[0]);
    return llvm::Error::success();
  case Kind::SoftMaxKind:
    softMaxFloat(cast<SoftMaxNode>(n), *in[0], out[0]);
    return llvm::Error::success();
  case Kind::ArgMinMaxKind:
    argMinMaxFloat(cast<ArgMinMaxNode>(n), *in[0], out[0]);
    return llvm::Error::success();
  case Kind::TopKKind:
    topK(cast<TopKNode>(n), *in[0], out[0]);
    return llvm::Error::success();
  case Kind::CompareKind:
    compare(cast<CompareNode>(n), in, out[0]);
    return llvm::Error::success();
  case Kind::SelectKind:
    select(*in[0], *in[1], *in[2], out[0]);
    return llvm::Error::success();
  case Kind::GatherElementsKind:
    return gatherElements(cast<GatherElementsNode>(n), *in[0], *in[1], out[0]);
  case Kind::TransposeKind:
    transpose(cast<TransposeNode>(n), *in[0], out[0]);
    return llvm::Error::success();
  case Kind::ConcatKind:
    concat(cast<ConcatNode>(n), in, out[0]);
    return llvm::Error::success();
  case Kind::SliceKind:
    slice(cast<SliceNode>(n), *in[0], out[0]);
    return llvm::Error::success();
  case Kind::PadKind:
    pad(cast<PadNode>(n), *in[0], out[0]);
    return llvm::Error::success();
  case Kind::GatherKind:
    return gather(cast<GatherNode>(n), *in[0], *in[1], out[0]);
  case Kind::BroadcastKind:
    broadcast(*in[0], out[0]);
    return llvm::Error::success();
  case Kind::ConvertToKind:
    for (size_t i = 0, e = out[0].size(); i < e; i++) {
      double v = in[0]->getAsDouble(i);
      if (out[0].getElementType() == ElemKind::BoolTy) {
        v = v != 0;
      } else if (!out[0].getType().isFloat()) {
        v = std::trunc(v);
      }
      out[0].setFromDouble(i, v);
    }
    return llvm::Error::success();
#define DEF_NODE(CLASS, NAME, FAMILY, INT8, IMAGES, BATCH, EPILOGUE, LOWERING) \
  GLOW_WHEN_##LOWERING(case Kind::NAME##Kind:)
#include "glow/Graph/Nodes.def"
  case Kind::PlaceholderKind:
  case Kind::ConstantKind:
  case Kind::QuantizeKind:
  case Kind::DequantizeKind:
  case Kind::RescaleQuantizedKind:
  case Kind::IntLookupTableKind:
    break; // storage has no kernel; quantized computations are above
  }
  return noKernel(n, n.getType());
}

} // namespace glow
