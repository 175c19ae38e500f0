#include "glow/Optimizer/PrecisionMode.h"
#include "glow/Optimizer/Optimizer.h"
#include "glow/Support/Diagnostics.h"
#include "glow/Support/Error.h"
#include "glow/Support/ResourceLimits.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Casting.h"

#include <algorithm>

namespace glow {

std::vector<std::string>
closestNames(llvm::StringRef name, const std::vector<std::string> &candidates,
             unsigned count) {
  std::vector<std::pair<unsigned, std::string>> scored;
  for (auto &c : candidates) {
    // Bounded: a distance above the candidate's length means "nothing in
    // common", and the bound stops the search early for a very long name.
    unsigned bound = unsigned(c.size()) + 1;
    scored.push_back(
        {name.edit_distance(c, /*AllowReplacements=*/true, bound), c});
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (auto &s : scored) {
    if (out.size() == count) {
      break;
    }
    out.push_back(s.second);
  }
  return out;
}

const char *getLayerPrecisionName(LayerPrecision p) {
  switch (p) {
  case LayerPrecision::FP32:
    return "fp32";
  case LayerPrecision::INT8:
    return "int8";
  case LayerPrecision::W4A8:
    return "w4a8";
  }
  return "?";
}

bool parseLayerPrecisionName(llvm::StringRef name, LayerPrecision &out) {
  for (LayerPrecision p :
       {LayerPrecision::FP32, LayerPrecision::INT8, LayerPrecision::W4A8}) {
    if (name.equals_insensitive(getLayerPrecisionName(p))) {
      out = p;
      return true;
    }
  }
  return false;
}

llvm::Expected<std::map<std::string, LayerPrecision>>
parseLayerPrecisions(llvm::StringRef spec) {
  if (!spec.consume_front("@")) {
    return makeError("-layer-precision takes @FILE (lines 'LAYER "
                     "fp32|int8|w4a8'), got '" +
                     spec.take_front(120) + "'");
  }
  auto buf = readFileBounded(spec, kMaxTextFileBytes, "layer precision file");
  if (!buf) {
    return buf.takeError();
  }
  std::map<std::string, LayerPrecision> out;
  llvm::SmallVector<llvm::StringRef, 64> lines;
  llvm::StringRef(*buf).split(lines, '\n');
  for (size_t i = 0; i < lines.size(); i++) {
    llvm::StringRef line = lines[i].split('#').first.trim();
    if (line.empty()) {
      continue;
    }
    std::string where =
        "line " + std::to_string(i + 1) + " of '" + spec.str() + "'";
    size_t blank = line.find_last_of(" \t");
    if (blank == llvm::StringRef::npos) {
      return makeError(where + ": expected 'LAYER fp32|int8|w4a8', got '" +
                       line.take_front(120) + "'");
    }
    std::string layer = line.take_front(blank).trim().str();
    llvm::StringRef word = line.drop_front(blank + 1);
    LayerPrecision p;
    if (!parseLayerPrecisionName(word, p)) {
      return makeError(where + ": unknown precision '" + word.take_front(40) +
                       "' (fp32, int8, w4a8)");
    }
    auto [it, added] = out.emplace(layer, p);
    if (!added && it->second != p) {
      return makeError(where + ": layer '" +
                       llvm::StringRef(layer).take_front(120) + "' was given " +
                       getLayerPrecisionName(it->second) + " before");
    }
  }
  return out;
}

llvm::Expected<std::vector<std::string>> parseLayerList(llvm::StringRef spec) {
  std::vector<std::string> names;
  if (spec.consume_front("@")) {
    auto buf = readFileBounded(spec, kMaxTextFileBytes, "layer list");
    if (!buf) {
      return buf.takeError();
    }
    llvm::SmallVector<llvm::StringRef, 64> lines;
    llvm::StringRef(*buf).split(lines, '\n');
    for (auto line : lines) {
      line = line.split('#').first.trim();
      if (!line.empty()) {
        names.push_back(line.str());
      }
    }
    return names;
  }
  llvm::SmallVector<llvm::StringRef, 16> parts;
  spec.split(parts, ',', -1, false);
  for (auto p : parts) {
    if (!p.trim().empty()) {
      names.push_back(p.trim().str());
    }
  }
  return names;
}

llvm::Expected<PrecisionReport> transformForPrecisionMode(
    Function *F, uint64_t loadedGraphHash, const ProfileSet &profile,
    const PrecisionConfig &config,
    const std::function<bool(const Node &)> &backendSupportsInt8) {
  if (profile.graphHash != loadedGraphHash) {
    return makeError("the profile was taken on another graph (its "
                     "GraphPreLowerHash " +
                     llvm::Twine(profile.graphHash) + " is not this model's " +
                     llvm::Twine(loadedGraphHash) + ")");
  }
  if (profile.crossLayerEqualization !=
      config.quantization.crossLayerEqualization) {
    return makeError(profile.crossLayerEqualization
                         ? "the profile was made with -enable-cle; quantize "
                           "with -enable-cle too (or profile without it)"
                         : "-enable-cle needs a profile made with -enable-cle "
                           "(this one was made without it)");
  }
  std::vector<std::string> layers;
  std::set<std::string> layerSet;
  for (Node *n : F->getNodes()) {
    if (isLayerNode(*n) && layerSet.insert(n->getLayerName().str()).second) {
      layers.push_back(n->getLayerName().str());
    }
  }
  auto unknownLayer = [&](const std::string &name, const char *flag) {
    std::string hint;
    for (auto &c : closestNames(name, layers)) {
      hint += (hint.empty() ? "" : ", ") + ("'" + c + "'");
    }
    // A message stays readable whatever the list held.
    std::string shown = name.size() > 120 ? name.substr(0, 120) + "..." : name;
    return makeError("unknown layer '" + shown + "' in " + flag +
                     "; closest layers: " + hint +
                     " (model-compiler -list-layers lists them all)");
  };
  std::set<std::string> keep, fourBit;
  for (auto &name : config.keepLayers) {
    if (!layerSet.count(name)) {
      return unknownLayer(name, "-keep-original-precision-for-layers");
    }
    keep.insert(name);
  }
  for (auto &[name, precision] : config.layerPrecisions) {
    if (!layerSet.count(name)) {
      return unknownLayer(name, "-layer-precision");
    }
    if (keep.count(name) && precision != LayerPrecision::FP32) {
      return makeError("layer '" + name +
                       "' is kept FP32 by "
                       "-keep-original-precision-for-layers and is " +
                       getLayerPrecisionName(precision) +
                       " in -layer-precision");
    }
    if (precision == LayerPrecision::FP32) {
      keep.insert(name);
    } else if (precision == LayerPrecision::W4A8) {
      fourBit.insert(name);
    }
  }
  PrecisionReport report;
  std::set<Node *> toQuantize, fourBitWeights;
  std::vector<std::string> notAsked;
  for (Node *n : F->getNodesInTopologicalOrder()) {
    if (!isLayerNode(*n) || !n->getNumResults() || !n->getType().isFloat()) {
      continue;
    }
    if (config.keepKinds.count(n->getKind()) ||
        keep.count(n->getLayerName().str())) {
      VLOG(2) << "precision: " << n->getName().str() << " (" << n->getKindName()
              << ") FP32, kept by request";
      report.keptByRequest.push_back(n->getName().str());
      continue;
    }
    if (!isQuantizableNode(*n) || !backendSupportsInt8(*n)) {
      VLOG(2) << "precision: " << n->getName().str() << " (" << n->getKindName()
              << ") FP32, "
              << (isQuantizableNode(*n) ? "the backend has no INT8 kernel"
                                        : "no INT8 form of this kind");
      report.keptUnsupported.push_back(n->getName().str());
      std::string why =
          isQuantizableNode(*n)
              ? std::string("no INT8 kernel for ") + n->getKindName() +
                    " on this backend"
              : std::string("no INT8 form of ") + n->getKindName();
      report.unsupportedReasons.emplace(n->getLayerName().str(), why);
      continue;
    }
    bool narrow = fourBit.count(n->getLayerName().str()) &&
                  n->getKindInfo().int8 == Int8Rule::Weighted;
    VLOG(2) << "precision: " << n->getName().str() << " (" << n->getKindName()
            << ") " << (narrow ? "W4A8" : "INT8");
    toQuantize.insert(n);
    if (narrow) {
      fourBitWeights.insert(n);
      report.w4a8Layers.insert(n->getLayerName().str());
    }
  }
  if (config.assertAllNodesQuantized && !report.keptUnsupported.empty()) {
    return makeError("-assert-all-nodes-quantized: " +
                     llvm::Twine(report.keptUnsupported.size()) +
                     " nodes stayed FP32 without being asked to: " +
                     llvm::join(report.keptUnsupported, ", "));
  }
  // A Broadcast whose readers all stay FP32 stays FP32 too: the Dequantize
  // then converts the small value, not its broadcast copy, and an FP32
  // reader may read the small value by rows (LayerNorm's Div by each
  // row's deviation, which has no INT8 form). The values are the same.
  std::set<const Node *> readByInt8;
  for (Node *n : toQuantize) {
    for (unsigned i = 0; i < n->getNumInputs(); i++) {
      readByInt8.insert(n->getNthInput(i).getNode());
    }
  }
  for (auto it = toQuantize.begin(); it != toQuantize.end();) {
    if (llvm::isa<BroadcastNode>(*it) && !readByInt8.count(*it)) {
      VLOG(2) << "precision: " << (*it)->getName().str()
              << " (Broadcast) FP32, as its readers are";
      it = toQuantize.erase(it);
    } else {
      ++it;
    }
  }
  ScopedPhaseTimer timer("quantizer");
  if (auto err = quantizeNodes(F, toQuantize, profile, config.quantization,
                               fourBitWeights)) {
    return std::move(err);
  }
  report.quantizedNodes = toQuantize.size();
  return report;
}

} // namespace glow
