#ifndef GLOW_GRAPH_GRAPH_H
#define GLOW_GRAPH_GRAPH_H

#include "glow/Graph/Nodes.h"

#include "llvm/Support/Casting.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

namespace glow {

class Function;

/// Owns the Functions of a model and the storage (Placeholders and
/// Constants) they share.
class Module {
public:
  Module() = default;
  Module(const Module &) = delete;
  Module &operator=(const Module &) = delete;

  Function *createFunction(llvm::StringRef name);
  Placeholder *createPlaceholder(const Type &ty, llvm::StringRef name);
  Constant *createConstant(llvm::StringRef name, Tensor &&payload);

  const std::vector<std::unique_ptr<Function>> &getFunctions() const {
    return functions_;
  }
  Function *getFunction(llvm::StringRef name) const;
  std::vector<Placeholder *> getPlaceholders() const;
  std::vector<Constant *> getConstants() const;
  Placeholder *getPlaceholderByName(llvm::StringRef name) const;
  /// Deletes \p c; it must no longer be used by any node.
  void eraseConstant(Constant *c);
  /// Deletes every Constant that no node of any Function uses.
  void eraseUnusedConstants();

  /// \returns \p base if no node of the module has that name yet, else
  /// base__N with the smallest free N. The name is reserved.
  std::string uniqueName(llvm::StringRef base);

private:
  std::vector<std::unique_ptr<Function>> functions_;
  std::vector<std::unique_ptr<Placeholder>> placeholders_;
  std::vector<std::unique_ptr<Constant>> constants_;
  std::set<std::string> usedNames_;
};

/// A DAG of nodes computing outputs (Save nodes) from Placeholders and
/// Constants. Builders compute result types; verify() checks them.
class Function {
public:
  Function(Module *parent, llvm::StringRef name)
      : parent_(parent), name_(name.str()) {}
  Function(const Function &) = delete;
  Function &operator=(const Function &) = delete;

  Module &getParent() const { return *parent_; }
  llvm::StringRef getName() const { return name_; }

  /// Adds \p node (named uniquely in the module) and \returns it.
  template <class T> T *addNode(std::unique_ptr<T> node) {
    node->setName(parent_->uniqueName(node->getName()));
    T *raw = node.get();
    nodes_.push_back(std::move(node));
    return raw;
  }

  /// \returns the nodes in insertion order (not necessarily topological).
  std::vector<Node *> getNodes() const;
  /// \returns the number of nodes, and node \p i in insertion order.
  size_t getNumNodes() const { return nodes_.size(); }
  Node *getNode(size_t i) const { return nodes_[i].get(); }
  /// \returns every node of the function, each after the nodes it reads.
  std::vector<Node *> getNodesInTopologicalOrder() const;
  /// \returns the node named \p name or null.
  /// Exchanges the names of \p a and \p b (both stay unique in the
  /// Module): a node that takes over another's role takes its name.
  static void swapNames(Node *a, Node *b);
  Node *getNodeByName(llvm::StringRef name) const;
  std::vector<SaveNode *> getSaves() const;
  /// \returns every (node, input index) that reads \p v.
  std::vector<std::pair<Node *, unsigned>> getUsers(NodeValue v) const;
  /// \returns true if \p n (a Constant or Placeholder) has a user here.
  bool hasUsers(const Node *n) const;
  /// Makes every reader of \p from read \p to.
  void replaceAllUsesOfWith(NodeValue from, NodeValue to);
  /// Deletes \p n; it must have no users.
  void eraseNode(Node *n);

  /// Checks every node. \returns an error naming the first invalid node.
  llvm::Error verify() const;

  /// Writes the graph in Graphviz DOT to \p path.
  llvm::Error dumpDAG(llvm::StringRef path) const;

  // Builders. Each creates a node, computes its result type from its inputs
  // and attributes, and returns it.
  SaveNode *createSave(llvm::StringRef name, NodeValue input,
                       Placeholder *output = nullptr);
  ConvolutionNode *createConv(llvm::StringRef name, NodeValue input,
                              NodeValue filter, NodeValue bias,
                              std::vector<unsigned> kernels,
                              std::vector<unsigned> strides,
                              std::vector<unsigned> pads, unsigned group,
                              std::vector<unsigned> dilations);
  FullyConnectedNode *createFullyConnected(llvm::StringRef name,
                                           NodeValue input, NodeValue weights,
                                           NodeValue bias);
  BatchNormalizationNode *
  createBatchNormalization(llvm::StringRef name, NodeValue input,
                           NodeValue scale, NodeValue bias, NodeValue mean,
                           NodeValue var, float epsilon);
  MatMulNode *createMatMul(llvm::StringRef name, NodeValue lhs, NodeValue rhs);
  Node *createArithmetic(Node::Kind kind, llvm::StringRef name, NodeValue lhs,
                         NodeValue rhs);
  Node *createUnary(Node::Kind kind, llvm::StringRef name, NodeValue input);
  ReluNode *createRelu(llvm::StringRef name, NodeValue input);
  ClipNode *createClip(llvm::StringRef name, NodeValue input, float min,
                       float max);
  LeakyReluNode *createLeakyRelu(llvm::StringRef name, NodeValue input,
                                 float alpha);
  MaxPoolNode *createMaxPool(llvm::StringRef name, NodeValue input,
                             std::vector<unsigned> kernels,
                             std::vector<unsigned> strides,
                             std::vector<unsigned> pads, bool ceilMode = false);
  AvgPoolNode *createAvgPool(llvm::StringRef name, NodeValue input,
                             std::vector<unsigned> kernels,
                             std::vector<unsigned> strides,
                             std::vector<unsigned> pads, bool countIncludePads,
                             bool ceilMode = false);
  SoftMaxNode *createSoftMax(llvm::StringRef name, NodeValue input,
                             unsigned axis);
  ReshapeNode *createReshape(llvm::StringRef name, NodeValue input,
                             llvm::ArrayRef<dim_t> dims);
  TransposeNode *createTranspose(llvm::StringRef name, NodeValue input,
                                 std::vector<unsigned> shuffle);
  ConcatNode *createConcat(llvm::StringRef name,
                           llvm::ArrayRef<NodeValue> inputs, unsigned dim);
  SliceNode *createSlice(llvm::StringRef name, NodeValue input,
                         std::vector<dim_t> starts, std::vector<dim_t> steps,
                         llvm::ArrayRef<dim_t> outDims);
  PadNode *createPad(llvm::StringRef name, NodeValue input,
                     std::vector<dim_t> pads, PadNode::Mode mode, float value);
  GatherNode *createGather(llvm::StringRef name, NodeValue data,
                           NodeValue indices, unsigned axis);
  BroadcastNode *createBroadcast(llvm::StringRef name, NodeValue input,
                                 llvm::ArrayRef<dim_t> dims);
  ConvertToNode *createConvertTo(llvm::StringRef name, NodeValue input,
                                 ElemKind kind);
  QuantizeNode *createQuantize(llvm::StringRef name, NodeValue input,
                               const Type &outTy);
  DequantizeNode *createDequantize(llvm::StringRef name, NodeValue input);
  RescaleQuantizedNode *createRescaleQuantized(llvm::StringRef name,
                                               NodeValue input,
                                               const Type &outTy);

private:
  Module *parent_;
  std::string name_;
  std::vector<std::unique_ptr<Node>> nodes_;
};

/// \returns the output size of a window of \p kernel (dilated by
/// \p dilation) sliding with \p stride over \p in with padding \p padBegin
/// and \p padEnd; rounds up when \p ceilMode. May be <= 0 for bad input.
dim_t computeWindowOutputSize(dim_t in, unsigned kernel, unsigned stride,
                              unsigned padBegin, unsigned padEnd,
                              unsigned dilation = 1, bool ceilMode = false);

} // namespace glow

#endif // GLOW_GRAPH_GRAPH_H
