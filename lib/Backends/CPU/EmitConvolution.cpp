// Emission of the layers with weights: Convolution (blocked "fast" kernels
// with their fused epilogues, or the plain kernels), FullyConnected and
// MatMul.

#include "KernelEmitter.h"
#include "WeightPacking.h"
#include "libjit/LibjitLayout.h"

#include "glow/Backends/KernelGeometry.h"

#include "llvm/Support/Casting.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;

namespace glow {
namespace cpu {

using libjit::kBlock;

void KernelEmitter::convolution(const ConvolutionNode &n) {
  if (const ConvFusion *fu = fusions_.getFusion(&n)) {
    fastConvolution(n, *fu);
  } else {
    plainConvolution(n);
  }
}

void KernelEmitter::fastConvolution(const ConvolutionNode &n,
                                    const ConvFusion &fu) {
  auto in = dims(n.getInput()), out = dims(valueOf(&n));
  auto f = n.getFilter().dims();
  int64_t N = in[0], C = in[1], H = in[2], W = in[3];
  int64_t O = out[1], OH = out[2], OW = out[3], KH = f[2], KW = f[3];
  auto &st = n.getStrides(), &pd = n.getPads(), &dl = n.getDilations();
  bool q = n.getType().isQuantized(), depthwise = isDepthwise(n);
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
      (srcBlocked || n.getGroup() != 1) ? kBlock : std::min<int64_t>(C, kBlock);
  int64_t Cb = libjit::divUp(C, CB), Ob = libjit::divUp(O, kBlock);
  // Which input blocks each output block reads (all of them unless the
  // convolution is grouped).
  BlockGrouping bg;
  if (!depthwise) {
    bool ok = blockGroupingOf(n, CB, bg);
    assert(ok && "isFastConvolution admitted a grouping the kernels lack");
    (void)ok;
  }
  // The channel counts (Cb, CbIn), input heights (Hp) and output heights
  // (OH) are trip counts and strides: one compiled kernel serves every
  // layer that differs only there (DenseNet's). The widths shape the tiles.
  std::vector<PlannedArg> grouping = {dyn(bg.Cb), imm(CB), dyn(bg.CbIn),
                                      imm(bg.obPerStep), imm(bg.cbStep)};
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
    // The depthwise kernel skips the taps in the padding itself.
    bool direct =
        srcBlocked &&
        (depthwise || (pd[0] == 0 && pd[1] == 0 && pd[2] == 0 && pd[3] == 0));
    if (!direct) {
      packed = Storage{newBuffer(Region::Activations,
                                 N * Cb * Hp * Wp * CB * sizeof(float))};
      emit("libjit_pack_conv_input_f32", N * Cb * Hp,
           {ptr(packed), ptr(x), imm(srcBlocked), dyn(C), dyn(H), imm(W),
            imm(CB), imm(pd[0]), imm(pd[1]), dyn(Hp), imm(Wp)});
    }
    PackedConvF32 pk = depthwise
                           ? packDepthwiseF32(filter, bias)
                           : packConvF32(filter, bias, CB, n.getGroup(), bg);
    PlannedArg w = ptr(newConstant(pk.filter)), b = ptr(newConstant(pk.bias));
    if (depthwise) {
      // A packed input holds its padding: the kernel then pads nothing.
      int64_t inH = direct ? H : Hp, inW = direct ? W : Wp;
      int64_t padT = direct ? pd[0] : 0, padL = direct ? pd[1] : 0;
      emit("libjit_conv_depthwise_f32", N * Cb * OH,
           append(append({ptr(y), ptr(packed), w, b, dyn(Cb), dyn(inH),
                          imm(inW), imm(padT), imm(padL), dyn(OH), imm(OW)},
                         window),
                  {scalarsArg()}));
    } else {
      int64_t rows = libjit::convRowsPerItem(OH, OW);
      auto args = append(
          append({ptr(y), ptr(packed), w, b}, grouping),
          append({dyn(Hp), imm(Wp), dyn(Ob), imm(Ob % 2), dyn(OH), imm(OW)},
                 window));
      if (rows > 1) {
        emit("libjit_conv_rows_f32", N * libjit::divUp(Ob, 2) * (OH / rows),
             append(args, {imm(rows), scalarsArg()}));
      } else {
        emit("libjit_conv_blocked_f32", N * libjit::divUp(Ob, 2) * OH,
             append(args, {scalarsArg()}));
      }
    }
    return;
  }

  // INT8: pack the input as unsigned codes, then the VNNI kernel.
  const Type &xt = n.getInput().getType(), &yt = n.getType();
  cs.inZero = xt.getOffset() + 128;
  cs.outOffset = yt.getOffset();
  int64_t CBp = libjit::roundUp(CB, 4);
  // A depthwise convolution's input rows are transposed by quads of pixels
  // (libjit_pack_conv_input_i8).
  assert((!depthwise || CBp == libjit::kBlock) && "depthwise blocks are whole");
  int64_t rowPixels = depthwise ? libjit::quadRowPixels(Wp) : Wp;
  // A dense 1x1 convolution of stride 1 without padding that reads int8
  // blocks packs each input row itself, in the thread that convolves it
  // (libjit_conv_1x1_rows_i8).
  bool packsOwnRows = !depthwise && KH == 1 && KW == 1 && st[0] == 1 &&
                      st[1] == 1 && Hp == H && Wp == W && srcBlocked &&
                      !fu.inputQuantize && CB == kBlock && bg.Cb == Cb &&
                      bg.CbIn == Cb && bg.cbStep == 0;
  // So does a depthwise convolution of int8 blocks: each thread packs the
  // rows of its share (libjit_conv_depthwise_packs_i8).
  bool depthwisePacks = depthwise && srcBlocked && !fu.inputQuantize;
  Storage packed = x;
  if (!packsOwnRows && !depthwisePacks) {
    packed =
        Storage{newBuffer(Region::Activations, N * Cb * Hp * rowPixels * CBp)};
  }
  PackedConvI8 pk;
  if (depthwise) {
    pk = packDepthwiseI8(n, cs.inZero);
  } else {
    bool ok = packConvI8(n, CB, bg, cs.inZero, pk);
    assert(ok && "int8ConvFitsInt32 admitted a convolution that overflows");
    (void)ok;
  }
  // Window sums: one plane per run of bg.Cb input blocks (one in all for a
  // dense convolution; the depthwise kernel sums its windows itself).
  int64_t sumBlocks = depthwise ? 1 : bg.Cb;
  int64_t planes = libjit::divUp(Cb, sumBlocks);
  PlannedArg pixelSums = nullPtr();
  if (pk.needsWindowSums && !depthwise && !packsOwnRows) {
    pixelSums = ptr(Storage{newBuffer(Region::Activations,
                                      N * planes * Hp * Wp * sizeof(int32_t))});
  }
  if (!packsOwnRows && !depthwisePacks) {
    emit("libjit_pack_conv_input_i8", N * planes * Hp,
         {ptr(packed), pixelSums, ptr(x), imm(fu.inputQuantize != nullptr),
          imm(srcBlocked), dyn(C), dyn(H), imm(W), imm(CB), imm(CBp),
          dyn(sumBlocks), imm(pd[0]), imm(pd[1]), dyn(Hp), imm(Wp),
          dynf(xt.getScale()), dyn(xt.getOffset()), imm(depthwise)});
  }
  if (fu.act) {
    const Type &at = fu.act->getType();
    auto [lo, hi] = getClipBoundsInt8(*fu.act, yt.getScale());
    QuantizationTransform t =
        makeQuantizationTransform(double(yt.getScale()) / at.getScale());
    // A ratio of 1 gives (v 2^30 + 2^29) >> 30 = v: only the clamp is left.
    cs.act = t.shift >= 1 && t.multiplier == (int64_t(1) << t.shift)
                 ? libjit::kActIdentityScale
                 : 1;
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
    std::vector<PlannedArg> weights = {
        ptr(newConstant(pk.filter)), ptr(newConstant(pk.bias)),
        pk.needsWindowSums ? ptr(newConstant(pk.filterOffsets)) : nullPtr(),
        ptr(newConstant(pk.scales))};
    if (depthwisePacks) {
      // The scratch holds the input rows of the largest share of items
      // (the IR splits N * OH * Cb items evenly among the threads).
      unsigned threads = perImage_ ? 1 : std::max(1u, numThreads_);
      int64_t share = libjit::divUp(N * OH * Cb, int64_t(threads));
      int64_t spanRows = std::min(OH, libjit::divUp(share, Cb) + 1);
      int64_t bandRows = (spanRows - 1) * st[0] + (KH - 1) * dl[0] + 1;
      emit(
          "libjit_conv_depthwise_packs_i8", N * OH * Cb,
          append(append(append({ptr(y), ptr(x)}, weights),
                        append({dyn(Cb), dyn(H), imm(W), imm(pd[0]), imm(pd[1]),
                                dyn(cs.inZero), imm(Wp), dyn(OH), imm(OW)},
                               window)),
                 {imm(pk.negatedOffsetsFitInt8),
                  scratch(Cb * bandRows * rowPixels * kBlock), scalarsArg()}));
      return;
    }
    emit("libjit_conv_depthwise_i8", N * OH * Cb,
         append(append(append({ptr(y), ptr(packed)}, weights),
                       append({dyn(Cb), dyn(Hp), imm(Wp), dyn(OH), imm(OW)},
                              window)),
                {imm(pk.negatedOffsetsFitInt8), scalarsArg()}));
    return;
  }
  if (packsOwnRows) {
    // Scratch: the packed row, then its pixel sums. The output blocks (Ob)
    // only count the items and place the rows: one compiled copy serves
    // every layer of a width (EfficientNet-V2-S INT8: 8 copies instead of
    // 25, its compile 2.56 -> 2.32 s).
    emit("libjit_conv_1x1_rows_i8", N * OH * libjit::divUp(Ob, 2),
         {ptr(y), ptr(x), ptr(newConstant(pk.filter)),
          ptr(newConstant(pk.bias)), imm(pk.needsWindowSums),
          ptr(newConstant(pk.filterOffsets)), ptr(newConstant(pk.scales)),
          dyn(Cb), dyn(Ob), dyn(OH), imm(OW),
          scratch(Cb * OW * kBlock + OW * sizeof(int32_t)), scalarsArg()});
    return;
  }
  PlannedArg sums = nullPtr();
  if (pk.needsWindowSums) {
    Storage s{
        newBuffer(Region::Activations, N * planes * OH * OW * sizeof(int32_t))};
    // Every argument a run-time value: the kernel's passes are plain loops
    // over rows, and one compiled copy serves every layer.
    emit("libjit_conv_window_sums_i8", N * planes * OH,
         {ptr(s), pixelSums, dyn(Hp), dyn(Wp), dyn(OH), dyn(OW), dyn(KH),
          dyn(KW), dyn(st[0]), dyn(st[1]), dyn(dl[0]), dyn(dl[1]),
          scratch(2 * Wp * sizeof(int32_t))});
    sums = ptr(s);
  }
  emit("libjit_conv_blocked_i8", N * libjit::divUp(Ob, 2) * OH,
       append(append({ptr(y), ptr(packed), ptr(newConstant(pk.filter)),
                      ptr(newConstant(pk.bias)), sums,
                      ptr(newConstant(pk.filterOffsets)),
                      ptr(newConstant(pk.scales)), dyn(bg.Cb), imm(CBp),
                      dyn(bg.CbIn), imm(bg.obPerStep), imm(bg.cbStep), dyn(Hp),
                      imm(Wp), dyn(Ob), imm(Ob % 2), dyn(OH), imm(OW)},
                     window),
              {scalarsArg()}));
}

void KernelEmitter::plainConvolution(const ConvolutionNode &n) {
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
                                  ptr(newConstant(rq.scales)),
                                  imm(n.getInput().getType().getOffset()),
                                  imm(n.getType().getOffset())};
  args.insert(args.end(), geometry.begin(), geometry.end());
  args.push_back(scratch(OH * OW * sizeof(int32_t)));
  emit("libjit_conv_i8", N * O, args);
}

void KernelEmitter::fullyConnected(const Node &n, NodeValue in, NodeValue w,
                                   NodeValue b) {
  NodeValue result = valueOf(&n);
  int64_t N = dims(in)[0];
  int64_t K = typeOf(in).size() / std::max<int64_t>(N, 1);
  int64_t M = w.dims()[1], Mb = libjit::divUp(M, kBlock);
  const Type &xt = in.getType(), &wty = w.getType(), &yt = n.getType();
  // Constant weights are packed; a MatMul (no bias) gets a bias of zeros.
  bool constantWeights = isa<Constant>(w.getNode()) &&
                         (!b.getNode() || isa<Constant>(b.getNode()));
  // A blocked input of 1x1 pixels is read as rows of Cb * 16 values.
  bool blockedIn = constantWeights && hasBlocked(in) && in.dims().size() == 4 &&
                   in.dims()[2] * in.dims()[3] == 1;
  int64_t Kx = blockedIn ? libjit::roundUp(in.dims()[1], kBlock) : K;
  if (constantWeights) {
    const Tensor &wt = cast<Constant>(w.getNode())->getPayload();
    Tensor zeros(yt.isQuantized() ? ElemKind::Int32QTy : ElemKind::FloatTy,
                 {dim_t(M)});
    zeros.zero();
    auto fusedBias = fusions_.biasAddOf.find(&n);
    if (fusedBias != fusions_.biasAddOf.end()) {
      // The Add after this MatMul (FusionPlan::matMulBiases): its row.
      const Node *add = fusedBias->second;
      const Constant &c =
          getOperandConstant(*add, fusions_.matMulBiases.at(add).input);
      std::memcpy(zeros.getUnsafePtr(), c.getPayload().getUnsafePtr(),
                  M * sizeof(float));
    }
    const Tensor &bt =
        b.getNode() ? cast<Constant>(b.getNode())->getPayload() : zeros;
    if (!yt.isQuantized()) {
      Storage x = use(in, blockedIn ? Layout::Blocked : Layout::Plain);
      Storage y = define(result, Layout::Plain);
      PackedConvF32 pk = packFullyConnectedF32(wt, bt, Kx);
      std::vector<PlannedArg> args = {ptr(y),
                                      ptr(x),
                                      ptr(newConstant(pk.filter)),
                                      ptr(newConstant(pk.bias)),
                                      dyn(Kx),
                                      dyn(M)};
      // Tiles of up to six rows by two output blocks; one row (a
      // classifier) or a few by four blocks, four chains of multiply-adds.
      // Sizes are run-time arguments: one compiled copy serves every layer
      // (ConvNeXt-tiny's 36 MatMuls, 8 shapes, added 1.6 s to its INT8
      // compile as specialised copies; INT8 28.8 ms with them, 29.0 without).
      int64_t blocksPerItem = N >= libjit::kFcTileRows ? 2 : 4;
      args.push_back(dyn(N));
      args.push_back(imm(blocksPerItem));
      emit("libjit_fc_f32",
           libjit::divUp(N, libjit::kFcTileRows) *
               libjit::divUp(Mb, blocksPerItem),
           args);
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
      float scale =
          accumulatorScale(xt.getScale(), wty.getScale(), yt.getScale());
      int64_t blocksPerItem = N >= libjit::kFcTileRows ? 2 : 4;
      emit("libjit_fc_i8",
           libjit::divUp(N, libjit::kFcTileRows) *
               libjit::divUp(Mb, blocksPerItem),
           {ptr(y), ptr(rows), ptr(newConstant(pk.weights)),
            ptr(newConstant(pk.bias)), sums, dyn(wty.getOffset()), dyn(pk.Kp),
            dyn(M), dynf(scale), dyn(yt.getOffset()), dyn(N),
            imm(blocksPerItem)});
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
  float scale = accumulatorScale(xt.getScale(), wty.getScale(), yt.getScale());
  emit("libjit_matmul_i8", N,
       {ptr(y), ptr(x), ptr(wS), bias, imm(K), imm(M), imm(xt.getOffset()),
        imm(wty.getOffset()), immf(scale), imm(yt.getOffset()),
        scratch(M * sizeof(int32_t))});
}

} // namespace cpu
} // namespace glow
