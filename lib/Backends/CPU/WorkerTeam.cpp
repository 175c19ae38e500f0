#include "WorkerTeam.h"

#include <chrono>

namespace glow {
namespace cpu {

namespace {
/// How long a worker waits for the next run before it sleeps.
constexpr std::chrono::microseconds kSpinTime(2000);

inline void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}
} // namespace

WorkerTeam::WorkerTeam(unsigned workers) {
  for (unsigned t = 1; t <= workers; t++) {
    threads_.emplace_back([this, t] { loop(t); });
  }
}

WorkerTeam::~WorkerTeam() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  for (std::thread &t : threads_) {
    t.join();
  }
}

void WorkerTeam::run(const std::function<void(unsigned)> &job) {
  if (threads_.empty()) {
    job(0);
    return;
  }
  job_ = &job;
  pending_.store(unsigned(threads_.size()), std::memory_order_relaxed);
  bool anyAsleep;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
    anyAsleep = sleeping_ > 0;
  }
  if (anyAsleep) {
    wake_.notify_all();
  }
  job(0);
  while (pending_.load(std::memory_order_acquire) != 0) {
    relax();
  }
}

void WorkerTeam::loop(unsigned t) {
  uint64_t seen = 0;
  for (;;) {
    auto start = std::chrono::steady_clock::now();
    for (unsigned spins = 1;
         generation_.load(std::memory_order_acquire) == seen; spins++) {
      relax();
      if (spins % 256 == 0 &&
          std::chrono::steady_clock::now() - start > kSpinTime) {
        std::unique_lock<std::mutex> lock(mutex_);
        sleeping_++;
        wake_.wait(lock, [&] {
          return generation_.load(std::memory_order_acquire) != seen;
        });
        sleeping_--;
      }
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stop_.load(std::memory_order_relaxed)) {
      return;
    }
    (*job_)(t);
    pending_.fetch_sub(1, std::memory_order_release);
  }
}

} // namespace cpu
} // namespace glow
