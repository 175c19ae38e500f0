#ifndef GLOW_GRAPH_PLACEHOLDERBINDINGS_H
#define GLOW_GRAPH_PLACEHOLDERBINDINGS_H

#include "glow/Base/Tensor.h"
#include "glow/Graph/Nodes.h"

#include <unordered_map>

namespace glow {

/// Maps the Placeholders of a Module to the tensors that back them for one
/// run: inputs are written before a run, outputs read after it.
class PlaceholderBindings {
public:
  /// Allocates (or re-allocates) a zero tensor of \p ph's type.
  Tensor *allocate(const Placeholder *ph) {
    Tensor &t = map_[ph];
    t.reset(ph->getType());
    return &t;
  }
  /// Allocates a tensor for every placeholder in \p phs that has none.
  void allocate(const std::vector<Placeholder *> &phs) {
    for (auto *ph : phs) {
      if (!get(ph)) {
        allocate(ph);
      }
    }
  }
  /// \returns the tensor bound to \p ph or null.
  Tensor *get(const Placeholder *ph) {
    auto it = map_.find(ph);
    return it == map_.end() ? nullptr : &it->second;
  }
  void clear() { map_.clear(); }

private:
  std::unordered_map<const Placeholder *, Tensor> map_;
};

} // namespace glow

#endif // GLOW_GRAPH_PLACEHOLDERBINDINGS_H
