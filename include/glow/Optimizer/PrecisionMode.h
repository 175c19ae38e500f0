#ifndef GLOW_OPTIMIZER_PRECISIONMODE_H
#define GLOW_OPTIMIZER_PRECISIONMODE_H

#include "glow/Graph/Graph.h"
#include "glow/Quantization/Quantizer.h"

#include "llvm/Support/Error.h"

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace glow {

/// What the user asked for: which node kinds and which layers keep FP32.
struct PrecisionConfig {
  QuantizationOptions quantization;
  /// Node kinds that stay FP32 (-keep-original-precision-for-nodes).
  std::set<Node::Kind> keepKinds;
  /// Layer names that stay FP32 (-keep-original-precision-for-layers).
  std::vector<std::string> keepLayers;
  /// Fail if a node stays FP32 without being asked to.
  bool assertAllNodesQuantized{false};
};

/// What transformForPrecisionMode decided.
struct PrecisionReport {
  unsigned quantizedNodes{0};
  /// Nodes kept FP32 because the user asked (by kind or layer).
  std::vector<std::string> keptByRequest;
  /// Nodes that stay FP32 because they cannot run in INT8 here.
  std::vector<std::string> keptUnsupported;
  /// Why, by layer name, a layer that was not kept by request stays FP32
  /// (wholly or in part): "no INT8 form of Resize", "no INT8 kernel for
  /// SoftMax on OpenCL" (-list-layers prints it).
  std::map<std::string, std::string> unsupportedReasons;
};

/// The one place that decides precision. Every node of \p F (optimized,
/// not lowered: the names are the ones the user saw) is quantized with
/// \p profile unless its kind is in keepKinds, its layer is in keepLayers,
/// or it cannot run in INT8 (the quantizer has no INT8 form for it, or
/// \p backendSupportsInt8 says no). A kept layer stays FP32 in every node
/// that belongs to it. Errors: an unknown layer name (listing the closest
/// names), a profile of another graph (\p loadedGraphHash differs), a
/// missing profile entry, or, with assertAllNodesQuantized, every node that
/// stayed FP32 without being asked to.
llvm::Expected<PrecisionReport> transformForPrecisionMode(
    Function *F, uint64_t loadedGraphHash, const ProfileSet &profile,
    const PrecisionConfig &config,
    const std::function<bool(const Node &)> &backendSupportsInt8);

/// Reads a keep list: "name1,name2" or "@FILE" (one name a line, '#'
/// starts a comment, blank lines ignored).
llvm::Expected<std::vector<std::string>> parseLayerList(llvm::StringRef spec);

/// \returns up to \p count names of \p candidates closest to \p name
/// (edit distance), for "did you mean" messages.
std::vector<std::string>
closestNames(llvm::StringRef name, const std::vector<std::string> &candidates,
             unsigned count = 3);

} // namespace glow

#endif // GLOW_OPTIMIZER_PRECISIONMODE_H
