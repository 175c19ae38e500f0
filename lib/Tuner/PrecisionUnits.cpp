#include "glow/Tuner/PrecisionUnits.h"

#include "glow/Quantization/Quantizer.h"

#include "llvm/Support/Casting.h"

#include <map>

namespace glow {

std::vector<PrecisionUnit> findPrecisionUnits(const Function &F,
                                              bool groupActivations) {
  std::vector<PrecisionUnit> units;
  std::map<const Node *, size_t> unitOf;
  size_t position = 0;
  for (Node *n : F.getNodesInTopologicalOrder()) {
    if (!isLayerNode(*n)) {
      continue;
    }
    position++;
    if (!isQuantizableNode(*n)) {
      continue;
    }
    if (groupActivations && n->getKindInfo().epilogue == EpilogueRole::Clamp) {
      const Node *producer = n->getNthInput(0).getNode();
      auto it = unitOf.find(producer);
      if (it != unitOf.end() && llvm::isa<ConvolutionNode>(producer) &&
          F.getUsers(NodeValue(const_cast<Node *>(producer), 0)).size() == 1 &&
          units[it->second].layers.size() == 1) {
        PrecisionUnit &u = units[it->second];
        u.layers.push_back(n->getName().str());
        u.name += " + " + n->getName().str();
        u.kind += std::string("+") + n->getKindName();
        unitOf[n] = it->second;
        continue;
      }
    }
    PrecisionUnit u;
    u.name = n->getName().str();
    u.layers = {u.name};
    u.kind = n->getKindName();
    u.position = position;
    unitOf[n] = units.size();
    units.push_back(u);
  }
  return units;
}

} // namespace glow
