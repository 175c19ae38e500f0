#include "glow/Base/Tensor.h"

#include "llvm/Support/ErrorHandling.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

namespace glow {

void Tensor::reset(const Type &ty) {
  type_ = ty;
  data_.reset(static_cast<char *>(allocateZeroed(ty.getSizeInBytes())));
  if (!data_) {
    llvm::report_fatal_error("out of memory allocating a tensor");
  }
}

void Tensor::zero() { std::memset(data_.get(), 0, getSizeInBytes()); }

Tensor Tensor::clone() const {
  Tensor t(type_);
  std::memcpy(t.getUnsafePtr(), getUnsafePtr(), getSizeInBytes());
  return t;
}

void Tensor::reshape(llvm::ArrayRef<dim_t> dims) {
  Type nt = Type::newShape(type_, dims);
  assert(nt.size() == type_.size() && "reshape must keep the element count");
  type_ = nt;
}

double Tensor::getAsDouble(size_t i) const {
  const char *p = getUnsafePtr();
  switch (getElementType()) {
  case ElemKind::FloatTy:
    return reinterpret_cast<const float *>(p)[i];
  case ElemKind::Int8QTy:
    return reinterpret_cast<const int8_t *>(p)[i];
  case ElemKind::UInt8QTy:
  case ElemKind::BoolTy:
    return reinterpret_cast<const uint8_t *>(p)[i];
  case ElemKind::Int16QTy:
    return reinterpret_cast<const int16_t *>(p)[i];
  case ElemKind::Int32QTy:
  case ElemKind::Int32ITy:
    return reinterpret_cast<const int32_t *>(p)[i];
  case ElemKind::Int64ITy:
    return double(reinterpret_cast<const int64_t *>(p)[i]);
  }
  llvm_unreachable("unknown element kind");
}

void Tensor::setFromDouble(size_t i, double v) {
  char *p = getUnsafePtr();
  switch (getElementType()) {
  case ElemKind::FloatTy:
    reinterpret_cast<float *>(p)[i] = float(v);
    return;
  case ElemKind::Int8QTy:
    reinterpret_cast<int8_t *>(p)[i] = int8_t(v);
    return;
  case ElemKind::UInt8QTy:
  case ElemKind::BoolTy:
    reinterpret_cast<uint8_t *>(p)[i] = uint8_t(v);
    return;
  case ElemKind::Int16QTy:
    reinterpret_cast<int16_t *>(p)[i] = int16_t(v);
    return;
  case ElemKind::Int32QTy:
  case ElemKind::Int32ITy:
    reinterpret_cast<int32_t *>(p)[i] = int32_t(v);
    return;
  case ElemKind::Int64ITy:
    reinterpret_cast<int64_t *>(p)[i] = int64_t(v);
    return;
  }
  llvm_unreachable("unknown element kind");
}

bool Tensor::isEqual(const Tensor &other, double tolerance) const {
  if (type_ != other.type_) {
    return false;
  }
  for (size_t i = 0, e = size(); i < e; i++) {
    double a = getAsDouble(i), b = other.getAsDouble(i);
    if (std::isnan(a) != std::isnan(b) || std::fabs(a - b) > tolerance) {
      return false;
    }
  }
  return true;
}

std::string Tensor::toString(size_t maxElements) const {
  std::ostringstream os;
  os << type_.toString() << " [";
  for (size_t i = 0, e = std::min(size(), maxElements); i < e; i++) {
    os << (i ? ", " : "") << getAsDouble(i);
  }
  os << (size() > maxElements ? ", ...]" : "]");
  return os.str();
}

} // namespace glow
