#include "glow/Support/Error.h"
#include "glow/Support/Distributed.h"

#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstdlib>

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
  llvm::errs() << tool << ": error: " << msg << "\n";
  llvm::errs().flush();
  // Under mpirun every rank ends with this one.
  Communicator::world().abort(code);
}

} // namespace glow
