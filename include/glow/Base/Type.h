#ifndef GLOW_BASE_TYPE_H
#define GLOW_BASE_TYPE_H

#include "llvm/ADT/ArrayRef.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace glow {

/// Index and size type for tensor dimensions.
using dim_t = int64_t;

/// Element kinds of tensors. Quantized kinds (suffix Q) carry a scale and an
/// offset in their Type: real = scale * (q - offset).
enum class ElemKind : uint8_t {
  FloatTy,  ///< 32-bit IEEE float.
  Int8QTy,  ///< Quantized signed 8-bit.
  UInt8QTy, ///< Quantized unsigned 8-bit.
  Int16QTy, ///< Quantized signed 16-bit.
  Int32QTy, ///< Quantized signed 32-bit (biases).
  Int32ITy, ///< Plain signed 32-bit integer.
  Int64ITy, ///< Plain signed 64-bit integer (indices, shapes).
  BoolTy,   ///< Boolean stored as one byte.
};

/// \returns the size in bytes of one element of kind \p k.
size_t getElementSize(ElemKind k);

/// \returns a short name of \p k ("float", "i8", "i64" ...).
const char *getElemKindName(ElemKind k);

/// \returns true if \p k is one of the quantized kinds.
bool isQuantizedElemKind(ElemKind k);

/// The type of a tensor or a node result: element kind, shape and, for
/// quantized kinds, scale and offset.
class Type {
public:
  Type() = default;
  Type(ElemKind kind, llvm::ArrayRef<dim_t> dims)
      : kind_(kind), dims_(dims.begin(), dims.end()) {}
  Type(ElemKind kind, llvm::ArrayRef<dim_t> dims, float scale, int32_t offset)
      : kind_(kind), dims_(dims.begin(), dims.end()), scale_(scale),
        offset_(offset) {}

  /// \returns a type with the element kind (and quantization parameters) of
  /// \p other and the shape \p dims.
  static Type newShape(const Type &other, llvm::ArrayRef<dim_t> dims) {
    Type t = other;
    t.dims_.assign(dims.begin(), dims.end());
    return t;
  }

  ElemKind getElementType() const { return kind_; }
  llvm::ArrayRef<dim_t> dims() const { return dims_; }
  size_t rank() const { return dims_.size(); }
  float getScale() const { return scale_; }
  int32_t getOffset() const { return offset_; }
  bool isQuantized() const { return isQuantizedElemKind(kind_); }
  bool isFloat() const { return kind_ == ElemKind::FloatTy; }

  /// \returns the number of elements.
  size_t size() const;
  /// \returns the size of the payload in bytes.
  size_t getSizeInBytes() const { return size() * getElementSize(kind_); }

  /// \returns true if both types have the same kind, shape, scale, offset.
  bool operator==(const Type &o) const;
  bool operator!=(const Type &o) const { return !(*this == o); }
  /// \returns true if both have the same element kind and quantization.
  bool isEqualElemType(const Type &o) const;

  /// \returns e.g. "float<1 x 16 x 28 x 28>" or "i8[S:0.1 O:-3]<1 x 10>".
  std::string toString() const;

private:
  ElemKind kind_{ElemKind::FloatTy};
  std::vector<dim_t> dims_;
  float scale_{0};
  int32_t offset_{0};
};

/// \returns "[a, b, c]" for a list of dimensions.
std::string dimsToString(llvm::ArrayRef<dim_t> dims);

} // namespace glow

#endif // GLOW_BASE_TYPE_H
