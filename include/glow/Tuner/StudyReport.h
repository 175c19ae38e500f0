#ifndef GLOW_TUNER_STUDYREPORT_H
#define GLOW_TUNER_STUDYREPORT_H

#include "glow/Tuner/SensitivityStudy.h"
#include "glow/Tuner/SizeSearch.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace glow {

/// What the files say about how the study was run.
struct StudyDescription {
  std::string model;
  /// The settings, one line ("schema asymmetric, weights 8 bits, ...").
  std::string settings;
  /// The few settings the figure shows under its title.
  std::string shortSettings;
  StudyOptions options;
};

/// Writes sensitivity.csv, sensitivity.json, sensitivity.svg, search.csv
/// keep-layers.txt and layer-precision.txt (the same choice as per-layer
/// precisions, every layer of every unit) into \p dir.
llvm::Error writeStudyReport(const std::string &dir,
                             const StudyDescription &desc,
                             const std::vector<PrecisionUnit> &units,
                             const StudyResult &result);

/// Prints the ranking table (most sensitive first), the proxy's Spearman
/// correlation where measured and, if \p searched, the search's outcome.
void printStudySummary(llvm::raw_ostream &os, const StudyOptions &opts,
                       const std::vector<PrecisionUnit> &units,
                       const StudyResult &result, bool searched);

/// Writes size-search.csv (one row a step: unit raised, its new precision,
/// weight bytes, accuracy), size-frontier.svg (accuracy against weight
/// bytes of every step, FP32 and the target marked), and
/// layer-precision.txt and keep-layers.txt of the answer into \p dir.
llvm::Error writeSizeSearch(const std::string &dir, const std::string &model,
                            const std::vector<PrecisionUnit> &units,
                            const SizeSearchResult &r);

} // namespace glow

#endif // GLOW_TUNER_STUDYREPORT_H
