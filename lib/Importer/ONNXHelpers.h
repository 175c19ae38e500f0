#ifndef GLOW_LIB_IMPORTER_ONNXHELPERS_H
#define GLOW_LIB_IMPORTER_ONNXHELPERS_H

// Helpers shared by the ONNX loader (ONNXModelLoader.cpp: loading; the
// ONNX*Operators.cpp files: one builder per operator): attributes,
// element kinds, TensorProto conversion, window attributes, axes.

#include "glow/Base/Tensor.h"

#include "llvm/Support/Error.h"

#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

namespace glow {
namespace onnximport {

/// Oldest and newest opsets of the default domain that the loader accepts.
constexpr int64_t kMinOpset = 1;
constexpr int64_t kMaxOpset = 18;

/// \returns the attribute \p name of \p node, or null.
const onnx::AttributeProto *findAttr(const onnx::NodeProto &node,
                                     llvm::StringRef name);
/// \returns an attribute's value, or \p def where the node lacks it.
int64_t getInt(const onnx::NodeProto &node, llvm::StringRef name, int64_t def);
float getFloat(const onnx::NodeProto &node, llvm::StringRef name, float def);
std::string getString(const onnx::NodeProto &node, llvm::StringRef name,
                      const std::string &def);
std::vector<int64_t> getInts(const onnx::NodeProto &node, llvm::StringRef name,
                             std::vector<int64_t> def = {});
/// \returns the ONNX node's description for messages: "node 'NAME' (Op)".
std::string describe(const onnx::NodeProto &node, const std::string &name);
/// \returns the element kind of ONNX data type \p dt, or an error.
llvm::Expected<ElemKind> elemKindFromONNX(int32_t dt);
/// \returns an error unless the graph input or output \p v is a tensor.
llvm::Error checkTensorValueType(const onnx::ValueInfoProto &v);
/// Converts an onnx.TensorProto to a Tensor, checking its size first.
llvm::Expected<Tensor> tensorFromProto(const onnx::TensorProto &t);
/// Reads a model or tensor file (bounded, no devices).
llvm::Expected<std::string> readFile(llvm::StringRef path);
/// Parses \p bytes as a ModelProto; \p what names it in messages.
llvm::Expected<onnx::ModelProto> parseModel(const std::string &bytes,
                                            llvm::StringRef what);
/// Resolves the window attributes shared by Conv and the pools, as 2-D
/// windows: a 3-D input [N, C, L] has a 1-D window, returned as [1, k] for
/// the input viewed as [N, C, 1, L]. With \p allow3D a 5-D input [N, C, D,
/// H, W] has a 3-D window (3 kernels, strides and dilations, 6 pads).
llvm::Error
windowAttributes(const onnx::NodeProto &node, const std::string &name,
                 llvm::ArrayRef<dim_t> inDims, std::vector<unsigned> kernel,
                 std::vector<unsigned> &kernels, std::vector<unsigned> &strides,
                 std::vector<unsigned> &pads, std::vector<unsigned> &dilations,
                 bool allow3D = false);
/// \returns \p axis made non-negative for rank \p rank, or an error.
llvm::Expected<unsigned> normalizeAxis(int64_t axis, size_t rank,
                                       const onnx::NodeProto &node,
                                       const std::string &name);
/// Sets \p out to the common shape of \p a and \p b under numpy's
/// broadcasting rules. \returns false if they cannot be broadcast.
bool broadcastShape(llvm::ArrayRef<dim_t> a, llvm::ArrayRef<dim_t> b,
                    std::vector<dim_t> &out);
/// \returns the values of an integer tensor.
std::vector<int64_t> intsOf(const Tensor &t);

} // namespace onnximport
} // namespace glow

/// Declares VAR as the value of the llvm::Expected EXPR, or returns its
/// error from the enclosing function (the importer's builders).
#define ASSIGN_OR_RETURN(VAR, EXPR)                                            \
  auto VAR##OrErr = (EXPR);                                                    \
  if (!VAR##OrErr) {                                                           \
    return VAR##OrErr.takeError();                                             \
  }                                                                            \
  auto VAR = std::move(*VAR##OrErr);

#endif // GLOW_LIB_IMPORTER_ONNXHELPERS_H
