#ifndef GLOW_BACKENDS_CPU_LAYOUTPLAN_H
#define GLOW_BACKENDS_CPU_LAYOUTPLAN_H

// Layout choice of the CPU planner: which values are stored Blocked
// ([N][C/16][H][W][16], what the fast convolutions read and write) and
// which Plain (row-major). The choice is made node by node as the emitter
// goes, in emission order: a fast convolution writes Blocked; an
// element-wise node or a pool works Blocked when one of its operands
// already is (and the kind keeps the padded lanes harmless); everything
// else works Plain. A value may have both a Plain and a Blocked copy (the
// emitter converts on demand), and a conversion made for one reader makes
// the Blocked copy available to later readers too, which is why the plan
// is filled during emission rather than ahead of it.

#include "PlannerTypes.h"

#include <map>

namespace glow {
namespace cpu {

/// Bytes a value of type \p t occupies in layout \p l (Blocked pads the
/// channels to a multiple of 16).
uint64_t getLayoutBytes(const Type &t, Layout l);

/// Elements a value of type \p t occupies in layout \p l.
int64_t getLayoutElements(const Type &t, Layout l);

/// The storage of every value in each layout it has so far.
class LayoutPlan {
public:
  /// \returns the storage of \p v in layout \p l, or null.
  const Storage *find(NodeValue v, Layout l) const {
    const auto &m = l == Layout::Plain ? plain_ : blocked_;
    auto it = m.find(keyOf(v));
    return it == m.end() ? nullptr : &it->second;
  }
  bool has(NodeValue v, Layout l) const { return find(v, l) != nullptr; }
  bool hasBlocked(NodeValue v) const { return has(v, Layout::Blocked); }
  /// Records \p s (in layout s.layout) as the storage of \p v.
  void record(NodeValue v, const Storage &s) {
    (s.layout == Layout::Plain ? plain_ : blocked_)[keyOf(v)] = s;
  }
  /// Forgets both copies of the value \p k.
  void forget(const ValueKey &k) {
    plain_.erase(k);
    blocked_.erase(k);
  }

private:
  std::map<ValueKey, Storage> plain_, blocked_;
};

/// \returns true if element-wise node \p n maps the finite values in the
/// padded lanes of a blocked value to finite values (f(0) is finite: Add,
/// Sub, Mul, Max, Min, Relu, Clip, LeakyRelu, the conversions, lookup
/// tables; not Div, Pow, Log ...), so that it may work blocked.
bool keepsPaddingLanesFinite(const Node &n);

/// \returns the layout element-wise node \p n (Binary, Unary or
/// Quantization family) works in: Blocked when one of its 4-D operands
/// already has a Blocked copy in \p plan and the kind keeps the padded
/// lanes finite and harmless (f(0) is: Add, Sub, Mul, Max, Min, Relu,
/// Clip, LeakyRelu, the conversions; not Div, Pow, Log ...); else Plain.
Layout getElementwiseLayout(const Node &n, const LayoutPlan &plan);

/// \returns the layout a pool works in: Blocked when its input has a
/// Blocked copy in \p plan.
Layout getPoolLayout(const PoolNode &n, const LayoutPlan &plan);

} // namespace cpu
} // namespace glow

#endif // GLOW_BACKENDS_CPU_LAYOUTPLAN_H
