#ifndef GLOW_TUNER_STUDYCHECKPOINT_H
#define GLOW_TUNER_STUDYCHECKPOINT_H

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <memory>
#include <string>

namespace glow {

/// One measured configuration: top-1 accuracy (a fraction; -1 without
/// labels) and the SQNR of the outputs against FP32 (dB), on `images`
/// images.
struct Measurement {
  double accuracy{-1};
  double sqnr{0};
  size_t images{0};
};

/// The measurements of a study, appended to a file as they finish so that
/// a killed run restarted with the same settings continues where it
/// stopped. The file starts with a fingerprint of the settings; each line
/// carries a CRC-32, so a checkpoint of other settings or a damaged line is
/// reported, never used. A last line cut short by a kill is dropped.
class StudyCheckpoint {
public:
  /// Opens \p path, creating it if missing, for the settings with
  /// \p fingerprint (\p description says what they are, for people).
  static llvm::Expected<std::unique_ptr<StudyCheckpoint>>
  open(llvm::StringRef path, llvm::StringRef fingerprint,
       llvm::StringRef description);

  /// \returns a checkpoint that holds \p serialized (what serialize gave on
  /// the rank that owns the file) and writes nothing: the other ranks' copy.
  static std::unique_ptr<StudyCheckpoint>
  fromSerialized(llvm::StringRef serialized);
  /// \returns every measurement, exactly, one per line.
  std::string serialize() const;

  /// \returns the stored measurement of \p key, or null.
  const Measurement *find(const std::string &key) const;
  /// Stores \p m under \p key and appends it to the file, if any.
  llvm::Error add(const std::string &key, const Measurement &m);
  /// Measurements read back from an earlier run.
  size_t resumed() const { return resumed_; }

private:
  std::string path_;
  std::map<std::string, Measurement> entries_;
  std::unique_ptr<llvm::raw_fd_ostream> out_;
  size_t resumed_{0};
};

} // namespace glow

#endif // GLOW_TUNER_STUDYCHECKPOINT_H
