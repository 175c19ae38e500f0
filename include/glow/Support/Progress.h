#ifndef GLOW_SUPPORT_PROGRESS_H
#define GLOW_SUPPORT_PROGRESS_H

#include <chrono>
#include <cstddef>
#include <string>

namespace glow {

/// Shows "what: done/total, rate/s, time left" on stderr, rewritten in
/// place, when stderr is a terminal; silent otherwise (logs, CI).
class ProgressReporter {
public:
  ProgressReporter(std::string what, size_t total);
  ~ProgressReporter();
  /// Records that \p done items are finished; redraws at most 4 times/s.
  void update(size_t done);
  /// Clears the line.
  void finish();

private:
  std::string what_;
  size_t total_;
  bool enabled_;
  bool drawn_{false};
  std::chrono::steady_clock::time_point start_, lastDraw_;
};

} // namespace glow

#endif // GLOW_SUPPORT_PROGRESS_H
