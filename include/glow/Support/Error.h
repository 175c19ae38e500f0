#ifndef GLOW_SUPPORT_ERROR_H
#define GLOW_SUPPORT_ERROR_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

namespace glow {

/// \returns an llvm::Error carrying the one-line message \p msg.
inline llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::make_error<llvm::StringError>(msg,
                                             llvm::inconvertibleErrorCode());
}

/// \returns \p v printed for a message ("%g": 0, 1e+16, inf, nan).
std::string formatNumber(double v);

/// Exits the process with a one-line "TOOL: error: MSG" on stderr and status
/// \p code if \p err is an error; otherwise consumes it. For tools only.
void exitOnError(const char *tool, llvm::Error err, int code = 1);

/// Unwraps \p v or exits like exitOnError.
template <class T> T exitOnError(const char *tool, llvm::Expected<T> v) {
  if (!v) {
    exitOnError(tool, v.takeError());
  }
  return std::move(*v);
}

} // namespace glow

#endif // GLOW_SUPPORT_ERROR_H
