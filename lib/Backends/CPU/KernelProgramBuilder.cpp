#include "KernelProgramBuilder.h"
#include "MemoryPlanner.h"
#include "WeightPacking.h"
#include "libjit/LibjitLayout.h"

#include "glow/Backends/Interpreter/InterpreterKernels.h"
#include "glow/Backends/KernelOps.h"
#include "glow/Quantization/QuantizationMath.h"
#include "glow/Support/Error.h"

#include "llvm/Support/Casting.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;

namespace glow {
namespace cpu {

bool isSupportedByCPUBackend(const OpSignature &sig) {
  // The CPU backend implements every kernel of the reference backend.
  return isSignatureEvaluable(sig);
}

namespace {

using Kind = Node::Kind;
using libjit::kBlock;

/// How a value is stored: row-major, or [N][C/16][H][W][16] (4-D only).
enum class Layout { Plain, Blocked };

/// Where a value lives: a virtual buffer (placed later) and a byte offset.
struct Storage {
  unsigned buf{0};
  uint64_t byteOffset{0};
  Layout layout{Layout::Plain};
};

/// A kernel argument that may point into a virtual buffer.
struct PlannedArg {
  KernelArg arg;
  unsigned buf{kNoBuffer};
  uint64_t byteOffset{0};
  static constexpr unsigned kNoBuffer = UINT_MAX;
};

PlannedArg imm(int64_t v) { return {KernelArg::integer(v)}; }
PlannedArg immf(double v) { return {KernelArg::real(v)}; }
PlannedArg array(std::vector<int64_t> v) {
  return {KernelArg::intArray(std::move(v))};
}
PlannedArg nullPtr() { return {KernelArg::null()}; }

/// \returns the transform of the real ratio \p r as (multiplier, shift).
std::pair<PlannedArg, PlannedArg> transformArgs(double r) {
  QuantizationTransform t = makeQuantizationTransform(r);
  return {imm(t.multiplier), imm(t.shift)};
}

bool isInt8(const Type &t) { return t.getElementType() == ElemKind::Int8QTy; }

class Planner {
public:
  /// Plans \p F; with \p int8 and \p units, a precision-switchable program
  /// (buildSwitchableKernelProgram).
  Planner(const Function &F, unsigned numThreads,
          const Function *int8 = nullptr,
          const std::vector<std::vector<std::string>> *units = nullptr)
      : F_(F), Fq_(int8), numThreads_(std::max(1u, numThreads)) {
    prog_.numThreads = numThreads_;
    if (units) {
      units_ = *units;
    }
  }

  llvm::Expected<KernelProgram> run();

private:
  //===--- buffers -------------------------------------------------------===//
  unsigned newBuffer(Region r, uint64_t size) {
    bufs_.push_back(PlannedBuffer{r, size});
    constData_.emplace_back();
    return bufs_.size() - 1;
  }
  unsigned newConstant(const void *data, size_t bytes) {
    unsigned b = newBuffer(Region::Constant, bytes);
    auto *p = static_cast<const uint8_t *>(data);
    constData_[b].assign(p, p + bytes);
    return b;
  }
  template <class T> unsigned newConstant(const std::vector<T> &v) {
    return newConstant(v.data(), v.size() * sizeof(T));
  }
  PlannedArg ptr(const Storage &s) {
    return {KernelArg::pointer(Region::Activations, 0), s.buf, s.byteOffset};
  }
  PlannedArg ptr(unsigned buf) { return ptr(Storage{buf, 0}); }
  /// Per-thread scratch of \p bytes for one call (per-image programs give
  /// every thread its own activations, so one copy is enough there).
  PlannedArg scratch(uint64_t bytes) {
    bytes =
        (bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
    if (perImage_) {
      return ptr(Storage{newBuffer(Region::Activations, bytes)});
    }
    unsigned b = newBuffer(Region::Activations, bytes * numThreads_);
    PlannedArg a{KernelArg::pointer(Region::Activations, 0), b, 0};
    a.arg.kind = KernelArg::Kind::ThreadScratch;
    a.arg.bytesPerThread = bytes;
    return a;
  }

  //===--- values --------------------------------------------------------===//
  /// Decides whether the program handles one image at a time: a batch of N
  /// > 1 images, N a multiple of the threads, where every node treats the
  /// images of its batch-carrying inputs independently. Fills batched_.
  void chooseImageLoop();
  /// Marks the batch-carrying nodes of \p F; false if some node mixes
  /// images.
  bool markBatched(const Function &F);
  /// \returns the type of \p v as the program sees it: batch-carrying
  /// values have one image in a per-image program.
  Type typeOf(NodeValue v) const {
    const Type &t = v.getType();
    if (!perImage_ || !batched_.count(v.getNode())) {
      return t;
    }
    std::vector<dim_t> d(t.dims().begin(), t.dims().end());
    d[0] = 1;
    return Type::newShape(t, d);
  }
  std::vector<dim_t> dims(NodeValue v) const {
    Type t = typeOf(v);
    return std::vector<dim_t>(t.dims().begin(), t.dims().end());
  }
  static uint64_t bytesOf(const Type &t, Layout l) {
    if (l == Layout::Plain) {
      return t.getSizeInBytes();
    }
    auto d = t.dims();
    return uint64_t(d[0]) * libjit::roundUp(d[1], kBlock) * d[2] * d[3] *
           getElementSize(t.getElementType());
  }
  /// Allocates the storage of the result \p v in layout \p l.
  Storage define(NodeValue v, Layout l) {
    Storage s{newBuffer(Region::Activations, bytesOf(typeOf(v), l)), 0, l};
    record(v, s);
    return s;
  }
  void record(NodeValue v, const Storage &s) {
    (s.layout == Layout::Plain ? plain_ : blocked_)[key(v)] = s;
  }
  static std::pair<const Node *, unsigned> key(NodeValue v) {
    return {v.getNode(), v.resNo};
  }
  /// \returns the storage of \p v in layout \p l, converting if needed.
  Storage use(NodeValue v, Layout l = Layout::Plain);

  //===--- calls ---------------------------------------------------------===//
  void emit(const char *kernel, int64_t items, std::vector<PlannedArg> args) {
    KernelCall call;
    call.kernel = kernel;
    call.items = std::max<int64_t>(items, 1);
    call.layer = layer_;
    call.unit = currentUnit_;
    call.int8 = currentInt8_;
    std::vector<std::pair<unsigned, uint64_t>> refs;
    for (auto &a : args) {
      call.args.push_back(a.arg);
      refs.push_back({a.buf, a.byteOffset});
    }
    prog_.calls.push_back(std::move(call));
    refs_.push_back(std::move(refs));
  }

  //===--- fusions ------------------------------------------------------===//
  /// What a fast convolution does besides convolving.
  struct ConvFusion {
    const Node *act{nullptr};           ///< Relu/Clip in the epilogue
    const Node *conversion{nullptr};    ///< Quantize/Dequantize in the epilogue
    const Node *inputQuantize{nullptr}; ///< Quantize done while packing
  };
  /// \returns the only user of \p v in \p F, or null.
  static const Node *singleUser(const Function &F, NodeValue v) {
    auto users = F.getUsers(v);
    return users.size() == 1 ? users[0].first : nullptr;
  }
  static NodeValue valueOf(const Node *n) {
    return NodeValue(const_cast<Node *>(n), 0);
  }
  bool hasBlocked(NodeValue v) const { return blocked_.count(key(v)); }
  /// \returns true if \p n runs on the blocked kernels.
  bool isFastConvolution(const ConvolutionNode &n) const;
  Layout elementwiseLayout(const Node &n) const;
  /// Elements a value of type \p t occupies in layout \p l.
  static int64_t elementsOf(const Type &t, Layout l) {
    return bytesOf(t, l) / getElementSize(t.getElementType());
  }
  void planFusions(const Function &F);

  //===--- precision-switchable programs ---------------------------------===//
  /// \returns the unit of node \p n (of either function), or -1.
  int unitOf(const Node *n) const {
    auto it = unitOf_.find(n);
    return it == unitOf_.end() ? -1 : it->second;
  }
  llvm::Error setUpUnits();
  /// \returns the non-storage nodes of F_ in the order to emit them: the
  /// topological order, where each unit's nodes come together (a unit is
  /// emitted whole); an error if a unit is not convex (a path leaves it and
  /// comes back).
  llvm::Expected<std::vector<const Node *>> emissionOrder() const;
  /// \returns the FP32 value that the INT8 graph's value \p w stands for.
  NodeValue counterpart(NodeValue w) const;
  /// Emits unit \p u: its FP32 calls, then its INT8 calls.
  llvm::Error emitUnit(int u);

  //===--- nodes ---------------------------------------------------------===//
  llvm::Error visit(const Node &n);
  void plainConvolution(const ConvolutionNode &n);
  void copyBytes(const Storage &dst, const Storage &src, uint64_t bytes) {
    emit("libjit_copy", bytes, {ptr(dst), ptr(src)});
  }
  void convolution(const ConvolutionNode &n);
  void fullyConnected(const Node &n, NodeValue in, NodeValue w, NodeValue b);
  void arithmetic(const Node &n);
  void unary(const Node &n);
  void pool(const PoolNode &n);
  void stridedCopy(const Node &n, NodeValue in, std::vector<int64_t> strides,
                   int64_t start);
  void concat(const ConcatNode &n);
  void pad(const PadNode &n);
  void conversion(const Node &n);

  void place();
  /// Fills prog_.unitEntries once the buffers are placed.
  void describeUnitEntries();

  const Function &F_;
  const Function *Fq_;
  std::vector<std::vector<std::string>> units_;
  std::map<const Node *, int> unitOf_;
  std::map<std::string, const Node *> fp32ByName_;
  std::vector<bool> unitEmitted_;
  int currentUnit_{-1};
  bool currentInt8_{false};
  unsigned switchBuf_{0};
  bool perImage_{false};
  int64_t batch_{1};
  std::set<const Node *> batched_;
  /// Mutable buffers of batch-carrying placeholders: bytes per image.
  std::map<unsigned, uint64_t> imageStrides_;
  std::map<const Node *, ConvFusion> fusions_;
  std::set<const Node *> fused_;
  unsigned numThreads_;
  std::string layer_;
  std::vector<PlannedBuffer> bufs_;
  std::vector<std::vector<uint8_t>> constData_;
  std::map<const Node *, unsigned> storageBufs_;
  std::map<std::pair<const Node *, unsigned>, Storage> plain_, blocked_;
  std::vector<std::vector<std::pair<unsigned, uint64_t>>> refs_;
  unsigned reserved_{0};
  KernelProgram prog_;
};

Storage Planner::use(NodeValue v, Layout l) {
  const Node *n = v.getNode();
  if (n->isStorage()) {
    auto it = storageBufs_.find(n);
    unsigned b;
    if (it != storageBufs_.end()) {
      b = it->second;
    } else if (auto *c = dyn_cast<Constant>(n)) {
      b = newConstant(c->getPayload().getUnsafePtr(),
                      c->getPayload().getSizeInBytes());
      storageBufs_[n] = b;
    } else {
      b = newBuffer(Region::Mutable, n->getType().getSizeInBytes());
      storageBufs_[n] = b;
    }
    Storage s{b, 0, Layout::Plain};
    if (l == Layout::Plain) {
      return s;
    }
    record(v, s);
  }
  auto &want = l == Layout::Plain ? plain_ : blocked_;
  auto it = want.find(key(v));
  if (it != want.end()) {
    return it->second;
  }
  auto &have = l == Layout::Plain ? blocked_ : plain_;
  Storage src = have.at(key(v));
  Storage dst = define(v, l);
  auto d = dims(v);
  int64_t elem = getElementSize(v.getElementType());
  emit(l == Layout::Plain ? "libjit_from_blocked" : "libjit_to_blocked",
       d[0] * d[1],
       {ptr(dst), ptr(src), imm(d[1]), imm(d[2] * d[3]), imm(elem)});
  return dst;
}

bool Planner::markBatched(const Function &F) {
  // The batch: the first dimension of the placeholders the graph reads.
  for (Placeholder *ph : F.getParent().getPlaceholders()) {
    bool read = false;
    for (auto &u : F.getUsers(ph)) {
      read |= !isa<SaveNode>(u.first);
    }
    if (!read) {
      continue;
    }
    if (ph->dims().empty() || (batch_ && ph->dims()[0] != batch_)) {
      return false;
    }
    batch_ = ph->dims()[0];
    batched_.insert(ph);
  }
  auto fail = [] { return false; };
  for (const Node *n : F.getNodesInTopologicalOrder()) {
    if (n->isStorage()) {
      continue;
    }
    // The inputs that carry images; the others are weights, indices ...
    std::vector<unsigned> data = {0};
    if (n->getKindInfo().images == ImageOperands::All) {
      for (unsigned i = 1; i < n->getNumInputs(); i++) {
        data.push_back(i);
      }
    }
    bool any = false;
    for (unsigned i = 0; i < n->getNumInputs(); i++) {
      bool isData = std::find(data.begin(), data.end(), i) != data.end();
      bool b = batched_.count(n->getNthInput(i).getNode());
      if (b && !isData) {
        return fail(); // images reach a weight input (MatMul of two values)
      }
      any |= b;
    }
    if (!any) {
      continue;
    }
    for (unsigned i : data) {
      if (!batched_.count(n->getNthInput(i).getNode())) {
        return fail(); // an image-sized operand that is not per image
      }
    }
    if (auto *save = llvm::dyn_cast<SaveNode>(n)) {
      if (save->getPlaceholder()->dims().empty() ||
          save->getPlaceholder()->dims()[0] != batch_) {
        return fail();
      }
      batched_.insert(save->getPlaceholder());
      continue;
    }
    if (n->getNumResults() != 1 || n->dims().empty() ||
        n->dims()[0] != batch_) {
      return fail();
    }
    if (mayMixImages(*n)) {
      return fail();
    }
    batched_.insert(n);
  }
  return true;
}

void Planner::chooseImageLoop() {
  batch_ = 0;
  bool separable = markBatched(F_) && (!Fq_ || markBatched(*Fq_));
  if (!separable || batch_ < 2 || batch_ % numThreads_ != 0) {
    batched_.clear();
    return;
  }
  perImage_ = true;
}

llvm::Error Planner::setUpUnits() {
  for (const Node *n : F_.getNodes()) {
    fp32ByName_[n->getName().str()] = n;
  }
  for (const Placeholder *ph : F_.getParent().getPlaceholders()) {
    fp32ByName_[ph->getName().str()] = ph;
  }
  std::map<std::string, int> unitOfLayer;
  for (size_t u = 0; u < units_.size(); u++) {
    for (const std::string &name : units_[u]) {
      unitOfLayer[name] = int(u);
    }
  }
  for (const Function *F : {&F_, Fq_}) {
    for (const Node *n : F->getNodes()) {
      auto it = unitOfLayer.find(n->getName().str());
      if (it != unitOfLayer.end() && isLayerNode(*n)) {
        unitOf_[n] = it->second;
      }
    }
  }
  for (size_t u = 0; u < units_.size(); u++) {
    for (const std::string &name : units_[u]) {
      const Node *q = Fq_->getNodeByName(name);
      if (!fp32ByName_.count(name) || !q) {
        return makeError("unit layer '" + name + "' is not in both graphs");
      }
      if (!q->getType().isQuantized()) {
        return makeError("unit layer '" + name +
                         "' is not INT8 in the quantized graph");
      }
    }
  }
  unitEmitted_.assign(units_.size(), false);
  switchBuf_ = newBuffer(Region::Mutable, units_.size());
  return llvm::Error::success();
}

llvm::Expected<std::vector<const Node *>> Planner::emissionOrder() const {
  std::vector<const Node *> topo;
  for (const Node *n : F_.getNodesInTopologicalOrder()) {
    if (!n->isStorage()) {
      topo.push_back(n);
    }
  }
  if (units_.empty()) {
    return topo;
  }
  // Items: a unit, or a node outside every unit; Kahn's algorithm over the
  // items, taking the earliest ready one in the original order.
  std::map<const Node *, size_t> index;
  for (size_t i = 0; i < topo.size(); i++) {
    index[topo[i]] = i;
  }
  auto itemOf = [&](const Node *n) -> int64_t {
    int u = unitOf(n);
    return u >= 0 ? -1 - u : int64_t(index.at(n));
  };
  std::map<int64_t, std::set<int64_t>> succs;
  std::map<int64_t, unsigned> preds;
  std::map<int64_t, size_t> first;
  for (const Node *n : topo) {
    int64_t item = itemOf(n);
    preds[item];
    first.emplace(item, index.at(n));
    for (unsigned i = 0; i < n->getNumInputs(); i++) {
      const Node *p = n->getNthInput(i).getNode();
      if (p->isStorage() || itemOf(p) == item) {
        continue;
      }
      if (succs[itemOf(p)].insert(item).second) {
        preds[item]++;
      }
    }
  }
  std::set<std::pair<size_t, int64_t>> ready;
  for (auto &[item, count] : preds) {
    if (!count) {
      ready.insert({first[item], item});
    }
  }
  std::vector<const Node *> order;
  while (!ready.empty()) {
    int64_t item = ready.begin()->second;
    ready.erase(ready.begin());
    for (const Node *n : topo) {
      if (itemOf(n) == item) {
        order.push_back(n);
      }
    }
    for (int64_t s : succs[item]) {
      if (--preds[s] == 0) {
        ready.insert({first[s], s});
      }
    }
  }
  if (order.size() != topo.size()) {
    return makeError("the precision units are not convex: a path leaves a "
                     "unit and comes back into it");
  }
  return order;
}

NodeValue Planner::counterpart(NodeValue w) const {
  const Node *n = w.getNode();
  if (isa<QuantizeNode>(n)) {
    n = n->getNthInput(0).getNode(); // a value quantized on its way in
  }
  auto it = fp32ByName_.find(n->getName().str());
  return it == fp32ByName_.end()
             ? NodeValue()
             : NodeValue(const_cast<Node *>(it->second), w.resNo);
}

llvm::Error Planner::emitUnit(int u) {
  unitEmitted_[u] = true;
  currentUnit_ = u;
  // The FP32 calls: the unit's nodes of the FP32 graph.
  currentInt8_ = false;
  for (const Node *n : F_.getNodesInTopologicalOrder()) {
    if (unitOf(n) == u) {
      layer_ = n->getName().str();
      if (auto err = visit(*n)) {
        return err;
      }
    }
  }
  // The INT8 calls: quantize what enters the unit, run the unit's nodes of
  // the INT8 graph, dequantize what leaves it into the FP32 storage.
  currentInt8_ = true;
  std::vector<const Node *> nodes;
  for (const Node *n : Fq_->getNodesInTopologicalOrder()) {
    if (unitOf(n) == u) {
      nodes.push_back(n);
    }
  }
  std::vector<std::pair<const Node *, unsigned>> local;
  for (const Node *n : nodes) {
    layer_ = n->getName().str();
    for (unsigned i = 0; i < n->getNumInputs(); i++) {
      NodeValue w = n->getNthInput(i);
      const Node *p = w.getNode();
      if (unitOf(p) == u || isa<Constant>(p) || plain_.count(key(w)) ||
          blocked_.count(key(w))) {
        continue;
      }
      NodeValue f = counterpart(w);
      if (!f.getNode() || !w.getType().isQuantized()) {
        return makeError("internal error: unit input '" + p->getName() +
                         "' has no FP32 counterpart");
      }
      Layout l = hasBlocked(f) ? Layout::Blocked : Layout::Plain;
      Storage src = use(f, l);
      Storage dst = define(w, l);
      local.push_back(key(w));
      const Type &t = w.getType();
      emit("libjit_quantize", elementsOf(typeOf(w), l),
           {ptr(dst), ptr(src), immf(t.getScale()), imm(t.getOffset())});
    }
  }
  for (const Node *n : nodes) {
    layer_ = n->getName().str();
    if (auto err = visit(*n)) {
      return err;
    }
    local.push_back(key(valueOf(n)));
  }
  for (const Node *n : nodes) {
    bool leaves = false;
    for (auto &user : Fq_->getUsers(valueOf(n))) {
      leaves |= unitOf(user.first) != u;
    }
    if (!leaves) {
      continue;
    }
    layer_ = n->getName().str();
    NodeValue f = counterpart(valueOf(n));
    const Type &t = n->getType();
    for (Layout l : {Layout::Plain, Layout::Blocked}) {
      auto &have = l == Layout::Plain ? plain_ : blocked_;
      auto it = have.find(key(f));
      if (it == have.end()) {
        continue;
      }
      Storage dst = it->second;
      Storage src = use(valueOf(n), l);
      emit("libjit_dequantize", elementsOf(typeOf(f), l),
           {ptr(dst), ptr(src), immf(t.getScale()), imm(t.getOffset())});
    }
  }
  // Values of the INT8 graph are private to this unit's calls.
  for (auto &k : local) {
    plain_.erase(k);
    blocked_.erase(k);
  }
  currentUnit_ = -1;
  currentInt8_ = false;
  return llvm::Error::success();
}

llvm::Expected<KernelProgram> Planner::run() {
  chooseImageLoop();
  prog_.images = perImage_ ? batch_ : 1;
  reserved_ = newBuffer(Region::Activations, kReservedActivationBytes);
  // Placeholders get their slots in the module's order.
  for (Placeholder *ph : F_.getParent().getPlaceholders()) {
    if (!F_.hasUsers(ph)) {
      continue;
    }
    unsigned b = newBuffer(Region::Mutable, ph->getType().getSizeInBytes());
    storageBufs_[ph] = b;
    if (perImage_ && batched_.count(ph)) {
      imageStrides_[b] = ph->getType().getSizeInBytes() / batch_;
    }
  }
  if (Fq_) {
    if (auto err = setUpUnits()) {
      return std::move(err);
    }
  }
  planFusions(F_);
  if (Fq_) {
    planFusions(*Fq_);
  }
  auto order = emissionOrder();
  if (!order) {
    return order.takeError();
  }
  for (const Node *n : *order) {
    if (!n->isStorage() && !isNodeEvaluable(*n)) {
      return makeError(std::string("the CPU backend cannot run node '") +
                       n->getName().str() + "' (" + n->getKindName() + " on " +
                       n->getType().toString() + ")");
    }
    int u = unitOf(n);
    if (u >= 0) {
      if (!unitEmitted_[u]) {
        if (auto err = emitUnit(u)) {
          return std::move(err);
        }
      }
      continue;
    }
    layer_ = n->getName().str();
    if (auto err = visit(*n)) {
      return std::move(err);
    }
  }
  place();
  return std::move(prog_);
}

void Planner::describeUnitEntries() {
  prog_.unitEntries.assign(units_.size(), {});
  for (size_t u = 0; u < units_.size(); u++) {
    auto &e = prog_.unitEntries[u];
    e.firstCall = int64_t(prog_.calls.size());
    for (size_t c = 0; c < prog_.calls.size(); c++) {
      if (prog_.calls[c].unit == int32_t(u)) {
        e.firstCall = int64_t(c);
        break;
      }
    }
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    for (size_t i = 0; i < bufs_.size(); i++) {
      const auto &b = bufs_[i];
      if (i != reserved_ && b.region == Region::Activations &&
          b.first < e.firstCall && b.last >= e.firstCall) {
        ranges.push_back({b.offset, b.offset + b.size});
      }
    }
    std::sort(ranges.begin(), ranges.end());
    for (auto &r : ranges) {
      if (!e.live.empty() && r.first <= e.live.back().second) {
        e.live.back().second = std::max(e.live.back().second, r.second);
      } else {
        e.live.push_back(r);
      }
    }
  }
}

void Planner::place() {
  // Lifetimes of the activation buffers, in call indices.
  for (size_t c = 0; c < refs_.size(); c++) {
    for (auto &r : refs_[c]) {
      if (r.first == PlannedArg::kNoBuffer) {
        continue;
      }
      auto &b = bufs_[r.first];
      b.first = std::min<int64_t>(b.first, c);
      b.last = std::max<int64_t>(b.last, c);
    }
  }
  // A value read by an output or defined before another one's end must
  // stay; fixed buffers: the reserved words and every non-activation one.
  bufs_[reserved_].first = 0;
  bufs_[reserved_].last = INT64_MAX;
  uint64_t constSize = 0, mutableSize = 0;
  for (size_t i = 0; i < bufs_.size(); i++) {
    auto &b = bufs_[i];
    if (b.region == Region::Constant && b.last >= 0) {
      b.offset = constSize;
      constSize += alignTo(b.size);
    } else if (b.region == Region::Mutable) {
      b.offset = mutableSize;
      mutableSize += alignTo(b.size);
    }
  }
  prog_.activationsSize = planActivations(bufs_, reserved_);
  if (!units_.empty()) {
    prog_.numUnits = units_.size();
    prog_.switchOffset = bufs_[switchBuf_].offset;
    describeUnitEntries();
  }
  prog_.mutableSize = mutableSize;
  prog_.constants.assign(constSize, 0);
  for (size_t i = 0; i < bufs_.size(); i++) {
    if (bufs_[i].region == Region::Constant && bufs_[i].last >= 0) {
      std::memcpy(prog_.constants.data() + bufs_[i].offset,
                  constData_[i].data(), constData_[i].size());
    }
  }
  for (size_t c = 0; c < refs_.size(); c++) {
    for (size_t a = 0; a < refs_[c].size(); a++) {
      auto [buf, off] = refs_[c][a];
      if (buf == PlannedArg::kNoBuffer) {
        continue;
      }
      KernelArg &arg = prog_.calls[c].args[a];
      arg.region = bufs_[buf].region;
      arg.offset = bufs_[buf].offset + off;
      auto stride = imageStrides_.find(buf);
      if (stride != imageStrides_.end()) {
        arg.imageStride = stride->second;
      }
    }
  }
  for (Placeholder *ph : F_.getParent().getPlaceholders()) {
    auto it = storageBufs_.find(ph);
    if (it == storageBufs_.end()) {
      continue;
    }
    PlaceholderSlot slot;
    slot.name = ph->getName().str();
    slot.type = ph->getType();
    slot.offset = bufs_[it->second].offset;
    for (SaveNode *s : F_.getSaves()) {
      slot.isOutput |= s->getPlaceholder() == ph;
    }
    prog_.placeholders.push_back(slot);
  }
}

llvm::Error Planner::visit(const Node &n) {
  if (fused_.count(&n)) {
    return llvm::Error::success(); // done by the kernel it is fused into
  }
  switch (n.getKind()) {
  case Kind::AddKind:
  case Kind::SubKind:
  case Kind::MulKind:
  case Kind::DivKind:
  case Kind::MaxKind:
  case Kind::MinKind:
  case Kind::PowKind:
    arithmetic(n);
    return llvm::Error::success();
  case Kind::ReluKind:
  case Kind::ClipKind:
  case Kind::LeakyReluKind:
  case Kind::SigmoidKind:
  case Kind::TanhKind:
  case Kind::ExpKind:
  case Kind::LogKind:
  case Kind::SqrtKind:
  case Kind::NegKind:
  case Kind::AbsKind:
    unary(n);
    return llvm::Error::success();
  case Kind::SaveKind: {
    auto &save = cast<SaveNode>(n);
    Storage src = use(save.getInput());
    Storage dst{storageBufs_.at(save.getPlaceholder()), 0};
    copyBytes(dst, src, typeOf(save.getInput()).getSizeInBytes());
    return llvm::Error::success();
  }
  case Kind::ReshapeKind: {
    // Same bytes, new shape: the result aliases its input.
    Storage s = use(n.getNthInput(0));
    record(NodeValue(const_cast<Node *>(&n), 0), s);
    return llvm::Error::success();
  }
  case Kind::ConvolutionKind:
    convolution(cast<ConvolutionNode>(n));
    return llvm::Error::success();
  case Kind::FullyConnectedKind:
    fullyConnected(n, n.getNthInput(0), n.getNthInput(1), n.getNthInput(2));
    return llvm::Error::success();
  case Kind::MatMulKind:
    fullyConnected(n, n.getNthInput(0), n.getNthInput(1), NodeValue());
    return llvm::Error::success();
  case Kind::BatchNormalizationKind: {
    auto &bn = cast<BatchNormalizationNode>(n);
    auto d = dims(valueOf(&n));
    int64_t inner = typeOf(valueOf(&n)).size() / (d[0] * d[1]);
    Storage in = use(bn.getInput());
    Storage out = define(NodeValue(const_cast<Node *>(&n), 0), Layout::Plain);
    emit("libjit_batchnorm_f32", d[0] * d[1],
         {ptr(out), ptr(in), ptr(use(bn.getScale())), ptr(use(bn.getBias())),
          ptr(use(bn.getMean())), ptr(use(bn.getVar())), imm(d[1]), imm(inner),
          immf(bn.getEpsilon())});
    return llvm::Error::success();
  }
  case Kind::MaxPoolKind:
  case Kind::AvgPoolKind:
    pool(cast<PoolNode>(n));
    return llvm::Error::success();
  case Kind::SoftMaxKind: {
    auto &sm = cast<SoftMaxNode>(n);
    auto d = dims(valueOf(&n));
    auto [outer, inner] = getOuterInnerSizes(d, sm.getAxis());
    Storage in = use(sm.getInput());
    Storage out = define(NodeValue(const_cast<Node *>(&n), 0), Layout::Plain);
    emit("libjit_softmax_f32", outer,
         {ptr(out), ptr(in), imm(d[sm.getAxis()]), imm(inner)});
    return llvm::Error::success();
  }
  case Kind::TransposeKind:
  case Kind::SliceKind:
  case Kind::BroadcastKind: {
    StridedView v = getStridedView(n, dims(n.getNthInput(0)), n.dims().size());
    stridedCopy(n, n.getNthInput(0), v.strides, v.start);
    return llvm::Error::success();
  }
  case Kind::ConcatKind:
    concat(cast<ConcatNode>(n));
    return llvm::Error::success();
  case Kind::PadKind:
    pad(cast<PadNode>(n));
    return llvm::Error::success();
  case Kind::GatherKind: {
    auto &g = cast<GatherNode>(n);
    auto d = dims(g.getData());
    auto [outer, inner] = getOuterInnerSizes(d, g.getAxis());
    int64_t numIdx = g.getIndices().getType().size();
    Storage data = use(g.getData()), idx = use(g.getIndices());
    Storage out = define(NodeValue(const_cast<Node *>(&n), 0), Layout::Plain);
    emit("libjit_gather", outer * numIdx,
         {ptr(out), ptr(data), ptr(idx),
          imm(g.getIndices().getElementType() == ElemKind::Int64ITy),
          imm(numIdx), imm(d[g.getAxis()]),
          imm(inner * getElementSize(g.getData().getElementType())),
          ptr(Storage{reserved_, kStatusOffset})});
    return llvm::Error::success();
  }
  case Kind::ConvertToKind: {
    Storage in = use(n.getNthInput(0));
    Storage out = define(NodeValue(const_cast<Node *>(&n), 0), Layout::Plain);
    emit("libjit_convert", typeOf(valueOf(&n)).size(),
         {ptr(out), ptr(in),
          imm(getScalarKindCode(n.getNthInput(0).getElementType())),
          imm(getScalarKindCode(n.getType().getElementType()))});
    return llvm::Error::success();
  }
  case Kind::QuantizeKind:
  case Kind::DequantizeKind:
  case Kind::RescaleQuantizedKind:
    conversion(n);
    return llvm::Error::success();
#define DEF_NODE(CLASS, NAME, FAMILY, INT8, IMAGES, BATCH, EPILOGUE, LOWERING) \
  GLOW_WHEN_##LOWERING(case Kind::NAME##Kind:)
#include "glow/Graph/Nodes.def"
  case Kind::PlaceholderKind:
  case Kind::ConstantKind:
    break;
  }
  return makeError(std::string("the CPU backend has no kernel for ") +
                   n.getKindName() + " (node '" + n.getName().str() + "')");
}

/// \returns true if the INT8 blocked kernel's int32 accumulators and
/// corrected biases cannot overflow for \p n (WeightPacking.h).
bool int8ConvFitsInt32(const ConvolutionNode &n) {
  auto f = n.getFilter().dims();
  int64_t taps = libjit::roundUp(f[1], kBlock) * f[2] * f[3];
  const Tensor &b = cast<Constant>(n.getBias().getNode())->getPayload();
  return int8AccumulatorsFit(b, taps);
}

bool Planner::isFastConvolution(const ConvolutionNode &n) const {
  if (!isa<Constant>(n.getFilter().getNode()) ||
      !isa<Constant>(n.getBias().getNode()) || n.dims().size() != 4) {
    return false;
  }
  auto f = n.getFilter().dims();
  int64_t C = n.getInput().dims()[1], O = n.dims()[1];
  bool depthwise = n.getGroup() > 1 && n.getGroup() == C && O == C && f[1] == 1;
  if (n.getGroup() != 1 && !depthwise) {
    return false;
  }
  if (n.getType().isQuantized()) {
    // The vector requantization needs shifts of at least 1 (ratios below
    // 2^30, i.e. always in practice).
    ConvRequantization rq = computeConvRequantization(n);
    for (int32_t shift : rq.shifts) {
      if (shift < 1) {
        return false;
      }
    }
    return isInt8(n.getType()) && int8ConvFitsInt32(n);
  }
  return true;
}

void Planner::planFusions(const Function &F) {
  // A switchable program keeps each unit's calls to itself: an activation
  // fuses only into a convolution of its own unit, conversions not at all.
  bool switchable = !units_.empty();
  for (const Node *n : F.getNodes()) {
    auto *conv = dyn_cast<ConvolutionNode>(n);
    if (!conv || !isFastConvolution(*conv)) {
      continue;
    }
    ConvFusion fu;
    bool q = conv->getType().isQuantized();
    NodeValue last = valueOf(conv);
    const Node *u = singleUser(F, last);
    if (u && (isa<ReluNode>(u) || isa<ClipNode>(u)) &&
        u->getType().isQuantized() == q &&
        (!switchable || unitOf(u) == unitOf(conv)) &&
        (!q || makeQuantizationTransform(double(conv->getType().getScale()) /
                                         u->getType().getScale())
                       .shift >= 1)) {
      fu.act = u;
      last = valueOf(u);
      u = singleUser(F, last);
    }
    if (!switchable && u &&
        ((!q && isa<QuantizeNode>(u) && isInt8(u->getType())) ||
         (q && isa<DequantizeNode>(u)))) {
      fu.conversion = u;
    }
    for (const Node *f : {fu.act, fu.conversion}) {
      if (f) {
        fused_.insert(f);
      }
    }
    fusions_[conv] = fu;
  }
  // A Quantize feeding an INT8 convolution is done while packing its input,
  // unless the convolution before it already does it in its epilogue.
  for (auto &[conv, fu] : fusions_) {
    const Node *in = conv->getNthInput(0).getNode();
    if (!switchable && conv->getType().isQuantized() && isa<QuantizeNode>(in) &&
        !fused_.count(in) && singleUser(F, valueOf(in)) == conv) {
      fu.inputQuantize = in;
      fused_.insert(in);
    }
  }
}

void Planner::convolution(const ConvolutionNode &n) {
  auto it = fusions_.find(&n);
  if (it == fusions_.end()) {
    plainConvolution(n);
    return;
  }
  const ConvFusion &fu = it->second;
  auto in = dims(n.getInput()), out = dims(valueOf(&n));
  auto f = n.getFilter().dims();
  int64_t N = in[0], C = in[1], H = in[2], W = in[3];
  int64_t O = out[1], OH = out[2], OW = out[3], KH = f[2], KW = f[3];
  auto &st = n.getStrides(), &pd = n.getPads(), &dl = n.getDilations();
  bool q = n.getType().isQuantized(), depthwise = n.getGroup() != 1;
  const Tensor &filter = cast<Constant>(n.getFilter().getNode())->getPayload();
  const Tensor &bias = cast<Constant>(n.getBias().getNode())->getPayload();
  NodeValue last = valueOf(fu.conversion ? fu.conversion
                           : fu.act      ? fu.act
                                         : &n);
  NodeValue src =
      fu.inputQuantize ? fu.inputQuantize->getNthInput(0) : n.getInput();
  bool srcBlocked = hasBlocked(src);
  Storage x = use(src, srcBlocked ? Layout::Blocked : Layout::Plain);
  int64_t CB =
      (srcBlocked || depthwise) ? kBlock : std::min<int64_t>(C, kBlock);
  int64_t Cb = libjit::divUp(C, CB), Ob = libjit::divUp(O, kBlock);
  int64_t Hp = H + pd[0] + pd[2], Wp = W + pd[1] + pd[3];
  Storage y = define(last, Layout::Blocked);
  std::vector<PlannedArg> window = {imm(KH),    imm(KW),    imm(st[0]),
                                    imm(st[1]), imm(dl[0]), imm(dl[1])};
  auto append = [](std::vector<PlannedArg> a,
                   const std::vector<PlannedArg> &b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };

  libjit::ConvScalars cs{};
  cs.lo = -INFINITY;
  cs.hi = INFINITY;
  cs.scale = 1;
  cs.dqScale = 1;
  auto scalarsArg = [&]() { return ptr(newConstant(&cs, sizeof(cs))); };

  if (!q) {
    if (fu.act) {
      cs.lo = 0.f;
      if (auto *clip = dyn_cast<ClipNode>(fu.act)) {
        cs.lo = clip->getMin();
        cs.hi = clip->getMax();
      }
    }
    if (fu.conversion) {
      cs.quantize = 1;
      cs.scale = fu.conversion->getType().getScale();
      cs.offset = fu.conversion->getType().getOffset();
    }
    Storage packed = x;
    bool direct =
        srcBlocked && pd[0] == 0 && pd[1] == 0 && pd[2] == 0 && pd[3] == 0;
    if (!direct) {
      packed = Storage{newBuffer(Region::Activations,
                                 N * Cb * Hp * Wp * CB * sizeof(float))};
      emit("libjit_pack_conv_input_f32", N * Cb * Hp,
           {ptr(packed), ptr(x), imm(srcBlocked), imm(C), imm(H), imm(W),
            imm(CB), imm(pd[0]), imm(pd[1]), imm(Hp), imm(Wp)});
    }
    PackedConvF32 pk = depthwise ? packDepthwiseF32(filter, bias)
                                 : packConvF32(filter, bias, CB);
    PlannedArg w = ptr(newConstant(pk.filter)), b = ptr(newConstant(pk.bias));
    if (depthwise) {
      emit("libjit_conv_depthwise_f32", N * Cb * OH,
           append(append({ptr(y), ptr(packed), w, b, imm(Cb), imm(Hp), imm(Wp),
                          imm(OH), imm(OW)},
                         window),
                  {scalarsArg()}));
    } else {
      emit("libjit_conv_blocked_f32", N * libjit::divUp(Ob, 2) * OH,
           append(append({ptr(y), ptr(packed), w, b, imm(Cb), imm(CB), imm(Hp),
                          imm(Wp), imm(Ob), imm(OH), imm(OW)},
                         window),
                  {scalarsArg()}));
    }
    return;
  }

  // INT8: pack the input as unsigned codes, then the VNNI kernel.
  const Type &xt = n.getInput().getType(), &yt = n.getType();
  cs.inZero = xt.getOffset() + 128;
  cs.outOffset = yt.getOffset();
  int64_t CBp = libjit::roundUp(CB, 4);
  Storage packed{newBuffer(Region::Activations, N * Cb * Hp * Wp * CBp)};
  PackedConvI8 pk;
  if (depthwise) {
    pk = packDepthwiseI8(n);
  } else {
    bool ok = packConvI8(n, CB, cs.inZero, pk);
    assert(ok && "int8ConvFitsInt32 admitted a convolution that overflows");
    (void)ok;
  }
  PlannedArg pixelSums = nullPtr();
  if (pk.needsWindowSums) {
    pixelSums = ptr(
        Storage{newBuffer(Region::Activations, N * Hp * Wp * sizeof(int32_t))});
  }
  emit("libjit_pack_conv_input_i8", N * Hp,
       {ptr(packed), pixelSums, ptr(x), imm(fu.inputQuantize != nullptr),
        imm(srcBlocked), imm(C), imm(H), imm(W), imm(CB), imm(CBp), imm(pd[0]),
        imm(pd[1]), imm(Hp), imm(Wp), immf(xt.getScale()),
        imm(xt.getOffset())});
  if (fu.act) {
    const Type &at = fu.act->getType();
    auto [lo, hi] = getClipBoundsInt8(*fu.act, yt.getScale());
    QuantizationTransform t =
        makeQuantizationTransform(double(yt.getScale()) / at.getScale());
    cs.act = 1;
    cs.actInOffset = yt.getOffset();
    cs.actLo = int32_t(lo);
    cs.actHi = int32_t(std::min<int64_t>(hi, INT32_MAX));
    cs.actMult = int32_t(t.multiplier);
    cs.actShift = t.shift;
    cs.actOutOffset = at.getOffset();
  }
  if (fu.conversion) {
    const Type &dt = fu.conversion->getNthInput(0).getType();
    cs.dequantize = 1;
    cs.dqScale = dt.getScale();
    cs.dqOffset = dt.getOffset();
  }
  if (depthwise) {
    emit("libjit_conv_depthwise_i8", N * Cb * OH,
         append(append({ptr(y), ptr(packed), ptr(newConstant(pk.filter32)),
                        ptr(newConstant(pk.bias)),
                        ptr(newConstant(pk.multipliers)),
                        ptr(newConstant(pk.shifts)), imm(Cb), imm(Hp), imm(Wp),
                        imm(OH), imm(OW)},
                       window),
                {scalarsArg()}));
    return;
  }
  PlannedArg sums = nullPtr();
  if (pk.needsWindowSums) {
    Storage s{newBuffer(Region::Activations, N * OH * OW * sizeof(int32_t))};
    emit("libjit_conv_window_sums_i8", N * OH,
         append({ptr(s), pixelSums, imm(Hp), imm(Wp), imm(OH), imm(OW)},
                window));
    sums = ptr(s);
  }
  emit("libjit_conv_blocked_i8", N * libjit::divUp(Ob, 2) * OH,
       append(append({ptr(y), ptr(packed), ptr(newConstant(pk.filter)),
                      ptr(newConstant(pk.bias)), sums,
                      ptr(newConstant(pk.filterOffsets)),
                      ptr(newConstant(pk.multipliers)),
                      ptr(newConstant(pk.shifts)), imm(Cb), imm(CBp), imm(Hp),
                      imm(Wp), imm(Ob), imm(OH), imm(OW)},
                     window),
              {scalarsArg()}));
}

void Planner::plainConvolution(const ConvolutionNode &n) {
  NodeValue result(const_cast<ConvolutionNode *>(&n), 0);
  auto in = dims(n.getInput()), out = dims(result);
  auto f = n.getFilter().dims();
  int64_t N = in[0], C = in[1], H = in[2], W = in[3];
  int64_t O = out[1], OH = out[2], OW = out[3], KH = f[2], KW = f[3];
  auto &st = n.getStrides(), &pd = n.getPads(), &dl = n.getDilations();
  Storage x = use(n.getInput());
  Storage filter = use(n.getFilter()), bias = use(n.getBias());
  Storage y = define(result, Layout::Plain);
  std::vector<PlannedArg> geometry = {
      imm(C),     imm(H),     imm(W),     imm(O),     imm(OH),
      imm(OW),    imm(KH),    imm(KW),    imm(st[0]), imm(st[1]),
      imm(pd[0]), imm(pd[1]), imm(dl[0]), imm(dl[1]), imm(n.getGroup())};
  if (!n.getType().isQuantized()) {
    std::vector<PlannedArg> args = {ptr(y), ptr(x), ptr(filter), ptr(bias)};
    args.insert(args.end(), geometry.begin(), geometry.end());
    emit("libjit_conv_f32", N * O, args);
    return;
  }
  ConvRequantization rq = computeConvRequantization(n);
  std::vector<PlannedArg> args = {ptr(y),
                                  ptr(x),
                                  ptr(filter),
                                  ptr(bias),
                                  ptr(newConstant(rq.filterOffsets)),
                                  ptr(newConstant(rq.multipliers)),
                                  ptr(newConstant(rq.shifts)),
                                  imm(n.getInput().getType().getOffset()),
                                  imm(n.getType().getOffset())};
  args.insert(args.end(), geometry.begin(), geometry.end());
  args.push_back(scratch(OH * OW * sizeof(int32_t)));
  emit("libjit_conv_i8", N * O, args);
}

void Planner::fullyConnected(const Node &n, NodeValue in, NodeValue w,
                             NodeValue b) {
  NodeValue result = valueOf(&n);
  int64_t N = dims(in)[0];
  int64_t K = typeOf(in).size() / std::max<int64_t>(N, 1);
  int64_t M = w.dims()[1], Mb = libjit::divUp(M, kBlock);
  const Type &xt = in.getType(), &wty = w.getType(), &yt = n.getType();
  bool constantWeights =
      b.getNode() && isa<Constant>(w.getNode()) && isa<Constant>(b.getNode());
  // A blocked input of 1x1 pixels is read as rows of Cb * 16 values.
  bool blockedIn = constantWeights && hasBlocked(in) && in.dims().size() == 4 &&
                   in.dims()[2] * in.dims()[3] == 1;
  int64_t Kx = blockedIn ? libjit::roundUp(in.dims()[1], kBlock) : K;
  if (constantWeights) {
    const Tensor &wt = cast<Constant>(w.getNode())->getPayload();
    const Tensor &bt = cast<Constant>(b.getNode())->getPayload();
    if (!yt.isQuantized()) {
      Storage x = use(in, blockedIn ? Layout::Blocked : Layout::Plain);
      Storage y = define(result, Layout::Plain);
      PackedConvF32 pk = packFullyConnectedF32(wt, bt, Kx);
      emit("libjit_fc_f32", N * Mb,
           {ptr(y), ptr(x), ptr(newConstant(pk.filter)),
            ptr(newConstant(pk.bias)), imm(Kx), imm(M)});
      return;
    }
    int32_t zero = xt.getOffset() + 128;
    PackedFcI8 pk;
    if (packFullyConnectedI8(wt, bt, Kx, zero, pk)) {
      Storage x = use(in, blockedIn ? Layout::Blocked : Layout::Plain);
      Storage y = define(result, Layout::Plain);
      Storage rows{newBuffer(Region::Activations, N * pk.Kp)};
      PlannedArg sums = nullPtr();
      if (pk.needsRowSums) {
        sums =
            ptr(Storage{newBuffer(Region::Activations, N * sizeof(int32_t))});
      }
      emit("libjit_pack_fc_input_i8", N,
           {ptr(rows), sums, ptr(x), imm(Kx), imm(pk.Kp), imm(xt.getOffset())});
      auto [m, s] =
          transformArgs(double(xt.getScale()) * wty.getScale() / yt.getScale());
      emit("libjit_fc_i8", N * Mb,
           {ptr(y), ptr(rows), ptr(newConstant(pk.weights)),
            ptr(newConstant(pk.bias)), sums, imm(wty.getOffset()), imm(pk.Kp),
            imm(M), m, s, imm(yt.getOffset())});
      return;
    }
  }
  Storage x = use(in), wS = use(w);
  PlannedArg bias = b.getNode() ? ptr(use(b)) : nullPtr();
  Storage y = define(result, Layout::Plain);
  if (!yt.isQuantized()) {
    emit("libjit_matmul_f32", N,
         {ptr(y), ptr(x), ptr(wS), bias, imm(K), imm(M)});
    return;
  }
  auto [mult, shift] =
      transformArgs(double(xt.getScale()) * wty.getScale() / yt.getScale());
  emit("libjit_matmul_i8", N,
       {ptr(y), ptr(x), ptr(wS), bias, imm(K), imm(M), imm(xt.getOffset()),
        imm(wty.getOffset()), mult, shift, imm(yt.getOffset()),
        scratch(M * sizeof(int32_t))});
}

/// \returns the layout an element-wise node works in: blocked when one of
/// its (4-D) inputs already is and the kind keeps the padded lanes finite
/// (f(0) is finite and harmless), plain otherwise.
Layout Planner::elementwiseLayout(const Node &n) const {
  // Kinds with f(0) finite and harmless; Div, Pow, Log ... are not.
  Kind k = n.getKind();
  bool friendly = k == Kind::AddKind || k == Kind::SubKind ||
                  k == Kind::MulKind || k == Kind::MaxKind ||
                  k == Kind::MinKind || k == Kind::ReluKind ||
                  k == Kind::ClipKind || k == Kind::LeakyReluKind ||
                  n.getFamily() == NodeFamily::Quantization;
  if (!friendly || n.dims().size() != 4) {
    return Layout::Plain;
  }
  for (unsigned i = 0; i < n.getNumInputs(); i++) {
    if (hasBlocked(n.getNthInput(i))) {
      return Layout::Blocked;
    }
  }
  return Layout::Plain;
}

void Planner::arithmetic(const Node &n) {
  NodeValue result = valueOf(&n);
  Layout layout = elementwiseLayout(n);
  Storage l = use(n.getNthInput(0), layout), r = use(n.getNthInput(1), layout);
  Storage y = define(result, layout);
  int64_t items = elementsOf(typeOf(result), layout);
  int32_t op = getElementwiseOpCode(n.getKind());
  switch (n.getType().getElementType()) {
  case ElemKind::FloatTy:
    emit("libjit_binary_f32", items, {ptr(y), ptr(l), ptr(r), imm(op)});
    return;
  case ElemKind::Int64ITy:
    emit("libjit_binary_i64", items, {ptr(y), ptr(l), ptr(r), imm(op)});
    return;
  case ElemKind::Int32ITy:
    emit("libjit_binary_i32", items, {ptr(y), ptr(l), ptr(r), imm(op)});
    return;
  default:
    break;
  }
  const Type &at = n.getNthInput(0).getType(), &bt = n.getNthInput(1).getType(),
             &yt = n.getType();
  double ra, rb;
  if (n.getKind() == Kind::MulKind) {
    ra = double(at.getScale()) * bt.getScale() / yt.getScale();
    rb = 1.0;
  } else {
    ra = double(at.getScale()) / yt.getScale();
    rb = double(bt.getScale()) / yt.getScale();
  }
  auto [ma, sa] = transformArgs(ra);
  auto [mb, sb] = transformArgs(rb);
  emit("libjit_binary_i8", items,
       {ptr(y), ptr(l), ptr(r), imm(op), imm(at.getOffset()),
        imm(bt.getOffset()), imm(yt.getOffset()), ma, sa, mb, sb});
}

void Planner::unary(const Node &n) {
  NodeValue result = valueOf(&n);
  Layout layout = elementwiseLayout(n);
  Storage x = use(n.getNthInput(0), layout);
  Storage y = define(result, layout);
  int64_t items = elementsOf(typeOf(result), layout);
  if (n.getType().isQuantized()) {
    const Type &xt = n.getNthInput(0).getType(), &yt = n.getType();
    auto [lo, hi] = getClipBoundsInt8(n, xt.getScale());
    auto [m, s] = transformArgs(double(xt.getScale()) / yt.getScale());
    emit("libjit_clip_i8", items,
         {ptr(y), ptr(x), imm(xt.getOffset()), imm(lo), imm(hi), m, s,
          imm(yt.getOffset())});
    return;
  }
  auto [p0, p1] = getUnaryParams(n);
  emit("libjit_unary_f32", items,
       {ptr(y), ptr(x), imm(getElementwiseOpCode(n.getKind())), immf(p0),
        immf(p1)});
}

void Planner::pool(const PoolNode &n) {
  NodeValue result = valueOf(&n);
  auto in = dims(n.getInput()), out = dims(result);
  Layout layout = hasBlocked(n.getInput()) ? Layout::Blocked : Layout::Plain;
  Storage x = use(n.getInput(), layout);
  Storage y = define(result, layout);
  auto &k = n.getKernels(), &s = n.getStrides(), &p = n.getPads();
  int64_t planes = layout == Layout::Blocked
                       ? in[0] * libjit::divUp(in[1], kBlock)
                       : in[0] * in[1];
  std::vector<PlannedArg> args = {ptr(y), ptr(x)};
  if (layout == Layout::Blocked) {
    args.push_back(imm(libjit::divUp(in[1], kBlock)));
  }
  for (int64_t v :
       {int64_t(in[2]), int64_t(in[3]), int64_t(out[2]), int64_t(out[3]),
        int64_t(k[0]), int64_t(k[1]), int64_t(s[0]), int64_t(s[1]),
        int64_t(p[0]), int64_t(p[1]), int64_t(p[2]), int64_t(p[3]),
        int64_t(n.getKind() == Kind::MaxPoolKind),
        int64_t(n.getCountIncludePads())}) {
    args.push_back(imm(v));
  }
  bool q = n.getType().isQuantized();
  if (q) {
    const Type &xt = n.getInput().getType(), &yt = n.getType();
    args.push_back(imm(xt.getOffset()));
    args.push_back(immf(xt.getScale()));
    args.push_back(imm(yt.getOffset()));
    args.push_back(immf(yt.getScale()));
  }
  if (layout == Layout::Blocked) {
    emit(q ? "libjit_pool_blocked_i8" : "libjit_pool_blocked_f32",
         planes * out[2], args);
  } else {
    emit(q ? "libjit_pool_i8" : "libjit_pool_f32", planes, args);
  }
}

void Planner::stridedCopy(const Node &n, NodeValue in,
                          std::vector<int64_t> strides, int64_t start) {
  NodeValue result(const_cast<Node *>(&n), 0);
  Storage x = use(in);
  Storage y = define(result, Layout::Plain);
  auto d = dims(result);
  emit("libjit_strided_copy", typeOf(result).size(),
       {ptr(y), ptr(x), imm(d.size()),
        array(std::vector<int64_t>(d.begin(), d.end())), array(strides),
        imm(start), imm(getElementSize(n.getType().getElementType()))});
}

void Planner::concat(const ConcatNode &n) {
  NodeValue result(const_cast<ConcatNode *>(&n), 0);
  auto out = dims(result);
  unsigned dim = n.getDim();
  auto [outer, inner] = getOuterInnerSizes(out, dim);
  int64_t elem = getElementSize(n.getType().getElementType());
  Storage y = define(result, Layout::Plain);
  int64_t offset = 0;
  const Type &yt = n.getType();
  for (unsigned i = 0; i < n.getNumInputs(); i++) {
    NodeValue v = n.getNthInput(i);
    int64_t row = dims(v)[dim] * inner;
    Storage x = use(v);
    Storage dst{y.buf, y.byteOffset + uint64_t(offset * elem), y.layout};
    if (isInt8(yt)) {
      const Type &xt = v.getType();
      auto [m, s] = transformArgs(double(xt.getScale()) / yt.getScale());
      emit("libjit_rescale_rows_i8", outer,
           {ptr(dst), ptr(x), imm(row), imm(out[dim] * inner), imm(row),
            imm(xt.getOffset()), m, s, imm(yt.getOffset())});
    } else {
      emit("libjit_copy_rows", outer,
           {ptr(dst), ptr(x), imm(row * elem), imm(out[dim] * inner * elem),
            imm(row * elem)});
    }
    offset += row;
  }
}

void Planner::pad(const PadNode &n) {
  NodeValue result(const_cast<PadNode *>(&n), 0);
  const Type &yt = n.getType();
  int64_t bits = getPadValueBits(n);
  Storage x = use(n.getInput());
  Storage y = define(result, Layout::Plain);
  auto out = dims(result), in = dims(n.getInput());
  size_t rank = out.size();
  std::vector<int64_t> begins(n.getPads().begin(), n.getPads().begin() + rank);
  emit("libjit_pad", typeOf(result).size(),
       {ptr(y), ptr(x), imm(rank),
        array(std::vector<int64_t>(out.begin(), out.end())),
        array(std::vector<int64_t>(in.begin(), in.end())), array(begins),
        imm(int32_t(n.getMode())), array({bits}),
        imm(getElementSize(yt.getElementType()))});
}

void Planner::conversion(const Node &n) {
  NodeValue result = valueOf(&n);
  Layout layout = elementwiseLayout(n);
  Storage x = use(n.getNthInput(0), layout);
  Storage y = define(result, layout);
  const Type &xt = n.getNthInput(0).getType(), &yt = n.getType();
  int64_t items = elementsOf(typeOf(result), layout);
  if (n.getKind() == Kind::QuantizeKind) {
    emit("libjit_quantize", items,
         {ptr(y), ptr(x), immf(yt.getScale()), imm(yt.getOffset())});
  } else if (n.getKind() == Kind::DequantizeKind) {
    emit("libjit_dequantize", items,
         {ptr(y), ptr(x), immf(xt.getScale()), imm(xt.getOffset())});
  } else { // RescaleQuantized
    auto [m, s] = transformArgs(double(xt.getScale()) / yt.getScale());
    emit("libjit_rescale_rows_i8", items,
         {ptr(y), ptr(x), imm(1), imm(1), imm(1), imm(xt.getOffset()), m, s,
          imm(yt.getOffset())});
  }
}

} // namespace

llvm::Expected<KernelProgram> buildKernelProgram(const Function &F,
                                                 unsigned numThreads) {
  Planner p(F, numThreads);
  return p.run();
}

llvm::Expected<KernelProgram>
buildSwitchableKernelProgram(const Function &fp32, const Function &int8,
                             const std::vector<std::vector<std::string>> &units,
                             unsigned numThreads) {
  Planner p(fp32, numThreads, &int8, &units);
  return p.run();
}

} // namespace cpu
} // namespace glow
