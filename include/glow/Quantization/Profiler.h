#ifndef GLOW_QUANTIZATION_PROFILER_H
#define GLOW_QUANTIZATION_PROFILER_H

#include "glow/Graph/Graph.h"
#include "glow/Graph/PlaceholderBindings.h"
#include "glow/Quantization/Profile.h"

#include <memory>
#include <string>
#include <vector>

namespace glow {

/// Profiling by instrumentation: every float node output and every float
/// input Placeholder of a Function gets a Save into a profiling output, so
/// any backend can run the instrumented graph; after each run record()
/// folds the saved tensors into min, max and histogram.
class Profiler {
public:
  /// Instruments \p F (already optimized) and \returns the profiler.
  /// \p graphHash is stored in the profile; \p numBins sets histogram size;
  /// \p equalized records that \p F was cross-layer equalized.
  static std::unique_ptr<Profiler> instrument(Function *F, uint64_t graphHash,
                                              unsigned numBins,
                                              bool equalized = false);

  /// Records the values of one run. With a partial last batch, only the
  /// first \p validBatch entries of dimension 0 count (0: all).
  void record(PlaceholderBindings &bindings, dim_t validBatch = 0);

  /// The threads record() may use (the caller's thread budget, as
  /// -num-threads: 1 folds on the calling thread alone); it uses at most
  /// two. The profile is the same with any number.
  void setThreads(unsigned threads) { threads_ = threads; }

  const ProfileSet &getProfile() const { return profile_; }

private:
  struct Probe {
    std::string name;
    Placeholder *output;
  };
  std::vector<Probe> probes_;
  ProfileSet profile_;
  unsigned numBins_{0};
  unsigned threads_{2};
};

} // namespace glow

#endif // GLOW_QUANTIZATION_PROFILER_H
