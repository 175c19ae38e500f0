// Emission of the element-wise kinds (arithmetic, unary, conversions),
// pooling and data movement (strided copies, Concat, Pad).

#include "KernelEmitter.h"
#include "libjit/LibjitLayout.h"

#include "glow/Backends/KernelGeometry.h"
#include "glow/Backends/KernelOps.h"

namespace glow {
namespace cpu {

using Kind = Node::Kind;
using libjit::kBlock;

namespace {
/// The tables of an INT8 Add or Sub for libjit_binary_i8: for every code c
/// (at c + 128) of each operand, its value less its offset rescaled by
/// \p ta or \p tb to the output's scale as the Interpreter does it, the
/// output offset \p outOffset added to the first, the second negated for a
/// Sub (\p negate). Empty when the sum of two entries might not fit in 16
/// bits.
std::vector<int16_t> additionTables(QuantizationTransform ta, int32_t aOffset,
                                    QuantizationTransform tb, int32_t bOffset,
                                    int32_t outOffset, bool negate) {
  std::vector<int16_t> t(512);
  int64_t maxA = 0, maxB = 0;
  for (int32_t c = -128; c < 128; c++) {
    int64_t va = applyQuantizationTransform(c - aOffset, ta) + outOffset;
    int64_t vb = applyQuantizationTransform(c - bOffset, tb);
    vb = negate ? -vb : vb;
    maxA = std::max<int64_t>(maxA, va < 0 ? -va : va);
    maxB = std::max<int64_t>(maxB, vb < 0 ? -vb : vb);
    if (maxA + maxB > INT16_MAX) {
      return {};
    }
    t[c + 128] = int16_t(va);
    t[256 + c + 128] = int16_t(vb);
  }
  return t;
}
} // namespace

void KernelEmitter::channelMul(const Node &n, unsigned gateInput) {
  NodeValue result = valueOf(&n);
  Layout layout = getElementwiseLayout(n, layouts_);
  NodeValue xv = n.getNthInput(1 - gateInput);
  NodeValue gv =
      llvm::cast<BroadcastNode>(n.getNthInput(gateInput).getNode())->getInput();
  Storage x = use(xv, layout), g = use(gv, Layout::Plain);
  Storage y = define(result, layout);
  auto d = dims(result);
  int64_t C = d[1], HW = d[2] * d[3];
  bool blocked = layout == Layout::Blocked;
  int64_t lanes = blocked ? kBlock : 1;
  int64_t planes = blocked ? libjit::divUp(C, kBlock) : C;
  std::vector<PlannedArg> args = {ptr(y),      ptr(x),     ptr(g), dyn(C),
                                  dyn(planes), imm(lanes), dyn(HW)};
  if (!n.getType().isQuantized()) {
    emit("libjit_channel_mul_f32", d[0] * planes, args);
    return;
  }
  const Type &xt = xv.getType(), &gt = gv.getType(), &yt = n.getType();
  auto [m, s] =
      dynTransformArgs(double(xt.getScale()) * gt.getScale() / yt.getScale());
  for (PlannedArg a :
       {dyn(xt.getOffset()), dyn(gt.getOffset()), dyn(yt.getOffset()), m, s}) {
    args.push_back(a);
  }
  emit("libjit_channel_mul_i8", d[0] * planes, args);
}

void KernelEmitter::selfGatedMul(const Node &n, const Node &gate) {
  Layout layout = getElementwiseLayout(n, layouts_);
  Storage in = use(gate.getNthInput(0), layout);
  Storage y = define(valueOf(&n), layout);
  emit("libjit_silu_f32", getLayoutElements(typeOf(valueOf(&n)), layout),
       {ptr(y), ptr(in)});
}

void KernelEmitter::codeMap(const Node &n, const FusionPlan::CodeMap &m) {
  // Any int8 -> int8 map keeps a blocked value blocked: the codes in its
  // padding lanes meet weights that cancel them.
  Layout layout =
      n.dims().size() == 4 && hasBlocked(m.x) ? Layout::Blocked : Layout::Plain;
  Storage in = use(m.x, layout);
  Storage y = define(valueOf(&n), layout);
  emit("libjit_lookup_i8", getLayoutElements(typeOf(valueOf(&n)), layout),
       {ptr(y), ptr(in), ptr(newConstant(m.table))});
}

void KernelEmitter::arithmetic(const Node &n) {
  auto gate = fusions_.channelGates.find(&n);
  if (gate != fusions_.channelGates.end()) {
    channelMul(n, gate->second);
    return;
  }
  auto self = fusions_.selfGates.find(&n);
  if (self != fusions_.selfGates.end()) {
    selfGatedMul(n, *self->second);
    return;
  }
  auto bias = fusions_.matMulBiases.find(&n);
  if (bias != fusions_.matMulBiases.end()) {
    // The MatMul added the bias: this result is its result.
    layouts_.record(valueOf(&n),
                    use(n.getNthInput(1 - bias->second.input), Layout::Plain));
    return;
  }
  auto gelu = fusions_.gelus.find(&n);
  if (gelu != fusions_.gelus.end()) {
    Layout layout = getElementwiseLayout(n, layouts_);
    Storage x = use(gelu->second.x, layout);
    Storage y = define(valueOf(&n), layout);
    emit("libjit_gelu_f32", getLayoutElements(typeOf(valueOf(&n)), layout),
         {ptr(y), ptr(x), dynf(gelu->second.divisor)});
    return;
  }
  auto row = fusions_.rowOperands.find(&n);
  if (row != fusions_.rowOperands.end()) {
    const FusionPlan::RowOperand &r = row->second;
    Storage x = use(n.getNthInput(1 - r.input), Layout::Plain);
    PlannedArg b;
    if (r.value.getNode()) {
      b = ptr(use(r.value, Layout::Plain));
    } else { // a constant of equal rows: its first row
      const float *c = reinterpret_cast<const float *>(
          getOperandConstant(n, r.input).getPayload().getUnsafePtr());
      b = ptr(newConstant(std::vector<float>(c, c + r.rowLen)));
    }
    Storage y = define(valueOf(&n), Layout::Plain);
    emit("libjit_binary_rows_f32", typeOf(valueOf(&n)).size() / r.rowLen,
         {ptr(y), ptr(x), b, dyn(r.rowLen),
          imm(r.mode == FusionPlan::RowOperand::PerRow),
          imm(getElementwiseOpCode(n.getKind())), imm(r.input == 0)});
    return;
  }
  auto scalar = fusions_.scalarOperands.find(&n);
  if (scalar != fusions_.scalarOperands.end()) {
    unsigned i = scalar->second;
    float s = getScalarOperand(n, i);
    Layout layout = getElementwiseLayout(n, layouts_);
    Storage x = use(n.getNthInput(1 - i), layout);
    Storage y = define(valueOf(&n), layout);
    emit("libjit_binary_scalar_f32",
         getLayoutElements(typeOf(valueOf(&n)), layout),
         {ptr(y), ptr(x), dynf(s), imm(getElementwiseOpCode(n.getKind())),
          imm(i == 0)});
    return;
  }
  auto act = fusions_.binaryActs.find(&n);
  const Node *clamp = act == fusions_.binaryActs.end() ? nullptr : act->second;
  NodeValue result = valueOf(clamp ? clamp : &n);
  Layout layout = getElementwiseLayout(n, layouts_);
  Storage l = use(n.getNthInput(0), layout), r = use(n.getNthInput(1), layout);
  Storage y = define(result, layout);
  int64_t items = getLayoutElements(typeOf(result), layout);
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
  // The operation selects the code; the quantization parameters only feed
  // it.
  auto [ma, sa] = dynTransformArgs(ra);
  auto [mb, sb] = dynTransformArgs(rb);
  // An Add or Sub looks its operands' rescaled codes up in two tables
  // (without a multiply), when every sum fits in 16 bits.
  PlannedArg tables = nullPtr();
  if (n.getKind() != Kind::MulKind) {
    std::vector<int16_t> t =
        additionTables(makeQuantizationTransform(ra), at.getOffset(),
                       makeQuantizationTransform(rb), bt.getOffset(),
                       yt.getOffset(), n.getKind() == Kind::SubKind);
    if (!t.empty()) {
      tables = ptr(newConstant(t));
    }
  }
  // The codes' bounds: int8, or a fused clamp's (centred on the output
  // offset) within them.
  int64_t lo = -128, hi = 127;
  if (clamp) {
    auto [clo, chi] = getClipBoundsInt8(*clamp, yt.getScale());
    auto toCode = [&](int64_t v) {
      return std::clamp<int64_t>(v, -512, 512) + yt.getOffset();
    };
    lo = std::clamp<int64_t>(toCode(clo), -128, 127);
    hi = std::clamp<int64_t>(toCode(chi), -128, 127);
  }
  // Blocked values go row by row (libjit_binary_i8), when their rows are
  // long enough for a run of their own (16 pixels; a shorter row costs
  // more as a run than it would crossing to another core).
  int64_t Cb = 1, H = 1, rowLen = std::max<int64_t>(items, 1);
  Type rt = typeOf(result);
  if (layout == Layout::Blocked && rt.dims().size() == 4 &&
      rt.dims()[3] >= 16) {
    auto d = rt.dims();
    Cb = libjit::divUp(int64_t(d[1]), kBlock);
    H = int64_t(d[2]);
    rowLen = int64_t(d[3]) * kBlock;
  }
  emit("libjit_binary_i8", items,
       {ptr(y), ptr(l), ptr(r), imm(op), dyn(at.getOffset()),
        dyn(bt.getOffset()), dyn(yt.getOffset()), ma, sa, mb, sb,
        dyn(int32_t(lo)), dyn(int32_t(hi)), dyn(Cb), dyn(H), imm(rowLen),
        tables});
}

void KernelEmitter::unary(const Node &n) {
  NodeValue result = valueOf(&n);
  Layout layout = getElementwiseLayout(n, layouts_);
  Storage x = use(n.getNthInput(0), layout);
  Storage y = define(result, layout);
  int64_t items = getLayoutElements(typeOf(result), layout);
  if (n.getType().isQuantized()) {
    const Type &xt = n.getNthInput(0).getType(), &yt = n.getType();
    auto [lo, hi] = getClipBoundsInt8(n, xt.getScale());
    auto [m, s] = dynTransformArgs(double(xt.getScale()) / yt.getScale());
    emit("libjit_clip_i8", items,
         {ptr(y), ptr(x), dyn(xt.getOffset()), dyn(lo), dyn(hi), m, s,
          dyn(yt.getOffset())});
    return;
  }
  auto [p0, p1] = getUnaryParams(n);
  emit("libjit_unary_f32", items,
       {ptr(y), ptr(x), imm(getElementwiseOpCode(n.getKind())), immf(p0),
        immf(p1)});
}

void KernelEmitter::pool(const PoolNode &n) {
  NodeValue result = valueOf(&n);
  auto in = dims(n.getInput()), out = dims(result);
  Layout layout = getPoolLayout(n, layouts_);
  Storage x = use(n.getInput(), layout);
  Storage y = define(result, layout);
  auto &k = n.getKernels(), &s = n.getStrides(), &p = n.getPads();
  int64_t planes = layout == Layout::Blocked
                       ? in[0] * libjit::divUp(in[1], kBlock)
                       : in[0] * in[1];
  std::vector<PlannedArg> args = {ptr(y), ptr(x)};
  if (layout == Layout::Blocked) {
    args.push_back(dyn(libjit::divUp(in[1], kBlock)));
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
    args.push_back(dyn(xt.getOffset()));
    args.push_back(dynf(xt.getScale()));
    args.push_back(dyn(yt.getOffset()));
    args.push_back(dynf(yt.getScale()));
  }
  if (layout == Layout::Blocked) {
    emit(q ? "libjit_pool_blocked_i8" : "libjit_pool_blocked_f32",
         planes * out[2], args);
  } else {
    emit(q ? "libjit_pool_i8" : "libjit_pool_f32", planes, args);
  }
}

void KernelEmitter::stridedCopy(const Node &n, NodeValue in,
                                std::vector<int64_t> strides, int64_t start) {
  NodeValue result(const_cast<Node *>(&n), 0);
  Storage x = use(in);
  Storage y = define(result, Layout::Plain);
  // The same copy over fewer dimensions: those of size 1 go, and a
  // dimension merges into the one outside it where the source is
  // contiguous across them (a channel shuffle's planes become one run).
  std::vector<int64_t> outDims, srcStrides;
  auto d = dims(result);
  for (size_t i = 0; i < d.size(); i++) {
    int64_t size = d[i], stride = strides[i];
    if (size == 1) {
      continue;
    }
    if (!outDims.empty() && srcStrides.back() == stride * size) {
      outDims.back() *= size;
      srcStrides.back() = stride;
      continue;
    }
    outDims.push_back(size);
    srcStrides.push_back(stride);
  }
  if (outDims.empty()) {
    outDims.push_back(1);
    srcStrides.push_back(1);
  }
  emit("libjit_strided_copy", typeOf(result).size(),
       {ptr(y), ptr(x), imm(int64_t(outDims.size())), immArray(outDims),
        immArray(srcStrides), imm(start),
        imm(getElementSize(n.getType().getElementType()))});
}

bool KernelEmitter::concatInPlace(const ConcatNode &n) {
  NodeValue result(const_cast<ConcatNode *>(&n), 0);
  auto out = dims(result);
  // One image, channels: the blocked inputs lie back to back in the
  // result ([1][C/16][H][W][16]) when every channel count but the last is
  // a multiple of 16.
  if (n.getDim() != 1 || out.size() != 4 || out[0] != 1) {
    return false;
  }
  // The FP32 result of a switchable unit is also written by the unit's
  // INT8 calls (dequantized): that must not reach the inputs' bytes.
  if (currentUnit_ >= 0 && !currentInt8_) {
    return false;
  }
  const Type &yt = n.getType();
  bool anyBlocked = false;
  unsigned num = n.getNumInputs();
  for (unsigned i = 0; i < num; i++) {
    NodeValue v = n.getNthInput(i);
    const Type &xt = v.getType();
    if ((i + 1 < num && dims(v)[1] % kBlock != 0) ||
        xt.getElementType() != yt.getElementType() ||
        (yt.isQuantized() && (xt.getScale() != yt.getScale() ||
                              xt.getOffset() != yt.getOffset()))) {
      return false; // a copy that moves lanes, or one that requantizes
    }
    anyBlocked |= hasBlocked(v);
    for (unsigned j = 0; j < i; j++) {
      if (n.getNthInput(j) == v) {
        return false; // one value twice
      }
    }
  }
  if (!anyBlocked) {
    return false;
  }
  // Where each input goes: its own buffer, or (DenseNet: each Concat
  // extends the last) the outermost buffer that already holds it and the
  // inputs next to it, exactly.
  struct Piece {
    unsigned buf; // kNoBuffer: a new blocked copy of input `first`
    uint64_t at;
    unsigned first;
  };
  std::vector<Piece> pieces;
  std::vector<unsigned> taken;
  uint64_t at = 0;
  for (unsigned i = 0; i < num;) {
    NodeValue v = n.getNthInput(i);
    uint64_t bytes = getLayoutBytes(typeOf(v), Layout::Blocked);
    const Storage *s = layouts_.find(v, Layout::Blocked);
    if (!s) { // converted below into a buffer of its own
      pieces.push_back({kNoBuffer, at, i});
      at += bytes;
      i++;
      continue;
    }
    const PlannedBuffer &b = buffers_.bufs[s->buf];
    if (s->byteOffset != 0 || b.region != Region::Activations) {
      return false;
    }
    uint64_t inRoot = 0;
    unsigned root = buffers_.rootOf(s->buf, inRoot), first = i;
    if (root == s->buf && b.size != bytes) {
      return false;
    }
    if (root != s->buf) {
      // The following inputs must fill the rest of that buffer, in order.
      if (inRoot != 0) {
        return false;
      }
      uint64_t covered = 0;
      unsigned j = i;
      while (covered < buffers_.bufs[root].size && j < num) {
        NodeValue w = n.getNthInput(j);
        const Storage *t = layouts_.find(w, Layout::Blocked);
        uint64_t off = 0;
        if (!t || t->byteOffset != 0 || buffers_.rootOf(t->buf, off) != root ||
            off != covered) {
          return false;
        }
        covered += getLayoutBytes(typeOf(w), Layout::Blocked);
        j++;
      }
      if (covered != buffers_.bufs[root].size) {
        return false;
      }
      bytes = covered;
      i = j;
    } else {
      i++;
    }
    if (std::find(taken.begin(), taken.end(), root) != taken.end()) {
      return false; // one buffer twice
    }
    taken.push_back(root);
    pieces.push_back({root, at, first});
    at += bytes;
  }
  if (at != getLayoutBytes(typeOf(result), Layout::Blocked)) {
    return false;
  }
  Storage y = define(result, Layout::Blocked);
  for (const Piece &p : pieces) {
    unsigned buf = p.buf != kNoBuffer
                       ? p.buf
                       : use(n.getNthInput(p.first), Layout::Blocked).buf;
    buffers_.nest(buf, y.buf, p.at);
  }
  return true;
}

void KernelEmitter::concat(const ConcatNode &n) {
  if (concatInPlace(n)) {
    return;
  }
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
      auto [m, s] = dynTransformArgs(double(xt.getScale()) / yt.getScale());
      emit("libjit_rescale_rows_i8", outer,
           {ptr(dst), ptr(x), dyn(row), dyn(out[dim] * inner), dyn(row),
            dyn(xt.getOffset()), m, s, dyn(yt.getOffset())});
    } else {
      emit("libjit_copy_rows", outer,
           {ptr(dst), ptr(x), dyn(row * elem), dyn(out[dim] * inner * elem),
            dyn(row * elem)});
    }
    offset += row;
  }
}

void KernelEmitter::pad(const PadNode &n) {
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
        immArray(std::vector<int64_t>(out.begin(), out.end())),
        immArray(std::vector<int64_t>(in.begin(), in.end())), immArray(begins),
        imm(int32_t(n.getMode())), immArray({bits}),
        imm(getElementSize(yt.getElementType()))});
}

void KernelEmitter::conversion(const Node &n) {
  NodeValue result = valueOf(&n);
  Layout layout = getElementwiseLayout(n, layouts_);
  Storage x = use(n.getNthInput(0), layout);
  Storage y = define(result, layout);
  const Type &xt = n.getNthInput(0).getType(), &yt = n.getType();
  int64_t items = getLayoutElements(typeOf(result), layout);
  if (n.getKind() == Kind::QuantizeKind) {
    emit("libjit_quantize", items,
         {ptr(y), ptr(x), dynf(yt.getScale()), dyn(yt.getOffset())});
  } else if (n.getKind() == Kind::DequantizeKind) {
    emit("libjit_dequantize", items,
         {ptr(y), ptr(x), dynf(xt.getScale()), dyn(xt.getOffset())});
  } else { // RescaleQuantized
    auto [m, s] = dynTransformArgs(double(xt.getScale()) / yt.getScale());
    emit("libjit_rescale_rows_i8", items,
         {ptr(y), ptr(x), imm(1), imm(1), imm(1), dyn(xt.getOffset()), m, s,
          dyn(yt.getOffset())});
  }
}

} // namespace cpu
} // namespace glow
