#ifndef GLOW_BASE_TENSOR_H
#define GLOW_BASE_TENSOR_H

#include "glow/Base/Type.h"
#include "glow/Support/ZeroedMemory.h"

#include "llvm/ADT/ArrayRef.h"

#include <cassert>
#include <cstring>
#include <memory>
#include <string>

namespace glow {

template <class ElemTy> class Handle;

/// A dense, row-major tensor that owns its payload (64-byte aligned).
class Tensor {
public:
  Tensor() = default;
  /// Creates a zero-filled tensor of type \p ty.
  explicit Tensor(const Type &ty) { reset(ty); }
  Tensor(ElemKind kind, llvm::ArrayRef<dim_t> dims) { reset(Type(kind, dims)); }
  Tensor(const Tensor &) = delete;
  Tensor &operator=(const Tensor &) = delete;
  Tensor(Tensor &&o) noexcept = default;
  Tensor &operator=(Tensor &&o) noexcept = default;

  /// Replaces the type and allocates a zero-filled payload.
  void reset(const Type &ty);

  const Type &getType() const { return type_; }
  ElemKind getElementType() const { return type_.getElementType(); }
  llvm::ArrayRef<dim_t> dims() const { return type_.dims(); }
  size_t size() const { return type_.size(); }
  size_t getSizeInBytes() const { return type_.getSizeInBytes(); }

  char *getUnsafePtr() { return data_.get(); }
  const char *getUnsafePtr() const { return data_.get(); }

  /// Sets every byte of the payload to zero.
  void zero();
  /// \returns a deep copy.
  Tensor clone() const;
  /// Changes the shape to \p dims keeping the payload; sizes must match.
  void reshape(llvm::ArrayRef<dim_t> dims);

  /// \returns true if the types are equal and every element differs by at
  /// most \p tolerance (absolute), compared as doubles.
  bool isEqual(const Tensor &other, double tolerance = 0.0) const;

  /// \returns the element at flat index \p i converted to double.
  double getAsDouble(size_t i) const;
  /// Stores \p v (converted) at flat index \p i.
  void setFromDouble(size_t i, double v);

  template <class ElemTy> Handle<ElemTy> getHandle();
  template <class ElemTy> const Handle<ElemTy> getHandle() const;

  /// \returns a short description with the first values.
  std::string toString(size_t maxElements = 8) const;

private:
  Type type_;
  ZeroedPtr<char> data_;
};

/// A typed view of a Tensor with row-major multi-dimensional indexing.
template <class ElemTy> class Handle {
public:
  explicit Handle(Tensor *t) : t_(t) {
    auto dims = t->dims();
    strides_.resize(dims.size());
    size_t s = 1;
    for (size_t i = dims.size(); i-- > 0;) {
      strides_[i] = s;
      s *= size_t(dims[i]);
    }
  }
  llvm::ArrayRef<dim_t> dims() const { return t_->dims(); }
  size_t size() const { return t_->size(); }
  ElemTy *data() const {
    return reinterpret_cast<ElemTy *>(t_->getUnsafePtr());
  }
  ElemTy &raw(size_t i) const {
    assert(i < size() && "index out of range");
    return data()[i];
  }
  /// \returns the flat index of the multi-dimensional index \p idx.
  size_t getElementPtr(llvm::ArrayRef<dim_t> idx) const {
    assert(idx.size() == strides_.size() && "wrong number of indices");
    size_t p = 0;
    for (size_t i = 0; i < idx.size(); i++) {
      assert(idx[i] >= 0 && idx[i] < dims()[i] && "index out of range");
      p += strides_[i] * size_t(idx[i]);
    }
    return p;
  }
  ElemTy &at(llvm::ArrayRef<dim_t> idx) const {
    return data()[getElementPtr(idx)];
  }
  /// Copies \p values into the tensor; their number must equal size().
  void assign(llvm::ArrayRef<ElemTy> values) const {
    assert(values.size() == size() && "wrong number of values");
    std::copy(values.begin(), values.end(), data());
  }
  llvm::ArrayRef<size_t> strides() const { return strides_; }

private:
  Tensor *t_;
  std::vector<size_t> strides_;
};

template <class ElemTy> Handle<ElemTy> Tensor::getHandle() {
  return Handle<ElemTy>(this);
}
template <class ElemTy> const Handle<ElemTy> Tensor::getHandle() const {
  return Handle<ElemTy>(const_cast<Tensor *>(this));
}

} // namespace glow

#endif // GLOW_BASE_TENSOR_H
