#include "glow/Support/Progress.h"

#include <cstdio>
#include <unistd.h>

namespace glow {

ProgressReporter::ProgressReporter(std::string what, size_t total)
    : what_(std::move(what)), total_(total), enabled_(isatty(2)),
      start_(std::chrono::steady_clock::now()), lastDraw_(start_) {}

ProgressReporter::~ProgressReporter() { finish(); }

void ProgressReporter::update(size_t done) {
  if (!enabled_) {
    return;
  }
  auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - lastDraw_ < std::chrono::milliseconds(250)) {
    return;
  }
  lastDraw_ = now;
  double secs = std::chrono::duration<double>(now - start_).count();
  double rate = secs > 0 ? done / secs : 0;
  double left = rate > 0 ? (total_ - done) / rate : 0;
  std::fprintf(stderr, "\r%s: %zu/%zu, %.1f/s, %.0f s left   ", what_.c_str(),
               done, total_, rate, left);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressReporter::finish() {
  if (drawn_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    drawn_ = false;
  }
}

} // namespace glow
