#ifndef GLOW_TUNER_SENSITIVITYSTUDY_H
#define GLOW_TUNER_SENSITIVITYSTUDY_H

#include "glow/Tuner/ConfigurationMeasurer.h"
#include "glow/Tuner/StudyCheckpoint.h"

#include <functional>
#include <string>
#include <vector>

namespace glow {

/// How the study measures and searches (precision-tuner's flags).
struct StudyOptions {
  /// OnlyOne: unit L alone in INT8 (the published figure); AllButOne:
  /// every unit but L in INT8.
  enum class Mode { OnlyOne, AllButOne } mode{Mode::OnlyOne};
  /// Accuracy: rank by top-1 accuracy; Proxy: by the SQNR of the outputs
  /// against FP32 on proxyImages images (no labels needed).
  enum class Metric { Accuracy, Proxy } metric{Metric::Accuracy};
  /// Images of the first, ranking pass (all of them when naive).
  size_t subsetImages{500};
  size_t proxyImages{500};
  /// Most sensitive units measured again on every image.
  size_t recheck{3};
  bool search{true};
  /// Re-rank the remaining units after each one kept FP32.
  bool rerank{true};
  /// Accuracy to reach (a fraction), or < 0 to use maxDrop.
  double targetAccuracy{-1};
  double maxDrop{0.01};
  size_t maxFP32Units{~size_t(0)};
  /// Every measurement on every image (the published method).
  bool naive{false};
};

/// One unit's sensitivity.
struct UnitSensitivity {
  Measurement measured;
  /// Accuracy (fraction) lost by quantizing the unit alone (OnlyOne), or
  /// gained by keeping it alone FP32 (AllButOne), against FP32 (all INT8)
  /// on the same images; with the proxy metric, the SQNR in dB, negated
  /// for OnlyOne, so larger is more sensitive.
  double score{0};
  /// With the proxy metric and labels: the accuracy score it predicts.
  double accuracyScore{0};
  size_t rank{0};
};

/// One step of the greedy search: the unit kept FP32 and the accuracy.
struct SearchStep {
  size_t unit{0};
  Measurement measured;
};

/// What the study found.
struct StudyResult {
  Measurement fp32, int8;
  std::vector<UnitSensitivity> units;
  /// Unit indices, most sensitive first.
  std::vector<size_t> ranking;
  std::vector<SearchStep> steps;
  double target{0};
  bool targetMet{false};
  /// Spearman correlation of the proxy ranking with the accuracy one
  /// (NaN when not measured).
  double spearman{0};
  /// Configurations actually run (not read from the checkpoint).
  size_t evaluations{0};
};

/// \returns the Spearman rank correlation of \p a and \p b (ties get
/// their average rank); NaN for fewer than two values or no variation.
double spearmanCorrelation(const std::vector<double> &a,
                           const std::vector<double> &b);

/// Runs the sensitivity study and the greedy FP32 selection.
class SensitivityStudy {
public:
  /// \p measurer must be initialised (ConfigurationMeasurer::init).
  SensitivityStudy(ConfigurationMeasurer &measurer, const EvaluationSet &data,
                   const std::vector<PrecisionUnit> &units,
                   const StudyOptions &options, StudyCheckpoint &checkpoint,
                   std::function<void(const std::string &)> log)
      : measurer_(measurer), data_(data), units_(units), opts_(options),
        checkpoint_(checkpoint), log_(std::move(log)) {}

  llvm::Expected<StudyResult> run();

private:
  /// Measures the configuration with unit u INT8 where \p int8[u] on the
  /// first \p images images, or reads it from the checkpoint.
  llvm::Expected<Measurement> measure(const std::vector<bool> &int8,
                                      size_t images);
  /// measure for several configurations, run together; the checkpoint
  /// gets them in order.
  llvm::Expected<std::vector<Measurement>>
  measureMany(const std::vector<std::vector<bool>> &configs, size_t images);
  std::vector<bool> onlyOne(size_t u) const;
  std::vector<bool> allBut(const std::vector<bool> &fp32) const;

  ConfigurationMeasurer &measurer_;
  const EvaluationSet &data_;
  const std::vector<PrecisionUnit> &units_;
  StudyOptions opts_;
  StudyCheckpoint &checkpoint_;
  std::function<void(const std::string &)> log_;
};

} // namespace glow

#endif // GLOW_TUNER_SENSITIVITYSTUDY_H
