#ifndef GLOW_EXPORTER_ONNXMODELWRITER_H
#define GLOW_EXPORTER_ONNXMODELWRITER_H

#include "glow/Graph/Graph.h"

#include "llvm/Support/Error.h"

namespace glow {

/// Writes \p F (optimized, after transformForPrecisionMode, before
/// lowering) to \p path as a standard ONNX model (opset 14) in the QDQ form
/// that ONNX Runtime and TensorRT deploy: every INT8 value becomes its FP32
/// operation followed by QuantizeLinear and DequantizeLinear with our scale
/// and zero point (= our offset, int8); INT8 weights are int8 initializers
/// behind a DequantizeLinear (per output channel, axis 0, where
/// channelwise), biases int32 initializers behind one (scale = input scale
/// x weight scale); FP32 layers stay plain FP32 operations. An INT8 lookup
/// table (Sigmoid, Tanh... in INT8) is written as a Gather of its
/// dequantized entries at the int8 code + 128, which is exact. The graph's
/// inputs and outputs keep their names and shapes. \returns an error
/// naming the node for a kind that has no ONNX form here, or when the file
/// cannot be written.
llvm::Error writeONNXModel(const Function &F, llvm::StringRef path);

} // namespace glow

#endif // GLOW_EXPORTER_ONNXMODELWRITER_H
