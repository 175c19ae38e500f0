#include "glow/Tuner/PrecisionUnits.h"

#include "glow/Quantization/Quantizer.h"

#include "llvm/Support/Casting.h"

#include <map>
#include <set>

namespace glow {

uint64_t PrecisionUnit::weightBytes(LayerPrecision precision) const {
  switch (precision) {
  case LayerPrecision::FP32:
    return 4 * weightElements + 4 * biasElements;
  case LayerPrecision::INT8:
    return weightElements + 4 * biasElements;
  case LayerPrecision::W4A8:
    return (weightElements + 1) / 2 + 4 * biasElements;
  }
  return 0;
}

std::vector<PrecisionUnit> findPrecisionUnits(const Function &F,
                                              bool groupActivations) {
  // One unit a layer (the nodes the importer built for one ONNX node share
  // its layer name, and the keep list takes layer names), in the order of
  // the layers' first quantizable node.
  std::vector<PrecisionUnit> units;
  std::map<const Node *, size_t> unitOf;
  std::map<std::string, size_t> unitOfLayer;
  std::set<std::string> seen;
  size_t position = 0;
  for (Node *n : F.getNodesInTopologicalOrder()) {
    if (!isLayerNode(*n)) {
      continue;
    }
    std::string layer = n->getLayerName().str();
    position += seen.insert(layer).second;
    if (!isQuantizableNode(*n)) {
      continue;
    }
    if (auto it = unitOfLayer.find(layer); it != unitOfLayer.end()) {
      unitOf[n] = it->second;
      continue;
    }
    if (groupActivations && n->getKindInfo().epilogue == EpilogueRole::Clamp) {
      const Node *producer = n->getNthInput(0).getNode();
      auto it = unitOf.find(producer);
      if (it != unitOf.end() && llvm::isa<ConvolutionNode>(producer) &&
          F.getUsers(NodeValue(const_cast<Node *>(producer), 0)).size() == 1 &&
          units[it->second].layers.size() == 1) {
        PrecisionUnit &u = units[it->second];
        u.layers.push_back(layer);
        u.name += " + " + layer;
        u.kind += std::string("+") + n->getKindName();
        unitOf[n] = it->second;
        unitOfLayer[layer] = it->second;
        continue;
      }
    }
    PrecisionUnit u;
    u.name = layer;
    u.layers = {u.name};
    u.kind = n->getKindName();
    u.position = position;
    unitOf[n] = units.size();
    unitOfLayer[layer] = units.size();
    units.push_back(u);
  }
  for (auto &[node, u] : unitOf) {
    if (node->getKindInfo().int8 == Int8Rule::Weighted &&
        node->getNumInputs() >= 3) {
      units[u].weightElements += node->getNthInput(1).getType().size();
      units[u].biasElements += node->getNthInput(2).getType().size();
    }
  }
  return units;
}

} // namespace glow
