#include "glow/Tuner/SizeSearch.h"
#include "glow/Support/Error.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

namespace glow {

namespace {

uint64_t totalBytes(const std::vector<PrecisionUnit> &units,
                    const std::vector<LayerPrecision> &precisions) {
  uint64_t bytes = 0;
  for (size_t u = 0; u < units.size(); u++) {
    bytes += units[u].weightBytes(precisions[u]);
  }
  return bytes;
}

} // namespace

llvm::Expected<SizeSearchResult> searchSmallestWeights(
    ConfigurationMeasurer &measurer, const EvaluationSet &data,
    const std::vector<PrecisionUnit> &units,
    std::vector<LayerPrecision> precisions, double targetAccuracy,
    double maxDrop, const std::function<void(const std::string &)> &log) {
  if (!data.hasLabels()) {
    return makeError("-objective=size needs labelled evaluation images");
  }
  if (precisions.empty()) {
    return makeError("-search-precisions lists no precision");
  }
  // Smallest first: the order in which a unit goes up.
  PrecisionUnit probe;
  probe.weightElements = 1000;
  std::sort(precisions.begin(), precisions.end(),
            [&](LayerPrecision a, LayerPrecision b) {
              return probe.weightBytes(a) < probe.weightBytes(b);
            });
  precisions.erase(std::unique(precisions.begin(), precisions.end()),
                   precisions.end());
  size_t count = data.count();
  SizeSearchResult r;
  auto measure = [&](const std::vector<LayerPrecision> &config)
      -> llvm::Expected<Measurement> {
    auto got = measurer.measure({config}, count);
    if (!got) {
      return got.takeError();
    }
    r.evaluations++;
    return got->front();
  };
  std::vector<LayerPrecision> fp32(units.size(), LayerPrecision::FP32);
  auto f = measure(fp32);
  if (!f) {
    return f.takeError();
  }
  r.fp32 = *f;
  r.fp32Bytes = totalBytes(units, fp32);
  r.target = targetAccuracy >= 0 ? targetAccuracy : r.fp32.accuracy - maxDrop;
  // The precisions each unit may take, smallest first: a unit without
  // weights is the same in w4a8 as in int8 (8-bit activations both).
  bool hasInt8 = std::count(precisions.begin(), precisions.end(),
                            LayerPrecision::INT8) > 0;
  std::vector<std::vector<LayerPrecision>> allowed(units.size());
  for (size_t u = 0; u < units.size(); u++) {
    for (LayerPrecision p : precisions) {
      if (!(p == LayerPrecision::W4A8 && hasInt8 &&
            units[u].weightElements == 0)) {
        allowed[u].push_back(p);
      }
    }
  }
  // Each unit's index into its allowed precisions.
  std::vector<size_t> level(units.size(), 0);
  auto configOf = [&]() {
    std::vector<LayerPrecision> c;
    for (size_t u = 0; u < units.size(); u++) {
      c.push_back(allowed[u][level[u]]);
    }
    return c;
  };
  SizeSearchStep start;
  start.precisions = configOf();
  start.weightBytes = totalBytes(units, start.precisions);
  auto m = measure(start.precisions);
  if (!m) {
    return m.takeError();
  }
  start.measured = *m;
  r.steps.push_back(start);
  auto line = [&](const SizeSearchStep &s, const std::string &what) {
    std::string text;
    llvm::raw_string_ostream(text)
        << what << ": " << llvm::format("%.2f", 100 * s.measured.accuracy)
        << "%, " << s.weightBytes << " weight bytes";
    log(text);
  };
  line(start, "size search start, every unit at its smallest precision");
  while (r.steps.back().measured.accuracy < r.target) {
    const SizeSearchStep &cur = r.steps.back();
    long best = -1;
    double bestGain = 0;
    SizeSearchStep bestStep;
    for (size_t u = 0; u < units.size(); u++) {
      if (level[u] + 1 >= allowed[u].size()) {
        continue;
      }
      level[u]++;
      SizeSearchStep s;
      s.unit = long(u);
      s.precisions = configOf();
      level[u]--;
      s.weightBytes = totalBytes(units, s.precisions);
      auto got = measure(s.precisions);
      if (!got) {
        return got.takeError();
      }
      s.measured = *got;
      double added = double(std::max<uint64_t>(
          s.weightBytes - std::min(s.weightBytes, cur.weightBytes), 1));
      double gain = (s.measured.accuracy - cur.measured.accuracy) / added;
      // Most accuracy per byte; when nothing gains, the most accuracy.
      bool better = best < 0 || (gain > 0 && gain > bestGain) ||
                    (bestGain <= 0 && gain <= 0 &&
                     s.measured.accuracy > bestStep.measured.accuracy);
      if (better) {
        best = long(u);
        bestGain = gain;
        bestStep = s;
      }
    }
    if (best < 0) {
      break; // every unit at the largest precision
    }
    level[size_t(best)]++;
    r.steps.push_back(bestStep);
    line(bestStep,
         units[size_t(best)].name + " to " +
             getLayerPrecisionName(allowed[size_t(best)][level[size_t(best)]]));
  }
  r.targetMet = r.steps.back().measured.accuracy >= r.target;
  return r;
}

} // namespace glow
