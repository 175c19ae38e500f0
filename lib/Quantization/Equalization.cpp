// Cross-layer equalization: rescales the channels between two consecutive
// convolutions so that each channel's weight range is shared evenly
// between them, which lets per-tensor INT8 weights (and the activation in
// between) represent every channel with similar precision.

#include "glow/Quantization/Equalization.h"
#include "glow/Support/Diagnostics.h"

#include "llvm/Support/Casting.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <vector>

using llvm::dyn_cast;

namespace glow {

namespace {

/// The weights of one convolution while they are being rescaled.
struct ConvWeights {
  std::vector<dim_t> dims; // filter [O, C/group, kh, kw]
  std::vector<float> filter, bias;
};

struct Pair {
  ConvolutionNode *first, *second;
  /// The upper bound of a Clip(0, clipMax) between them (infinity for
  /// Relu or nothing).
  float clipMax;
  /// Bounds of every value the first convolution reads (its input's, 0
  /// for padding), infinite where the graph does not bound them.
  float inLo, inHi;
};

/// \returns the bounds [lo, hi] that the graph guarantees for \p v: a
/// Clip's, [0, inf) after a Relu, else unbounded.
std::pair<float, float> boundsOf(NodeValue v) {
  const float inf = std::numeric_limits<float>::infinity();
  if (auto *c = dyn_cast<ClipNode>(v.getNode())) {
    return {c->getMin(), c->getMax()};
  }
  if (llvm::isa<ReluNode>(v.getNode())) {
    return {0.f, inf};
  }
  return {-inf, inf};
}

/// \returns true if \p v is read by exactly one node of \p F.
bool hasOneUser(const Function &F, NodeValue v) {
  return F.getUsers(v).size() == 1;
}

/// \returns true if the FP32 convolution \p conv has constant filter and
/// bias that no other node reads, so that they can be rewritten.
bool hasPrivateFloatWeights(const Function &F, ConvolutionNode *conv) {
  if (!conv || conv->isChannelwise() || !conv->getType().isFloat()) {
    return false;
  }
  for (NodeValue w : {conv->getFilter(), conv->getBias()}) {
    if (!llvm::isa<Constant>(w.getNode()) || !w.getType().isFloat() ||
        !hasOneUser(F, w)) {
      return false;
    }
  }
  return true;
}

ConvWeights readWeights(ConvolutionNode *conv) {
  auto copy = [](NodeValue v) {
    const Tensor &t = llvm::cast<Constant>(v.getNode())->getPayload();
    const float *p = t.getHandle<float>().data();
    return std::vector<float>(p, p + t.size());
  };
  ConvWeights w;
  w.dims.assign(conv->getFilter().dims().begin(),
                conv->getFilter().dims().end());
  w.filter = copy(conv->getFilter());
  w.bias = copy(conv->getBias());
  return w;
}

/// Calls \p fn(index) for every filter element of \p w that reads input
/// channel \p channel of a convolution with \p group groups.
template <class Fn>
void forInputChannel(const ConvWeights &w, unsigned group, size_t channel,
                     Fn fn) {
  size_t O = w.dims[0], Cg = w.dims[1], K = w.filter.size() / (O * Cg);
  size_t perGroup = O / group, g = channel / Cg, c = channel % Cg;
  for (size_t o = g * perGroup; o < (g + 1) * perGroup; o++) {
    for (size_t k = 0; k < K; k++) {
      fn((o * Cg + c) * K + k);
    }
  }
}

/// The largest value output channel \p i of \p a can take when every
/// value it reads lies in [lo, hi] (0 included: padding); infinity if
/// they are unbounded.
double upperBound(const ConvWeights &a, size_t i, float lo, float hi) {
  size_t per = a.filter.size() / a.dims[0];
  double lo0 = std::min(lo, 0.f), hi0 = std::max(hi, 0.f);
  double u = a.bias[i];
  for (size_t j = 0; j < per; j++) {
    double w = a.filter[i * per + j];
    if (w != 0) {
      u += std::max(w * lo0, w * hi0); // inf where the bound is
    }
  }
  return std::isnan(u) ? std::numeric_limits<double>::infinity() : u;
}

/// Rescales one pair; \returns the largest |log s_i| applied. Across a
/// Clip(0, M) a channel is rescaled only where its values provably stay
/// below M before and after (clip(y / s, 0, M) = max(y, 0) / s when
/// y <= M and y / s <= M): the other channels keep s = 1.
double equalizePair(ConvWeights &a, ConvWeights &b, const Pair &pair,
                    unsigned &clippedChannels) {
  size_t channels = a.dims[0], per = a.filter.size() / channels;
  unsigned groupB = pair.second->getGroup();
  bool clipped = std::isfinite(pair.clipMax);
  double moved = 0;
  for (size_t i = 0; i < channels; i++) {
    float r1 = 0, r2 = 0;
    for (size_t j = 0; j < per; j++) {
      r1 = std::max(r1, std::fabs(a.filter[i * per + j]));
    }
    forInputChannel(b, groupB, i, [&](size_t k) {
      r2 = std::max(r2, std::fabs(b.filter[k]));
    });
    if (!(r1 > 0) || !(r2 > 0) || !std::isfinite(r1) || !std::isfinite(r2)) {
      continue; // a dead channel stays as it is
    }
    float s = float(std::sqrt(double(r1) / double(r2)));
    if (clipped) {
      double u = upperBound(a, i, pair.inLo, pair.inHi);
      if (!(u <= pair.clipMax)) {
        clippedChannels++;
        continue;
      }
      // y / s <= M for every y <= u.
      s = std::max(s, float(u / pair.clipMax) * 1.0001f);
    }
    if (!(s > 0) || !std::isfinite(s) || s == 1.f) {
      continue;
    }
    for (size_t j = 0; j < per; j++) {
      a.filter[i * per + j] /= s;
    }
    a.bias[i] /= s;
    forInputChannel(b, groupB, i, [&](size_t k) { b.filter[k] *= s; });
    moved = std::max(moved, std::fabs(std::log(double(s))));
  }
  return moved;
}

} // namespace

EqualizationReport equalizeCrossLayerRanges(Function *F) {
  EqualizationReport report;
  std::vector<Pair> pairs;
  for (Node *n : F->getNodesInTopologicalOrder()) {
    auto *second = dyn_cast<ConvolutionNode>(n);
    if (!hasPrivateFloatWeights(*F, second)) {
      continue;
    }
    NodeValue x = second->getInput();
    float clipMax = std::numeric_limits<float>::infinity();
    bool otherClip = false;
    auto *clip = dyn_cast<ClipNode>(x.getNode());
    if (llvm::isa<ReluNode>(x.getNode()) || clip ||
        (llvm::isa<LeakyReluNode>(x.getNode()) &&
         llvm::cast<LeakyReluNode>(x.getNode())->getAlpha() >= 0)) {
      if (!hasOneUser(*F, x)) {
        continue;
      }
      if (clip) {
        clipMax = clip->getMax();
        otherClip = !(clip->getMin() == 0 && clipMax > 0);
      }
      x = x.getNode()->getNthInput(0);
    }
    auto *first = dyn_cast<ConvolutionNode>(x.getNode());
    if (!hasPrivateFloatWeights(*F, first) || !hasOneUser(*F, x) ||
        first->getFilter().dims()[0] !=
            second->getFilter().dims()[1] * second->getGroup()) {
      continue;
    }
    if (otherClip) {
      report.skippedClip++;
      continue;
    }
    auto [lo, hi] = boundsOf(first->getInput());
    pairs.push_back({first, second, clipMax, lo, hi});
    report.clipPairs += std::isfinite(clipMax);
  }
  report.pairs = unsigned(pairs.size());
  if (pairs.empty()) {
    VLOG(1) << "cross-layer equalization: no pairs";
    return report;
  }
  std::map<ConvolutionNode *, ConvWeights> weights;
  for (auto &p : pairs) {
    for (ConvolutionNode *c : {p.first, p.second}) {
      if (!weights.count(c)) {
        weights.emplace(c, readWeights(c));
      }
    }
  }
  const unsigned kMaxSweeps = 50;
  const double kSettled = std::log(1.001);
  for (report.sweeps = 1; report.sweeps <= kMaxSweeps; report.sweeps++) {
    double moved = 0;
    report.clippedChannels = 0;
    for (auto &p : pairs) {
      moved = std::max(moved,
                       equalizePair(weights.at(p.first), weights.at(p.second),
                                    p, report.clippedChannels));
    }
    if (moved < kSettled) {
      break;
    }
  }
  report.sweeps = std::min(report.sweeps, kMaxSweeps);
  Module &M = F->getParent();
  auto store = [&](ConvolutionNode *conv, unsigned input,
                   const std::vector<float> &values) {
    auto *old = llvm::cast<Constant>(conv->getNthInput(input).getNode());
    Tensor t(ElemKind::FloatTy, old->getPayload().dims());
    std::memcpy(t.getUnsafePtr(), values.data(), values.size() * sizeof(float));
    conv->setNthInput(
        input, M.createConstant(old->getName().str() + ".cle", std::move(t)));
  };
  for (auto &[conv, w] : weights) {
    store(conv, 1, w.filter);
    store(conv, 2, w.bias);
  }
  M.eraseUnusedConstants();
  VLOG(1) << "cross-layer equalization: " << report.pairs << " pairs ("
          << report.clipPairs << " across a Clip(0, M), where "
          << report.clippedChannels
          << " channels that may reach M kept their scale), " << report.sweeps
          << " sweeps; " << report.skippedClip
          << " pairs joined by another Clip left alone";
  return report;
}

} // namespace glow
