#include "glow/Quantization/Profiler.h"

#include "llvm/Support/Casting.h"

#include <thread>

namespace glow {

std::unique_ptr<Profiler> Profiler::instrument(Function *F, uint64_t graphHash,
                                               unsigned numBins,
                                               bool equalized) {
  auto p = std::unique_ptr<Profiler>(new Profiler());
  p->numBins_ = numBins;
  p->profile_.graphHash = graphHash;
  p->profile_.crossLayerEqualization = equalized;
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
  // Each probe folds into its own entry: the probes are split between two
  // threads by element count (the entries are looked up first, because
  // the lookup may insert).
  struct Work {
    NodeProfile *entry;
    const float *values;
    size_t n;
    std::vector<dim_t> dims; // of the valid images
  };
  std::vector<Work> work;
  size_t total = 0;
  for (auto &probe : probes_) {
    Tensor *t = bindings.get(probe.output);
    if (!t) {
      continue;
    }
    size_t n = t->size();
    if (validBatch && !t->dims().empty() && t->dims()[0] > validBatch) {
      n = n / t->dims()[0] * validBatch;
    }
    std::vector<dim_t> dims = t->dims().vec();
    if (validBatch && !dims.empty() && dims[0] > validBatch) {
      dims[0] = validBatch;
    }
    work.push_back({&profile_.entries[probe.name], t->getHandle<float>().data(),
                    n, std::move(dims)});
    total += n;
  }
  auto fold = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; i++) {
      work[i].entry->update(work[i].values, work[i].n, numBins_);
      work[i].entry->updateChannelMeans(work[i].values, work[i].dims);
    }
  };
  size_t half = 0;
  for (size_t seen = 0; half < work.size() && 2 * seen < total; half++) {
    seen += work[half].n;
  }
  if (threads_ < 2 || std::thread::hardware_concurrency() < 2 ||
      total < (1u << 16)) {
    fold(0, work.size());
    return;
  }
  std::thread second(fold, half, work.size());
  fold(0, half);
  second.join();
}

} // namespace glow
