#include "glow/Support/Diagnostics.h"
#include "glow/Support/Error.h"

#include <gflags/gflags.h>

namespace glow {

llvm::Expected<std::vector<char *>>
initDiagnostics(const std::vector<char *> &args) {
  std::vector<char *> rest, glogArgs;
  if (!args.empty()) {
    rest.push_back(args[0]);
    glogArgs.push_back(args[0]);
  }
  for (size_t i = 1; i < args.size(); i++) {
    llvm::StringRef a(args[i]);
    llvm::StringRef flag = a.ltrim('-');
    if (a.startswith("-") &&
        (flag.startswith("v=") || flag.startswith("vmodule="))) {
      if (flag.startswith("v=")) {
        unsigned level;
        if (flag.drop_front(2).getAsInteger(10, level) || level > 9) {
          return makeError("-v: '" + flag.drop_front(2).str() +
                           "' is not a verbosity level (0 to 9)");
        }
      }
      glogArgs.push_back(args[i]);
      continue;
    }
    rest.push_back(args[i]);
  }
  int argc = int(glogArgs.size());
  char **argv = glogArgs.data();
  gflags::ParseCommandLineNonHelpFlags(&argc, &argv, /*remove_flags=*/false);
  FLAGS_logtostderr = true;
  static bool started = false;
  if (!started) {
    google::InitGoogleLogging(args.empty() ? "glow" : args[0]);
    started = true;
  }
  return rest;
}

} // namespace glow
