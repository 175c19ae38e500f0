#include "MemoryPlanner.h"

#include "glow/Support/Diagnostics.h"

#include <algorithm>
#include <cstring>

namespace glow {
namespace cpu {

uint64_t planActivations(std::vector<PlannedBuffer> &bufs, unsigned pinned) {
  std::vector<unsigned> order;
  for (unsigned i = 0; i < bufs.size(); i++) {
    if (bufs[i].region == Region::Activations && bufs[i].last >= 0 &&
        i != pinned && bufs[i].parent == kNoBuffer) {
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
  // Nested buffers: where their outermost parent is.
  for (unsigned i = 0; i < bufs.size(); i++) {
    uint64_t at = 0;
    unsigned root = rootOf(bufs, i, at);
    if (root != i) {
      bufs[i].offset = bufs[root].offset + at;
    }
  }
  return total;
}

void computeLifetimes(BufferTable &t) {
  for (size_t c = 0; c < t.refs.size(); c++) {
    for (auto &r : t.refs[c]) {
      if (r.first == kNoBuffer) {
        continue;
      }
      auto &b = t.bufs[r.first];
      b.first = std::min<int64_t>(b.first, c);
      b.last = std::max<int64_t>(b.last, c);
    }
  }
  for (auto &b : t.bufs) {
    if (b.last < 0) {
      continue;
    }
    for (unsigned p = b.parent; p != kNoBuffer; p = t.bufs[p].parent) {
      t.bufs[p].first = std::min(t.bufs[p].first, b.first);
      t.bufs[p].last = std::max(t.bufs[p].last, b.last);
    }
  }
}

void placeBuffers(BufferTable &t, unsigned reserved,
                  const std::map<unsigned, uint64_t> &imageStrides,
                  KernelProgram &prog) {
  computeLifetimes(t);
  auto &bufs = t.bufs;
  // The reserved words live throughout; constants and mutable buffers are
  // laid out back to back (a constant only if some call reads it).
  bufs[reserved].first = 0;
  bufs[reserved].last = INT64_MAX;
  uint64_t constSize = 0, mutableSize = 0;
  for (auto &b : bufs) {
    if (b.region == Region::Constant && b.last >= 0) {
      b.offset = constSize;
      constSize += alignTo(b.size);
    } else if (b.region == Region::Mutable) {
      b.offset = mutableSize;
      mutableSize += alignTo(b.size);
    }
  }
  prog.activationsSize = planActivations(bufs, reserved);
  prog.mutableSize = mutableSize;
  prog.constants.assign(constSize, 0);
  for (size_t i = 0; i < bufs.size(); i++) {
    if (bufs[i].region == Region::Constant && bufs[i].last >= 0) {
      std::memcpy(prog.constants.data() + bufs[i].offset, t.constData[i].data(),
                  t.constData[i].size());
      if (t.int8Codes[i]) {
        prog.int8Segments.push_back({bufs[i].offset, t.constData[i].size()});
      }
    }
  }
  for (size_t c = 0; c < t.refs.size(); c++) {
    for (size_t a = 0; a < t.refs[c].size(); a++) {
      auto [buf, off] = t.refs[c][a];
      if (buf == kNoBuffer) {
        continue;
      }
      KernelArg &arg = prog.calls[c].args[a];
      arg.region = bufs[buf].region;
      arg.offset = bufs[buf].offset + off;
      auto stride = imageStrides.find(buf);
      if (stride != imageStrides.end()) {
        arg.imageStride = stride->second;
      }
    }
  }
  if (VLOG_IS_ON(1)) {
    uint64_t used = 0, unshared = 0;
    for (size_t i = 0; i < bufs.size(); i++) {
      if (bufs[i].region == Region::Activations && bufs[i].last >= 0 &&
          i != reserved && bufs[i].parent == kNoBuffer) {
        used++;
        unshared += alignTo(std::max<uint64_t>(bufs[i].size, 1));
      }
    }
    VLOG(1) << "memory plan: constants " << constSize << " bytes, mutable "
            << mutableSize << " bytes, activations " << prog.activationsSize
            << " bytes (" << used << " buffers, " << unshared
            << " bytes without reuse, " << kReservedActivationBytes
            << " reserved)";
  }
}

std::vector<KernelProgram::UnitEntry>
describeUnitEntries(const KernelProgram &prog,
                    const std::vector<PlannedBuffer> &bufs, unsigned reserved,
                    size_t numUnits) {
  std::vector<KernelProgram::UnitEntry> entries(numUnits);
  for (size_t u = 0; u < numUnits; u++) {
    auto &e = entries[u];
    e.firstCall = int64_t(prog.calls.size());
    for (size_t c = 0; c < prog.calls.size(); c++) {
      if (prog.calls[c].unit == int32_t(u)) {
        e.firstCall = int64_t(c);
        break;
      }
    }
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    for (size_t i = 0; i < bufs.size(); i++) {
      const auto &b = bufs[i];
      if (i != reserved && b.region == Region::Activations &&
          b.first < e.firstCall && b.last >= e.firstCall) {
        ranges.push_back({b.offset, b.offset + b.size});
      }
    }
    std::sort(ranges.begin(), ranges.end());
    for (auto &r : ranges) {
      if (!e.live.empty() && r.first <= e.live.back().second) {
        e.live.back().second = std::max(e.live.back().second, r.second);
      } else {
        e.live.push_back(r);
      }
    }
  }
  return entries;
}

} // namespace cpu
} // namespace glow
