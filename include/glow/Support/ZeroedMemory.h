#ifndef GLOW_SUPPORT_ZEROEDMEMORY_H
#define GLOW_SUPPORT_ZEROEDMEMORY_H

#include <cstddef>
#include <memory>

namespace glow {

/// Frees memory from allocateZeroed.
struct ZeroedFree {
  void operator()(void *p) const;
};

/// \returns \p bytes bytes (at least one) of zeroed memory aligned to 64
/// bytes, to be freed with ZeroedFree; null when there is no memory. The
/// memory comes from calloc: a large block is fresh pages that the system
/// zeroes when they are first touched, so a tensor or a buffer of hundreds
/// of megabytes costs no pass over its memory here.
void *allocateZeroed(size_t bytes);

/// Owning pointer to memory from allocateZeroed.
template <class T> using ZeroedPtr = std::unique_ptr<T, ZeroedFree>;

} // namespace glow

#endif // GLOW_SUPPORT_ZEROEDMEMORY_H
