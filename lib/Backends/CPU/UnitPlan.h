#ifndef GLOW_BACKENDS_CPU_UNITPLAN_H
#define GLOW_BACKENDS_CPU_UNITPLAN_H

// The units of a precision-switchable program (buildSwitchableKernelProgram):
// groups of layers, each planned both in FP32 and in INT8, which node
// belongs to which unit, and the order in which the planner emits the nodes
// (each unit whole).

#include "glow/Graph/Graph.h"

#include "llvm/Support/Error.h"

#include <map>
#include <string>
#include <vector>

namespace glow {
namespace cpu {

/// The units of a precision-switchable program; empty for a plain program.
class UnitPlan {
public:
  /// No units: a plain (not switchable) program.
  UnitPlan() = default;

  /// \returns the units \p units (groups of layer names) of the FP32 graph
  /// \p fp32 and its INT8 twin \p int8; an error if a layer is not in both
  /// graphs or not INT8 in \p int8.
  static llvm::Expected<UnitPlan>
  create(const Function &fp32, const Function &int8,
         const std::vector<std::vector<std::string>> &units);

  size_t size() const { return units_.size(); }
  /// A program with units keeps each unit's calls to itself.
  bool isSwitchable() const { return !units_.empty(); }
  /// \returns the unit of node \p n (of either graph), or -1.
  int unitOf(const Node *n) const {
    auto it = unitOf_.find(n);
    return it == unitOf_.end() ? -1 : it->second;
  }
  /// \returns the FP32 value that the INT8 graph's value \p w stands for
  /// (same name; a Quantize stands for its operand), or an empty value.
  NodeValue counterpart(NodeValue w) const;

private:
  std::vector<std::vector<std::string>> units_;
  std::map<const Node *, int> unitOf_;
  std::map<std::string, const Node *> fp32ByName_;
};

/// \returns the non-storage nodes of \p F in the order to emit them: the
/// topological order, where each unit's nodes come together (a unit is
/// emitted whole); an error if a unit is not convex (a path leaves it and
/// comes back).
llvm::Expected<std::vector<const Node *>>
getEmissionOrder(const Function &F, const UnitPlan &units);

} // namespace cpu
} // namespace glow

#endif // GLOW_BACKENDS_CPU_UNITPLAN_H
