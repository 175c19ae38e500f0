#ifndef GLOW_BACKENDS_CPU_WORKERTEAM_H
#define GLOW_BACKENDS_CPU_WORKERTEAM_H

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace glow {
namespace cpu {

/// The threads that run a compiled function's shares beside the caller.
/// Between runs each worker spins for a while before it sleeps, so that
/// the next run of an inference loop starts without waking a thread
/// (tens of microseconds on a virtual machine, against a run of a
/// millisecond or two), as the intra-op thread pools of other runtimes do.
class WorkerTeam {
public:
  /// Starts \p workers threads (none: run() calls the job on the caller).
  explicit WorkerTeam(unsigned workers);
  ~WorkerTeam();
  WorkerTeam(const WorkerTeam &) = delete;
  WorkerTeam &operator=(const WorkerTeam &) = delete;

  /// Runs job(t) for t = 1 .. workers on the team and job(0) on the
  /// calling thread; returns when every share is done. One run at a time.
  void run(const std::function<void(unsigned)> &job);

private:
  void loop(unsigned t);

  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_;
  /// Incremented (under mutex_) to start a run or to stop.
  std::atomic<uint64_t> generation_{0};
  /// Workers still running the current job.
  std::atomic<unsigned> pending_{0};
  /// Workers asleep (changed under mutex_).
  unsigned sleeping_{0};
  std::atomic<bool> stop_{false};
  const std::function<void(unsigned)> *job_{nullptr};
};

} // namespace cpu
} // namespace glow

#endif // GLOW_BACKENDS_CPU_WORKERTEAM_H
