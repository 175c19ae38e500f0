#ifndef GLOW_OPTIMIZER_OPTIMIZER_H
#define GLOW_OPTIMIZER_OPTIMIZER_H

#include "glow/Graph/Graph.h"

#include "llvm/Support/Error.h"

namespace glow {

/// Runs the graph passes until nothing changes: constant folding,
/// BatchNormalization folding into the preceding Convolution, absorbing a
/// flattening Reshape into FullyConnected, no-op Reshape removal and
/// dead-code elimination. Unused Constants are erased from the Module.
llvm::Error optimizeFunction(Function *F);

/// Removes nodes whose results nobody reads (Save nodes are roots).
/// \returns true if anything changed.
bool eliminateDeadCode(Function *F);

/// Replaces every node whose inputs are all Constants by a Constant holding
/// its value. \returns true if anything changed.
llvm::Expected<bool> foldConstants(Function *F);

/// \returns the value of \p v as a Constant if it depends on Constants
/// only, evaluating (and folding) the nodes on the way; null otherwise.
llvm::Expected<Constant *> getConstantValue(Function *F, NodeValue v);

/// Folds BatchNormalization into a Convolution whose only reader it is and
/// whose weights are Constants. \returns true if anything changed.
bool foldBatchNormIntoConv(Function *F);

/// Folds a constant zero Pad of the height and width alone, read only by an
/// unpadded AveragePool, into the pool: its own padding, the pads counted
/// (count_include_pad; Inception-V3 exports "Pad, AveragePool").
/// \returns true if anything changed.
bool foldPadIntoAvgPool(Function *F);

/// Lets FullyConnected read the input of a Reshape that only flattens
/// [N, ...] to [N, K] (FullyConnected flattens implicitly), and removes
/// Reshapes that do not change the shape. \returns true if anything changed.
bool simplifyReshapes(Function *F);

} // namespace glow

#endif // GLOW_OPTIMIZER_OPTIMIZER_H
