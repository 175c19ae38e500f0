#ifndef GLOW_BACKENDS_KERNELOPS_H
#define GLOW_BACKENDS_KERNELOPS_H

#include "glow/Base/Type.h"
#include "glow/Graph/Node.h"

#include <cstdint>

namespace glow {

/// \returns the code of the element-wise kernel operation for the node kind
/// \p k (KernelOps.def), or -1 if \p k has none.
inline int32_t getElementwiseOpCode(Node::Kind k) {
#define KERNEL_BINARY_OP(KIND, CODE)                                           \
  if (k == Node::Kind::KIND##Kind)                                             \
    return CODE;
#define KERNEL_UNARY_OP(KIND, CODE)                                            \
  if (k == Node::Kind::KIND##Kind)                                             \
    return CODE;
#include "glow/Backends/KernelOps.def"
  return -1;
}

/// \returns the convert kernel's code of element kind \p k (KernelOps.def;
/// quantized int8 and int32 share the plain ones).
inline int32_t getScalarKindCode(ElemKind k) {
  enum : int32_t {
#define KERNEL_SCALAR_KIND(NAME, CODE) NAME = CODE,
#include "glow/Backends/KernelOps.def"
  };
  switch (k) {
  case ElemKind::FloatTy:
    return Float;
  case ElemKind::Int8QTy:
  case ElemKind::UInt8QTy:
  case ElemKind::Int16QTy: // not produced by the quantizer
    return Int8;
  case ElemKind::Int32QTy:
  case ElemKind::Int32ITy:
    return Int32;
  case ElemKind::Int64ITy:
    return Int64;
  case ElemKind::BoolTy:
    return Bool;
  }
  return Int8;
}

} // namespace glow

#endif // GLOW_BACKENDS_KERNELOPS_H
