#ifndef GLOW_BACKENDS_CPU_BATCHANALYSIS_H
#define GLOW_BACKENDS_CPU_BATCHANALYSIS_H

// Batch analysis, the first pass of the CPU planner: which values carry the
// images of the batch, and whether every node treats those images
// independently, so that the program may run image by image
// (KernelProgram::images > 1).

#include "glow/Graph/Graph.h"

#include <cstdint>
#include <set>
#include <string>

namespace glow {
namespace cpu {

/// What batch analysis found.
struct BatchPlan {
  /// Images in the batch: the first dimension of the placeholders the graph
  /// reads (0 when it reads none).
  int64_t batch{0};
  /// True if every node reads image i of its batch-carrying operands only
  /// for image i of its result.
  bool separable{false};
  /// Why the batch is not separable (empty when it is).
  std::string reason;
  /// The batch-carrying nodes and placeholders (empty unless separable).
  std::set<const Node *> batched;

  bool isBatched(const Node *n) const { return batched.count(n) != 0; }
  /// \returns true if a program for \p numThreads threads loops over the
  /// images: a separable batch of two or more images that the threads
  /// share evenly.
  bool loopsOverImages(unsigned numThreads) const {
    return separable && batch >= 2 && batch % numThreads == 0;
  }
};

/// Analyzes \p F and, for a precision-switchable program, its INT8 twin
/// \p int8 (both must be separable, with the same batch).
BatchPlan analyzeBatch(const Function &F, const Function *int8 = nullptr);

} // namespace cpu
} // namespace glow

#endif // GLOW_BACKENDS_CPU_BATCHANALYSIS_H
