#ifndef GLOW_SUPPORT_RESOURCELIMITS_H
#define GLOW_SUPPORT_RESOURCELIMITS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace glow {

/// The one place where sizes that come from user input (model files, flags,
/// data files) are checked before anything is allocated or computed with
/// them. Every check returns a one-line error that names what was checked.

/// The largest value accepted for one dimension, pad, stride, dilation or
/// kernel size read from a model or a flag. Sums and products of a few such
/// values cannot overflow 64-bit arithmetic.
constexpr int64_t kMaxDimension = (int64_t(1) << 31) - 1;

/// The largest rank accepted for a tensor.
constexpr size_t kMaxRank = 16;

/// \returns the memory budget in bytes: the most that one tensor, or all the
/// tensors of a compiled function together, may take. Defaults to half of
/// the physical memory; -memory-limit (MB) on every tool changes it.
uint64_t getMemoryBudget();

/// Sets the memory budget to \p bytes (0 restores the default).
void setMemoryBudget(uint64_t bytes);

/// \returns the physical memory of this machine in bytes.
uint64_t getPhysicalMemory();

/// \returns an error naming \p what unless lo <= v <= hi.
llvm::Error checkRange(int64_t v, int64_t lo, int64_t hi,
                       const llvm::Twine &what);

/// \returns a * b, or an error naming \p what on overflow of uint64.
llvm::Expected<uint64_t> checkedMul(uint64_t a, uint64_t b,
                                    const llvm::Twine &what);

/// Checks a shape: rank at most kMaxRank, every dimension in
/// [0, kMaxDimension], and \p elementSize times the element count within the
/// memory budget. \returns the size in bytes, or an error naming \p what.
llvm::Expected<uint64_t> checkedTensorBytes(llvm::ArrayRef<int64_t> dims,
                                            uint64_t elementSize,
                                            const llvm::Twine &what);

/// \returns an error naming \p what unless \p bytes is within the memory
/// budget.
llvm::Error checkMemoryBudget(uint64_t bytes, const llvm::Twine &what);

/// Reads the whole file \p path, which may be a regular file, a pipe or a
/// /proc file (read until end of file, never trusting the size that stat
/// gives); directories and devices (/dev/zero) are refused. Stops with an error
/// once more than \p maxBytes have been read, so that /dev/zero or a huge file
/// cannot exhaust memory. \p what names the file's role in messages ("model",
/// "keep list" ...).
llvm::Expected<std::string> readFileBounded(llvm::StringRef path,
                                            uint64_t maxBytes,
                                            const llvm::Twine &what);

/// \returns an error naming \p what if \p path is a directory or a device
/// (such as /dev/zero, which would never end); a missing file passes, for
/// the caller's open to report.
llvm::Error checkNotDirectoryOrDevice(llvm::StringRef path,
                                      const llvm::Twine &what);

/// Size limits of the text and data files the tools read.
constexpr uint64_t kMaxModelBytes = uint64_t(2) << 30; ///< protobuf's limit
constexpr uint64_t kMaxTextFileBytes = uint64_t(64) << 20;

} // namespace glow

#endif // GLOW_SUPPORT_RESOURCELIMITS_H
