// Range search per activation from its profile histogram: the observed
// range (None), KL divergence, a percentile of the values, or the range of
// least expected squared error (MSE). The histogram has equal bins over
// [min, max]; a bin's values are taken as spread evenly over it (its
// centre for the errors).

#include "glow/Quantization/Calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace glow {

namespace {

double totalCount(const NodeProfile &p) {
  double total = 0;
  for (float h : p.histogram) {
    total += h;
  }
  return total;
}

/// The index of the bin edge at 0 (0 or the bin count when 0 is outside
/// [min, max]): ranges spanning 0 are searched anchored there.
size_t zeroEdge(const NodeProfile &p, float width) {
  double zeroPos = -p.min / width;
  return size_t(
      std::min<double>(std::max(zeroPos, 0.0), double(p.histogram.size())));
}

/// KL: the clipping range whose quantized histogram is closest to the
/// observed one.
std::pair<float, float> klRange(const NodeProfile &p) {
  const size_t bins = p.histogram.size();
  const size_t levels = 255; // int8 quantization levels spanned
  if (bins <= levels) {
    return {p.min, p.max};
  }
  // The clipping range is [min, min + k * width] for a number of kept bins
  // k, or symmetric around 0 when the range spans 0: we search over k with
  // the range anchored at 0 (the side of the larger magnitude is clipped).
  float width = (p.max - p.min) / bins;
  // Index of the bin holding 0 (or the edge when 0 is outside the range).
  size_t zeroBin = zeroEdge(p, width);
  size_t maxSide = std::max(zeroBin, bins - zeroBin);
  if (totalCount(p) <= 0) {
    return {p.min, p.max};
  }
  const double spike = totalCount(p) / levels;
  double bestDiv = std::numeric_limits<double>::infinity();
  size_t bestHalf = maxSide;
  size_t start = std::max<size_t>(levels / 2, 1);
  for (size_t half = start; half <= maxSide; half++) {
    // Kept bins: [zeroBin - half, zeroBin + half) clipped to the histogram.
    size_t lo = zeroBin > half ? zeroBin - half : 0;
    size_t hi = std::min(bins, zeroBin + half);
    size_t kept = hi - lo;
    if (kept < levels) {
      continue;
    }
    // Reference distribution P: kept bins, outliers added to the edges.
    std::vector<double> P(p.histogram.begin() + lo, p.histogram.begin() + hi);
    for (size_t b = 0; b < lo; b++)
      P.front() += p.histogram[b];
    for (size_t b = hi; b < bins; b++)
      P.back() += p.histogram[b];
    // Candidate Q: P merged into `levels` groups, each group's mass spread
    // evenly over its non-empty bins. The bin starting at 0 is its own
    // group: 0 is exactly representable whatever the range, so the spike
    // of zeros that a ReLU output has costs nothing to quantize. Spread
    // over a group it would favour the narrowest ranges (the narrowest
    // group smears it least) and clip ReLU outputs hard. Any other spike
    // (a bin holding more than an average level's share, 1/levels of all
    // values: a constant such as an image's uniform background seen
    // through a convolution) is kept whole too: quantization moves such a
    // value to one code, it does not spread it, and smearing it made KL
    // clip a tenth of Fashion-MNIST ResNet-18's first ReLU output range
    // to keep its background spikes in groups of their own.
    size_t zero =
        zeroBin >= lo && zeroBin < hi && p.min <= 0 ? zeroBin - lo : kept;
    std::vector<bool> whole(kept, false);
    for (size_t b = 0; b < kept; b++) {
      whole[b] = b == zero || p.histogram[lo + b] > spike;
    }
    std::vector<double> Q(kept, 0.0);
    for (size_t g = 0; g < levels; g++) {
      size_t b0 = g * kept / levels, b1 = (g + 1) * kept / levels;
      double mass = 0;
      size_t nonEmpty = 0;
      for (size_t b = b0; b < b1; b++) {
        if (!whole[b]) {
          mass += p.histogram[lo + b];
          nonEmpty += p.histogram[lo + b] != 0;
        }
      }
      for (size_t b = b0; b < b1; b++) {
        if (whole[b]) {
          Q[b] = p.histogram[lo + b];
        } else if (nonEmpty && p.histogram[lo + b] != 0) {
          Q[b] = mass / nonEmpty;
        }
      }
    }
    double sumP = 0, sumQ = 0;
    for (size_t b = 0; b < kept; b++) {
      sumP += P[b];
      sumQ += Q[b];
    }
    double div = 0;
    for (size_t b = 0; b < kept; b++) {
      if (P[b] == 0) {
        continue;
      }
      double pp = P[b] / sumP;
      double qq = Q[b] > 0 ? Q[b] / sumQ : 1e-12;
      div += pp * std::log(pp / qq);
    }
    if (div < bestDiv) {
      bestDiv = div;
      bestHalf = half;
    }
  }
  size_t lo = zeroBin > bestHalf ? zeroBin - bestHalf : 0;
  size_t hi = std::min(bins, zeroBin + bestHalf);
  return {p.min + lo * width, p.min + hi * width};
}

/// Percentile: \p pct percent of the values at or below hi, as many at or
/// above lo (each tail holds 100 - pct percent), interpolated within a bin;
/// 0 stays inside a range that held it.
std::pair<float, float> percentileRange(const NodeProfile &p, double pct) {
  const size_t bins = p.histogram.size();
  float width = (p.max - p.min) / bins;
  double total = totalCount(p);
  if (total <= 0) {
    return {p.min, p.max};
  }
  double tail = total * (1.0 - pct / 100.0);
  double lo = p.min, hi = p.max;
  double above = 0;
  for (size_t b = bins; b-- > 0;) {
    double h = p.histogram[b];
    if (above + h > tail) { // the cut lies in bin b: drop (tail - above)
      hi = p.min + (double(b + 1) - (tail - above) / h) * width;
      break;
    }
    above += h;
  }
  double below = 0;
  for (size_t b = 0; b < bins; b++) {
    double h = p.histogram[b];
    if (below + h > tail) {
      lo = p.min + (double(b) + (tail - below) / h) * width;
      break;
    }
    below += h;
  }
  if (p.min <= 0 && p.max >= 0) {
    lo = std::min(lo, 0.0);
    hi = std::max(hi, 0.0);
  }
  return {float(lo), float(std::max(lo, hi))};
}

/// The expected squared error of quantizing the values of \p p's histogram
/// (each at its bin centre) in [a, b] with \p levels steps: a value outside
/// is clipped to the nearest end, a value inside rounds (error variance
/// step^2 / 12). Stops early once the sum passes \p bound.
double expectedError(const NodeProfile &p, double a, double b, unsigned levels,
                     double bound = std::numeric_limits<double>::infinity()) {
  const size_t bins = p.histogram.size();
  double width = (double(p.max) - p.min) / bins;
  double step = (b - a) / levels, rounding = step * step / 12.0;
  double err = 0;
  for (size_t k = 0; k < bins && err < bound; k++) {
    double h = p.histogram[k];
    if (h == 0) {
      continue;
    }
    double x = p.min + (double(k) + 0.5) * width;
    double d = x < a ? a - x : x > b ? x - b : 0.0;
    err += h * (d > 0 ? d * d : rounding);
  }
  return err;
}

/// MSE: of the ranges anchored at 0 (the KL candidates, any width), the one
/// whose expected squared error (expectedError) is least.
std::pair<float, float> mseRange(const NodeProfile &p, unsigned levels) {
  const size_t bins = p.histogram.size();
  float width = (p.max - p.min) / bins;
  size_t zeroBin = zeroEdge(p, width);
  size_t maxSide = std::max(zeroBin, bins - zeroBin);
  double bestErr = std::numeric_limits<double>::infinity();
  size_t bestLo = 0, bestHi = bins;
  for (size_t half = 1; half <= maxSide; half++) {
    size_t lo = zeroBin > half ? zeroBin - half : 0;
    size_t hi = std::min(bins, zeroBin + half);
    double a = p.min + double(lo) * width, b = p.min + double(hi) * width;
    double err = expectedError(p, a, b, levels, bestErr);
    if (err < bestErr) {
      bestErr = err;
      bestLo = lo;
      bestHi = hi;
    }
  }
  return {float(p.min + double(bestLo) * width),
          float(p.min + double(bestHi) * width)};
}

} // namespace

const char *getCalibrationModeName(CalibrationMode mode) {
  switch (mode) {
  case CalibrationMode::None:
    return "none";
  case CalibrationMode::KL:
    return "KL";
  case CalibrationMode::Percentile:
    return "percentile";
  case CalibrationMode::MSE:
    return "MSE";
  case CalibrationMode::Auto:
    return "auto";
  }
  return "?";
}

std::pair<float, float> chooseCalibratedRange(const NodeProfile &p,
                                              CalibrationMode mode,
                                              double percentile) {
  if (p.histogram.empty() || !(p.max > p.min)) {
    return {p.min, p.max};
  }
  switch (mode) {
  case CalibrationMode::None:
    return {p.min, p.max};
  case CalibrationMode::KL:
    return klRange(p);
  case CalibrationMode::Percentile:
    return percentileRange(p, percentile);
  case CalibrationMode::MSE:
    return mseRange(p, 255);
  case CalibrationMode::Auto:
    return chooseBestRange(p, percentile).second;
  }
  return {p.min, p.max};
}

std::pair<CalibrationMode, std::pair<float, float>>
chooseBestRange(const NodeProfile &p, double percentile) {
  std::pair<CalibrationMode, std::pair<float, float>> best{
      CalibrationMode::None, {p.min, p.max}};
  if (p.histogram.empty() || !(p.max > p.min)) {
    return best;
  }
  double bestErr = std::numeric_limits<double>::infinity();
  for (CalibrationMode m :
       {CalibrationMode::None, CalibrationMode::KL, CalibrationMode::Percentile,
        CalibrationMode::MSE}) {
    auto r = chooseCalibratedRange(p, m, percentile);
    // The quantized range always holds 0 (chooseQuantizationParams).
    double err =
        expectedError(p, std::min(r.first, 0.f), std::max(r.second, 0.f), 255);
    if (err < bestErr) {
      bestErr = err;
      best = {m, r};
    }
  }
  return best;
}

} // namespace glow
