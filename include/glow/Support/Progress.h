#ifndef GLOW_SUPPORT_PROGRESS_H
#define GLOW_SUPPORT_PROGRESS_H

#include <chrono>
#include <cstddef>
#include <string>

namespace glow {

/// Shows "what: done/total, rate/s, time left" on stderr: one line
/// rewritten in place (at most 4 times a second) when stderr is a terminal,
/// otherwise a plain line every 10 seconds and one at the end if any was
/// written (logs, CI). Silent with setQuiet(true) (the tools' -quiet) and
/// on every rank of an MPI run but rank 0.
class ProgressReporter {
public:
  ProgressReporter(std::string what, size_t total);
  ~ProgressReporter();
  /// Records that \p done items are finished.
  void update(size_t done);
  /// Clears the line (terminal) or writes the last one (plain lines).
  void finish();
  /// Silences every reporter (-quiet).
  static void setQuiet(bool quiet);

private:
  std::string what_;
  size_t total_, done_{0};
  bool enabled_, terminal_;
  bool drawn_{false};
  std::chrono::steady_clock::time_point start_, lastDraw_;
};

} // namespace glow

#endif // GLOW_SUPPORT_PROGRESS_H
