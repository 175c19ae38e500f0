#include "glow/Graph/Graph.h"
#include "glow/Support/Error.h"
#include "glow/Support/ResourceLimits.h"

#include "llvm/Support/Casting.h"

#include <algorithm>
#include <unordered_set>

using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;

namespace glow {

//===----------------------------------------------------------------------===//
// Module
//===----------------------------------------------------------------------===//

std::string Module::uniqueName(llvm::StringRef base) {
  std::string name = base.empty() ? std::string("node") : base.str();
  if (usedNames_.insert(name).second) {
    return name;
  }
  for (unsigned i = 1;; i++) {
    std::string candidate = name + "__" + std::to_string(i);
    if (usedNames_.insert(candidate).second) {
      return candidate;
    }
  }
}

Function *Module::createFunction(llvm::StringRef name) {
  functions_.push_back(std::make_unique<Function>(this, name));
  return functions_.back().get();
}

Function *Module::getFunction(llvm::StringRef name) const {
  for (auto &f : functions_) {
    if (f->getName() == name) {
      return f.get();
    }
  }
  return nullptr;
}

Placeholder *Module::createPlaceholder(const Type &ty, llvm::StringRef name) {
  placeholders_.push_back(std::make_unique<Placeholder>(uniqueName(name), ty));
  return placeholders_.back().get();
}

Constant *Module::createConstant(llvm::StringRef name, Tensor &&payload) {
  constants_.push_back(
      std::make_unique<Constant>(uniqueName(name), std::move(payload)));
  return constants_.back().get();
}

std::vector<Placeholder *> Module::getPlaceholders() const {
  std::vector<Placeholder *> v;
  for (auto &p : placeholders_) {
    v.push_back(p.get());
  }
  return v;
}

std::vector<Constant *> Module::getConstants() const {
  std::vector<Constant *> v;
  for (auto &c : constants_) {
    v.push_back(c.get());
  }
  return v;
}

Placeholder *Module::getPlaceholderByName(llvm::StringRef name) const {
  for (auto &p : placeholders_) {
    if (p->getName() == name) {
      return p.get();
    }
  }
  return nullptr;
}

void Module::eraseConstant(Constant *c) {
  usedNames_.erase(c->getName().str());
  constants_.erase(std::remove_if(constants_.begin(), constants_.end(),
                                  [&](auto &p) { return p.get() == c; }),
                   constants_.end());
}

void Module::eraseUnusedConstants() {
  std::unordered_set<const Node *> used;
  for (auto &f : functions_) {
    for (Node *n : f->getNodes()) {
      for (unsigned i = 0; i < n->getNumInputs(); i++) {
        used.insert(n->getNthInput(i).getNode());
      }
    }
  }
  std::vector<Constant *> dead;
  for (auto &c : constants_) {
    if (!used.count(c.get())) {
      dead.push_back(c.get());
    }
  }
  for (Constant *c : dead) {
    eraseConstant(c);
  }
}

//===----------------------------------------------------------------------===//
// Function: structure
//===----------------------------------------------------------------------===//

std::vector<Node *> Function::getNodes() const {
  std::vector<Node *> v;
  for (auto &n : nodes_) {
    v.push_back(n.get());
  }
  return v;
}

void Function::swapNames(Node *a, Node *b) {
  std::string name = a->getName().str();
  a->setName(b->getName());
  b->setName(name);
}

Node *Function::getNodeByName(llvm::StringRef name) const {
  for (auto &n : nodes_) {
    if (n->getName() == name) {
      return n.get();
    }
  }
  return nullptr;
}

std::vector<SaveNode *> Function::getSaves() const {
  std::vector<SaveNode *> v;
  for (auto &n : nodes_) {
    if (auto *s = dyn_cast<SaveNode>(n.get())) {
      v.push_back(s);
    }
  }
  return v;
}

std::vector<Node *> Function::getNodesInTopologicalOrder() const {
  std::vector<Node *> order;
  std::unordered_set<const Node *> done, onStack;
  // Iterative post-order DFS from the nodes of this function, in insertion
  // order so that the result is deterministic.
  std::unordered_set<const Node *> mine;
  for (auto &n : nodes_) {
    mine.insert(n.get());
  }
  for (auto &root : nodes_) {
    if (done.count(root.get())) {
      continue;
    }
    std::vector<std::pair<Node *, unsigned>> stack{{root.get(), 0}};
    while (!stack.empty()) {
      auto &[n, next] = stack.back();
      if (next < n->getNumInputs()) {
        Node *in = n->getNthInput(next++).getNode();
        if (mine.count(in) && !done.count(in)) {
          stack.push_back({in, 0});
        }
        continue;
      }
      if (done.insert(n).second) {
        order.push_back(n);
      }
      stack.pop_back();
    }
  }
  return order;
}

std::vector<std::pair<Node *, unsigned>> Function::getUsers(NodeValue v) const {
  std::vector<std::pair<Node *, unsigned>> users;
  for (auto &n : nodes_) {
    for (unsigned i = 0; i < n->getNumInputs(); i++) {
      if (n->getNthInput(i) == v) {
        users.push_back({n.get(), i});
      }
    }
  }
  return users;
}

bool Function::hasUsers(const Node *node) const {
  for (auto &n : nodes_) {
    for (unsigned i = 0; i < n->getNumInputs(); i++) {
      if (n->getNthInput(i).getNode() == node) {
        return true;
      }
    }
  }
  return false;
}

void Function::replaceAllUsesOfWith(NodeValue from, NodeValue to) {
  for (auto &n : nodes_) {
    // A Save keeps writing to its own placeholder.
    unsigned numInputs = isa<SaveNode>(n.get()) ? 1 : n->getNumInputs();
    for (unsigned i = 0; i < numInputs; i++) {
      if (n->getNthInput(i) == from) {
        n->setNthInput(i, to);
      }
    }
  }
}

void Function::eraseNode(Node *n) {
  nodes_.erase(std::remove_if(nodes_.begin(), nodes_.end(),
                              [&](auto &p) { return p.get() == n; }),
               nodes_.end());
}

llvm::Error Function::verify() const {
  std::unordered_set<const Node *> known;
  for (auto &n : nodes_) {
    known.insert(n.get());
  }
  for (auto *p : parent_->getPlaceholders()) {
    known.insert(p);
  }
  for (auto *c : parent_->getConstants()) {
    known.insert(c);
  }
  // The backends allocate every result and placeholder: all of them
  // together must fit the memory budget.
  uint64_t total = 0;
  for (auto *p : parent_->getPlaceholders()) {
    std::string problem = p->validate();
    if (!problem.empty()) {
      return makeError("placeholder '" + p->getName() + "': " + problem);
    }
    total += p->getType().getSizeInBytes();
  }
  for (auto &n : nodes_) {
    for (unsigned i = 0; i < n->getNumInputs(); i++) {
      NodeValue in = n->getNthInput(i);
      if (!in.getNode() || !known.count(in.getNode()) ||
          in.resNo >= in.getNode()->getNumResults()) {
        return makeError("node '" + n->getName() + "' (" + n->getKindName() +
                         ") has a dangling input " + n->getInputName(i));
      }
    }
    std::string problem = n->validate();
    if (!problem.empty()) {
      return makeError("node '" + n->getName() + "' (" + n->getKindName() +
                       "): " + problem);
    }
    // Each size is within the budget, so the sum cannot wrap.
    for (unsigned r = 0; r < n->getNumResults(); r++) {
      total += n->getType(r).getSizeInBytes();
    }
  }
  return checkMemoryBudget(total, "function '" + getName() + "'");
}

//===----------------------------------------------------------------------===//
// Function: builders
//===----------------------------------------------------------------------===//

dim_t computeWindowOutputSize(dim_t in, unsigned kernel, unsigned stride,
                              unsigned padBegin, unsigned padEnd,
                              unsigned dilation, bool ceilMode) {
  dim_t eff = dim_t(dilation) * (dim_t(kernel) - 1) + 1;
  dim_t span = in + padBegin + padEnd - eff;
  if (span < 0 || stride == 0) {
    return 0;
  }
  dim_t out = span / stride + 1;
  if (ceilMode && span % stride != 0) {
    // The last window must start inside the input or the begin padding.
    if ((out)*dim_t(stride) < in + padBegin) {
      out++;
    }
  }
  return out;
}

SaveNode *Function::createSave(llvm::StringRef name, NodeValue input,
                               Placeholder *output) {
  if (!output) {
    output = parent_->createPlaceholder(input.getType(), name);
  }
  return addNode(std::make_unique<SaveNode>(name, input, output));
}

ConvolutionNode *
Function::createConv(llvm::StringRef name, NodeValue input, NodeValue filter,
                     NodeValue bias, std::vector<unsigned> kernels,
                     std::vector<unsigned> strides, std::vector<unsigned> pads,
                     unsigned group, std::vector<unsigned> dilations) {
  auto in = input.dims(), f = filter.dims();
  std::vector<dim_t> out = {in.size() > 0 ? in[0] : 0, f.size() > 0 ? f[0] : 0,
                            0, 0};
  if (in.size() == 4 && kernels.size() == 2 && strides.size() == 2 &&
      pads.size() == 4 && dilations.size() == 2) {
    for (unsigned i = 0; i < 2; i++) {
      out[2 + i] = computeWindowOutputSize(in[2 + i], kernels[i], strides[i],
                                           pads[i], pads[i + 2], dilations[i]);
    }
  }
  Type outTy = Type::newShape(input.getType(), out);
  return addNode(std::make_unique<ConvolutionNode>(
      name, outTy, input, filter, bias, std::move(kernels), std::move(strides),
      std::move(pads), group, std::move(dilations)));
}

FullyConnectedNode *Function::createFullyConnected(llvm::StringRef name,
                                                   NodeValue input,
                                                   NodeValue weights,
                                                   NodeValue bias) {
  dim_t n = input.dims().empty() ? 0 : input.dims()[0];
  dim_t m = weights.dims().size() == 2 ? weights.dims()[1] : 0;
  Type outTy = Type::newShape(input.getType(), {n, m});
  return addNode(
      std::make_unique<FullyConnectedNode>(name, outTy, input, weights, bias));
}

BatchNormalizationNode *Function::createBatchNormalization(
    llvm::StringRef name, NodeValue input, NodeValue scale, NodeValue bias,
    NodeValue mean, NodeValue var, float epsilon) {
  return addNode(std::make_unique<BatchNormalizationNode>(
      name, input.getType(), input, scale, bias, mean, var, epsilon));
}

MatMulNode *Function::createMatMul(llvm::StringRef name, NodeValue lhs,
                                   NodeValue rhs) {
  dim_t n = lhs.dims().empty() ? 0 : lhs.dims()[0];
  dim_t m = rhs.dims().size() < 2 ? 0 : rhs.dims()[1];
  Type outTy = Type::newShape(lhs.getType(), {n, m});
  return addNode(std::make_unique<MatMulNode>(name, outTy, lhs, rhs));
}

namespace {
/// \returns a new CLASS(args...) if CLASS is of family \p want and has
/// that constructor, else null (createArithmetic and createUnary use it
/// for every kind of Nodes.def).
template <NodeFamily want, NodeFamily family, class CLASS, class... Args>
std::unique_ptr<Node> makeOfFamily(Args &&...args) {
  if constexpr (want == family && std::is_constructible_v<CLASS, Args &&...>) {
    return std::make_unique<CLASS>(std::forward<Args>(args)...);
  } else {
    return nullptr;
  }
}

template <NodeFamily want, class... Args>
std::unique_ptr<Node> makeNodeOfFamily(Node::Kind kind, Args &&...args) {
  switch (kind) {
#define DEF_NODE(CLASS, NAME, FAMILY, ...)                                     \
  case Node::Kind::NAME##Kind:                                                 \
    return makeOfFamily<want, NodeFamily::FAMILY, CLASS>(                      \
        std::forward<Args>(args)...);
#include "glow/Graph/Nodes.def"
  }
  return nullptr;
}
} // namespace

Node *Function::createArithmetic(Node::Kind kind, llvm::StringRef name,
                                 NodeValue lhs, NodeValue rhs) {
  const Type &ty = lhs.getType();
  auto n = makeNodeOfFamily<NodeFamily::Binary>(kind, name, ty, lhs, rhs);
  assert(n && "not an element-wise binary kind");
  return addNode(std::move(n));
}

Node *Function::createUnary(Node::Kind kind, llvm::StringRef name,
                            NodeValue input) {
  const Type &ty = input.getType();
  auto n = makeNodeOfFamily<NodeFamily::Unary>(kind, name, ty, input);
  assert(n && "not an element-wise unary kind without attributes");
  return addNode(std::move(n));
}

ReluNode *Function::createRelu(llvm::StringRef name, NodeValue input) {
  return cast<ReluNode>(createUnary(Node::Kind::ReluKind, name, input));
}

ClipNode *Function::createClip(llvm::StringRef name, NodeValue input, float min,
                               float max) {
  return addNode(
      std::make_unique<ClipNode>(name, input.getType(), input, min, max));
}

LeakyReluNode *Function::createLeakyRelu(llvm::StringRef name, NodeValue input,
                                         float alpha) {
  return addNode(
      std::make_unique<LeakyReluNode>(name, input.getType(), input, alpha));
}

/// \returns the NCHW result type of a pooling window over \p input.
static Type poolResultType(NodeValue input, llvm::ArrayRef<unsigned> kernels,
                           llvm::ArrayRef<unsigned> strides,
                           llvm::ArrayRef<unsigned> pads, bool ceilMode) {
  auto in = input.dims();
  std::vector<dim_t> out(in.begin(), in.end());
  if (in.size() == 4 && kernels.size() == 2 && strides.size() == 2 &&
      pads.size() == 4) {
    for (unsigned i = 0; i < 2; i++) {
      out[2 + i] = computeWindowOutputSize(in[2 + i], kernels[i], strides[i],
                                           pads[i], pads[i + 2], 1, ceilMode);
    }
  }
  return Type::newShape(input.getType(), out);
}

MaxPoolNode *Function::createMaxPool(llvm::StringRef name, NodeValue input,
                                     std::vector<unsigned> kernels,
                                     std::vector<unsigned> strides,
                                     std::vector<unsigned> pads,
                                     bool ceilMode) {
  Type outTy = poolResultType(input, kernels, strides, pads, ceilMode);
  return addNode(
      std::make_unique<MaxPoolNode>(name, outTy, input, std::move(kernels),
                                    std::move(strides), std::move(pads)));
}

AvgPoolNode *Function::createAvgPool(llvm::StringRef name, NodeValue input,
                                     std::vector<unsigned> kernels,
                                     std::vector<unsigned> strides,
                                     std::vector<unsigned> pads,
                                     bool countIncludePads, bool ceilMode) {
  Type outTy = poolResultType(input, kernels, strides, pads, ceilMode);
  return addNode(std::make_unique<AvgPoolNode>(
      name, outTy, input, std::move(kernels), std::move(strides),
      std::move(pads), countIncludePads));
}

SoftMaxNode *Function::createSoftMax(llvm::StringRef name, NodeValue input,
                                     unsigned axis) {
  return addNode(
      std::make_unique<SoftMaxNode>(name, input.getType(), input, axis));
}

ReshapeNode *Function::createReshape(llvm::StringRef name, NodeValue input,
                                     llvm::ArrayRef<dim_t> dims) {
  return addNode(std::make_unique<ReshapeNode>(
      name, Type::newShape(input.getType(), dims), input));
}

TransposeNode *Function::createTranspose(llvm::StringRef name, NodeValue input,
                                         std::vector<unsigned> shuffle) {
  auto in = input.dims();
  std::vector<dim_t> out;
  for (unsigned s : shuffle) {
    out.push_back(s < in.size() ? in[s] : 0);
  }
  return addNode(std::make_unique<TransposeNode>(
      name, Type::newShape(input.getType(), out), input, std::move(shuffle)));
}

ConcatNode *Function::createConcat(llvm::StringRef name,
                                   llvm::ArrayRef<NodeValue> inputs,
                                   unsigned dim) {
  std::vector<dim_t> out(inputs[0].dims().begin(), inputs[0].dims().end());
  if (dim < out.size()) {
    out[dim] = 0;
    for (NodeValue v : inputs) {
      out[dim] += dim < v.dims().size() ? v.dims()[dim] : 0;
    }
  }
  return addNode(std::make_unique<ConcatNode>(
      name, Type::newShape(inputs[0].getType(), out), inputs, dim));
}

SliceNode *Function::createSlice(llvm::StringRef name, NodeValue input,
                                 std::vector<dim_t> starts,
                                 std::vector<dim_t> steps,
                                 llvm::ArrayRef<dim_t> outDims) {
  return addNode(std::make_unique<SliceNode>(
      name, Type::newShape(input.getType(), outDims), input, std::move(starts),
      std::move(steps)));
}

PadNode *Function::createPad(llvm::StringRef name, NodeValue input,
                             std::vector<dim_t> pads, PadNode::Mode mode,
                             float value) {
  auto in = input.dims();
  std::vector<dim_t> out(in.begin(), in.end());
  if (pads.size() == 2 * in.size()) {
    for (size_t i = 0; i < in.size(); i++) {
      out[i] += pads[i] + pads[i + in.size()];
    }
  }
  return addNode(
      std::make_unique<PadNode>(name, Type::newShape(input.getType(), out),
                                input, std::move(pads), mode, value));
}

GatherNode *Function::createGather(llvm::StringRef name, NodeValue data,
                                   NodeValue indices, unsigned axis) {
  auto d = data.dims(), idx = indices.dims();
  std::vector<dim_t> out;
  for (unsigned i = 0; i < d.size(); i++) {
    if (i == axis) {
      out.insert(out.end(), idx.begin(), idx.end());
    } else {
      out.push_back(d[i]);
    }
  }
  return addNode(std::make_unique<GatherNode>(
      name, Type::newShape(data.getType(), out), data, indices, axis));
}

BroadcastNode *Function::createBroadcast(llvm::StringRef name, NodeValue input,
                                         llvm::ArrayRef<dim_t> dims) {
  return addNode(std::make_unique<BroadcastNode>(
      name, Type::newShape(input.getType(), dims), input));
}

ConvertToNode *Function::createConvertTo(llvm::StringRef name, NodeValue input,
                                         ElemKind kind) {
  return addNode(
      std::make_unique<ConvertToNode>(name, Type(kind, input.dims()), input));
}

QuantizeNode *Function::createQuantize(llvm::StringRef name, NodeValue input,
                                       const Type &outTy) {
  return addNode(std::make_unique<QuantizeNode>(name, outTy, input));
}

DequantizeNode *Function::createDequantize(llvm::StringRef name,
                                           NodeValue input) {
  return addNode(std::make_unique<DequantizeNode>(
      name, Type(ElemKind::FloatTy, input.dims()), input));
}

RescaleQuantizedNode *Function::createRescaleQuantized(llvm::StringRef name,
                                                       NodeValue input,
                                                       const Type &outTy) {
  return addNode(std::make_unique<RescaleQuantizedNode>(name, outTy, input));
}

} // namespace glow
