#ifndef GLOW_GRAPH_NODE_H
#define GLOW_GRAPH_NODE_H

#include "glow/Base/Type.h"

#include "llvm/ADT/StringRef.h"

#include <string>
#include <utility>
#include <vector>

namespace glow {

class Node;

/// One result of a node: the edge type of the graph.
struct NodeValue {
  Node *node{nullptr};
  unsigned resNo{0};

  NodeValue() = default;
  NodeValue(Node *n, unsigned r = 0) : node(n), resNo(r) {}
  Node *getNode() const { return node; }
  const Type &getType() const;
  llvm::ArrayRef<dim_t> dims() const { return getType().dims(); }
  ElemKind getElementType() const { return getType().getElementType(); }
  bool operator==(const NodeValue &o) const {
    return node == o.node && resNo == o.resNo;
  }
  bool operator!=(const NodeValue &o) const { return !(*this == o); }
};

/// Attribute list as (name, printed value) pairs, for dumps and messages.
using AttributeList = std::vector<std::pair<std::string, std::string>>;

/// The properties of a node kind, declared with it in Nodes.def (whose
/// header comment says what each value means).
enum class NodeFamily {
  Storage,
  Output,
  Weighted,
  Binary,
  Unary,
  Pool,
  Normalization,
  DataMovement,
  Conversion,
  Quantization,
  Logic,
};
enum class Int8Rule { None, Weighted, Profiled, Forward, Table };
enum class ImageOperands { First, All };
enum class BatchMixing { Never, ByAttributes };
enum class EpilogueRole { None, Clamp };
enum class Lowering { Primitive, Lowered };

/// GLOW_WHEN_##LOWERING(x) expands to x for the lowered kinds only: a
/// backend's exhaustive switch lists them with
///   #define DEF_NODE(CLASS, NAME, F, I, IM, B, E, LOWERING)
///     GLOW_WHEN_##LOWERING(case Kind::NAME##Kind:)
///   #include "glow/Graph/Nodes.def"
/// so that a new lowered kind needs no backend change.
#define GLOW_WHEN_Lowered(...) __VA_ARGS__
#define GLOW_WHEN_Primitive(...)
/// GLOW_UNLESS_##LOWERING(x): x for the primitive kinds only.
#define GLOW_UNLESS_Lowered(...)
#define GLOW_UNLESS_Primitive(...) __VA_ARGS__

struct NodeKindInfo {
  const char *name;
  NodeFamily family;
  Int8Rule int8;
  ImageOperands images;
  BatchMixing batch;
  EpilogueRole epilogue;
  Lowering lowering;
};

/// Base class of every node kind listed in Nodes.def. A node has named
/// inputs (NodeValues), typed results and kind-specific attributes kept by
/// its subclass.
class Node {
public:
  enum class Kind {
#define DEF_NODE(CLASS, NAME, ...) NAME##Kind,
#include "glow/Graph/Nodes.def"
  };
  /// The number of kinds.
  static constexpr unsigned kNumKinds = 0
#define DEF_NODE(CLASS, NAME, ...) +1
#include "glow/Graph/Nodes.def"
      ;

  Node(Kind kind, llvm::StringRef name) : kind_(kind), name_(name.str()) {}
  virtual ~Node() = default;
  Node(const Node &) = delete;
  Node &operator=(const Node &) = delete;

  Kind getKind() const { return kind_; }
  /// \returns the properties of \p k as declared in Nodes.def.
  static const NodeKindInfo &getKindInfo(Kind k);
  const NodeKindInfo &getKindInfo() const { return getKindInfo(kind_); }
  NodeFamily getFamily() const { return getKindInfo().family; }
  /// \returns the printed name of \p k ("Convolution", "Relu" ...).
  static const char *getKindName(Kind k) { return getKindInfo(k).name; }
  const char *getKindName() const { return getKindName(kind_); }
  /// \returns the kind whose name is \p name, or false if there is none.
  static bool getKindFromName(llvm::StringRef name, Kind &k);

  llvm::StringRef getName() const { return name_; }
  void setName(llvm::StringRef name) { name_ = name.str(); }

  /// \returns the user-visible layer this node belongs to: the ONNX node it
  /// was loaded from (helper nodes the importer adds share it), else its
  /// own name. Precision is chosen per layer.
  llvm::StringRef getLayerName() const {
    return layerName_.empty() ? llvm::StringRef(name_)
                              : llvm::StringRef(layerName_);
  }
  void setLayerName(llvm::StringRef name) { layerName_ = name.str(); }

  unsigned getNumInputs() const { return inputs_.size(); }
  NodeValue getNthInput(unsigned i) const { return inputs_[i]; }
  void setNthInput(unsigned i, NodeValue v) { inputs_[i] = v; }
  llvm::StringRef getInputName(unsigned i) const { return inputNames_[i]; }

  unsigned getNumResults() const { return results_.size(); }
  const Type &getType(unsigned resNo = 0) const { return results_[resNo]; }
  void setType(unsigned resNo, const Type &ty) { results_[resNo] = ty; }
  NodeValue getNthResult(unsigned resNo = 0) { return NodeValue(this, resNo); }
  llvm::ArrayRef<dim_t> dims(unsigned resNo = 0) const {
    return results_[resNo].dims();
  }

  /// \returns true for Placeholder and Constant.
  bool isStorage() const { return getFamily() == NodeFamily::Storage; }

  /// Checks the shapes and types of inputs, attributes and results.
  /// \returns an empty string when valid, else a description of the problem.
  virtual std::string verify() const { return ""; }

  /// Checks that every result fits the limits of ResourceLimits.h (no
  /// dimension out of range, no size overflow, within the memory budget),
  /// then verify(). \returns an empty string when valid.
  std::string validate() const;

  /// \returns the kind-specific attributes, printed.
  virtual AttributeList getAttributes() const { return {}; }

protected:
  void addInput(const char *name, NodeValue v) {
    inputNames_.push_back(name);
    inputs_.push_back(v);
  }
  void addResult(const Type &ty) { results_.push_back(ty); }

private:
  Kind kind_;
  std::string name_;
  std::string layerName_;
  std::vector<NodeValue> inputs_;
  std::vector<const char *> inputNames_;
  std::vector<Type> results_;
};

inline const Type &NodeValue::getType() const { return node->getType(resNo); }

/// \returns a printed list "[a, b]" of an integer vector attribute.
template <class T> std::string listToString(const std::vector<T> &v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); i++) {
    s += (i ? ", " : "") + std::to_string(v[i]);
  }
  return s + "]";
}

} // namespace glow

#endif // GLOW_GRAPH_NODE_H
