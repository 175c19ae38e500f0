#ifndef GLOW_SUPPORT_DISTRIBUTED_H
#define GLOW_SUPPORT_DISTRIBUTED_H

#include <cstddef>
#include <string>
#include <vector>

namespace glow {

/// The processes of one run: under mpirun (when built with MPI) every rank
/// of MPI_COMM_WORLD, otherwise this process alone (rank 0 of 1). Every
/// collective call must be made by every rank in the same order.
class Communicator {
public:
  /// Joins the ranks when the process was started by mpirun (MPI_Init),
  /// else does nothing. Call once, before anything else runs.
  static void init(int *argc, char ***argv);
  /// Leaves the ranks (MPI_Finalize) at the end of a successful run.
  static void finalize();
  static Communicator &world();
  /// This process's rank as the launcher (mpirun) numbers it, readable
  /// before init(): 0 when no launcher started us.
  static int launcherRank();

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool isRoot() const { return rank_ == 0; }
  bool distributed() const { return size_ > 1; }
  /// Ranks on this machine (this one included).
  int localSize() const { return localSize_; }

  /// Every collective call waits without spinning, so that waiting ranks
  /// leave their cores to the ones that work.
  /// Element-wise sum of \p values over all ranks, the result on every
  /// rank. Where exactly one rank holds a non-zero value per element (the
  /// others 0), the sum is that value exactly, whatever the order.
  void sumAll(std::vector<double> &values);
  /// Copies \p text from rank \p root to every rank.
  void broadcast(std::string &text, int root = 0);
  /// Copies \p n floats at \p data from rank \p root to every rank.
  void broadcast(float *data, size_t n, int root);
  /// True inside a SharedCompileScope: every rank is compiling the same
  /// function at the same time, so the backend may split the work among
  /// them (a collective operation).
  bool sharesCompiles() const { return sharesCompiles_; }
  /// Marks, for its lifetime, that every rank compiles the same function.
  class SharedCompileScope {
  public:
    SharedCompileScope() { world().sharesCompiles_ = true; }
    ~SharedCompileScope() { world().sharesCompiles_ = false; }
  };

  /// Ends every rank at once with exit status \p code (MPI_Abort); exits
  /// this process alone when not distributed.
  [[noreturn]] void abort(int code);

private:
  int rank_{0}, size_{1}, localSize_{1};
  bool mpi_{false};
  bool sharesCompiles_{false};
};

} // namespace glow

#endif // GLOW_SUPPORT_DISTRIBUTED_H
