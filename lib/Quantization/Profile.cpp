#include "glow/Quantization/Profile.h"
#include "glow/Support/Error.h"
#include "glow/Support/ResourceLimits.h"

#include "llvm/ADT/Hashing.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/YAMLTraits.h"
#include "llvm/Support/raw_ostream.h"

#include <cinttypes>
#include <cmath>
#ifdef __SSE2__
#include <immintrin.h>
#endif
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <limits>
#include <vector>

namespace glow {

//===----------------------------------------------------------------------===//
// Collecting
//===----------------------------------------------------------------------===//

/// Widens [lo, hi] to every value of \p values but NaN (infinities
/// included).
static void rangeIgnoringNaN(const float *values, size_t n, float &lo,
                             float &hi) {
  size_t i = 0;
#ifdef __SSE2__
  // MINPS(v, m) is v < m ? v : m, so a NaN never gets in, as below.
  __m128 mn = _mm_set1_ps(lo), mx = _mm_set1_ps(hi);
  for (; i + 4 <= n; i += 4) {
    __m128 v = _mm_loadu_ps(values + i);
    mn = _mm_min_ps(v, mn);
    mx = _mm_max_ps(v, mx);
  }
  float a[4], b[4];
  _mm_storeu_ps(a, mn);
  _mm_storeu_ps(b, mx);
  for (int k = 0; k < 4; k++) {
    lo = a[k] < lo ? a[k] : lo;
    hi = b[k] > hi ? b[k] : hi;
  }
#endif
  for (; i < n; i++) {
    float v = values[i];
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
}

/// \returns \p h with 1.f added \p k times, one float addition at a time
/// (exact up to 2^24; beyond, an addition may round to no change).
static float addOnes(float h, uint64_t k) {
  constexpr float kExact = 16777216.f; // 2^24
  if (k == 0) {
    return h;
  }
  if (h >= 0 && h <= kExact && h == std::floor(h)) {
    // Every step is exact up to 2^24; there 2^24 + 1 rounds (to even) back
    // to 2^24.
    return float(std::min(double(h) + double(k), double(kExact)));
  }
  for (; k > 0; k--) {
    float next = h + 1.f;
    if (next == h) {
      break; // every later addition rounds back to h as well
    }
    h = next;
  }
  return h;
}

void NodeProfile::update(const float *values, size_t n, unsigned numBins) {
  if (n == 0) {
    return;
  }
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  rangeIgnoringNaN(values, n, lo, hi);
  if (std::isinf(lo) || std::isinf(hi)) {
    // An infinity (or nothing but NaN): the range of the finite values.
    lo = std::numeric_limits<float>::infinity(), hi = -lo;
    for (size_t i = 0; i < n; i++) {
      if (std::isfinite(values[i])) {
        lo = std::min(lo, values[i]);
        hi = std::max(hi, values[i]);
      }
    }
  }
  if (lo > hi) {
    return; // No finite value.
  }
  if (empty) {
    min = lo;
    max = hi;
    histogram.assign(std::max(numBins, 1u), 0.f);
    empty = false;
  } else if (lo < min || hi > max) {
    // Move the old counts into the bins of the widened range.
    float newMin = std::min(min, lo), newMax = std::max(max, hi);
    std::vector<float> moved(histogram.size(), 0.f);
    size_t bins = histogram.size();
    float oldWidth = (max - min) / bins, newWidth = (newMax - newMin) / bins;
    for (size_t b = 0; b < bins; b++) {
      if (histogram[b] == 0) {
        continue;
      }
      float centre = min + (b + 0.5f) * oldWidth;
      size_t nb = newWidth > 0 ? size_t((centre - newMin) / newWidth) : 0;
      moved[std::min(nb, bins - 1)] += histogram[b];
    }
    histogram = std::move(moved);
    min = newMin;
    max = newMax;
  }
  size_t bins = histogram.size();
  float width = (max - min) / bins;
  if (!(width > 0)) {
    for (size_t i = 0; i < n; i++) {
      histogram[0] += std::isfinite(values[i]) ? 1.f : 0.f;
    }
    return;
  }
  // The bins of a chunk first (a loop the compiler vectorizes), then the
  // counts: integers in kLanes interleaved tables, so that a run of values
  // in one bin (the zeros after a Relu) is not one long chain of
  // dependent additions. They are added to the float bins at the end with
  // the result of adding 1.f once per value.
  constexpr size_t kChunk = 512;
  constexpr size_t kLanes = 4;
  int32_t index[kChunk];
  const float limit = float(bins - 1);
  thread_local std::vector<uint32_t> counts;
  counts.assign(bins * kLanes, 0);
  for (size_t at = 0; at < n; at += kChunk) {
    size_t m = std::min(kChunk, n - at);
    const float *v = values + at;
    for (size_t i = 0; i < m; i++) {
      // Values are within [min, max]: the quotient is in [0, bins]; a
      // non-finite one is marked -1.
      float q = (v[i] - min) / width;
      q = q < limit ? q : limit;
      q = v[i] - v[i] == 0.f ? q : -1.f;
      index[i] = int32_t(q);
    }
    for (size_t i = 0; i < m; i++) {
      if (index[i] >= 0) {
        counts[size_t(index[i]) * kLanes + i % kLanes]++;
      }
    }
  }
  for (size_t b = 0; b < bins; b++) {
    uint64_t k = 0;
    for (size_t l = 0; l < kLanes; l++) {
      k += counts[b * kLanes + l];
    }
    histogram[b] = addOnes(histogram[b], k);
  }
}

void NodeProfile::updateChannelMeans(const float *values,
                                     llvm::ArrayRef<dim_t> dims) {
  if (dims.size() < 2 || dims[1] == 0) {
    return;
  }
  size_t C = dims[1], outer = dims[0], inner = 1;
  for (size_t i = 2; i < dims.size(); i++) {
    inner *= dims[i];
  }
  if (channelMeans.size() != C) {
    if (channelCount > 0) {
      return; // another shape than before: keep the first
    }
    channelMeans.assign(C, 0.0);
  }
  double n = double(outer) * inner;
  if (n == 0) {
    return;
  }
  for (size_t c = 0; c < C; c++) {
    double sum = 0;
    for (size_t o = 0; o < outer; o++) {
      const float *p = values + (o * C + c) * inner;
      for (size_t i = 0; i < inner; i++) {
        sum += std::isfinite(p[i]) ? p[i] : 0.0;
      }
    }
    channelMeans[c] =
        (channelMeans[c] * channelCount + sum) / (channelCount + n);
  }
  channelCount += n;
}

llvm::Expected<const NodeProfile *>
ProfileSet::get(const std::string &name) const {
  auto it = entries.find(name);
  if (it == entries.end()) {
    return makeError("the profile has no entry for '" + name +
                     "' (was it taken on another model?)");
  }
  return &it->second;
}

std::string getNodeOutputName(NodeValue v) {
  return v.getNode()->getName().str() + ":" + std::to_string(v.resNo);
}

uint64_t hashGraph(const Function &F) {
  llvm::hash_code h = llvm::hash_value(F.getNodes().size());
  for (const Node *n : F.getNodesInTopologicalOrder()) {
    h = llvm::hash_combine(h, int(n->getKind()), n->getName());
    for (unsigned i = 0; i < n->getNumInputs(); i++) {
      const Node *in = n->getNthInput(i).getNode();
      h = llvm::hash_combine(h, in->getName(), n->getNthInput(i).resNo);
      if (in->getKind() == Node::Kind::ConstantKind) {
        auto d = in->getType().dims();
        h = llvm::hash_combine(h, llvm::hash_combine_range(d.begin(), d.end()));
      }
    }
  }
  return uint64_t(size_t(h));
}

//===----------------------------------------------------------------------===//
// YAML
//===----------------------------------------------------------------------===//

namespace {
/// A float written with 9 significant digits, enough to read back the
/// same float.
struct ExactFloat {
  float value{0};
};

struct YamlVersion {
  std::string GlowToolsVersion;
};
struct YamlHash {
  uint64_t GraphPreLowerHash{0};
  // This project's addition, written only when true.
  bool CrossLayerEqualization{false};
};
struct YamlEntry {
  std::string NodeOutputName;
  ExactFloat Min, Max;
  std::vector<ExactFloat> Histogram;
  // This project's additions (optional; other readers ignore them).
  std::vector<ExactFloat> ChannelMeans;
  double ChannelCount{0};
};
} // namespace
} // namespace glow

LLVM_YAML_IS_FLOW_SEQUENCE_VECTOR(glow::ExactFloat)
LLVM_YAML_IS_SEQUENCE_VECTOR(glow::YamlEntry)

namespace llvm {
namespace yaml {
template <> struct ScalarTraits<glow::ExactFloat> {
  static void output(const glow::ExactFloat &v, void *, raw_ostream &os) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.9g", double(v.value));
    os << buf;
  }
  static StringRef input(StringRef s, void *, glow::ExactFloat &v) {
    // std::from_chars rounds as StringRef::getAsDouble does (correctly),
    // without its arbitrary-precision arithmetic: a profile of EfficientNet-
    // V2-S (7.8 MB, a histogram per node) spent 0.45 s there.
    s.consume_front("+");
    double d;
    auto [end, ec] = std::from_chars(s.begin(), s.end(), d);
    if (ec != std::errc() || end != s.end()) {
      return "invalid float";
    }
    v.value = float(d);
    return StringRef();
  }
  static QuotingType mustQuote(StringRef) { return QuotingType::None; }
};
template <> struct MappingTraits<glow::YamlVersion> {
  static void mapping(IO &io, glow::YamlVersion &v) {
    io.mapRequired("GlowToolsVersion", v.GlowToolsVersion);
  }
};
template <> struct MappingTraits<glow::YamlHash> {
  static void mapping(IO &io, glow::YamlHash &v) {
    io.mapRequired("GraphPreLowerHash", v.GraphPreLowerHash);
    io.mapOptional("CrossLayerEqualization", v.CrossLayerEqualization, false);
  }
};
template <> struct MappingTraits<glow::YamlEntry> {
  static void mapping(IO &io, glow::YamlEntry &e) {
    io.mapRequired("NodeOutputName", e.NodeOutputName);
    io.mapRequired("Min", e.Min);
    io.mapRequired("Max", e.Max);
    io.mapRequired("Histogram", e.Histogram);
    io.mapOptional("ChannelMeans", e.ChannelMeans);
    io.mapOptional("ChannelCount", e.ChannelCount, 0.0);
  }
};
} // namespace yaml
} // namespace llvm

namespace glow {

static const char *kToolsVersion = "glow-mp 0.1";

llvm::Error writeProfile(const ProfileSet &profile, llvm::StringRef path) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_Text);
  if (ec) {
    return makeError("cannot write profile '" + path + "': " + ec.message());
  }
  YamlVersion version{kToolsVersion};
  YamlHash hash{profile.graphHash, profile.crossLayerEqualization};
  std::vector<YamlEntry> entries;
  for (auto &name : profile.order) {
    auto &p = profile.entries.at(name);
    YamlEntry e;
    e.NodeOutputName = name;
    e.Min.value = p.min;
    e.Max.value = p.max;
    for (float h : p.histogram) {
      e.Histogram.push_back({h});
    }
    for (double m : p.channelMeans) {
      e.ChannelMeans.push_back({float(m)});
    }
    e.ChannelCount = p.channelCount;
    entries.push_back(std::move(e));
  }
  llvm::yaml::Output yout(os);
  yout << version;
  yout << hash;
  yout << entries;
  return llvm::Error::success();
}

/// \returns a description of what a profile may not hold: YAML nested more
/// than \p maxDepth levels (flow brackets, block sequence dashes or
/// indentation: LLVM's YAML parser recurses once a level, so a deep file
/// would exhaust the stack; a profile has three levels), or an anchor or
/// alias (a profile has none, and LLVM 15's YAML input dereferences a null
/// node for an alias where a sequence is expected). Empty if neither.
static std::string unsupportedYaml(llvm::StringRef text, unsigned maxDepth) {
  const std::string tooDeep =
      "YAML nested more than " + std::to_string(maxDepth) + " levels deep";
  unsigned flow = 0;
  bool lineStart = true, inQuote = false;
  char quote = 0, prev = '\n';
  unsigned indent = 0;
  for (size_t i = 0; i < text.size(); prev = text[i], i++) {
    char c = text[i];
    if (inQuote) {
      inQuote = !(c == quote || c == '\n');
      continue;
    }
    if (c == '\n') {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart && (c == ' ' || c == '-' || c == '?' || c == '\t')) {
      if (++indent > maxDepth) {
        return tooDeep;
      }
      continue;
    }
    lineStart = false;
    if ((c == '*' || c == '&') &&
        llvm::StringRef(" \t\n-?:,[{").contains(prev)) {
      return "YAML anchors and aliases are not supported";
    }
    if (c == '#') {
      i = text.find('\n', i);
      if (i == llvm::StringRef::npos) {
        break;
      }
      i--;
    } else if (c == '"' || c == '\'') {
      inQuote = true;
      quote = c;
    } else if (c == '[' || c == '{') {
      if (++flow > maxDepth) {
        return tooDeep;
      }
    } else if ((c == ']' || c == '}') && flow) {
      flow--;
    }
  }
  return "";
}

llvm::Expected<ProfileSet> readProfile(llvm::StringRef path) {
  auto buf = readFileBounded(path, uint64_t(256) << 20, "profile");
  if (!buf) {
    return buf.takeError();
  }
  return parseProfile(*buf, path);
}

llvm::Expected<ProfileSet> parseProfile(const std::string &text,
                                        llvm::StringRef path) {
  const std::string *buf = &text;
  std::string unsupported = unsupportedYaml(*buf, 64);
  if (!unsupported.empty()) {
    return makeError("profile '" + path + "' is malformed: " + unsupported);
  }
  YamlVersion version;
  YamlHash hash;
  std::vector<YamlEntry> entries;
  std::string diag;
  auto handler = [](const llvm::SMDiagnostic &d, void *ctx) {
    auto *s = static_cast<std::string *>(ctx);
    if (s->empty()) {
      *s = d.getMessage().str();
    }
  };
  llvm::yaml::Input yin(*buf, nullptr, handler, &diag);
  yin >> version;
  if (!yin.error() && yin.nextDocument()) {
    yin >> hash;
  } else if (!yin.error()) {
    return makeError("profile '" + path +
                     "' lacks the GraphPreLowerHash document");
  }
  if (!yin.error() && yin.nextDocument()) {
    yin >> entries;
  } else if (!yin.error()) {
    return makeError("profile '" + path + "' lacks the list of entries");
  }
  if (yin.error()) {
    return makeError("profile '" + path + "' is malformed: " +
                     (diag.empty() ? yin.error().message() : diag));
  }
  ProfileSet profile;
  profile.graphHash = hash.GraphPreLowerHash;
  profile.crossLayerEqualization = hash.CrossLayerEqualization;
  for (auto &e : entries) {
    if (!(e.Min.value <= e.Max.value)) {
      return makeError("profile '" + path + "': entry '" + e.NodeOutputName +
                       "' has Min > Max");
    }
    for (double v : {double(e.Min.value), double(e.Max.value)}) {
      if (!std::isfinite(v) || std::fabs(v) > kMaxProfileMagnitude) {
        return makeError("profile '" + path + "': entry '" + e.NodeOutputName +
                         "' has a Min or Max of " + formatNumber(v) +
                         ", beyond +-" + formatNumber(kMaxProfileMagnitude));
      }
    }
    if (e.Histogram.size() > kMaxHistogramBins) {
      return makeError("profile '" + path + "': entry '" + e.NodeOutputName +
                       "' has more than " + llvm::Twine(kMaxHistogramBins) +
                       " histogram bins");
    }
    for (auto &h : e.Histogram) {
      if (!std::isfinite(h.value) || h.value < 0) {
        return makeError("profile '" + path + "': entry '" + e.NodeOutputName +
                         "' has a histogram count that is negative or not "
                         "finite");
      }
    }
    NodeProfile p;
    p.min = e.Min.value;
    p.max = e.Max.value;
    p.empty = false;
    for (auto &h : e.Histogram) {
      p.histogram.push_back(h.value);
    }
    if (e.ChannelMeans.size() > kMaxHistogramBins ||
        !std::isfinite(e.ChannelCount) || e.ChannelCount < 0) {
      return makeError("profile entry '" + e.NodeOutputName +
                       "' has bad channel means");
    }
    for (auto &m : e.ChannelMeans) {
      if (!std::isfinite(m.value)) {
        return makeError("profile entry '" + e.NodeOutputName +
                         "' has a channel mean that is not finite");
      }
      p.channelMeans.push_back(m.value);
    }
    p.channelCount = e.ChannelCount;
    if (!profile.entries.emplace(e.NodeOutputName, std::move(p)).second) {
      return makeError("profile '" + path + "': entry '" + e.NodeOutputName +
                       "' appears twice");
    }
    profile.order.push_back(e.NodeOutputName);
  }
  return std::move(profile);
}

} // namespace glow
