#ifndef GLOW_BACKENDS_OPSIGNATURE_H
#define GLOW_BACKENDS_OPSIGNATURE_H

#include "glow/Graph/Node.h"

#include <vector>

namespace glow {

/// What a backend chooses its kernel by: the node kind and the element
/// kinds of the operands and results (Backend::isOpSupported). The
/// quantizer asks with the signature a node would have in INT8
/// (getQuantizedSignature) before rewriting it.
struct OpSignature {
  Node::Kind kind;
  std::vector<ElemKind> operands;
  std::vector<ElemKind> results;

  /// \returns the signature of \p n as it is.
  static OpSignature of(const Node &n) {
    OpSignature sig{n.getKind(), {}, {}};
    for (unsigned i = 0; i < n.getNumInputs(); i++) {
      sig.operands.push_back(n.getNthInput(i).getElementType());
    }
    for (unsigned r = 0; r < n.getNumResults(); r++) {
      sig.results.push_back(n.getType(r).getElementType());
    }
    return sig;
  }
  /// \returns the kind of operand \p i, or of result \p r (FloatTy where
  /// there is none, so that rules can be written without bound checks).
  ElemKind operand(unsigned i) const {
    return i < operands.size() ? operands[i] : ElemKind::FloatTy;
  }
  ElemKind result(unsigned r = 0) const {
    return r < results.size() ? results[r] : ElemKind::FloatTy;
  }
};

} // namespace glow

#endif // GLOW_BACKENDS_OPSIGNATURE_H
