#include "glow/Tuner/StudyCheckpoint.h"

#include "glow/Support/Error.h"
#include "glow/Support/ResourceLimits.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"

#include <cmath>

namespace glow {

namespace {
const char *kMagic = "# glow precision-tuner checkpoint v1";

/// The text of a measurement line without its checksum.
std::string body(const std::string &key, const Measurement &m) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "M " << key << " " << llvm::format("%.17g", m.accuracy) << " "
     << llvm::format("%.17g", m.sqnr) << " " << m.images;
  return os.str();
}

/// Reads a line that body() wrote into \p key and \p m. \returns false
/// if it is not one.
bool parseBody(llvm::StringRef text, std::string &key, Measurement &m) {
  llvm::SmallVector<llvm::StringRef, 8> f;
  text.split(f, ' ');
  unsigned long long images = 0;
  if (f.size() != 5 || f[0] != "M" || f[2].getAsDouble(m.accuracy) ||
      f[3].getAsDouble(m.sqnr) || f[4].getAsInteger(10, images)) {
    return false;
  }
  key = f[1].str();
  m.images = images;
  return true;
}

uint32_t checksum(llvm::StringRef text) {
  return llvm::crc32(llvm::arrayRefFromStringRef(text));
}
} // namespace

llvm::Expected<std::unique_ptr<StudyCheckpoint>>
StudyCheckpoint::open(llvm::StringRef path, llvm::StringRef fingerprint,
                      llvm::StringRef description) {
  auto cp = std::make_unique<StudyCheckpoint>();
  cp->path_ = path.str();
  std::string header = std::string(kMagic) + "\nfingerprint " +
                       fingerprint.str() + "\nsettings " + description.str() +
                       "\n";
  if (llvm::sys::fs::exists(path)) {
    auto buf = readFileBounded(path, kMaxTextFileBytes, "checkpoint");
    if (!buf) {
      return buf.takeError();
    }
    llvm::StringRef text = *buf;
    auto bad = [&](size_t line, llvm::StringRef why) {
      return makeError("checkpoint '" + path + "' is corrupt at line " +
                       llvm::Twine(line) + " (" + why +
                       "); delete it to start again");
    };
    llvm::SmallVector<llvm::StringRef, 64> lines;
    text.split(lines, '\n');
    // A kill during a write leaves a last line without its newline.
    bool cut = !text.empty() && !text.endswith("\n");
    size_t complete = lines.size() - 1; // the element after the last '\n'
    if (complete < 3 || lines[0] != kMagic ||
        !lines[1].startswith("fingerprint ")) {
      return bad(1, "not a precision-tuner checkpoint");
    }
    if (lines[1] != ("fingerprint " + fingerprint).str()) {
      return makeError("checkpoint '" + path +
                       "' was written with other settings (" +
                       lines[2].drop_front(9) +
                       "); delete it or choose another -output-dir");
    }
    size_t keep = 0;
    for (size_t i = 0; i < 3; i++) {
      keep += lines[i].size() + 1;
    }
    for (size_t i = 3; i < complete; i++) {
      auto [content, sumText] = lines[i].rsplit(' ');
      uint32_t sum = 0;
      std::string key;
      Measurement m;
      if (sumText.getAsInteger(16, sum) || !parseBody(content, key, m)) {
        return bad(i + 1, "unreadable measurement");
      }
      if (checksum(content) != sum) {
        return bad(i + 1, "checksum mismatch");
      }
      // A checksum proves no accident, not sense: the values must be ones
      // a measurement can give (an accuracy -1 means no labels; the SQNR
      // is capped at 200 dB).
      bool accuracyOk =
          m.accuracy == -1 || (m.accuracy >= 0 && m.accuracy <= 1);
      if (!accuracyOk || std::isnan(m.sqnr) || m.sqnr > 200 || m.images == 0 ||
          m.images > (size_t(1) << 40)) {
        return bad(i + 1, "measurement out of range");
      }
      cp->entries_[key] = m;
      keep += lines[i].size() + 1;
    }
    cp->resumed_ = cp->entries_.size();
    if (cut) {
      llvm::errs() << "note: checkpoint '" << path
                   << "' ended in a line cut short by an interrupted run; "
                      "it is dropped\n";
      std::error_code ec;
      llvm::raw_fd_ostream rewrite(path, ec);
      if (ec) {
        return makeError("cannot rewrite checkpoint '" + path +
                         "': " + ec.message());
      }
      rewrite << text.substr(0, keep);
    }
  } else {
    std::error_code ec;
    llvm::raw_fd_ostream out(path, ec);
    if (ec) {
      return makeError("cannot create checkpoint '" + path +
                       "': " + ec.message());
    }
    out << header;
  }
  std::error_code ec;
  cp->out_ = std::make_unique<llvm::raw_fd_ostream>(path, ec,
                                                    llvm::sys::fs::OF_Append);
  if (ec) {
    return makeError("cannot append to checkpoint '" + path +
                     "': " + ec.message());
  }
  return std::move(cp);
}

std::string StudyCheckpoint::serialize() const {
  std::string s;
  for (auto &[key, m] : entries_) {
    s += body(key, m) + "\n";
  }
  return s;
}

std::unique_ptr<StudyCheckpoint>
StudyCheckpoint::fromSerialized(llvm::StringRef serialized) {
  auto cp = std::make_unique<StudyCheckpoint>();
  llvm::SmallVector<llvm::StringRef, 64> lines;
  serialized.split(lines, '\n', -1, false);
  for (llvm::StringRef line : lines) {
    std::string key;
    Measurement m;
    if (parseBody(line, key, m)) {
      cp->entries_[key] = m;
    }
  }
  cp->resumed_ = cp->entries_.size();
  return cp;
}

const Measurement *StudyCheckpoint::find(const std::string &key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

llvm::Error StudyCheckpoint::add(const std::string &key, const Measurement &m) {
  std::string b = body(key, m);
  entries_[key] = m;
  if (!out_) {
    return llvm::Error::success();
  }
  *out_ << b << " " << llvm::format_hex_no_prefix(checksum(b), 8) << "\n";
  out_->flush();
  if (out_->has_error()) {
    return makeError("cannot write checkpoint '" + path_ + "'");
  }
  return llvm::Error::success();
}

} // namespace glow
