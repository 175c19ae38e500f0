#include "glow/Tuner/ConfigurationMeasurer.h"

#include "glow/Support/Error.h"

#include <algorithm>
#include <cmath>

namespace glow {

double sqnrOf(double signal, double noise) {
  if (noise <= signal * 1e-20) {
    return 200;
  }
  return std::min(200.0, 10 * std::log10(signal / noise));
}

namespace {
/// \returns the index of the largest of \p n values (the first on ties).
size_t argmax(const float *row, size_t n) {
  return std::max_element(row, row + n) - row;
}

/// \returns where rank \p r's share of \p items items starts (rank
/// \p ranks: the end): one contiguous share a rank, in rank order.
size_t shareStart(size_t items, size_t r, size_t ranks) {
  return items * r / ranks;
}

bool allFP32(const UnitPrecisions &c) {
  return std::all_of(c.begin(), c.end(), [](LayerPrecision p) {
    return p == LayerPrecision::FP32;
  });
}
} // namespace

ConfigurationMeasurer::ConfigurationMeasurer(PrecisionEvaluator &evaluator,
                                             const EvaluationSet &data,
                                             size_t units, size_t batch,
                                             Communicator &comm)
    : eval_(evaluator), data_(data), units_(units),
      batch_(std::max<size_t>(1, batch)), comm_(comm) {}

ConfigurationMeasurer::~ConfigurationMeasurer() {
  if (reference_) {
    std::fclose(reference_);
  }
}

llvm::Error
ConfigurationMeasurer::runShare(const std::vector<UnitPrecisions> &configs,
                                size_t images, const OutputSink &sink) {
  size_t K = configs.size(), blocks = (images + batch_ - 1) / batch_;
  size_t pairs = K * blocks, ranks = comm_.size(), r = comm_.rank();
  size_t begin = shareStart(pairs, r, ranks);
  size_t end = shareStart(pairs, r + 1, ranks);
  // Consecutive blocks that run the same configurations go to the
  // evaluator together (one pass, with prefetching across them).
  size_t p = begin;
  while (p < end) {
    size_t block = p / K, k0 = p % K;
    size_t k1 = std::min(K, k0 + (end - p));
    size_t lastBlock = block;
    if (k0 == 0 && k1 == K) {
      lastBlock = std::max(block, end / K - 1);
    }
    std::vector<UnitPrecisions> sub(configs.begin() + k0, configs.begin() + k1);
    size_t first = block * batch_;
    size_t stop = std::min(images, (lastBlock + 1) * batch_);
    if (auto err = eval_.run(
            sub, first, stop,
            [&](size_t k, size_t at, size_t n, const float *rows,
                size_t width) { return sink(k0 + k, at, n, rows, width); })) {
      return err;
    }
    p = (lastBlock + 1) * K;
    if (k1 < K) {
      p = block * K + k1;
    }
  }
  return llvm::Error::success();
}

llvm::Error ConfigurationMeasurer::writeReference(size_t first,
                                                  const float *rows,
                                                  size_t values) {
  if (std::fseek(reference_, long(first * classes_ * sizeof(float)),
                 SEEK_SET) != 0 ||
      std::fwrite(rows, sizeof(float), values, reference_) != values) {
    return makeError("cannot write the FP32 outputs to a temporary file");
  }
  return llvm::Error::success();
}

llvm::Error ConfigurationMeasurer::readReference(size_t first, size_t n,
                                                 std::vector<float> &rows) {
  rows.resize(n * classes_);
  if (std::fseek(reference_, long(first * classes_ * sizeof(float)),
                 SEEK_SET) != 0 ||
      std::fread(rows.data(), sizeof(float), rows.size(), reference_) !=
          rows.size()) {
    return makeError("cannot read back the FP32 outputs from the temporary "
                     "file");
  }
  return llvm::Error::success();
}

llvm::Error ConfigurationMeasurer::init() {
  size_t n = data_.count(), blocks = (n + batch_ - 1) / batch_;
  if (n == 0) {
    return makeError("no evaluation images");
  }
  reference_ = std::tmpfile();
  if (!reference_) {
    return makeError("cannot create a temporary file for the FP32 outputs");
  }
  std::vector<double> correct(n, 0), signal(n, 0);
  // {classes, 1} from each rank that ran a block, {0, 0} from the others.
  std::vector<double> width(2, 0);
  auto err = runShare({UnitPrecisions(units_, LayerPrecision::FP32)}, n,
                      [&](size_t, size_t first, size_t count, const float *rows,
                          size_t classes) -> llvm::Error {
                        classes_ = classes;
                        width = {double(classes), 1};
                        for (size_t i = 0; i < count; i++) {
                          const float *row = rows + i * classes;
                          double s = 0;
                          for (size_t c = 0; c < classes; c++) {
                            s += double(row[c]) * row[c];
                          }
                          signal[first + i] = s;
                          correct[first + i] = int(argmax(row, classes)) ==
                                               data_.labels[first + i];
                        }
                        return writeReference(first, rows, count * classes);
                      });
  if (err) {
    return err;
  }
  evaluations_++;
  imageRuns_ += n;
  comm_.sumAll(width);
  comm_.sumAll(correct);
  comm_.sumAll(signal);
  classes_ = size_t(width[0] / width[1]);
  fp32Correct_ = std::move(correct);
  fp32Signal_ = std::move(signal);
  // Every rank gets every block's FP32 outputs: a later share may hold any.
  if (comm_.distributed()) {
    std::vector<float> rows;
    for (size_t b = 0; b < blocks; b++) {
      // The FP32 run had one configuration: block b was a pair.
      int owner = 0;
      while (shareStart(blocks, owner + 1, comm_.size()) <= b) {
        owner++;
      }
      size_t first = b * batch_, count = std::min(batch_, n - first);
      if (comm_.rank() == owner) {
        if (auto err = readReference(first, count, rows)) {
          return err;
        }
      }
      rows.resize(count * classes_);
      comm_.broadcast(rows.data(), rows.size(), owner);
      if (comm_.rank() != owner) {
        if (auto err = writeReference(first, rows.data(), rows.size())) {
          return err;
        }
      }
    }
  }
  if (data_.hasLabels()) {
    for (size_t i = 0; i < n; i++) {
      if (size_t(data_.labels[i]) >= classes_) {
        return makeError("image " + llvm::Twine(i) + " has label " +
                         llvm::Twine(data_.labels[i]) +
                         ", which is not a class of the model (" +
                         llvm::Twine(classes_) + " classes)");
      }
    }
  }
  return llvm::Error::success();
}

llvm::Expected<std::vector<Measurement>>
ConfigurationMeasurer::measure(const std::vector<UnitPrecisions> &configs,
                               size_t images) {
  images = std::min(images, data_.count());
  size_t blocks = (images + batch_ - 1) / batch_;
  std::vector<UnitPrecisions> pending;
  std::vector<size_t> slot(configs.size(), ~size_t(0));
  for (size_t k = 0; k < configs.size(); k++) {
    if (!allFP32(configs[k])) {
      slot[k] = pending.size();
      pending.push_back(configs[k]);
    }
  }
  // Per pending configuration and block: correct images, squared error.
  std::vector<double> stats(pending.size() * blocks * 2, 0);
  std::vector<float> ref;
  size_t refFirst = ~size_t(0);
  if (!pending.empty()) {
    auto err = runShare(
        pending, images,
        [&](size_t k, size_t first, size_t n, const float *rows,
            size_t classes) -> llvm::Error {
          if (classes != classes_) {
            return makeError("the model output changed size between runs");
          }
          if (refFirst != first) {
            if (auto err = readReference(first, n, ref)) {
              return err;
            }
            refFirst = first;
          }
          double correct = 0, noise = 0;
          for (size_t i = 0; i < n; i++) {
            const float *row = rows + i * classes, *want = &ref[i * classes];
            double e = 0;
            for (size_t c = 0; c < classes; c++) {
              double d = double(want[c]) - row[c];
              e += d * d;
            }
            noise += e;
            correct += int(argmax(row, classes)) == data_.labels[first + i];
          }
          double *s = &stats[(k * blocks + first / batch_) * 2];
          s[0] = correct;
          s[1] = noise;
          return llvm::Error::success();
        });
    if (err) {
      return std::move(err);
    }
    comm_.sumAll(stats);
    evaluations_ += pending.size();
    imageRuns_ += uint64_t(pending.size()) * images;
  }
  bool labels = data_.hasLabels();
  std::vector<Measurement> out(configs.size());
  for (size_t k = 0; k < configs.size(); k++) {
    double correct = 0, signal = 0, noise = 0;
    for (size_t b = 0; b < blocks; b++) {
      double blockSignal = 0, blockCorrect = 0;
      for (size_t i = b * batch_; i < std::min(images, (b + 1) * batch_); i++) {
        blockSignal += fp32Signal_[i];
        blockCorrect += fp32Correct_[i];
      }
      signal += blockSignal;
      if (slot[k] == ~size_t(0)) {
        correct += blockCorrect;
      } else {
        const double *s = &stats[(slot[k] * blocks + b) * 2];
        correct += s[0];
        noise += s[1];
      }
    }
    out[k].images = images;
    out[k].sqnr = sqnrOf(signal, noise);
    out[k].accuracy = labels ? correct / double(images) : -1;
  }
  return out;
}

} // namespace glow
