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

/// The precision of one layer (-layer-precision): FP32, INT8, or W4A8
/// (weights with 4-bit codes in int8 containers, activations 8-bit).
enum class LayerPrecision { FP32, INT8, W4A8 };

/// "fp32", "int8" or "w4a8".
const char *getLayerPrecisionName(LayerPrecision p);

/// Sets \p out to the precision named \p name (fp32, int8 or w4a8, any
/// case); \returns false for another name.
bool parseLayerPrecisionName(llvm::StringRef name, LayerPrecision &out);

/// What the user asked for: which node kinds and which layers keep FP32.
struct PrecisionConfig {
  QuantizationOptions quantization;
  /// Node kinds that stay FP32 (-keep-original-precision-for-nodes).
  std::set<Node::Kind> keepKinds;
  /// Layer names that stay FP32 (-keep-original-precision-for-layers).
  std::vector<std::string> keepLayers;
  /// Per-layer precisions (-layer-precision); fp32 entries act as the keep
  /// list does, layers not listed follow the rest of the config.
  std::map<std::string, LayerPrecision> layerPrecisions;
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
  /// Layers whose INT8 weights got 4-bit codes (w4a8).
  std::set<std::string> w4a8Layers;
};

/// The one place that decides precision. Every node of \p F (optimized,
/// not lowered: the names are the ones the user saw) is quantized with
/// \p profile unless its kind is in keepKinds, its layer is in keepLayers
/// or fp32 in layerPrecisions, or it cannot run in INT8 (the quantizer has
/// no INT8 form for it, or \p backendSupportsInt8 says no). A kept layer
/// stays FP32 in every node that belongs to it; the weighted nodes of a
/// w4a8 layer get 4-bit weight codes. Errors: an unknown layer name
/// (listing the closest names), a layer kept FP32 by the keep list and
/// given another precision, a profile of another graph
/// (\p loadedGraphHash differs) or of another CLE setting, a missing
/// profile entry, or, with assertAllNodesQuantized, every node that stayed
/// FP32 without being asked to.
llvm::Expected<PrecisionReport> transformForPrecisionMode(
    Function *F, uint64_t loadedGraphHash, const ProfileSet &profile,
    const PrecisionConfig &config,
    const std::function<bool(const Node &)> &backendSupportsInt8);

/// Reads -layer-precision: "@FILE" with one "LAYER PRECISION" a line
/// (precision fp32, int8 or w4a8, case-insensitive; the layer name is
/// everything before the last blank, so names may hold blanks; '#' starts
/// a comment, blank lines ignored). \returns an error naming the file and
/// line for a line without a precision, an unknown precision, or a layer
/// given twice with different precisions.
llvm::Expected<std::map<std::string, LayerPrecision>>
parseLayerPrecisions(llvm::StringRef spec);

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
