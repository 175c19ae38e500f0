#ifndef GLOW_TESTS_FUZZ_FUZZUTIL_H
#define GLOW_TESTS_FUZZ_FUZZUTIL_H

// Helpers shared by the fuzz targets: the readers under test take paths, so
// each target hands them an in-memory file (memfd, named /proc/self/fd/N),
// rewritten for every input. Falls back to a file under /dev/shm or /tmp.

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace glow_fuzz {

/// Consumes \p err; with GLOW_FUZZ_VERBOSE set in the environment, prints
/// it first (to see how far an input got when replaying it by hand).
inline void consume(llvm::Error err, const char *stage = "error") {
  static const bool verbose = getenv("GLOW_FUZZ_VERBOSE") != nullptr;
  if (verbose && err) {
    llvm::errs() << stage << ": " << llvm::toString(std::move(err)) << "\n";
    return;
  }
  llvm::consumeError(std::move(err));
}

/// Prints \p msg with GLOW_FUZZ_VERBOSE set.
inline void note(const char *msg) {
  static const bool verbose = getenv("GLOW_FUZZ_VERBOSE") != nullptr;
  if (verbose) {
    llvm::errs() << msg << "\n";
  }
}

class MemFile {
public:
  explicit MemFile(const char *name) {
    fd_ = memfd_create(name, 0);
    if (fd_ >= 0) {
      path_ = "/proc/self/fd/" + std::to_string(fd_);
      return;
    }
    for (const char *dir : {"/dev/shm", "/tmp"}) {
      std::string tmpl = std::string(dir) + "/glow-fuzz-" + name + "-XXXXXX";
      fd_ = mkstemp(&tmpl[0]);
      if (fd_ >= 0) {
        path_ = tmpl;
        unlink_ = true;
        return;
      }
    }
    perror("glow fuzz: cannot create a scratch file");
    abort();
  }
  ~MemFile() {
    if (unlink_) {
      unlink(path_.c_str());
    }
    close(fd_);
  }
  /// Replaces the file's contents with \p size bytes at \p data.
  /// \returns the path to pass to the reader.
  const std::string &write(const uint8_t *data, size_t size) {
    if (ftruncate(fd_, 0) != 0) {
      perror("glow fuzz: ftruncate");
      abort();
    }
    size_t done = 0;
    while (done < size) {
      ssize_t n = pwrite(fd_, data + done, size - done, off_t(done));
      if (n <= 0) {
        perror("glow fuzz: pwrite");
        abort();
      }
      done += size_t(n);
    }
    return path_;
  }
  const std::string &path() const { return path_; }

private:
  int fd_{-1};
  std::string path_;
  bool unlink_{false};
};

} // namespace glow_fuzz

#endif // GLOW_TESTS_FUZZ_FUZZUTIL_H
