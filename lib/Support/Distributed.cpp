#include "glow/Support/Distributed.h"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <limits>

#ifdef GLOW_WITH_MPI
// The C API only: no C++ bindings to link.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace glow {

Communicator &Communicator::world() {
  static Communicator c;
  return c;
}

int Communicator::launcherRank() {
  for (const char *v : {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"}) {
    if (const char *rank = std::getenv(v)) {
      return std::atoi(rank);
    }
  }
  return 0;
}

#ifdef GLOW_WITH_MPI
/// \returns true if mpirun (Open MPI, or a PMI launcher) started us.
static bool launchedByMpirun() {
  for (const char *v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"}) {
    if (std::getenv(v)) {
      return true;
    }
  }
  return false;
}

/// Waits for \p request without spinning: a rank that waits (for rank 0's
/// profile, say) leaves its core to the ranks that work. Polls after 20 us,
/// then at most every millisecond.
static void waitQuietly(MPI_Request &request) {
  int done = 0;
  long sleepNs = 20000;
  while (MPI_Test(&request, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done) {
    struct timespec ts = {0, sleepNs};
    nanosleep(&ts, nullptr);
    sleepNs = std::min(sleepNs * 2, 1000000L);
  }
}

void Communicator::init(int *argc, char ***argv) {
  Communicator &c = world();
  if (c.mpi_ || !launchedByMpirun()) {
    return;
  }
  MPI_Init(argc, argv);
  c.mpi_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &c.rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &c.size_);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, c.rank_,
                      MPI_INFO_NULL, &node);
  MPI_Comm_size(node, &c.localSize_);
  MPI_Comm_free(&node);
}

void Communicator::finalize() {
  Communicator &c = world();
  if (c.mpi_) {
    MPI_Finalize();
    c.mpi_ = false;
  }
}

void Communicator::sumAll(std::vector<double> &values) {
  if (!distributed() || values.empty()) {
    return;
  }
  // In pieces: MPI counts are ints.
  const size_t piece = size_t(1) << 26;
  for (size_t at = 0; at < values.size(); at += piece) {
    int n = int(std::min(piece, values.size() - at));
    MPI_Request request;
    MPI_Iallreduce(MPI_IN_PLACE, values.data() + at, n, MPI_DOUBLE, MPI_SUM,
                   MPI_COMM_WORLD, &request);
    waitQuietly(request);
  }
}

void Communicator::broadcast(std::string &text, int root) {
  if (!distributed()) {
    return;
  }
  unsigned long long n = text.size();
  MPI_Request request;
  MPI_Ibcast(&n, 1, MPI_UNSIGNED_LONG_LONG, root, MPI_COMM_WORLD, &request);
  waitQuietly(request);
  text.resize(n);
  const size_t piece = size_t(1) << 30;
  for (size_t at = 0; at < n; at += piece) {
    MPI_Ibcast(&text[at], int(std::min<size_t>(piece, n - at)), MPI_CHAR, root,
               MPI_COMM_WORLD, &request);
    waitQuietly(request);
  }
}

void Communicator::broadcast(float *data, size_t n, int root) {
  if (!distributed()) {
    return;
  }
  const size_t piece = size_t(1) << 28;
  for (size_t at = 0; at < n; at += piece) {
    MPI_Request request;
    MPI_Ibcast(data + at, int(std::min(piece, n - at)), MPI_FLOAT, root,
               MPI_COMM_WORLD, &request);
    waitQuietly(request);
  }
}

void Communicator::abort(int code) {
  if (mpi_) {
    MPI_Abort(MPI_COMM_WORLD, code);
  }
  std::exit(code);
}
#else
void Communicator::init(int *, char ***) {}
void Communicator::finalize() {}
void Communicator::sumAll(std::vector<double> &) {}
void Communicator::broadcast(std::string &, int) {}
void Communicator::broadcast(float *, size_t, int) {}
void Communicator::abort(int code) { std::exit(code); }
#endif

} // namespace glow
