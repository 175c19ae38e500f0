#include "glow/Tuner/StudyReport.h"

#include "glow/Support/Error.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>

namespace glow {

namespace {

using Mode = StudyOptions::Mode;
using Metric = StudyOptions::Metric;

/// A CSV field, quoted when it holds a comma or a quote.
std::string csv(llvm::StringRef s) {
  if (s.find_first_of(",\"") == llvm::StringRef::npos) {
    return s.str();
  }
  std::string out = "\"";
  for (char c : s) {
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  return out + "\"";
}

/// Accuracy as a percentage with its digits, or empty without labels.
std::string pct(double fraction) {
  if (fraction < 0) {
    return "";
  }
  std::string s;
  llvm::raw_string_ostream(s) << llvm::format("%.2f", 100 * fraction);
  return s;
}

std::string num(double v, const char *fmt = "%.3f") {
  std::string s;
  llvm::raw_string_ostream(s) << llvm::format(fmt, v);
  return s;
}

const char *modeName(Mode m) {
  return m == Mode::OnlyOne ? "only-one" : "all-but-one";
}

/// What a unit's configuration was, in words.
const char *configName(Mode m) {
  return m == Mode::OnlyOne ? "only this unit INT8"
                            : "every unit but this one INT8";
}

llvm::Error openFile(const std::string &dir, const char *name,
                     std::unique_ptr<llvm::raw_fd_ostream> &os) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, name);
  std::error_code ec;
  os = std::make_unique<llvm::raw_fd_ostream>(path, ec);
  if (ec) {
    return makeError("cannot write '" + path + "': " + ec.message());
  }
  return llvm::Error::success();
}

/// The number the figure and the tables show for a unit: its accuracy
/// drop (OnlyOne) or gain (AllButOne) in points, or the SQNR in dB.
double shownValue(const StudyDescription &d, const UnitSensitivity &u) {
  if (d.options.metric == Metric::Proxy) {
    return u.measured.sqnr;
  }
  return 100 * u.score;
}

llvm::Error writeCSV(const std::string &dir, const StudyDescription &d,
                     const std::vector<PrecisionUnit> &units,
                     const StudyResult &r) {
  std::unique_ptr<llvm::raw_fd_ostream> os;
  if (auto err = openFile(dir, "sensitivity.csv", os)) {
    return err;
  }
  *os << "rank,position,unit,kind,layers,configuration,images,accuracy,"
      << (d.options.mode == Mode::OnlyOne ? "drop" : "gain") << ",sqnr_db\n";
  for (size_t u = 0; u < units.size(); u++) {
    const UnitSensitivity &s = r.units[u];
    *os << s.rank << "," << units[u].position << "," << csv(units[u].name)
        << "," << csv(units[u].kind) << ","
        << csv(llvm::join(units[u].layers, ";")) << ","
        << configName(d.options.mode) << "," << s.measured.images << ","
        << pct(s.measured.accuracy) << ","
        << (s.measured.accuracy < 0 ? "" : num(100 * s.score, "%.2f")) << ","
        << num(s.measured.sqnr, "%.2f") << "\n";
  }
  std::unique_ptr<llvm::raw_fd_ostream> ss;
  if (auto err = openFile(dir, "search.csv", ss)) {
    return err;
  }
  *ss << "step,unit,layers,fp32_units,images,accuracy,drop\n";
  for (size_t i = 0; i < r.steps.size(); i++) {
    const SearchStep &st = r.steps[i];
    *ss << i + 1 << "," << csv(units[st.unit].name) << ","
        << csv(llvm::join(units[st.unit].layers, ";")) << "," << i + 1 << ","
        << st.measured.images << "," << pct(st.measured.accuracy) << ","
        << num(100 * (r.fp32.accuracy - st.measured.accuracy), "%.2f") << "\n";
  }
  return llvm::Error::success();
}

llvm::Error writeJSON(const std::string &dir, const StudyDescription &d,
                      const std::vector<PrecisionUnit> &units,
                      const StudyResult &r) {
  std::unique_ptr<llvm::raw_fd_ostream> os;
  if (auto err = openFile(dir, "sensitivity.json", os)) {
    return err;
  }
  auto fraction = [](double v) -> llvm::json::Value {
    return v < 0 ? llvm::json::Value(nullptr) : llvm::json::Value(v);
  };
  llvm::json::OStream j(*os, 2);
  j.object([&] {
    j.attribute("model", d.model);
    j.attribute("settings", d.settings);
    j.attribute("sensitivity", modeName(d.options.mode));
    j.attribute("metric",
                d.options.metric == Metric::Accuracy ? "accuracy" : "proxy");
    j.attribute("images", int64_t(r.fp32.images));
    j.attribute("fp32_accuracy", fraction(r.fp32.accuracy));
    j.attribute("int8_accuracy", fraction(r.int8.accuracy));
    j.attribute("int8_sqnr_db", r.int8.sqnr);
    if (!std::isnan(r.spearman)) {
      j.attribute("proxy_spearman_with_accuracy", r.spearman);
    }
    j.attributeArray("units", [&] {
      for (size_t u = 0; u < units.size(); u++) {
        const UnitSensitivity &s = r.units[u];
        j.object([&] {
          j.attribute("rank", int64_t(s.rank));
          j.attribute("position", int64_t(units[u].position));
          j.attribute("unit", units[u].name);
          j.attribute("kind", units[u].kind);
          j.attributeArray("layers", [&] {
            for (auto &l : units[u].layers) {
              j.value(l);
            }
          });
          j.attribute("configuration", configName(d.options.mode));
          j.attribute("images", int64_t(s.measured.images));
          j.attribute("accuracy", fraction(s.measured.accuracy));
          j.attribute(d.options.mode == Mode::OnlyOne ? "drop" : "gain",
                      s.measured.accuracy < 0 ? llvm::json::Value(nullptr)
                                              : llvm::json::Value(s.score));
          j.attribute("sqnr_db", s.measured.sqnr);
        });
      }
    });
    j.attributeObject("search", [&] {
      j.attribute("target_accuracy", fraction(r.target));
      j.attribute("target_met", r.targetMet);
      j.attributeArray("steps", [&] {
        for (auto &st : r.steps) {
          j.object([&] {
            j.attribute("unit", units[st.unit].name);
            j.attribute("accuracy", fraction(st.measured.accuracy));
            j.attribute("images", int64_t(st.measured.images));
          });
        }
      });
    });
  });
  *os << "\n";
  return llvm::Error::success();
}

llvm::Error writeKeepList(const std::string &dir, const StudyDescription &d,
                          const std::vector<PrecisionUnit> &units,
                          const StudyResult &r) {
  std::unique_ptr<llvm::raw_fd_ostream> os;
  if (auto err = openFile(dir, "keep-layers.txt", os)) {
    return err;
  }
  double achieved =
      r.steps.empty() ? r.int8.accuracy : r.steps.back().measured.accuracy;
  *os << "# FP32 keep list written by precision-tuner, for\n"
      << "#   -keep-original-precision-for-layers=@keep-layers.txt\n"
      << "# model: " << d.model << "\n# settings: " << d.settings << "\n";
  if (r.fp32.accuracy >= 0) {
    *os << "# top-1 on " << r.fp32.images << " images: FP32 "
        << pct(r.fp32.accuracy) << "%, all INT8 " << pct(r.int8.accuracy)
        << "%, with these " << r.steps.size() << " units FP32 " << pct(achieved)
        << "% (target " << pct(r.target) << "%, "
        << (r.targetMet ? "met" : "not met") << ")\n";
  }
  for (auto &st : r.steps) {
    *os << "# unit " << units[st.unit].name << ": " << pct(st.measured.accuracy)
        << "%\n";
    for (auto &l : units[st.unit].layers) {
      *os << l << "\n";
    }
  }
  // The same choice as per-layer precisions: every layer of every unit.
  std::unique_ptr<llvm::raw_fd_ostream> lp;
  if (auto err = openFile(dir, "layer-precision.txt", lp)) {
    return err;
  }
  *lp << "# Layer precisions written by precision-tuner (the keep list of "
         "keep-layers.txt), for\n"
      << "#   -layer-precision=@layer-precision.txt\n"
      << "# model: " << d.model << "\n";
  std::vector<bool> fp32(units.size(), false);
  for (auto &st : r.steps) {
    fp32[st.unit] = true;
  }
  for (size_t u = 0; u < units.size(); u++) {
    for (auto &l : units[u].layers) {
      *lp << l << " " << (fp32[u] ? "fp32" : "int8") << "\n";
    }
  }
  return llvm::Error::success();
}

/// \returns a tick step of 1, 2 or 5 times a power of ten giving 4 to 10
/// ticks over \p span.
double tickStep(double span) {
  double p = std::pow(10.0, std::floor(std::log10(std::max(span, 1e-9))));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (span / (m * p) <= 8) {
      return m * p;
    }
  }
  return 10 * p;
}

std::string xmlEscape(llvm::StringRef s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '&':
      out += "&amp;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

llvm::Error writeSVG(const std::string &dir, const StudyDescription &d,
                     const std::vector<PrecisionUnit> &units,
                     const StudyResult &r) {
  std::unique_ptr<llvm::raw_fd_ostream> os;
  if (auto err = openFile(dir, "sensitivity.svg", os)) {
    return err;
  }
  bool proxy = d.options.metric == Metric::Proxy;
  bool only = d.options.mode == Mode::OnlyOne;
  // Values in graph order, and the all-INT8 reference line.
  std::vector<double> v;
  for (auto &s : r.units) {
    v.push_back(shownValue(d, s));
  }
  double line = proxy ? r.int8.sqnr : 100 * (r.fp32.accuracy - r.int8.accuracy);
  double lo = std::min(0.0, *std::min_element(v.begin(), v.end()));
  double hi = std::max({0.0, line, *std::max_element(v.begin(), v.end())});
  lo = std::min(lo, line);
  if (hi - lo < 1e-9) {
    hi = lo + 1;
  }
  double step = tickStep(hi - lo);
  lo = std::floor(lo / step) * step;
  hi = std::ceil(hi / step) * step;
  const double left = 80, top = 60, plotH = 320, bottom = 260, right = 30;
  double slot = std::max(18.0, std::min(40.0, 900.0 / units.size()));
  double plotW = slot * units.size();
  double width = left + plotW + right, height = top + plotH + bottom;
  auto y = [&](double val) { return top + (hi - val) / (hi - lo) * plotH; };
  std::string what =
      proxy ? (only ? "SQNR of the outputs with only this unit INT8 (dB)"
                    : "SQNR with every unit but this one INT8 (dB)")
            : (only ? "Top-1 drop with only this unit INT8 (points)"
                    : "Top-1 gain from keeping only this unit FP32 (points)");
  *os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\""
      << num(width, "%.0f") << "\" height=\"" << num(height, "%.0f")
      << "\" font-family=\"sans-serif\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << num(left, "%.0f") << "\" y=\"24\" font-size=\"16\">"
      << xmlEscape(what) << "</text>\n"
      << "<text x=\"" << num(left, "%.0f")
      << "\" y=\"44\" font-size=\"11\" fill=\"#555\">"
      << xmlEscape(llvm::sys::path::filename(d.model).str() + " - " +
                   d.shortSettings)
      << "</text>\n";
  // Grid and y axis.
  for (double t = lo; t <= hi + step / 2; t += step) {
    *os << "<line x1=\"" << num(left) << "\" x2=\"" << num(left + plotW)
        << "\" y1=\"" << num(y(t)) << "\" y2=\"" << num(y(t))
        << "\" stroke=\"#ddd\"/>\n<text x=\"" << num(left - 6) << "\" y=\""
        << num(y(t) + 4) << "\" font-size=\"11\" text-anchor=\"end\">"
        << num(t, step < 1 ? "%.2f" : "%.0f") << "</text>\n";
  }
  *os << "<text transform=\"translate(18," << num(top + plotH / 2)
      << ") rotate(-90)\" font-size=\"12\" text-anchor=\"middle\">"
      << (proxy  ? "SQNR (dB)"
          : only ? "accuracy drop (points)"
                 : "accuracy gain (points)")
      << "</text>\n";
  // Bars and unit labels.
  for (size_t u = 0; u < units.size(); u++) {
    double x0 = left + u * slot + slot * 0.15, w = slot * 0.7;
    double y0 = y(std::max(0.0, v[u])), y1 = y(std::min(0.0, v[u]));
    bool top5 = r.units[u].rank <= 5;
    *os << "<rect x=\"" << num(x0) << "\" y=\"" << num(y0) << "\" width=\""
        << num(w) << "\" height=\"" << num(std::max(y1 - y0, 0.5))
        << "\" fill=\"" << (top5 ? "#c0392b" : "#5d8fc9") << "\"><title>"
        << xmlEscape(units[u].name) << ": " << num(v[u], "%.2f")
        << "</title></rect>\n";
    double lx = left + u * slot + slot / 2, ly = top + plotH + 10;
    std::string name = units[u].layers.front();
    if (name.size() > 36) {
      name = "..." + name.substr(name.size() - 33);
    }
    std::string label = std::to_string(units[u].position) + " " + name +
                        (units[u].layers.size() > 1 ? " +act" : "");
    *os << "<text transform=\"translate(" << num(lx + 4) << "," << num(ly)
        << ") rotate(-65)\" font-size=\"10\" text-anchor=\"end\">"
        << xmlEscape(label) << "</text>\n";
  }
  // Zero axis and the all-INT8 reference.
  *os << "<line x1=\"" << num(left) << "\" x2=\"" << num(left + plotW)
      << "\" y1=\"" << num(y(0)) << "\" y2=\"" << num(y(0))
      << "\" stroke=\"black\"/>\n<line x1=\"" << num(left) << "\" x2=\""
      << num(left + plotW) << "\" y1=\"" << num(y(line)) << "\" y2=\""
      << num(y(line))
      << "\" stroke=\"#e67e22\" stroke-width=\"2\" stroke-dasharray=\"6,4\"/>\n"
      << "<text x=\"" << num(left + plotW - 4) << "\" y=\"" << num(y(line) - 6)
      << "\" font-size=\"11\" text-anchor=\"end\" fill=\"#e67e22\">all INT8: "
      << num(line, "%.2f") << (proxy ? " dB" : " points") << "</text>\n"
      << "</svg>\n";
  return llvm::Error::success();
}

/// size-frontier.svg: accuracy against total weight bytes of every step of
/// the size search, joined in order, with FP32 and the target.
llvm::Error writeFrontierSVG(const std::string &dir, const std::string &model,
                             const SizeSearchResult &r) {
  std::unique_ptr<llvm::raw_fd_ostream> os;
  if (auto err = openFile(dir, "size-frontier.svg", os)) {
    return err;
  }
  double xmax = double(r.fp32Bytes) / 1024, xmin = 0;
  double ylo = r.target, yhi = r.fp32.accuracy;
  for (auto &s : r.steps) {
    ylo = std::min(ylo, s.measured.accuracy);
    yhi = std::max(yhi, s.measured.accuracy);
  }
  ylo *= 100;
  yhi *= 100;
  double ystep = tickStep(std::max(yhi - ylo, 0.1));
  ylo = std::floor(ylo / ystep) * ystep;
  yhi = std::ceil(yhi / ystep) * ystep + (yhi == ylo ? ystep : 0);
  double xstep = tickStep(std::max(xmax - xmin, 1.0));
  xmax = std::ceil(xmax / xstep) * xstep;
  const double left = 80, top = 60, plotW = 640, plotH = 360, bottom = 60;
  auto x = [&](double kb) {
    return left + (kb - xmin) / (xmax - xmin) * plotW;
  };
  auto y = [&](double p) { return top + (yhi - p) / (yhi - ylo) * plotH; };
  *os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\""
      << num(left + plotW + 40, "%.0f") << "\" height=\""
      << num(top + plotH + bottom, "%.0f") << "\" font-family=\"sans-serif\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << num(left, "%.0f")
      << "\" y=\"24\" font-size=\"16\">Top-1 against weight size, each step "
         "of the size search</text>\n"
      << "<text x=\"" << num(left, "%.0f")
      << "\" y=\"44\" font-size=\"11\" fill=\"#555\">"
      << xmlEscape(llvm::sys::path::filename(model).str()) << "</text>\n";
  for (double t = ylo; t <= yhi + ystep / 2; t += ystep) {
    *os << "<line x1=\"" << num(left) << "\" x2=\"" << num(left + plotW)
        << "\" y1=\"" << num(y(t)) << "\" y2=\"" << num(y(t))
        << "\" stroke=\"#ddd\"/>\n<text x=\"" << num(left - 6) << "\" y=\""
        << num(y(t) + 4) << "\" font-size=\"11\" text-anchor=\"end\">"
        << num(t, ystep < 1 ? "%.2f" : "%.0f") << "</text>\n";
  }
  for (double t = xmin; t <= xmax + xstep / 2; t += xstep) {
    *os << "<text x=\"" << num(x(t)) << "\" y=\"" << num(top + plotH + 18)
        << "\" font-size=\"11\" text-anchor=\"middle\">" << num(t, "%.0f")
        << "</text>\n";
  }
  *os << "<text x=\"" << num(left + plotW / 2) << "\" y=\""
      << num(top + plotH + 40)
      << "\" font-size=\"12\" text-anchor=\"middle\">weight bytes (KiB)"
         "</text>\n<text transform=\"translate(18,"
      << num(top + plotH / 2)
      << ") rotate(-90)\" font-size=\"12\" text-anchor=\"middle\">top-1 (%)"
         "</text>\n";
  // The target line and the FP32 point.
  *os << "<line x1=\"" << num(left) << "\" x2=\"" << num(left + plotW)
      << "\" y1=\"" << num(y(100 * r.target)) << "\" y2=\""
      << num(y(100 * r.target))
      << "\" stroke=\"#e67e22\" stroke-dasharray=\"6,4\"/>\n<text x=\""
      << num(left + 4) << "\" y=\"" << num(y(100 * r.target) - 6)
      << "\" font-size=\"11\" fill=\"#e67e22\">target " << pct(r.target)
      << "%</text>\n"
      << "<circle cx=\"" << num(x(double(r.fp32Bytes) / 1024)) << "\" cy=\""
      << num(y(100 * r.fp32.accuracy))
      << "\" r=\"5\" fill=\"#555\"><title>FP32: " << pct(r.fp32.accuracy)
      << "%, " << r.fp32Bytes << " bytes</title></circle>\n";
  std::string path;
  for (size_t i = 0; i < r.steps.size(); i++) {
    const auto &s = r.steps[i];
    double px = x(double(s.weightBytes) / 1024),
           py = y(100 * s.measured.accuracy);
    path += (i ? " L " : "M ") + num(px) + " " + num(py);
    bool last = i + 1 == r.steps.size();
    *os << "<circle cx=\"" << num(px) << "\" cy=\"" << num(py) << "\" r=\""
        << (last ? 6 : 4) << "\" fill=\"" << (last ? "#c0392b" : "#5d8fc9")
        << "\"><title>step " << i << ": " << pct(s.measured.accuracy) << "%, "
        << s.weightBytes << " bytes</title></circle>\n";
  }
  *os << "<path d=\"" << path
      << "\" fill=\"none\" stroke=\"#5d8fc9\" stroke-width=\"1.5\"/>\n"
      << "</svg>\n";
  return llvm::Error::success();
}

} // namespace

llvm::Error writeSizeSearch(const std::string &dir, const std::string &model,
                            const std::vector<PrecisionUnit> &units,
                            const SizeSearchResult &r) {
  std::unique_ptr<llvm::raw_fd_ostream> os;
  if (auto err = openFile(dir, "size-search.csv", os)) {
    return err;
  }
  *os << "step,unit,precision,weight_bytes,accuracy\n";
  for (size_t i = 0; i < r.steps.size(); i++) {
    const auto &s = r.steps[i];
    *os << i << ","
        << (s.unit < 0 ? std::string("(start)") : csv(units[s.unit].name))
        << ","
        << (s.unit < 0 ? "smallest"
                       : getLayerPrecisionName(s.precisions[s.unit]))
        << "," << s.weightBytes << "," << pct(s.measured.accuracy) << "\n";
  }
  if (auto err = writeFrontierSVG(dir, model, r)) {
    return err;
  }
  const SizeSearchStep &answer = r.steps.back();
  std::unique_ptr<llvm::raw_fd_ostream> lp, keep;
  if (auto err = openFile(dir, "layer-precision.txt", lp)) {
    return err;
  }
  if (auto err = openFile(dir, "keep-layers.txt", keep)) {
    return err;
  }
  std::string summary;
  llvm::raw_string_ostream(summary)
      << "# top-1 on " << answer.measured.images << " images: FP32 "
      << pct(r.fp32.accuracy) << "% with " << r.fp32Bytes
      << " weight bytes, these precisions " << pct(answer.measured.accuracy)
      << "% with " << answer.weightBytes << " (target " << pct(r.target)
      << "%, " << (r.targetMet ? "met" : "not met") << ")\n";
  *lp << "# Layer precisions of the smallest weights found by precision-tuner "
         "-objective=size, for\n#   -layer-precision=@layer-precision.txt\n"
      << "# model: " << model << "\n"
      << summary;
  *keep << "# The FP32 layers of layer-precision.txt (precision-tuner "
           "-objective=size)\n# model: "
        << model << "\n"
        << summary;
  for (size_t u = 0; u < units.size(); u++) {
    for (auto &l : units[u].layers) {
      *lp << l << " " << getLayerPrecisionName(answer.precisions[u]) << "\n";
      if (answer.precisions[u] == LayerPrecision::FP32) {
        *keep << l << "\n";
      }
    }
  }
  return llvm::Error::success();
}

llvm::Error writeStudyReport(const std::string &dir,
                             const StudyDescription &desc,
                             const std::vector<PrecisionUnit> &units,
                             const StudyResult &result) {
  if (auto err = writeCSV(dir, desc, units, result)) {
    return err;
  }
  if (auto err = writeJSON(dir, desc, units, result)) {
    return err;
  }
  if (auto err = writeKeepList(dir, desc, units, result)) {
    return err;
  }
  return writeSVG(dir, desc, units, result);
}

/// \returns "12.34%" for 0.1234.
static std::string percentText(double fraction) {
  std::string s;
  llvm::raw_string_ostream(s) << llvm::format("%.2f%%", 100 * fraction);
  return s;
}

void printStudySummary(llvm::raw_ostream &os, const StudyOptions &opts,
                       const std::vector<PrecisionUnit> &units,
                       const StudyResult &result, bool searched) {
  bool only = opts.mode == StudyOptions::Mode::OnlyOne;
  bool proxy = opts.metric == StudyOptions::Metric::Proxy;
  os << "\nrank  pos  "
     << (proxy  ? "SQNR dB"
         : only ? "drop pts"
                : "gain pts")
     << "  images  unit\n";
  for (size_t i = 0; i < result.ranking.size(); i++) {
    size_t u = result.ranking[i];
    const UnitSensitivity &s = result.units[u];
    double shown = proxy ? s.measured.sqnr : 100 * s.score;
    os << llvm::format("%4zu %4zu %9.2f %7zu  ", i + 1, units[u].position,
                       shown, s.measured.images)
       << units[u].name << "\n";
  }
  if (!std::isnan(result.spearman)) {
    os << "Spearman correlation of the proxy ranking with the "
          "accuracy ranking: "
       << llvm::format("%.3f", result.spearman) << "\n";
  }
  if (searched) {
    double achieved = result.steps.empty()
                          ? result.int8.accuracy
                          : result.steps.back().measured.accuracy;
    os << "search: " << result.steps.size() << " units FP32, "
       << percentText(achieved) << " (FP32 "
       << percentText(result.fp32.accuracy) << ", all INT8 "
       << percentText(result.int8.accuracy) << ", target "
       << percentText(result.target) << ": "
       << (result.targetMet ? "met" : "NOT met") << ")\n";
  }
}

} // namespace glow
