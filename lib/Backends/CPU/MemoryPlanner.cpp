#include "MemoryPlanner.h"

#include <algorithm>

namespace glow {
namespace cpu {

uint64_t planActivations(std::vector<PlannedBuffer> &bufs, unsigned pinned) {
  std::vector<unsigned> order;
  for (unsigned i = 0; i < bufs.size(); i++) {
    if (bufs[i].region == Region::Activations && bufs[i].last >= 0 &&
        i != pinned) {
      order.push_back(i);
    }
  }
  // Larger buffers first among those born at the same call; first fit.
  std::stable_sort(order.begin(), order.end(), [&](unsigned a, unsigned b) {
    if (bufs[a].first != bufs[b].first) {
      return bufs[a].first < bufs[b].first;
    }
    return bufs[a].size > bufs[b].size;
  });
  struct Live {
    uint64_t begin, end;
    int64_t last;
  };
  std::vector<Live> live = {{0, alignTo(bufs[pinned].size), INT64_MAX}};
  bufs[pinned].offset = 0;
  uint64_t total = live[0].end;
  for (unsigned i : order) {
    PlannedBuffer &b = bufs[i];
    live.erase(std::remove_if(live.begin(), live.end(),
                              [&](const Live &l) { return l.last < b.first; }),
               live.end());
    std::sort(live.begin(), live.end(),
              [](const Live &x, const Live &y) { return x.begin < y.begin; });
    uint64_t size = alignTo(std::max<uint64_t>(b.size, 1));
    uint64_t at = 0;
    for (const Live &l : live) {
      if (at + size <= l.begin) {
        break;
      }
      at = std::max(at, l.end);
    }
    b.offset = at;
    live.push_back({at, at + size, b.last});
    total = std::max(total, at + size);
  }
  return total;
}

} // namespace cpu
} // namespace glow
