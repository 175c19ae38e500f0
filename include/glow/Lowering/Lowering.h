#ifndef GLOW_LOWERING_LOWERING_H
#define GLOW_LOWERING_LOWERING_H

#include "glow/Graph/Graph.h"

#include "llvm/Support/Error.h"

namespace glow {

/// The lowering stage: rewrites every node of a kind declared Lowered in
/// Nodes.def (HardSigmoid, HardSwish ...) into primitive nodes that every
/// backend runs, keeping the layer name of the node it replaces. It runs
/// after precision selection (so that keep lists and profiles see the
/// user's layers) and before a backend compiles (ExecutionEngine::compile,
/// lib/Tuner). Lowering a lowered Function changes nothing.
/// \returns the number of nodes lowered.
llvm::Expected<unsigned> lowerFunction(Function *F);

} // namespace glow

#endif // GLOW_LOWERING_LOWERING_H
