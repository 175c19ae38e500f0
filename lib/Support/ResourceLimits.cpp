#include "glow/Support/ResourceLimits.h"
#include "glow/Support/Error.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace glow {

namespace {
std::atomic<uint64_t> memoryBudget{0};

std::string megabytes(uint64_t bytes) {
  return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MB";
}
} // namespace

uint64_t getPhysicalMemory() {
  static const uint64_t bytes = [] {
    long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && pageSize > 0 ? uint64_t(pages) * uint64_t(pageSize)
                                     : uint64_t(4) << 30;
  }();
  return bytes;
}

uint64_t getMemoryBudget() {
  uint64_t b = memoryBudget.load();
  return b ? b : getPhysicalMemory() / 2;
}

void setMemoryBudget(uint64_t bytes) { memoryBudget = bytes; }

llvm::Error checkRange(int64_t v, int64_t lo, int64_t hi,
                       const llvm::Twine &what) {
  if (v < lo || v > hi) {
    return makeError(what + " is " + llvm::Twine(v) + ", outside " +
                     llvm::Twine(lo) + ".." + llvm::Twine(hi));
  }
  return llvm::Error::success();
}

llvm::Expected<uint64_t> checkedMul(uint64_t a, uint64_t b,
                                    const llvm::Twine &what) {
  uint64_t r;
  if (__builtin_mul_overflow(a, b, &r)) {
    return makeError(what + ": size overflows 64 bits");
  }
  return r;
}

llvm::Error checkMemoryBudget(uint64_t bytes, const llvm::Twine &what) {
  uint64_t budget = getMemoryBudget();
  if (bytes > budget) {
    return makeError(what + " needs " + megabytes(bytes) +
                     ", more than the memory limit of " + megabytes(budget) +
                     " (-memory-limit)");
  }
  return llvm::Error::success();
}

llvm::Expected<uint64_t> checkedTensorBytes(llvm::ArrayRef<int64_t> dims,
                                            uint64_t elementSize,
                                            const llvm::Twine &what) {
  if (dims.size() > kMaxRank) {
    return makeError(what + " has rank " + llvm::Twine(dims.size()) +
                     ", more than " + llvm::Twine(kMaxRank));
  }
  uint64_t n = elementSize;
  bool overflow = false;
  for (int64_t d : dims) {
    if (d < 0 || d > kMaxDimension) {
      std::string shape = "[";
      for (size_t i = 0; i < dims.size(); i++) {
        shape += (i ? ", " : "") + std::to_string(dims[i]);
      }
      return makeError(what + " has a dimension " + llvm::Twine(d) +
                       " outside 0.." + llvm::Twine(kMaxDimension) +
                       " in its shape " + shape + "]");
    }
    overflow |= __builtin_mul_overflow(n, uint64_t(d), &n);
  }
  if (overflow) {
    return makeError(what + ": size overflows 64 bits");
  }
  if (auto err = checkMemoryBudget(n, what)) {
    return std::move(err);
  }
  return n;
}

/// \returns the error for a file of mode \p mode that is no data file.
static llvm::Error refuseFileKind(mode_t mode, llvm::StringRef path,
                                  const llvm::Twine &what) {
  if (S_ISREG(mode) || S_ISFIFO(mode) || S_ISSOCK(mode)) {
    return llvm::Error::success();
  }
  return makeError("cannot read " + what + " '" + path + "': it is " +
                   (S_ISDIR(mode) ? "a directory" : "a device") +
                   ", not a file");
}

llvm::Error checkNotDirectoryOrDevice(llvm::StringRef path,
                                      const llvm::Twine &what) {
  struct stat st;
  if (::stat(path.str().c_str(), &st) != 0) {
    return llvm::Error::success();
  }
  return refuseFileKind(st.st_mode, path, what);
}

llvm::Expected<std::string> readFileBounded(llvm::StringRef path,
                                            uint64_t maxBytes,
                                            const llvm::Twine &what) {
  std::string p = path.str();
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return makeError("cannot open " + what + " '" + path +
                     "': " + std::strerror(errno));
  }
  struct stat st;
  if (::fstat(fd, &st) == 0) {
    if (auto err = refuseFileKind(st.st_mode, path, what)) {
      ::close(fd);
      return std::move(err);
    }
  }
  std::string data;
  char buf[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      int e = errno;
      ::close(fd);
      return makeError("cannot read " + what + " '" + path +
                       "': " + std::strerror(e));
    }
    if (n == 0) {
      break;
    }
    if (data.size() + size_t(n) > maxBytes) {
      ::close(fd);
      return makeError(what + " '" + path + "' is larger than the limit of " +
                       megabytes(maxBytes));
    }
    data.append(buf, size_t(n));
  }
  ::close(fd);
  return data;
}

} // namespace glow
