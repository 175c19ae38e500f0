#ifndef GLOW_QUANTIZATION_PROFILE_H
#define GLOW_QUANTIZATION_PROFILE_H

#include "glow/Graph/Graph.h"
#include "glow/Quantization/QuantizationMath.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace glow {

/// The range and histogram of one node output seen during profiling. The
/// histogram has a fixed number of equal bins spanning [min, max]; when new
/// values widen the range, the old counts are moved to the bins of the new
/// range that hold their old bin centres.
struct NodeProfile {
  float min{0};
  float max{0};
  std::vector<float> histogram;
  bool empty{true};

  /// The mean of each channel (dimension 1 of a value of rank 2 or more:
  /// NCHW channels, FC features) over everything profiled, and how many
  /// elements of one channel that is; bias correction reads the means of a
  /// layer's input. Empty in profiles written before they were recorded.
  std::vector<double> channelMeans;
  double channelCount{0};

  /// Adds \p n values; \p numBins sets the histogram size of a new profile.
  void update(const float *values, size_t n, unsigned numBins);
  /// Adds the values of a tensor of shape \p dims to the channel means
  /// (nothing for rank below 2; non-finite values count as 0).
  void updateChannelMeans(const float *values, llvm::ArrayRef<dim_t> dims);
};

/// The profile of a graph: one NodeProfile per node output, keyed by
/// "<node>:<result>", plus the hash of the graph it belongs to.
struct ProfileSet {
  uint64_t graphHash{0};
  /// The graph was cross-layer equalized before profiling (written as
  /// CrossLayerEqualization: true beside GraphPreLowerHash).
  bool crossLayerEqualization{false};
  std::map<std::string, NodeProfile> entries;
  /// Names in graph (topological) order, for writing.
  std::vector<std::string> order;

  /// \returns the entry for \p name or an error naming the missing entry.
  llvm::Expected<const NodeProfile *> get(const std::string &name) const;
};

/// \returns "<node>:<result>", the profile key of \p v.
std::string getNodeOutputName(NodeValue v);

/// \returns a 64-bit hash of \p F as loaded: node kinds, names, edges and
/// the shapes of Constants. The shapes of activations are left out so that
/// a profile taken with one batch size serves any other.
uint64_t hashGraph(const Function &F);

/// Writes \p profile to \p path in Glow's layout: three YAML documents
/// (GlowToolsVersion, GraphPreLowerHash, the list of entries with
/// NodeOutputName, Min, Max, Histogram), floats with 9 significant digits so
/// that reading gives back the same floats.
llvm::Error writeProfile(const ProfileSet &profile, llvm::StringRef path);

/// Most histogram bins a profile entry may have (-num-histogram-bins).
constexpr unsigned kMaxHistogramBins = 1u << 20;
/// Largest magnitude of a profiled Min or Max: beyond it the quantization
/// arithmetic (products of scales) would overflow float.
constexpr double kMaxProfileMagnitude = 1e16;

/// Reads a profile written by writeProfile. \returns an error for a
/// malformed or oversized file, YAML nested too deeply, an entry with
/// min > max, a Min or Max that is not finite or beyond
/// kMaxProfileMagnitude, a bad histogram, or an entry given twice.
llvm::Expected<ProfileSet> readProfile(llvm::StringRef path);
/// readProfile on the text of a profile; \p path names it in errors.
llvm::Expected<ProfileSet> parseProfile(const std::string &text,
                                        llvm::StringRef path);

} // namespace glow

#endif // GLOW_QUANTIZATION_PROFILE_H
