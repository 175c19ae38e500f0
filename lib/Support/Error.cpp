#include "glow/Support/Error.h"
#include "glow/Support/Distributed.h"

#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace glow {

std::string formatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

void exitOnError(const char *tool, llvm::Error err, int code) {
  if (!err) {
    return;
  }
  std::string msg = llvm::toString(std::move(err));
  // Keep the message on one line.
  for (char &c : msg) {
    if (c == '\n') {
      c = ' ';
    }
  }
  // Under mpirun every rank ends with this one. Most errors (a bad flag
  // value, a missing file) are met by every rank at once: the others wait a
  // moment, so that rank 0 prints the one message and its abort ends them;
  // an error of one rank alone is still printed, that moment later.
  Communicator &comm = Communicator::world();
  if (comm.distributed() && !comm.isRoot()) {
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  llvm::errs() << tool << ": error: " << msg << "\n";
  llvm::errs().flush();
  comm.abort(code);
}

} // namespace glow
