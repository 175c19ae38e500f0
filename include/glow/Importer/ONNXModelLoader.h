#ifndef GLOW_IMPORTER_ONNXMODELLOADER_H
#define GLOW_IMPORTER_ONNXMODELLOADER_H

#include "glow/Graph/Graph.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace onnx {
class ModelProto;
class NodeProto;
class TensorProto;
} // namespace onnx

namespace glow {

/// A graph input of an ONNX file as declared there: name, element kind and
/// dimensions, -1 where the file leaves a dimension open.
struct ONNXInputInfo {
  std::string name;
  ElemKind kind{ElemKind::FloatTy};
  std::vector<dim_t> dims;
};

/// Builds a Function from an ONNX model (IR versions 3 and later, opsets 7
/// to 18 of the default domain). Initializers become Constants, also where
/// IR 3 lists them among the graph inputs; the other graph inputs become
/// Placeholders and the graph outputs Save nodes writing Placeholders.
/// Every node is verified as it is built; an unsupported operator, a bad
/// attribute or a shape that does not fit is an error naming the node.
class ONNXModelLoader {
public:
  /// Values of graph inputs known at compile time, by name. They are used
  /// only where an operator needs a constant operand (a Reshape's shape, a
  /// Slice's starts ...); every other use reads the Placeholder.
  using StaticInputValues = std::map<std::string, const Tensor *>;

  /// Loads the ONNX file \p path into a new Function \p functionName of
  /// \p M. \p inputTypes gives the type of graph inputs by name; it is
  /// required for inputs whose declared shape has open dimensions.
  static llvm::Expected<std::unique_ptr<ONNXModelLoader>>
  load(llvm::StringRef path, Module &M,
       const std::map<std::string, Type> &inputTypes = {},
       llvm::StringRef functionName = "main",
       const StaticInputValues &staticInputs = {});

  /// Same as load() but from the serialized model \p bytes.
  static llvm::Expected<std::unique_ptr<ONNXModelLoader>>
  loadFromBytes(const std::string &bytes, Module &M,
                const std::map<std::string, Type> &inputTypes = {},
                llvm::StringRef functionName = "main");

  /// \returns the non-initializer graph inputs declared in \p path.
  static llvm::Expected<std::vector<ONNXInputInfo>>
  readInputInfo(llvm::StringRef path);

  Function *getFunction() const { return F_; }
  /// Graph inputs and outputs as Placeholders, in the file's order.
  const std::vector<std::pair<std::string, Placeholder *>> &getInputs() const {
    return inputs_;
  }
  const std::vector<std::pair<std::string, Placeholder *>> &getOutputs() const {
    return outputs_;
  }
  /// \returns the Placeholder of the graph input or output named \p name.
  llvm::Expected<Placeholder *> getInputByName(llvm::StringRef name) const;
  llvm::Expected<Placeholder *> getOutputByName(llvm::StringRef name) const;

  /// The operators this loader supports, sorted.
  static std::vector<std::string> getSupportedOperators();

  /// Opset of the default domain of the model being loaded.
  int64_t getOpset() const { return opset_; }

  ~ONNXModelLoader();

private:
  ONNXModelLoader(Module &M, llvm::StringRef functionName);
  llvm::Error loadModel(const onnx::ModelProto &model,
                        const std::map<std::string, Type> &inputTypes);
  llvm::Error loadNode(const onnx::NodeProto &node);

  /// \returns the value named \p name (a node result, input or constant).
  llvm::Expected<NodeValue> getValue(const std::string &name) const;
  /// \returns input \p i of \p node, or an error if it is absent.
  llvm::Expected<NodeValue> getInput(const onnx::NodeProto &node,
                                     unsigned i) const;
  /// \returns true if \p node has a non-empty input \p i.
  static bool hasInput(const onnx::NodeProto &node, unsigned i);
  /// \returns input \p i of \p node folded to a Constant, or an error
  /// saying that it must be constant.
  llvm::Expected<Constant *> getConstantInput(const onnx::NodeProto &node,
                                              unsigned i);
  /// \returns the integer values of constant input \p i.
  llvm::Expected<std::vector<int64_t>>
  getConstantInts(const onnx::NodeProto &node, unsigned i);
  /// Records \p v as output \p i of \p node.
  void setOutput(const onnx::NodeProto &node, unsigned i, NodeValue v);
  /// \returns input 0 of \p node (ArgMax, TopK ...: an operation along an
  /// axis), an error unless it is a float tensor of rank 1 or more.
  llvm::Expected<NodeValue> getAxisOperand(const onnx::NodeProto &node,
                                           const std::string &name);
  /// Broadcasts \p a and \p b to their common shape (numpy rules).
  llvm::Error broadcastOperands(const std::string &name, NodeValue &a,
                                NodeValue &b);

  /// One builder per supported operator; see getBuilders() in the .cpp.
  using Builder = llvm::Error (ONNXModelLoader::*)(const onnx::NodeProto &,
                                                   const std::string &name);
  static const std::map<std::string, Builder> &getBuilders();

#define GLOW_ONNX_BUILDER(NAME)                                                \
  llvm::Error load##NAME(const onnx::NodeProto &node, const std::string &name);
  GLOW_ONNX_BUILDER(Conv)
  GLOW_ONNX_BUILDER(BatchNormalization)
  GLOW_ONNX_BUILDER(Gemm)
  GLOW_ONNX_BUILDER(MatMul)
  GLOW_ONNX_BUILDER(Arithmetic)
  GLOW_ONNX_BUILDER(Variadic)
  GLOW_ONNX_BUILDER(Unary)
  GLOW_ONNX_BUILDER(LeakyRelu)
  GLOW_ONNX_BUILDER(HardSigmoid)
  GLOW_ONNX_BUILDER(Reduce)
  GLOW_ONNX_BUILDER(ConstantOnly)
  GLOW_ONNX_BUILDER(LayerNormalization)
  GLOW_ONNX_BUILDER(Activation)
  GLOW_ONNX_BUILDER(Split)
  GLOW_ONNX_BUILDER(DepthToSpace)
  GLOW_ONNX_BUILDER(Resize)
  GLOW_ONNX_BUILDER(ConvTranspose)
  GLOW_ONNX_BUILDER(ArgMinMax)
  GLOW_ONNX_BUILDER(TopK)
  GLOW_ONNX_BUILDER(GatherElements)
  GLOW_ONNX_BUILDER(Compare)
  GLOW_ONNX_BUILDER(Where)
  GLOW_ONNX_BUILDER(LRN)
  /// MatMul of operands with batch dimensions (\p a, \p b already read).
  llvm::Error loadBatchMatMul(const onnx::NodeProto &node,
                              const std::string &name, NodeValue a,
                              NodeValue b);
  GLOW_ONNX_BUILDER(Clip)
  GLOW_ONNX_BUILDER(Pool)
  GLOW_ONNX_BUILDER(GlobalPool)
  GLOW_ONNX_BUILDER(Softmax)
  GLOW_ONNX_BUILDER(Flatten)
  GLOW_ONNX_BUILDER(Reshape)
  GLOW_ONNX_BUILDER(Transpose)
  GLOW_ONNX_BUILDER(Concat)
  GLOW_ONNX_BUILDER(Identity)
  GLOW_ONNX_BUILDER(Constant)
  GLOW_ONNX_BUILDER(ConstantOfShape)
  GLOW_ONNX_BUILDER(Shape)
  GLOW_ONNX_BUILDER(Gather)
  GLOW_ONNX_BUILDER(Unsqueeze)
  GLOW_ONNX_BUILDER(Squeeze)
  GLOW_ONNX_BUILDER(Pad)
  GLOW_ONNX_BUILDER(Cast)
  GLOW_ONNX_BUILDER(Slice)
  GLOW_ONNX_BUILDER(Expand)
#undef GLOW_ONNX_BUILDER

  Module &M_;
  Function *F_;
  StaticInputValues staticInputs_;
  int64_t opset_{0};
  llvm::StringMap<NodeValue> values_;
  std::vector<std::pair<std::string, Placeholder *>> inputs_, outputs_;
};

/// Reads a serialized onnx.TensorProto file (input_N.pb of the ONNX test
/// data) into a Tensor; \p name receives the tensor's name if any.
llvm::Expected<Tensor> loadTensorProtoFile(llvm::StringRef path,
                                           std::string *name = nullptr);

} // namespace glow

#endif // GLOW_IMPORTER_ONNXMODELLOADER_H
