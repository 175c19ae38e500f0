#ifndef GLOW_BACKENDS_INTERPRETER_INTERPRETERKERNELS_H
#define GLOW_BACKENDS_INTERPRETER_INTERPRETERKERNELS_H

#include "glow/Backends/OpSignature.h"
#include "glow/Base/Tensor.h"
#include "glow/Graph/Node.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

namespace glow {

/// Evaluates \p n with the Interpreter's reference kernels: \p inputs holds
/// one tensor per input of \p n, \p outputs one tensor per result, already
/// allocated with the result types. \returns an error if the node kind or
/// its element kinds have no kernel. Used by the Interpreter backend and by
/// constant folding.
llvm::Error evaluateNode(const Node &n, llvm::ArrayRef<const Tensor *> inputs,
                         llvm::MutableArrayRef<Tensor> outputs);

/// \returns true if evaluateNode has a kernel for \p sig: the reference
/// backend's capability table (Backend::isOpSupported).
bool isSignatureEvaluable(const OpSignature &sig);

/// \returns true if evaluateNode can run \p n: its signature has a kernel
/// and a quantized copy (Reshape, Slice ...) keeps its operand's scale.
bool isNodeEvaluable(const Node &n);

} // namespace glow

#endif // GLOW_BACKENDS_INTERPRETER_INTERPRETERKERNELS_H
