#include "glow/Support/ZeroedMemory.h"

#include <cstdint>
#include <cstdlib>
#include <sys/mman.h>

namespace glow {

namespace {
constexpr uintptr_t kAlign = 64;
/// Blocks from this size on are mapped on their own, aligned to 2 MB and
/// marked for transparent huge pages: one page fault per 2 MB instead of
/// one per 4 KB when they are first touched.
constexpr size_t kMapFrom = size_t(4) << 20;
constexpr uintptr_t kHugePage = uintptr_t(2) << 20;

/// Kept just before the block handed out.
struct Header {
  void *raw;
  size_t mapped; // 0: from calloc
  uint64_t pad[6];
};
static_assert(sizeof(Header) == kAlign, "the header keeps the alignment");
} // namespace

void *allocateZeroed(size_t bytes) {
  bytes = bytes ? bytes : 1;
  if (bytes >= kMapFrom) {
    size_t length = bytes + sizeof(Header) + kHugePage;
    void *raw = ::mmap(nullptr, length, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw != MAP_FAILED) {
      uintptr_t at =
          (uintptr_t(raw) + sizeof(Header) + kHugePage - 1) & ~(kHugePage - 1);
#ifdef MADV_HUGEPAGE
      ::madvise(reinterpret_cast<void *>(at), bytes, MADV_HUGEPAGE);
#endif
      Header *h = reinterpret_cast<Header *>(at) - 1;
      h->raw = raw;
      h->mapped = length;
      return reinterpret_cast<void *>(at);
    }
  }
  size_t total = bytes + sizeof(Header) + kAlign;
  if (total < bytes) {
    return nullptr; // overflow
  }
  void *raw = std::calloc(1, total);
  if (!raw) {
    return nullptr;
  }
  uintptr_t at = (uintptr_t(raw) + sizeof(Header) + kAlign - 1) & ~(kAlign - 1);
  Header *h = reinterpret_cast<Header *>(at) - 1;
  h->raw = raw;
  h->mapped = 0;
  return reinterpret_cast<void *>(at);
}

void ZeroedFree::operator()(void *p) const {
  if (!p) {
    return;
  }
  Header *h = static_cast<Header *>(p) - 1;
  if (h->mapped) {
    ::munmap(h->raw, h->mapped);
  } else {
    std::free(h->raw);
  }
}

} // namespace glow
