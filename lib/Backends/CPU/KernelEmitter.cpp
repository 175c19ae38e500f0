#include "KernelEmitter.h"
#include "libjit/LibjitLayout.h"

#include "glow/Backends/KernelGeometry.h"
#include "glow/Backends/KernelOps.h"
#include "glow/Support/Diagnostics.h"
#include "glow/Support/Error.h"

#include "llvm/Support/Casting.h"

#include <algorithm>

using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;

namespace glow {
namespace cpu {

using Kind = Node::Kind;

KernelEmitter::KernelEmitter(const Function &F, const Function *int8,
                             unsigned numThreads, const BatchPlan &batch,
                             bool perImage, const UnitPlan &units,
                             const FusionPlan &fusions)
    : F_(F), Fq_(int8), numThreads_(numThreads), batch_(batch),
      perImage_(perImage), units_(units), fusions_(fusions) {
  prog_.numThreads = numThreads_;
  prog_.images = perImage_ ? batch_.batch : 1;
  reserved_ = newBuffer(Region::Activations, kReservedActivationBytes);
  // Placeholders get their slots in the module's order.
  for (Placeholder *ph : F_.getParent().getPlaceholders()) {
    if (!F_.hasUsers(ph)) {
      continue;
    }
    unsigned b = newBuffer(Region::Mutable, ph->getType().getSizeInBytes());
    storageBufs_[ph] = b;
    if (perImage_ && batch_.isBatched(ph)) {
      imageStrides_[b] = ph->getType().getSizeInBytes() / batch_.batch;
    }
  }
  if (Fq_) {
    unitEmitted_.assign(units_.size(), false);
    switchBuf_ = newBuffer(Region::Mutable, units_.size());
  }
}

PlannedArg KernelEmitter::scratch(uint64_t bytes) {
  bytes = alignTo(bytes);
  // Per-image programs give every thread its own activations, so one copy
  // is enough there.
  if (perImage_) {
    return ptr(Storage{newBuffer(Region::Activations, bytes)});
  }
  unsigned b = newBuffer(Region::Activations, bytes * numThreads_);
  PlannedArg a{KernelArg::pointer(Region::Activations, 0), b, 0};
  a.arg.kind = KernelArg::Kind::ThreadScratch;
  a.arg.bytesPerThread = bytes;
  return a;
}

Type KernelEmitter::typeOf(NodeValue v) const {
  const Type &t = v.getType();
  if (!perImage_ || !batch_.isBatched(v.getNode())) {
    return t;
  }
  std::vector<dim_t> d(t.dims().begin(), t.dims().end());
  d[0] = 1;
  return Type::newShape(t, d);
}

Storage KernelEmitter::use(NodeValue v, Layout l) {
  const Node *n = v.getNode();
  if (n->isStorage()) {
    auto it = storageBufs_.find(n);
    unsigned b;
    if (it != storageBufs_.end()) {
      b = it->second;
    } else if (auto *c = dyn_cast<Constant>(n)) {
      b = newConstant(c->getPayload().getUnsafePtr(),
                      c->getPayload().getSizeInBytes(),
                      c->getType().getElementType() == ElemKind::Int8QTy);
      storageBufs_[n] = b;
    } else {
      b = newBuffer(Region::Mutable, n->getType().getSizeInBytes());
      storageBufs_[n] = b;
    }
    Storage s{b, 0, Layout::Plain};
    if (l == Layout::Plain) {
      return s;
    }
    layouts_.record(v, s);
  }
  if (const Storage *s = layouts_.find(v, l)) {
    return *s;
  }
  Layout other = l == Layout::Plain ? Layout::Blocked : Layout::Plain;
  const Storage *have = layouts_.find(v, other);
  CHECK(have) << "internal error: '" << n->getName().str()
              << "' is used before it is defined";
  Storage src = *have;
  Storage dst = define(v, l);
  auto d = dims(v);
  int64_t elem = getElementSize(v.getElementType());
  emit(l == Layout::Plain ? "libjit_from_blocked" : "libjit_to_blocked",
       d[0] * d[1],
       {ptr(dst), ptr(src), imm(d[1]), imm(d[2] * d[3]), imm(elem)});
  return dst;
}

bool KernelEmitter::readersWorkBlocked(NodeValue v) const {
  if (Fq_ || v.dims().size() != 4) {
    return false;
  }
  auto users = F_.getUsers(v);
  return !users.empty() &&
         std::all_of(users.begin(), users.end(), [&](const auto &use) {
           const Node *u = use.first;
           if (fusions_.isFused(u)) {
             return false;
           }
           if (isa<ConvolutionNode>(u)) {
             return use.second == 0 && fusions_.getFusion(u) != nullptr;
           }
           if (isa<PoolNode>(u)) {
             return true;
           }
           NodeFamily f = u->getFamily();
           return (f == NodeFamily::Binary || f == NodeFamily::Unary) &&
                  keepsPaddingLanesFinite(*u) && u->dims() == v.dims() &&
                  !fusions_.rowOperands.count(u) &&
                  !fusions_.matMulBiases.count(u) &&
                  !fusions_.channelGates.count(u);
         });
}

void KernelEmitter::emit(const char *kernel, int64_t items,
                         std::vector<PlannedArg> args) {
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
  buffers_.refs.push_back(std::move(refs));
}

llvm::Error KernelEmitter::emitNode(const Node &n) {
  int u = units_.unitOf(&n);
  if (u >= 0) {
    return unitEmitted_[u] ? llvm::Error::success() : emitUnit(u);
  }
  layer_ = n.getName().str();
  return visitAndLog(n);
}

llvm::Error KernelEmitter::visitAndLog(const Node &n) {
  size_t before = prog_.calls.size();
  if (auto err = visit(n)) {
    return err;
  }
  if (!VLOG_IS_ON(2)) {
    return llvm::Error::success();
  }
  std::string what =
      std::string(n.getKindName()) + " '" + n.getName().str() + "'" +
      (currentUnit_ >= 0 ? std::string(currentInt8_ ? " (INT8" : " (FP32") +
                               " of unit " + std::to_string(currentUnit_) + ")"
                         : std::string());
  auto host = fusions_.fusedInto.find(&n);
  if (host != fusions_.fusedInto.end()) {
    VLOG(2) << what << ": done by " << host->second->getKindName() << " '"
            << host->second->getName().str() << "'";
    return llvm::Error::success();
  }
  std::string kernels;
  for (size_t c = before; c < prog_.calls.size(); c++) {
    kernels += (kernels.empty() ? "" : ", ") + prog_.calls[c].kernel;
  }
  std::string layout = "no result";
  if (n.getNumResults()) {
    bool blocked = fusions_.getFusion(&n) || hasBlocked(valueOf(&n));
    layout = getLayoutName(blocked ? Layout::Blocked : Layout::Plain);
  }
  VLOG(2) << what << ": " << layout << ", "
          << (kernels.empty() ? std::string("no call (aliases its input)")
                              : kernels);
  return llvm::Error::success();
}

llvm::Error KernelEmitter::visit(const Node &n) {
  if (fusions_.isFused(&n)) {
    return llvm::Error::success(); // done by the kernel it is fused into
  }
  auto map = fusions_.codeMaps.find(&n);
  if (map != fusions_.codeMaps.end()) {
    codeMap(n, map->second);
    return llvm::Error::success();
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
  case Kind::ErfKind:
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
    layouts_.record(valueOf(&n), s);
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
    // Channels second; blocked where the input already is (DenseNet's
    // in-place Concats), so that neither side converts.
    bool blocked = d.size() == 4 && hasBlocked(bn.getInput());
    Layout l = blocked ? Layout::Blocked : Layout::Plain;
    int64_t lanes = blocked ? libjit::kBlock : 1;
    int64_t planes = blocked ? libjit::divUp(d[1], libjit::kBlock) : d[1];
    int64_t inner = getLayoutElements(typeOf(valueOf(&n)), l) / (d[0] * planes);
    Storage in = use(bn.getInput(), l);
    Storage out = define(valueOf(&n), l);
    emit("libjit_batchnorm_f32", d[0] * planes,
         {ptr(out), ptr(in), ptr(use(bn.getScale())), ptr(use(bn.getBias())),
          ptr(use(bn.getMean())), ptr(use(bn.getVar())), dyn(d[1]), dyn(planes),
          imm(lanes), dyn(inner), immf(bn.getEpsilon())});
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
    Storage out = define(valueOf(&n), Layout::Plain);
    emit("libjit_softmax_f32", outer,
         {ptr(out), ptr(in), imm(d[sm.getAxis()]), imm(inner)});
    return llvm::Error::success();
  }
  case Kind::IntLookupTableKind: {
    auto &lut = cast<IntLookupTableNode>(n);
    // Any int8 -> int8 map keeps a blocked value blocked: the codes in its
    // padding lanes meet weights that cancel them.
    Layout layout = getElementwiseLayout(n, layouts_);
    Storage in = use(lut.getInput(), layout);
    Storage table = use(lut.getTable());
    Storage out = define(valueOf(&n), layout);
    emit("libjit_lookup_i8", getLayoutElements(typeOf(valueOf(&n)), layout),
         {ptr(out), ptr(in), ptr(table)});
    return llvm::Error::success();
  }
  case Kind::ArgMinMaxKind: {
    auto &am = cast<ArgMinMaxNode>(n);
    auto d = dims(am.getInput());
    auto [outer, inner] = getOuterInnerSizes(d, am.getAxis());
    Storage in = use(am.getInput());
    Storage out = define(valueOf(&n), Layout::Plain);
    emit("libjit_argminmax_f32", outer,
         {ptr(out), ptr(in), imm(d[am.getAxis()]), imm(inner), imm(am.isMin()),
          imm(am.getSelectLastIndex())});
    return llvm::Error::success();
  }
  case Kind::TopKKind: {
    auto &t = cast<TopKNode>(n);
    auto d = dims(t.getInput());
    auto [outer, inner] = getOuterInnerSizes(d, t.getAxis());
    Storage in = use(t.getInput());
    Storage out = define(valueOf(&n), Layout::Plain);
    emit("libjit_topk_f32", outer,
         {ptr(out), ptr(in), imm(d[t.getAxis()]), imm(inner), imm(t.getK()),
          imm(t.getLargest())});
    return llvm::Error::success();
  }
  case Kind::CompareKind: {
    auto &c = cast<CompareNode>(n);
    Storage l = use(n.getNthInput(0));
    Storage r = use(n.getNthInput(n.getNumInputs() - 1));
    Storage out = define(valueOf(&n), Layout::Plain);
    emit("libjit_compare", typeOf(valueOf(&n)).size(),
         {ptr(out), ptr(l), ptr(r),
          imm(getScalarKindCode(n.getNthInput(0).getElementType())),
          imm(int32_t(c.getMode()))});
    return llvm::Error::success();
  }
  case Kind::SelectKind: {
    auto &sel = cast<SelectNode>(n);
    Storage c = use(sel.getCond()), l = use(sel.getLHS()),
            r = use(sel.getRHS());
    Storage out = define(valueOf(&n), Layout::Plain);
    emit("libjit_select", typeOf(valueOf(&n)).size(),
         {ptr(out), ptr(c), ptr(l), ptr(r),
          imm(getElementSize(n.getType().getElementType()))});
    return llvm::Error::success();
  }
  case Kind::GatherElementsKind: {
    auto &g = cast<GatherElementsNode>(n);
    auto dd = dims(g.getData()), id = dims(g.getIndices());
    Storage data = use(g.getData()), idx = use(g.getIndices());
    Storage out = define(valueOf(&n), Layout::Plain);
    emit("libjit_gather_elements", typeOf(valueOf(&n)).size(),
         {ptr(out), ptr(data), ptr(idx),
          imm(g.getIndices().getElementType() == ElemKind::Int64ITy),
          imm(id.size()), immArray(std::vector<int64_t>(id.begin(), id.end())),
          immArray(std::vector<int64_t>(dd.begin(), dd.end())),
          imm(g.getAxis()), imm(getElementSize(n.getType().getElementType())),
          ptr(Storage{reserved_, kStatusOffset})});
    return llvm::Error::success();
  }
  case Kind::TransposeKind: {
    // NCHW -> NHWC of a blocked value (ConvNeXt after each depthwise
    // convolution), and NHWC -> NCHW whose readers all work blocked (its
    // way back): each pixel's channels are its blocks' lanes, copied whole,
    // instead of a plain copy and a transpose of it (and a conversion to
    // blocked after it).
    NodeValue in = n.getNthInput(0);
    const auto &shuffle = cast<TransposeNode>(n).getShuffle();
    bool fromBlocked = shuffle == std::vector<unsigned>{0, 2, 3, 1} &&
                       layouts_.find(in, Layout::Blocked);
    bool toBlocked = shuffle == std::vector<unsigned>{0, 3, 1, 2} &&
                     readersWorkBlocked(valueOf(&n));
    if (fromBlocked || toBlocked) {
      auto d = dims(fromBlocked ? in : valueOf(&n)); // NCHW
      Storage x = use(in, fromBlocked ? Layout::Blocked : Layout::Plain);
      Storage y =
          define(valueOf(&n), toBlocked ? Layout::Blocked : Layout::Plain);
      emit("libjit_channels_last_blocks", d[0] * d[2],
           {ptr(y), ptr(x), dyn(d[1]), dyn(d[2]), dyn(d[3]),
            imm(getElementSize(n.getType().getElementType())), imm(toBlocked)});
      return llvm::Error::success();
    }
    StridedView v = getStridedView(n, dims(in), n.dims().size());
    stridedCopy(n, in, v.strides, v.start);
    return llvm::Error::success();
  }
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
    Storage out = define(valueOf(&n), Layout::Plain);
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
    Storage out = define(valueOf(&n), Layout::Plain);
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

llvm::Error KernelEmitter::emitUnit(int u) {
  unitEmitted_[u] = true;
  currentUnit_ = u;
  size_t firstFp32 = prog_.calls.size();
  // The FP32 calls: the unit's nodes of the FP32 graph.
  currentInt8_ = false;
  for (const Node *n : F_.getNodesInTopologicalOrder()) {
    if (units_.unitOf(n) == u) {
      layer_ = n->getName().str();
      if (auto err = visitAndLog(*n)) {
        return err;
      }
    }
  }
  // The INT8 calls: quantize what enters the unit, run the unit's nodes of
  // the INT8 graph, dequantize what leaves it into the FP32 storage.
  size_t firstInt8 = prog_.calls.size();
  currentInt8_ = true;
  std::vector<const Node *> nodes;
  for (const Node *n : Fq_->getNodesInTopologicalOrder()) {
    if (units_.unitOf(n) == u) {
      nodes.push_back(n);
    }
  }
  std::vector<ValueKey> local;
  for (const Node *n : nodes) {
    layer_ = n->getName().str();
    for (unsigned i = 0; i < n->getNumInputs(); i++) {
      NodeValue w = n->getNthInput(i);
      const Node *p = w.getNode();
      if (units_.unitOf(p) == u || isa<Constant>(p) ||
          layouts_.has(w, Layout::Plain) || layouts_.has(w, Layout::Blocked)) {
        continue;
      }
      NodeValue f = units_.counterpart(w);
      if (!f.getNode() || !w.getType().isQuantized()) {
        return makeError("internal error: unit input '" + p->getName() +
                         "' has no FP32 counterpart");
      }
      Layout l = hasBlocked(f) ? Layout::Blocked : Layout::Plain;
      Storage src = use(f, l);
      Storage dst = define(w, l);
      local.push_back(keyOf(w));
      const Type &t = w.getType();
      emit("libjit_quantize", getLayoutElements(typeOf(w), l),
           {ptr(dst), ptr(src), dynf(t.getScale()), dyn(t.getOffset())});
    }
  }
  for (const Node *n : nodes) {
    layer_ = n->getName().str();
    if (auto err = visitAndLog(*n)) {
      return err;
    }
    local.push_back(keyOf(valueOf(n)));
  }
  for (const Node *n : nodes) {
    bool leaves = false;
    for (auto &user : Fq_->getUsers(valueOf(n))) {
      leaves |= units_.unitOf(user.first) != u;
    }
    if (!leaves) {
      continue;
    }
    layer_ = n->getName().str();
    NodeValue f = units_.counterpart(valueOf(n));
    const Type &t = n->getType();
    for (Layout l : {Layout::Plain, Layout::Blocked}) {
      const Storage *have = layouts_.find(f, l);
      if (!have) {
        continue;
      }
      Storage dst = *have;
      Storage src = use(valueOf(n), l);
      emit("libjit_dequantize", getLayoutElements(typeOf(f), l),
           {ptr(dst), ptr(src), dynf(t.getScale()), dyn(t.getOffset())});
    }
  }
  // Values of the INT8 graph are private to this unit's calls.
  for (auto &k : local) {
    layouts_.forget(k);
  }
  VLOG(2) << "unit " << u << ": FP32 calls " << firstFp32 << ".." << firstInt8
          << ", INT8 calls " << firstInt8 << ".." << prog_.calls.size();
  currentUnit_ = -1;
  currentInt8_ = false;
  return llvm::Error::success();
}

KernelProgram KernelEmitter::finish() {
  placeBuffers(buffers_, reserved_, imageStrides_, prog_);
  if (units_.isSwitchable()) {
    prog_.numUnits = units_.size();
    prog_.switchOffset = buffers_.bufs[switchBuf_].offset;
    prog_.unitEntries =
        describeUnitEntries(prog_, buffers_.bufs, reserved_, units_.size());
  }
  for (Placeholder *ph : F_.getParent().getPlaceholders()) {
    auto it = storageBufs_.find(ph);
    if (it == storageBufs_.end()) {
      continue;
    }
    PlaceholderSlot slot;
    slot.name = ph->getName().str();
    slot.type = ph->getType();
    slot.offset = buffers_.bufs[it->second].offset;
    for (SaveNode *s : F_.getSaves()) {
      slot.isOutput |= s->getPlaceholder() == ph;
    }
    prog_.placeholders.push_back(slot);
  }
  return std::move(prog_);
}

} // namespace cpu
} // namespace glow
