#include "glow/Tuner/SensitivityStudy.h"

#include "glow/Support/Error.h"
#include "glow/Support/Progress.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

namespace glow {

namespace {
/// \returns 1-based ranks of \p v, ties sharing their average rank.
std::vector<double> ranks(const std::vector<double> &v) {
  std::vector<size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(),
            [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]]) {
      j++;
    }
    for (size_t k = i; k <= j; k++) {
      r[idx[k]] = (double(i) + double(j)) / 2 + 1;
    }
    i = j + 1;
  }
  return r;
}

std::string percent(double fraction) {
  std::string s;
  llvm::raw_string_ostream(s) << llvm::format("%.2f%%", 100 * fraction);
  return s;
}
} // namespace

double spearmanCorrelation(const std::vector<double> &a,
                           const std::vector<double> &b) {
  size_t n = a.size();
  if (n < 2 || b.size() != n) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  std::vector<double> ra = ranks(a), rb = ranks(b);
  double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / n;
  double mb = std::accumulate(rb.begin(), rb.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; i++) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) * (ra[i] - ma);
    sbb += (rb[i] - mb) * (rb[i] - mb);
  }
  if (saa == 0 || sbb == 0) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return sab / std::sqrt(saa * sbb);
}

std::vector<bool> SensitivityStudy::onlyOne(size_t u) const {
  std::vector<bool> int8(units_.size(), false);
  int8[u] = true;
  return int8;
}

std::vector<bool>
SensitivityStudy::allBut(const std::vector<bool> &fp32) const {
  std::vector<bool> int8(units_.size());
  for (size_t u = 0; u < units_.size(); u++) {
    int8[u] = !fp32[u];
  }
  return int8;
}

llvm::Expected<std::vector<Measurement>>
SensitivityStudy::measureMany(const std::vector<std::vector<bool>> &configs,
                              size_t images) {
  std::vector<Measurement> got(configs.size());
  std::vector<std::string> keys;
  // What the checkpoint does not already give.
  std::vector<size_t> pending;
  for (size_t k = 0; k < configs.size(); k++) {
    std::string key;
    for (bool b : configs[k]) {
      key += b ? '1' : '0';
    }
    key += "@" + std::to_string(images);
    keys.push_back(key);
    if (const Measurement *m = checkpoint_.find(key)) {
      got[k] = *m;
    } else {
      pending.push_back(k);
    }
  }
  if (pending.empty()) {
    return got;
  }
  std::vector<UnitPrecisions> run;
  for (size_t k : pending) {
    run.push_back(precisionsOf(configs[k]));
  }
  auto measured = measurer_.measure(run, images);
  if (!measured) {
    return measured.takeError();
  }
  for (size_t i = 0; i < pending.size(); i++) {
    got[pending[i]] = (*measured)[i];
    if (auto err = checkpoint_.add(keys[pending[i]], got[pending[i]])) {
      return std::move(err);
    }
  }
  return got;
}

llvm::Expected<Measurement>
SensitivityStudy::measure(const std::vector<bool> &int8, size_t images) {
  auto m = measureMany({int8}, images);
  if (!m) {
    return m.takeError();
  }
  return m->front();
}

llvm::Expected<StudyResult> SensitivityStudy::run() {
  StudyResult r;
  size_t n = data_.count(), numUnits = units_.size();
  bool labels = data_.hasLabels();
  if (opts_.metric == StudyOptions::Metric::Accuracy && !labels) {
    return makeError("the evaluation images have no labels: use "
                     "-metric=proxy (SQNR against FP32) or labelled images");
  }
  size_t subset = opts_.naive ? n : std::min(opts_.subsetImages, n);
  size_t proxy = std::min(opts_.proxyImages, n);
  std::vector<bool> none(numUnits, false), all(numUnits, true);

  auto m = measure(none, n);
  if (!m) {
    return m.takeError();
  }
  r.fp32 = *m;
  m = measure(all, n);
  if (!m) {
    return m.takeError();
  }
  r.int8 = *m;
  if (labels) {
    log_("FP32 accuracy " + percent(r.fp32.accuracy) + ", all INT8 " +
         percent(r.int8.accuracy) + " (" + std::to_string(n) + " images)");
  }

  // Sensitivity: one configuration per unit.
  bool onlyOneMode = opts_.mode == StudyOptions::Mode::OnlyOne;
  auto config = [&](size_t u) {
    return onlyOneMode ? onlyOne(u) : allBut(onlyOne(u));
  };
  // Scores compare with FP32 (or all INT8) on the same images.
  std::map<size_t, Measurement> fp32At = {{n, r.fp32}}, int8At = {{n, r.int8}};
  auto baseline = [&](size_t images) -> llvm::Expected<Measurement> {
    auto &cache = onlyOneMode ? fp32At : int8At;
    auto it = cache.find(images);
    if (it != cache.end()) {
      return it->second;
    }
    auto b = measure(onlyOneMode ? none : all, images);
    if (b) {
      cache[images] = *b;
    }
    return b;
  };
  auto accuracyScore = [&](const Measurement &x) -> llvm::Expected<double> {
    auto b = baseline(x.images);
    if (!b) {
      return b.takeError();
    }
    return onlyOneMode ? b->accuracy - x.accuracy : x.accuracy - b->accuracy;
  };
  r.units.resize(numUnits);
  {
    bool proxyMetric = opts_.metric == StudyOptions::Metric::Proxy;
    ProgressReporter progress("units", numUnits);
    // A few units at a time: the evaluator may share work among them, and
    // the checkpoint grows after each group.
    size_t group = std::max<size_t>(1, measurer_.groupSize());
    for (size_t u0 = 0; u0 < numUnits; u0 += group) {
      size_t u1 = std::min(numUnits, u0 + group);
      std::vector<std::vector<bool>> configs;
      for (size_t u = u0; u < u1; u++) {
        configs.push_back(config(u));
      }
      auto xs = measureMany(configs, proxyMetric ? proxy : subset);
      if (!xs) {
        return xs.takeError();
      }
      for (size_t u = u0; u < u1; u++) {
        const Measurement &x = (*xs)[u - u0];
        r.units[u].measured = x;
        if (proxyMetric) {
          r.units[u].score = onlyOneMode ? -x.sqnr : x.sqnr;
        } else {
          auto score = accuracyScore(x);
          if (!score) {
            return score.takeError();
          }
          r.units[u].score = *score;
        }
      }
      if (proxyMetric && labels) {
        auto ys = measureMany(configs, subset);
        if (!ys) {
          return ys.takeError();
        }
        for (size_t u = u0; u < u1; u++) {
          auto score = accuracyScore((*ys)[u - u0]);
          if (!score) {
            return score.takeError();
          }
          r.units[u].accuracyScore = *score;
        }
      }
      progress.update(u1);
    }
  }
  auto rank = [&]() {
    r.ranking.resize(numUnits);
    std::iota(r.ranking.begin(), r.ranking.end(), 0);
    std::stable_sort(r.ranking.begin(), r.ranking.end(),
                     [&](size_t a, size_t b) {
                       return r.units[a].score > r.units[b].score;
                     });
    for (size_t i = 0; i < numUnits; i++) {
      r.units[r.ranking[i]].rank = i + 1;
    }
  };
  rank();
  // The most sensitive units again, on every image.
  if (opts_.metric == StudyOptions::Metric::Accuracy && subset < n) {
    std::vector<size_t> top(r.ranking.begin(),
                            r.ranking.begin() +
                                std::min(opts_.recheck, numUnits));
    std::vector<std::vector<bool>> configs;
    for (size_t u : top) {
      configs.push_back(config(u));
    }
    auto xs = measureMany(configs, n);
    if (!xs) {
      return xs.takeError();
    }
    for (size_t i = 0; i < top.size(); i++) {
      r.units[top[i]].measured = (*xs)[i];
      auto score = accuracyScore((*xs)[i]);
      if (!score) {
        return score.takeError();
      }
      r.units[top[i]].score = *score;
    }
    rank();
  }
  r.spearman = std::numeric_limits<double>::quiet_NaN();
  if (opts_.metric == StudyOptions::Metric::Proxy && labels) {
    std::vector<double> a, b;
    for (auto &s : r.units) {
      a.push_back(s.score);
      b.push_back(s.accuracyScore);
    }
    r.spearman = spearmanCorrelation(a, b);
  }

  // Greedy selection of FP32 units.
  if (!opts_.search || !labels) {
    r.evaluations = measurer_.evaluations();
    return r;
  }
  r.target = opts_.targetAccuracy >= 0 ? opts_.targetAccuracy
                                       : r.fp32.accuracy - opts_.maxDrop;
  std::vector<bool> fp32Units(numUnits, false);
  Measurement current = r.int8;
  size_t kept = 0;
  while (current.accuracy < r.target && kept < numUnits &&
         kept < opts_.maxFP32Units) {
    size_t pick = numUnits;
    if (kept == 0 || !opts_.rerank) {
      for (size_t u : r.ranking) {
        if (!fp32Units[u]) {
          pick = u;
          break;
        }
      }
    } else {
      // Re-rank on the current mix: every remaining unit kept FP32 too,
      // measured a group at a time (the first of the best wins).
      std::vector<size_t> candidates;
      for (size_t u : r.ranking) {
        if (!fp32Units[u]) {
          candidates.push_back(u);
        }
      }
      double best = -1;
      size_t group = std::max<size_t>(1, measurer_.groupSize());
      for (size_t c0 = 0; c0 < candidates.size(); c0 += group) {
        size_t c1 = std::min(candidates.size(), c0 + group);
        std::vector<std::vector<bool>> configs;
        for (size_t c = c0; c < c1; c++) {
          std::vector<bool> keep = fp32Units;
          keep[candidates[c]] = true;
          configs.push_back(allBut(keep));
        }
        auto xs = measureMany(configs, subset);
        if (!xs) {
          return xs.takeError();
        }
        for (size_t c = c0; c < c1; c++) {
          if ((*xs)[c - c0].accuracy > best) {
            best = (*xs)[c - c0].accuracy;
            pick = candidates[c];
          }
        }
      }
    }
    fp32Units[pick] = true;
    kept++;
    auto x = measure(allBut(fp32Units), n);
    if (!x) {
      return x.takeError();
    }
    current = *x;
    r.steps.push_back({pick, current});
    std::string drop;
    llvm::raw_string_ostream(drop)
        << llvm::format("%.2f", 100 * (r.fp32.accuracy - current.accuracy));
    log_("step " + std::to_string(kept) + ": keep " + units_[pick].name +
         " FP32 -> " + percent(current.accuracy) + " (drop " + drop +
         " points)");
  }
  r.targetMet = current.accuracy >= r.target;
  r.evaluations = measurer_.evaluations();
  return r;
}

} // namespace glow
