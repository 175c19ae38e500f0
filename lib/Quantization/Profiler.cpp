#include "glow/Quantization/Profiler.h"

#include "llvm/Support/Casting.h"

namespace glow {

std::unique_ptr<Profiler> Profiler::instrument(Function *F, uint64_t graphHash,
                                               unsigned numBins) {
  auto p = std::unique_ptr<Profiler>(new Profiler());
  p->numBins_ = numBins;
  p->profile_.graphHash = graphHash;
  std::vector<NodeValue> values;
  std::set<Node *> seenInputs;
  for (Node *n : F->getNodesInTopologicalOrder()) {
    if (llvm::isa<SaveNode>(n)) {
      continue;
    }
    for (unsigned i = 0; i < n->getNumInputs(); i++) {
      Node *in = n->getNthInput(i).getNode();
      if (llvm::isa<Placeholder>(in) && in->getType().isFloat() &&
          seenInputs.insert(in).second) {
        values.push_back(in);
      }
    }
    for (unsigned r = 0; r < n->getNumResults(); r++) {
      if (n->getType(r).isFloat()) {
        values.push_back(n->getNthResult(r));
      }
    }
  }
  for (NodeValue v : values) {
    std::string name = getNodeOutputName(v);
    SaveNode *save = F->createSave("profile." + name, v);
    p->probes_.push_back({name, save->getPlaceholder()});
    p->profile_.order.push_back(name);
  }
  return p;
}

void Profiler::record(PlaceholderBindings &bindings, dim_t validBatch) {
  for (auto &probe : probes_) {
    Tensor *t = bindings.get(probe.output);
    if (!t) {
      continue;
    }
    size_t n = t->size();
    if (validBatch && !t->dims().empty() && t->dims()[0] > validBatch) {
      n = n / t->dims()[0] * validBatch;
    }
    profile_.entries[probe.name].update(t->getHandle<float>().data(), n,
                                        numBins_);
  }
}

} // namespace glow
