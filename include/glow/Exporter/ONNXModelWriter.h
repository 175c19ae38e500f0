#ifndef GLOW_EXPORTER_ONNXMODELWRITER_H
#define GLOW_EXPORTER_ONNXMODELWRITER_H

#include "glow/Graph/Graph.h"

#include "llvm/Support/Error.h"

namespace glow {

/// How writeONNXModel writes quantized values.
struct ONNXExportOptions {
  /// Activations as uint8 codes with zero point offset + 128 rather than
  /// int8 with zero point offset: the same values, exactly (x + 128 on
  /// both sides of every QuantizeLinear/DequantizeLinear). Weights stay
  /// int8. ONNX Runtime's x86 kernels fuse a QDQ convolution into its INT8
  /// form only with uint8 activations.
  bool uint8Activations{false};
};

/// Writes \p F (optimized, after transformForPrecisionMode, before
/// lowering) to \p path as a standard ONNX model (opset 14) in the QDQ form
/// that ONNX Runtime and TensorRT deploy: every INT8 value becomes its FP32
/// operation followed by QuantizeLinear and DequantizeLinear with our scale
/// and zero point (= our offset, int8; see ONNXExportOptions); INT8 weights are
/// int8 initializers behind a DequantizeLinear (per output channel, axis 0,
/// where channelwise), biases int32 initializers behind one (scale = input
/// scale x weight scale); FP32 layers stay plain FP32 operations. An INT8
/// lookup table (Sigmoid, Tanh... in INT8) is written as a Gather of its
/// dequantized entries at the int8 code + 128, which is exact. The graph's
/// inputs and outputs keep their names and shapes. \returns an error
/// naming the node for a kind that has no ONNX form here, or when the file
/// cannot be written.
llvm::Error writeONNXModel(const Function &F, llvm::StringRef path,
                           const ONNXExportOptions &opts = {});

} // namespace glow

#endif // GLOW_EXPORTER_ONNXMODELWRITER_H
