#ifndef GLOW_BACKENDS_CPU_MEMORYPLANNER_H
#define GLOW_BACKENDS_CPU_MEMORYPLANNER_H

// Memory placement, the last pass of the CPU planner: the emitter makes
// buffers without addresses; this pass derives each buffer's lifetime from
// the calls that use it and gives it an offset in its region, reusing
// activation memory once a buffer is dead.

#include "KernelProgram.h"

#include <climits>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace glow {
namespace cpu {

/// A kernel argument that points into no buffer.
constexpr unsigned kNoBuffer = UINT_MAX;

/// A buffer of the kernel program before it has an address: its region,
/// size, and the first and last call that use it. A buffer nested in
/// another (an input of a Concat made in place) has no bytes of its own:
/// it lies at \p offsetInParent in \p parent, whose lifetime covers its.
struct PlannedBuffer {
  Region region;
  uint64_t size;
  uint64_t offset{0};
  int64_t first{INT64_MAX};
  int64_t last{-1};
  unsigned parent{kNoBuffer};
  uint64_t offsetInParent{0};
};

/// The buffers of a program being planned, and for each call which buffer
/// each argument points into.
struct BufferTable {
  std::vector<PlannedBuffer> bufs;
  /// The contents of each constant buffer (empty for the others).
  std::vector<std::vector<uint8_t>> constData;
  /// Whether a constant buffer holds int8 codes (quantized weights).
  std::vector<bool> int8Codes;
  /// Per call, per argument: (buffer or kNoBuffer, byte offset in it).
  std::vector<std::vector<std::pair<unsigned, uint64_t>>> refs;

  /// \returns a new buffer of \p size bytes in region \p r.
  unsigned add(Region r, uint64_t size) {
    bufs.push_back(PlannedBuffer{r, size});
    constData.emplace_back();
    int8Codes.push_back(false);
    return bufs.size() - 1;
  }
  /// \returns a new constant buffer holding a copy of \p bytes at \p data;
  /// \p int8 says that they are int8 codes.
  unsigned addConstant(const void *data, size_t bytes, bool int8 = false) {
    unsigned b = add(Region::Constant, bytes);
    auto *p = static_cast<const uint8_t *>(data);
    constData[b].assign(p, p + bytes);
    int8Codes[b] = int8;
    return b;
  }
  /// Places activation buffer \p child inside \p parent, \p offset bytes
  /// in: what the child's writers write is then part of the parent.
  void nest(unsigned child, unsigned parent, uint64_t offset) {
    bufs[child].parent = parent;
    bufs[child].offsetInParent = offset;
  }
  /// \returns the outermost buffer that holds \p b (rootOf below).
  unsigned rootOf(unsigned b, uint64_t &offset) const;
};

/// \returns the outermost buffer of \p bufs that holds buffer \p b (itself
/// if it is not nested), and sets \p offset to where \p b starts in it.
inline unsigned rootOf(const std::vector<PlannedBuffer> &bufs, unsigned b,
                       uint64_t &offset) {
  offset = 0;
  while (bufs[b].parent != kNoBuffer) {
    offset += bufs[b].offsetInParent;
    b = bufs[b].parent;
  }
  return b;
}

inline unsigned BufferTable::rootOf(unsigned b, uint64_t &offset) const {
  return cpu::rootOf(bufs, b, offset);
}

/// \returns \p n rounded up to kBufferAlignment.
inline uint64_t alignTo(uint64_t n) {
  return (n + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
}

/// Places the activation buffers of \p bufs (those used by some call) so
/// that two buffers whose call ranges overlap never share bytes; buffer
/// \p pinned goes at offset 0; a nested buffer goes where its parent puts
/// it. \returns the size of the region.
uint64_t planActivations(std::vector<PlannedBuffer> &bufs, unsigned pinned);

/// Sets the first and last call of every buffer of \p t from t.refs; a
/// parent's range also covers those of the buffers nested in it.
void computeLifetimes(BufferTable &t);

/// Places every buffer of \p t (whose t.refs describe prog.calls): the
/// constant buffers some call uses, back to back in creation order, with
/// their contents in prog.constants; every mutable buffer likewise; the
/// activation buffers with planActivations, \p reserved pinned at offset 0
/// and live throughout. Then points every argument of prog.calls at its
/// region and offset, adding the per-image stride of \p imageStrides
/// (mutable buffer -> bytes per image) where it has one, and sets the
/// region sizes of \p prog.
void placeBuffers(BufferTable &t, unsigned reserved,
                  const std::map<unsigned, uint64_t> &imageStrides,
                  KernelProgram &prog);

/// \returns where each of \p numUnits precision units of \p prog (placed
/// with buffers \p bufs) starts: its first call and the activation bytes
/// live there, other than the \p reserved buffer.
std::vector<KernelProgram::UnitEntry>
describeUnitEntries(const KernelProgram &prog,
                    const std::vector<PlannedBuffer> &bufs, unsigned reserved,
                    size_t numUnits);

} // namespace cpu
} // namespace glow

#endif // GLOW_BACKENDS_CPU_MEMORYPLANNER_H
