// What nodes compute, as numbers the passes need before anything runs:
// the per-channel scales of a BatchNormalization (its folding, its INT8
// form), the interpolation weights of a Resize along each axis (its
// lowering to MatMuls), and the scalar function of each element-wise unary
// kind (constant folding, INT8 lookup tables). Nodes.cpp holds the kinds,
// their verification and attributes.

#include "glow/Graph/Nodes.h"

#include "llvm/Support/Casting.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace glow {

using Kind = Node::Kind;

std::vector<float> BatchNormalizationNode::getChannelScales() const {
  auto *gamma = llvm::dyn_cast<Constant>(getScale().getNode());
  auto *var = llvm::dyn_cast<Constant>(getVar().getNode());
  if (!gamma || !var || !gamma->getType().isFloat() ||
      !var->getType().isFloat()) {
    return {};
  }
  auto g = gamma->getPayload().getHandle<float>();
  auto v = var->getPayload().getHandle<float>();
  std::vector<float> s(g.size());
  for (size_t c = 0; c < s.size(); c++) {
    s[c] = g.raw(c) / std::sqrt(v.raw(c) + epsilon_);
  }
  return s;
}

namespace {
/// The input coordinate of output element \p x of an axis resized from
/// \p in to \p out elements by \p scale (ONNX's formulas; where the model
/// gave scales, ONNX takes the output length as scale * in, unrounded).
double resizeSourceCoordinate(ResizeNode::Coordinates mode, double x, dim_t in,
                              dim_t out, double scale) {
  using C = ResizeNode::Coordinates;
  double outLength = scale * double(in);
  // v / scale. Where the scale is out / in (the model gave sizes, or scales
  // that match them), v * in / out: for v a multiple of 1/2 the product is
  // exact and the one rounding of the division keeps whole results whole
  // (x / (2 / 6.) would give 2.9999... for 3 and round a Nearest down).
  bool ratio = std::abs(outLength - double(out)) <= 1e-6 * double(out);
  auto divScale = [&](double v) {
    return ratio ? v * double(in) / double(out) : v / scale;
  };
  switch (mode) {
  case C::HalfPixel:
    return divScale(x + 0.5) - 0.5;
  case C::PyTorchHalfPixel:
    return out > 1 ? divScale(x + 0.5) - 0.5 : 0.0;
  case C::AlignCorners:
    if (ratio) {
      return out == 1 ? 0.0 : x * double(in - 1) / double(out - 1);
    }
    return outLength == 1 ? 0.0 : x * double(in - 1) / (outLength - 1);
  case C::Asymmetric:
    return divScale(x);
  case C::TfHalfPixelForNN:
    return divScale(x + 0.5);
  case C::HalfPixelSymmetric: {
    double adjustment = double(out) / outLength;
    double offset = double(in) / 2 * (1 - adjustment);
    return offset + divScale(x + 0.5) - 0.5;
  }
  }
  return divScale(x);
}

/// Keys' cubic convolution weights of the taps at floor - 1 ... floor + 2
/// for fraction \p r (ONNX Resize, cubic_coeff_a \p A).
std::array<double, 4> cubicWeights(double r, double A) {
  double s = 1 - r;
  return {((A * (r + 1) - 5 * A) * (r + 1) + 8 * A) * (r + 1) - 4 * A,
          ((A + 2) * r - (A + 3)) * r * r + 1,
          ((A + 2) * s - (A + 3)) * s * s + 1,
          ((A * (s + 1) - 5 * A) * (s + 1) + 8 * A) * (s + 1) - 4 * A};
}
} // namespace

std::vector<float> ResizeNode::getAxisWeights(unsigned axis) const {
  dim_t in = getInput().dims()[axis], out = getType().dims()[axis];
  std::vector<float> w(out * in, 0.f);
  const Options &o = options_;
  for (dim_t i = 0; i < out; i++) {
    double x = resizeSourceCoordinate(o.coordinates, double(i), in, out,
                                      double(scales_[axis]));
    double fl = std::floor(x), r = x - fl;
    int64_t base = int64_t(fl);
    // Taps base + first ... with their weights.
    std::vector<double> taps;
    int64_t first = 0;
    switch (o.interpolation) {
    case Interpolation::Nearest: {
      bool up = false;
      if (r != 0) {
        switch (o.rounding) {
        case Rounding::RoundPreferFloor:
          up = r > 0.5;
          break;
        case Rounding::RoundPreferCeil:
          up = r >= 0.5;
          break;
        case Rounding::Floor:
          up = false;
          break;
        case Rounding::Ceil:
          up = true;
          break;
        }
      }
      taps = {up ? 0.0 : 1.0, up ? 1.0 : 0.0};
      break;
    }
    case Interpolation::Linear:
      taps = {1 - r, r};
      break;
    case Interpolation::Cubic: {
      auto c = cubicWeights(r, o.cubicCoeffA);
      taps.assign(c.begin(), c.end());
      first = -1;
      break;
    }
    }
    double sum = 0;
    for (size_t t = 0; t < taps.size(); t++) {
      int64_t k = base + first + int64_t(t);
      if (o.excludeOutside && (k < 0 || k >= int64_t(in))) {
        taps[t] = 0;
      }
      sum += taps[t];
    }
    for (size_t t = 0; t < taps.size(); t++) {
      int64_t k = base + first + int64_t(t);
      k = std::min<int64_t>(std::max<int64_t>(k, 0), int64_t(in) - 1);
      double v = o.excludeOutside && sum != 0 ? taps[t] / sum : taps[t];
      w[i * in + dim_t(k)] += float(v);
    }
  }
  return w;
}

bool ResizeNode::isIdentityAxis(unsigned axis) const {
  dim_t in = getInput().dims()[axis];
  if (getType().dims()[axis] != in) {
    return false;
  }
  std::vector<float> w = getAxisWeights(axis);
  for (dim_t i = 0; i < in; i++) {
    for (dim_t k = 0; k < in; k++) {
      if (w[i * in + k] != (i == k ? 1.f : 0.f)) {
        return false;
      }
    }
  }
  return true;
}

bool hasScalarDefinition(const Node &n) {
  // Every element-wise unary kind (Nodes.def family Unary); evaluateUnary
  // has a case for each.
  return n.getFamily() == NodeFamily::Unary;
}

float evaluateUnary(const Node &n, float x) {
  switch (n.getKind()) {
  case Kind::ReluKind:
    return std::max(x, 0.f);
  case Kind::ClipKind: {
    auto &c = llvm::cast<ClipNode>(n);
    return std::min(std::max(x, c.getMin()), c.getMax());
  }
  case Kind::LeakyReluKind:
    return x >= 0 ? x : llvm::cast<LeakyReluNode>(n).getAlpha() * x;
  case Kind::SigmoidKind:
    return 1.f / (1.f + std::exp(-x));
  case Kind::TanhKind:
    return std::tanh(x);
  case Kind::ExpKind:
    return std::exp(x);
  case Kind::LogKind:
    return std::log(x);
  case Kind::SqrtKind:
    return std::sqrt(x);
  case Kind::NegKind:
    return -x;
  case Kind::AbsKind:
    return std::fabs(x);
  case Kind::ErfKind:
    return std::erf(x);
  case Kind::HardSigmoidKind: {
    // As lowered: max(0, min(1, alpha * x + beta)).
    auto &h = llvm::cast<HardSigmoidNode>(n);
    return std::min(std::max(h.getAlpha() * x + h.getBeta(), 0.f), 1.f);
  }
  case Kind::HardSwishKind:
    return x * std::min(std::max(x * (1.f / 6.f) + 0.5f, 0.f), 1.f);
  case Kind::ReciprocalKind:
    return 1.f / x;
  default:
    // Not an element-wise unary kind (or one without a case here): NaN,
    // which every comparison with a reference shows.
    return std::numeric_limits<float>::quiet_NaN();
  }
}

} // namespace glow
