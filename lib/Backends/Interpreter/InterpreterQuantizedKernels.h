#ifndef GLOW_LIB_BACKENDS_INTERPRETER_INTERPRETERQUANTIZEDKERNELS_H
#define GLOW_LIB_BACKENDS_INTERPRETER_INTERPRETERQUANTIZEDKERNELS_H

#include "glow/Backends/OpSignature.h"
#include "glow/Base/Tensor.h"
#include "glow/Graph/Node.h"

#include "llvm/Support/Error.h"

namespace glow {

/// \returns true if \p sig, with its quantized kinds, has an INT8 kernel
/// (also the conversions Quantize, Dequantize, RescaleQuantized).
bool hasQuantizedKernel(const OpSignature &sig);

/// Runs the INT8 kernel of \p n (see hasQuantizedKernel).
llvm::Error evaluateQuantizedNode(const Node &n,
                                  llvm::ArrayRef<const Tensor *> inputs,
                                  Tensor &output);

} // namespace glow

#endif
