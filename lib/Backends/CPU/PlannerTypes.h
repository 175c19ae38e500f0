#ifndef GLOW_BACKENDS_CPU_PLANNERTYPES_H
#define GLOW_BACKENDS_CPU_PLANNERTYPES_H

// Declarations shared by the passes of the CPU planner (BatchAnalysis,
// FusionPlan, LayoutPlan, MemoryPlanner, KernelEmitter): how a value is
// stored, and kernel arguments that point into buffers not yet placed.

#include "KernelProgram.h"
#include "MemoryPlanner.h"

#include "glow/Graph/Graph.h"
#include "glow/Quantization/QuantizationMath.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace glow {
namespace cpu {

/// How a value is stored: row-major, or [N][C/16][H][W][16] (4-D only).
enum class Layout { Plain, Blocked };

/// \returns "Plain" or "Blocked".
inline const char *getLayoutName(Layout l) {
  return l == Layout::Plain ? "Plain" : "Blocked";
}

/// Where a value lives: a buffer (placed later) and a byte offset in it.
struct Storage {
  unsigned buf{0};
  uint64_t byteOffset{0};
  Layout layout{Layout::Plain};
};

/// A kernel argument that may point into a buffer not yet placed.
struct PlannedArg {
  KernelArg arg;
  unsigned buf{kNoBuffer};
  uint64_t byteOffset{0};
};

/// Immediate kernel arguments.
inline PlannedArg imm(int64_t v) { return {KernelArg::integer(v)}; }
/// An integer the kernel is not compiled for (KernelArg::specialized): only
/// for values that are trip counts of outer loops or strides of address
/// computations, never one that selects a code path or an unrolled shape.
inline PlannedArg dyn(int64_t v) { return {KernelArg::runtimeInteger(v)}; }
/// A real the kernel is not compiled for: a scale it only multiplies or
/// divides by.
inline PlannedArg dynf(double v) {
  PlannedArg a{KernelArg::real(v)};
  a.arg.specialized = false;
  return a;
}
inline PlannedArg immf(double v) { return {KernelArg::real(v)}; }
inline PlannedArg immArray(std::vector<int64_t> v) {
  return {KernelArg::intArray(std::move(v))};
}
inline PlannedArg nullPtr() { return {KernelArg::null()}; }

/// \returns the transform of the real ratio \p r as (multiplier, shift),
/// run-time arguments (dyn): the kernels only apply it.
inline std::pair<PlannedArg, PlannedArg> dynTransformArgs(double r) {
  QuantizationTransform t = makeQuantizationTransform(r);
  return {dyn(t.multiplier), dyn(t.shift)};
}

inline bool isInt8(const Type &t) {
  return t.getElementType() == ElemKind::Int8QTy;
}

/// A value of the graph as a map key: its node and result number.
using ValueKey = std::pair<const Node *, unsigned>;
inline ValueKey keyOf(NodeValue v) { return {v.getNode(), v.resNo}; }

/// The first result of \p n.
inline NodeValue valueOf(const Node *n) {
  return NodeValue(const_cast<Node *>(n), 0);
}

/// \returns the only user of \p v in \p F, or null.
inline const Node *singleUser(const Function &F, NodeValue v) {
  auto users = F.getUsers(v);
  return users.size() == 1 ? users[0].first : nullptr;
}

} // namespace cpu
} // namespace glow

#endif // GLOW_BACKENDS_CPU_PLANNERTYPES_H
