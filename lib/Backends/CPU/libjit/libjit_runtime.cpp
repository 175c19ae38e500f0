// Run-time support of the generated code: the barrier that separates the
// layers when several threads run one network.

#include "LibjitCommon.h"

extern "C" int sched_yield(void);

/// Waits until \p numThreads threads have reached the barrier \p state (two
/// int32: arrivals, generation; zero-initialised by the host). Returns at
/// once for one thread.
LIBJIT_EXPORT void libjit_barrier(int32_t *state, int32_t numThreads) {
  if (numThreads <= 1) {
    return;
  }
  int32_t generation = __atomic_load_n(&state[1], __ATOMIC_ACQUIRE);
  if (__atomic_add_fetch(&state[0], 1, __ATOMIC_ACQ_REL) == numThreads) {
    __atomic_store_n(&state[0], 0, __ATOMIC_RELAXED);
    __atomic_store_n(&state[1], generation + 1, __ATOMIC_RELEASE);
    return;
  }
  for (unsigned spins = 0;
       __atomic_load_n(&state[1], __ATOMIC_ACQUIRE) == generation; spins++) {
    if (spins < 4096) {
      __builtin_ia32_pause();
    } else {
      sched_yield();
    }
  }
}
