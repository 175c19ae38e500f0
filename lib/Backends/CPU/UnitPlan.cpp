#include "UnitPlan.h"

#include "glow/Support/Error.h"

#include "llvm/Support/Casting.h"

#include <set>

namespace glow {
namespace cpu {

llvm::Expected<UnitPlan>
UnitPlan::create(const Function &fp32, const Function &int8,
                 const std::vector<std::vector<std::string>> &units) {
  UnitPlan plan;
  plan.units_ = units;
  for (const Node *n : fp32.getNodes()) {
    plan.fp32ByName_[n->getName().str()] = n;
  }
  for (const Placeholder *ph : fp32.getParent().getPlaceholders()) {
    plan.fp32ByName_[ph->getName().str()] = ph;
  }
  std::map<std::string, int> unitOfLayer;
  for (size_t u = 0; u < units.size(); u++) {
    for (const std::string &name : units[u]) {
      unitOfLayer[name] = int(u);
    }
  }
  // A node belongs to the unit of its layer: a lowered layer (HardSwish,
  // Resize ...) or one the importer built of several nodes is one unit.
  std::set<std::string> inFp32, inInt8, int8Layers;
  for (const Function *F : {&fp32, &int8}) {
    for (const Node *n : F->getNodes()) {
      if (!isLayerNode(*n)) {
        continue;
      }
      std::string layer = n->getLayerName().str();
      auto it = unitOfLayer.find(layer);
      if (it != unitOfLayer.end()) {
        plan.unitOf_[n] = it->second;
      }
      if (F == &fp32) {
        inFp32.insert(layer);
        continue;
      }
      inInt8.insert(layer);
      if (n->getType().isQuantized()) {
        int8Layers.insert(layer);
      }
    }
  }
  for (size_t u = 0; u < units.size(); u++) {
    for (const std::string &name : units[u]) {
      if (!inFp32.count(name) || !inInt8.count(name)) {
        return makeError("unit layer '" + name + "' is not in both graphs");
      }
      if (!int8Layers.count(name)) {
        return makeError("unit layer '" + name +
                         "' is not INT8 in the quantized graph");
      }
    }
  }
  return plan;
}

NodeValue UnitPlan::counterpart(NodeValue w) const {
  const Node *n = w.getNode();
  if (llvm::isa<QuantizeNode>(n)) {
    n = n->getNthInput(0).getNode(); // a value quantized on its way in
  }
  auto it = fp32ByName_.find(n->getName().str());
  return it == fp32ByName_.end()
             ? NodeValue()
             : NodeValue(const_cast<Node *>(it->second), w.resNo);
}

llvm::Expected<std::vector<const Node *>>
getEmissionOrder(const Function &F, const UnitPlan &units) {
  std::vector<const Node *> topo;
  for (const Node *n : F.getNodesInTopologicalOrder()) {
    if (!n->isStorage()) {
      topo.push_back(n);
    }
  }
  if (!units.isSwitchable()) {
    return topo;
  }
  // Items: a unit, or a node outside every unit; Kahn's algorithm over the
  // items, taking the earliest ready one in the original order.
  std::map<const Node *, size_t> index;
  for (size_t i = 0; i < topo.size(); i++) {
    index[topo[i]] = i;
  }
  auto itemOf = [&](const Node *n) -> int64_t {
    int u = units.unitOf(n);
    return u >= 0 ? -1 - u : int64_t(index.at(n));
  };
  std::map<int64_t, std::set<int64_t>> succs;
  std::map<int64_t, unsigned> preds;
  std::map<int64_t, size_t> first;
  for (const Node *n : topo) {
    int64_t item = itemOf(n);
    preds[item];
    first.emplace(item, index.at(n));
    for (unsigned i = 0; i < n->getNumInputs(); i++) {
      const Node *p = n->getNthInput(i).getNode();
      if (p->isStorage() || itemOf(p) == item) {
        continue;
      }
      if (succs[itemOf(p)].insert(item).second) {
        preds[item]++;
      }
    }
  }
  std::set<std::pair<size_t, int64_t>> ready;
  for (auto &[item, count] : preds) {
    if (!count) {
      ready.insert({first[item], item});
    }
  }
  std::vector<const Node *> order;
  while (!ready.empty()) {
    int64_t item = ready.begin()->second;
    ready.erase(ready.begin());
    for (const Node *n : topo) {
      if (itemOf(n) == item) {
        order.push_back(n);
      }
    }
    for (int64_t s : succs[item]) {
      if (--preds[s] == 0) {
        ready.insert({first[s], s});
      }
    }
  }
  if (order.size() != topo.size()) {
    return makeError("the precision units are not convex: a path leaves a "
                     "unit and comes back into it");
  }
  return order;
}

} // namespace cpu
} // namespace glow
