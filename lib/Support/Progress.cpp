#include "glow/Support/Progress.h"
#include "glow/Support/Distributed.h"

#include <atomic>
#include <cstdio>
#include <unistd.h>

namespace glow {

namespace {
std::atomic<bool> quietAll{false};
} // namespace

void ProgressReporter::setQuiet(bool quiet) { quietAll = quiet; }

ProgressReporter::ProgressReporter(std::string what, size_t total)
    : what_(std::move(what)), total_(total),
      enabled_(!quietAll && Communicator::world().isRoot()),
      terminal_(isatty(2)), start_(std::chrono::steady_clock::now()),
      lastDraw_(start_) {}

ProgressReporter::~ProgressReporter() { finish(); }

void ProgressReporter::update(size_t done) {
  done_ = done;
  if (!enabled_) {
    return;
  }
  auto now = std::chrono::steady_clock::now();
  auto every = terminal_ ? std::chrono::milliseconds(250)
                         : std::chrono::milliseconds(10000);
  if ((done < total_ || !terminal_) && now - lastDraw_ < every) {
    return;
  }
  lastDraw_ = now;
  double secs = std::chrono::duration<double>(now - start_).count();
  double rate = secs > 0 ? done / secs : 0;
  double left = rate > 0 ? (total_ - done) / rate : 0;
  std::fprintf(stderr, "%s%s: %zu/%zu, %.1f/s, %.0f s left%s",
               terminal_ ? "\r" : "", what_.c_str(), done, total_, rate, left,
               terminal_ ? "   " : "\n");
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressReporter::finish() {
  if (!drawn_) {
    return;
  }
  drawn_ = false;
  if (terminal_) {
    std::fprintf(stderr, "\r\033[K");
  } else {
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
            .count();
    std::fprintf(stderr, "%s: %zu/%zu in %.0f s\n", what_.c_str(), done_,
                 total_, secs);
  }
  std::fflush(stderr);
}

} // namespace glow
