#include "glow/Base/Type.h"

#include "llvm/Support/ErrorHandling.h"

#include <sstream>

namespace glow {

size_t getElementSize(ElemKind k) {
  switch (k) {
  case ElemKind::FloatTy:
    return 4;
  case ElemKind::Int8QTy:
  case ElemKind::UInt8QTy:
  case ElemKind::BoolTy:
    return 1;
  case ElemKind::Int16QTy:
    return 2;
  case ElemKind::Int32QTy:
  case ElemKind::Int32ITy:
    return 4;
  case ElemKind::Int64ITy:
    return 8;
  }
  llvm_unreachable("unknown element kind");
}

const char *getElemKindName(ElemKind k) {
  switch (k) {
  case ElemKind::FloatTy:
    return "float";
  case ElemKind::Int8QTy:
    return "i8";
  case ElemKind::UInt8QTy:
    return "ui8";
  case ElemKind::Int16QTy:
    return "i16";
  case ElemKind::Int32QTy:
    return "i32";
  case ElemKind::Int32ITy:
    return "index32";
  case ElemKind::Int64ITy:
    return "index64";
  case ElemKind::BoolTy:
    return "bool";
  }
  llvm_unreachable("unknown element kind");
}

bool isQuantizedElemKind(ElemKind k) {
  return k == ElemKind::Int8QTy || k == ElemKind::UInt8QTy ||
         k == ElemKind::Int16QTy || k == ElemKind::Int32QTy;
}

size_t Type::size() const {
  size_t n = 1;
  for (dim_t d : dims_) {
    n *= size_t(d);
  }
  return n;
}

bool Type::isEqualElemType(const Type &o) const {
  if (kind_ != o.kind_) {
    return false;
  }
  return !isQuantized() || (scale_ == o.scale_ && offset_ == o.offset_);
}

bool Type::operator==(const Type &o) const {
  return isEqualElemType(o) && dims_ == o.dims_;
}

std::string dimsToString(llvm::ArrayRef<dim_t> dims) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < dims.size(); i++) {
    os << (i ? ", " : "") << dims[i];
  }
  os << "]";
  return os.str();
}

std::string Type::toString() const {
  std::ostringstream os;
  os << getElemKindName(kind_);
  if (isQuantized()) {
    os << "[S:" << scale_ << " O:" << offset_ << "]";
  }
  os << "<";
  for (size_t i = 0; i < dims_.size(); i++) {
    os << (i ? " x " : "") << dims_[i];
  }
  os << ">";
  return os.str();
}

} // namespace glow
