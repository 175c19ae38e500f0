#ifndef GLOW_BACKENDS_CPU_MEMORYPLANNER_H
#define GLOW_BACKENDS_CPU_MEMORYPLANNER_H

#include "KernelProgram.h"

#include <climits>
#include <cstdint>
#include <vector>

namespace glow {
namespace cpu {

/// A buffer of the kernel program before it has an address: its region,
/// size, and the first and last call that use it.
struct PlannedBuffer {
  Region region;
  uint64_t size;
  uint64_t offset{0};
  int64_t first{INT64_MAX};
  int64_t last{-1};
};

/// \returns \p n rounded up to kBufferAlignment.
inline uint64_t alignTo(uint64_t n) {
  return (n + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
}

/// Places the activation buffers of \p bufs (those used by some call) so
/// that two buffers whose call ranges overlap never share bytes; buffer
/// \p pinned goes at offset 0. \returns the size of the region.
uint64_t planActivations(std::vector<PlannedBuffer> &bufs, unsigned pinned);

} // namespace cpu
} // namespace glow

#endif // GLOW_BACKENDS_CPU_MEMORYPLANNER_H
