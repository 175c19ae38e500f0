#ifndef GLOW_SUPPORT_DIAGNOSTICS_H
#define GLOW_SUPPORT_DIAGNOSTICS_H

// Diagnostics of the compiler through glog: VLOG(1) for pass and compile
// timings, VLOG(2) for per-node decisions (precision and why, fusion,
// kernel variant, memory plan). Switched on with -v=N on every tool, or the
// GLOG_v environment variable; -vmodule=FILE=N as glog documents. Lines go
// to stderr. Internal invariants may CHECK; user errors stay llvm::Error.
// docs/Architecture.md, "Tracing a compile", shows an example.

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <glog/logging.h>

#include <chrono>
#include <string>
#include <vector>

namespace glow {

/// Takes glog's flags (-v=N, --v=N, -vmodule=..., --vmodule=...) out of
/// \p args (argv[0] first), checks and hands them to gflags, and starts
/// glog logging to stderr. \returns the arguments left, argv[0] first, or
/// an error for a verbosity that is not a number in 0..9.
llvm::Expected<std::vector<char *>>
initDiagnostics(const std::vector<char *> &args);

/// Logs "NAME: X ms" at VLOG(1) when it goes out of scope.
class ScopedPhaseTimer {
public:
  explicit ScopedPhaseTimer(std::string name)
      : name_(std::move(name)), start_(std::chrono::steady_clock::now()) {}
  ~ScopedPhaseTimer() {
    VLOG(1) << name_ << ": "
            << std::chrono::duration<double, std::milli>(
                   std::chrono::steady_clock::now() - start_)
                   .count()
            << " ms";
  }

private:
  std::string name_;
  std::chrono::steady_clock::time_point start_;
};

} // namespace glow

#endif // GLOW_SUPPORT_DIAGNOSTICS_H
