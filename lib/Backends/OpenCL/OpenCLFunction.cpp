#include "OpenCLFunction.h"

#include "glow/Backends/Interpreter/InterpreterKernels.h"
#include "glow/Backends/KernelGeometry.h"
#include "glow/Backends/KernelOps.h"
#include "glow/Quantization/QuantizationMath.h"
#include "glow/Support/Error.h"

#include "llvm/Support/Casting.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

using llvm::cast;
using llvm::dyn_cast;

namespace glow {
namespace opencl {

namespace {
using Kind = Node::Kind;

/// A kernel argument.
struct Arg {
  enum { Mem, I32, I64, F32 } kind;
  cl_mem mem{nullptr};
  int64_t i{0};
  float f{0};
};
Arg mem(cl_mem m) { return {Arg::Mem, m}; }
Arg i32(int64_t v) { return {Arg::I32, nullptr, v}; }
Arg i64(int64_t v) { return {Arg::I64, nullptr, v}; }
Arg f32(float v) { return {Arg::F32, nullptr, 0, v}; }

std::pair<Arg, Arg> transform(double ratio) {
  QuantizationTransform t = makeQuantizationTransform(ratio);
  return {i64(t.multiplier), i32(t.shift)};
}

NodeValue resultOf(const Node &n) {
  return NodeValue(const_cast<Node *>(&n), 0);
}
} // namespace

/// Turns a Function into device buffers and kernel launches.
class FunctionBuilder {
public:
  FunctionBuilder(OpenCLFunction &fn) : fn_(fn) {}

  llvm::Error build(const Function &F) {
    F_ = &F;
    cl_int zero = 0;
    fn_.status_ = buffer(sizeof(zero));
    for (Placeholder *ph : F.getParent().getPlaceholders()) {
      if (!F.hasUsers(ph)) {
        continue;
      }
      cl_mem b = buffer(ph->getType().getSizeInBytes());
      values_[ph] = b;
      bool out = false;
      for (SaveNode *s : F.getSaves()) {
        out |= s->getPlaceholder() == ph;
      }
      fn_.slots_.push_back({ph, b, out});
    }
    for (const Node *n : F.getNodesInTopologicalOrder()) {
      if (n->isStorage()) {
        continue;
      }
      if (!isNodeEvaluable(*n)) {
        return makeError(std::string("the OpenCL backend cannot run node '") +
                         n->getName().str() + "' (" + n->getKindName() +
                         " on " + n->getType().toString() + ")");
      }
      if (fused_.count(n)) {
        continue; // computed by the kernel of an earlier node
      }
      layer_ = n->getName().str();
      if (auto err = visit(*n)) {
        return err;
      }
      if (err_) {
        return std::move(err_);
      }
    }
    return llvm::Error::success();
  }

private:
  cl_mem buffer(size_t bytes, const void *data = nullptr) {
    cl_int err;
    cl_mem m = clCreateBuffer(
        fn_.ctx_->context(),
        CL_MEM_READ_WRITE | (data ? CL_MEM_COPY_HOST_PTR : 0),
        std::max<size_t>(bytes, 4), const_cast<void *>(data), &err);
    if (err != CL_SUCCESS && !err_) {
      err_ = makeError("cannot allocate an OpenCL buffer of " +
                       llvm::Twine(bytes) + " bytes: " + errorName(err));
    }
    fn_.buffers_.push_back(m);
    return m;
  }
  template <class T> cl_mem constant(const std::vector<T> &v) {
    return buffer(v.size() * sizeof(T), v.empty() ? nullptr : v.data());
  }

  /// The buffer holding \p v (weights are uploaded on first use).
  cl_mem value(NodeValue v) {
    const Node *n = v.getNode();
    auto it = values_.find(n);
    if (it != values_.end()) {
      return it->second;
    }
    auto *c = cast<Constant>(n);
    const Tensor &t = c->getPayload();
    size_t bytes = t.getSizeInBytes();
    return values_[n] = buffer(bytes, bytes ? t.getUnsafePtr() : nullptr);
  }
  cl_mem define(const Node &n) {
    return values_[&n] = buffer(n.getType().getSizeInBytes());
  }

  void launch(const char *name, size_t items, std::vector<Arg> args) {
    if (err_) {
      return;
    }
    cl_int err;
    cl_kernel k = clCreateKernel(fn_.ctx_->program(), name, &err);
    if (err != CL_SUCCESS) {
      err_ = makeError(std::string("no OpenCL kernel '") + name +
                       "': " + errorName(err));
      return;
    }
    if (auto e = checkSignature(k, name, args)) {
      err_ = std::move(e);
      clReleaseKernel(k);
      return;
    }
    for (cl_uint i = 0; i < args.size(); i++) {
      const Arg &a = args[i];
      cl_int e;
      switch (a.kind) {
      case Arg::Mem:
        e = clSetKernelArg(k, i, sizeof(cl_mem), &a.mem);
        break;
      case Arg::I32: {
        cl_int v = cl_int(a.i);
        e = clSetKernelArg(k, i, sizeof(v), &v);
        break;
      }
      case Arg::I64: {
        cl_long v = a.i;
        e = clSetKernelArg(k, i, sizeof(v), &v);
        break;
      }
      case Arg::F32:
        e = clSetKernelArg(k, i, sizeof(float), &a.f);
        break;
      }
      if (e != CL_SUCCESS) {
        err_ = makeError(std::string("argument ") + llvm::Twine(i) +
                         " of OpenCL kernel '" + name + "': " + errorName(e));
        clReleaseKernel(k);
        return;
      }
    }
    OpenCLFunction::Step s;
    s.kernel = k;
    s.items = items;
    s.what = std::string(name) + "  " + layer_;
    fn_.steps_.push_back(s);
  }

  /// Checks \p args against kernel \p k's parameters: their number always,
  /// and each one's type (a pointer, int, long or float) where the driver
  /// gives argument information. Once per kernel name.
  llvm::Error checkSignature(cl_kernel k, const char *name,
                             const std::vector<Arg> &args) {
    if (!checked_.insert(name).second) {
      return llvm::Error::success();
    }
    cl_uint count = 0;
    clGetKernelInfo(k, CL_KERNEL_NUM_ARGS, sizeof(count), &count, nullptr);
    if (count != args.size()) {
      return makeError(std::string("internal error: OpenCL kernel '") + name +
                       "' takes " + llvm::Twine(count) + " arguments, " +
                       llvm::Twine(args.size()) + " given");
    }
    static const char *expected[] = {"*", "int", "long", "float"};
    for (cl_uint i = 0; i < count; i++) {
      char type[64] = {0};
      if (clGetKernelArgInfo(k, i, CL_KERNEL_ARG_TYPE_NAME, sizeof(type) - 1,
                             type, nullptr) != CL_SUCCESS) {
        return llvm::Error::success(); // no argument information
      }
      llvm::StringRef t(type);
      bool pointer = t.endswith("*");
      bool ok = args[i].kind == Arg::Mem
                    ? pointer
                    : !pointer && t == expected[args[i].kind];
      if (!ok) {
        return makeError(std::string("internal error: argument ") +
                         llvm::Twine(i) + " of OpenCL kernel '" + name +
                         "' is '" + t + "', given " + expected[args[i].kind]);
      }
    }
    return llvm::Error::success();
  }

  void copy(cl_mem dst, cl_mem src, size_t bytes) {
    OpenCLFunction::Step s;
    s.src = src;
    s.dst = dst;
    s.bytes = bytes;
    s.what = "copy  " + layer_;
    fn_.steps_.push_back(s);
  }

  llvm::Error visit(const Node &n);
  /// The only reader of \p n's result, if it has exactly one.
  const Node *soleUser(const Node &n) const {
    auto users = F_->getUsers(resultOf(n));
    return users.size() == 1 ? users[0].first : nullptr;
  }
  /// The FP32 Add and Relu that follow \p conv and can run in its kernel's
  /// epilogue; marks them fused and \returns the EPILOGUE_* bits and the
  /// residual buffer (\p y when none).
  std::pair<int32_t, cl_mem> fuseEpilogue(const ConvolutionNode &conv,
                                          cl_mem y);
  void convolution(const ConvolutionNode &n);
  void matmul(const Node &n, NodeValue a, NodeValue b, NodeValue bias);
  void arithmetic(const Node &n);
  void unary(const Node &n);
  void pool(const PoolNode &n);
  void concat(const ConcatNode &n);

  OpenCLFunction &fn_;
  const Function *F_{nullptr};
  std::map<const Node *, cl_mem> values_;
  std::set<const Node *> fused_;
  std::set<std::string> checked_;
  std::string layer_;
  llvm::Error err_ = llvm::Error::success();
};

llvm::Error FunctionBuilder::visit(const Node &n) {
  const Type &yt = n.getType();
  switch (n.getKind()) {
  case Kind::AddKind:
  case Kind::SubKind:
  case Kind::MulKind:
  case Kind::DivKind:
  case Kind::MaxKind:
  case Kind::MinKind:
  case Kind::PowKind:
    arithmetic(n);
    break;
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
    break;
  case Kind::SaveKind: {
    auto &save = cast<SaveNode>(n);
    copy(values_.at(save.getPlaceholder()), value(save.getInput()),
         save.getInput().getType().getSizeInBytes());
    break;
  }
  case Kind::ReshapeKind:
    values_[&n] = value(n.getNthInput(0)); // same bytes
    break;
  case Kind::ConvolutionKind:
    convolution(cast<ConvolutionNode>(n));
    break;
  case Kind::FullyConnectedKind:
    matmul(n, n.getNthInput(0), n.getNthInput(1), n.getNthInput(2));
    break;
  case Kind::MatMulKind:
    matmul(n, n.getNthInput(0), n.getNthInput(1), NodeValue());
    break;
  case Kind::BatchNormalizationKind: {
    auto &bn = cast<BatchNormalizationNode>(n);
    auto d = n.dims();
    int64_t inner = yt.size() / (d[0] * d[1]);
    cl_mem y = define(n);
    launch("batchnorm_f32", yt.size(),
           {mem(y), mem(value(bn.getInput())), mem(value(bn.getScale())),
            mem(value(bn.getBias())), mem(value(bn.getMean())),
            mem(value(bn.getVar())), i64(d[1]), i64(inner),
            f32(bn.getEpsilon())});
    break;
  }
  case Kind::MaxPoolKind:
  case Kind::AvgPoolKind:
    pool(cast<PoolNode>(n));
    break;
  case Kind::SoftMaxKind: {
    auto &sm = cast<SoftMaxNode>(n);
    auto d = n.dims();
    int64_t len = d[sm.getAxis()];
    int64_t inner = getOuterInnerSizes(d, sm.getAxis()).second;
    cl_mem y = define(n);
    launch("softmax_f32", yt.size() / std::max<int64_t>(len, 1),
           {mem(y), mem(value(sm.getInput())), i64(len), i64(inner)});
    break;
  }
  case Kind::IntLookupTableKind: {
    auto &lut = cast<IntLookupTableNode>(n);
    cl_mem y = define(n);
    launch("lookup_i8", yt.size(),
           {mem(y), mem(value(lut.getInput())), mem(value(lut.getTable()))});
    break;
  }
  case Kind::ArgMinMaxKind: {
    auto &am = cast<ArgMinMaxNode>(n);
    auto d = am.getInput().dims();
    int64_t len = d[am.getAxis()];
    int64_t inner = getOuterInnerSizes(d, am.getAxis()).second;
    cl_mem y = define(n);
    launch("argminmax_f32", yt.size(),
           {mem(y), mem(value(am.getInput())), i64(len), i64(inner),
            i64(am.isMin()), i64(am.getSelectLastIndex())});
    break;
  }
  case Kind::TopKKind: {
    auto &t = cast<TopKNode>(n);
    auto d = t.getInput().dims();
    int64_t len = d[t.getAxis()];
    int64_t inner = getOuterInnerSizes(d, t.getAxis()).second;
    cl_mem y = define(n);
    launch("topk_f32", yt.size() / std::max<int64_t>(t.getK(), 1),
           {mem(y), mem(value(t.getInput())), i64(len), i64(inner),
            i64(t.getK()), i64(t.getLargest())});
    break;
  }
  case Kind::TransposeKind:
  case Kind::SliceKind:
  case Kind::BroadcastKind: {
    NodeValue in = n.getNthInput(0);
    StridedView v = getStridedView(n, in.dims(), n.dims().size());
    std::vector<int64_t> dims(n.dims().begin(), n.dims().end());
    cl_mem x = value(in), y = define(n);
    launch("strided_copy", yt.size(),
           {mem(y), mem(x), i32(dims.size()), mem(constant(dims)),
            mem(constant(v.strides)), i64(v.start),
            i32(getElementSize(yt.getElementType()))});
    break;
  }
  case Kind::ConcatKind:
    concat(cast<ConcatNode>(n));
    break;
  case Kind::PadKind: {
    auto &p = cast<PadNode>(n);
    auto out = n.dims(), in = p.getInput().dims();
    std::vector<int64_t> outDims(out.begin(), out.end()),
        inDims(in.begin(), in.end()),
        begins(p.getPads().begin(), p.getPads().begin() + out.size()),
        value64 = {getPadValueBits(p)};
    cl_mem x = value(p.getInput()), y = define(n);
    launch("pad", yt.size(),
           {mem(y), mem(x), i32(out.size()), mem(constant(outDims)),
            mem(constant(inDims)), mem(constant(begins)),
            i32(int32_t(p.getMode())), mem(constant(value64)),
            i32(getElementSize(yt.getElementType()))});
    break;
  }
  case Kind::GatherKind: {
    auto &g = cast<GatherNode>(n);
    auto d = g.getData().dims();
    auto [outer, inner] = getOuterInnerSizes(d, g.getAxis());
    int64_t numIdx = g.getIndices().getType().size();
    cl_mem data = value(g.getData()), idx = value(g.getIndices());
    cl_mem y = define(n);
    launch("gather", outer * numIdx,
           {mem(y), mem(data), mem(idx),
            i32(g.getIndices().getElementType() == ElemKind::Int64ITy),
            i64(numIdx), i64(d[g.getAxis()]),
            i64(inner * getElementSize(g.getData().getElementType())),
            mem(fn_.status_)});
    break;
  }
  case Kind::GatherElementsKind: {
    auto &g = cast<GatherElementsNode>(n);
    auto dd = g.getData().dims(), id = g.getIndices().dims();
    cl_mem data = value(g.getData()), idx = value(g.getIndices());
    cl_mem y = define(n);
    launch("gather_elements", yt.size(),
           {mem(y), mem(data), mem(idx),
            i32(g.getIndices().getElementType() == ElemKind::Int64ITy),
            i32(id.size()),
            mem(constant(std::vector<int64_t>(id.begin(), id.end()))),
            mem(constant(std::vector<int64_t>(dd.begin(), dd.end()))),
            i64(g.getAxis()), i32(getElementSize(yt.getElementType())),
            mem(fn_.status_)});
    break;
  }
  case Kind::SelectKind: {
    auto &sel = cast<SelectNode>(n);
    cl_mem c = value(sel.getCond()), l = value(sel.getLHS()),
           r = value(sel.getRHS()), y = define(n);
    launch("where_select", yt.size(),
           {mem(y), mem(c), mem(l), mem(r),
            i32(getElementSize(yt.getElementType()))});
    break;
  }
  case Kind::CompareKind: {
    auto &c = cast<CompareNode>(n);
    cl_mem l = value(n.getNthInput(0)),
           r = value(n.getNthInput(n.getNumInputs() - 1)), y = define(n);
    launch("compare", yt.size(),
           {mem(y), mem(l), mem(r),
            i32(getScalarKindCode(n.getNthInput(0).getElementType())),
            i32(int32_t(c.getMode()))});
    break;
  }
  case Kind::ConvertToKind: {
    cl_mem x = value(n.getNthInput(0)), y = define(n);
    launch("convert", yt.size(),
           {mem(y), mem(x),
            i32(getScalarKindCode(n.getNthInput(0).getElementType())),
            i32(getScalarKindCode(yt.getElementType()))});
    break;
  }
  case Kind::QuantizeKind: {
    cl_mem x = value(n.getNthInput(0)), y = define(n);
    launch("quantize", yt.size(),
           {mem(y), mem(x), f32(yt.getScale()), i32(yt.getOffset())});
    break;
  }
  case Kind::DequantizeKind: {
    const Type &xt = n.getNthInput(0).getType();
    cl_mem x = value(n.getNthInput(0)), y = define(n);
    launch("dequantize", yt.size(),
           {mem(y), mem(x), f32(xt.getScale()), i32(xt.getOffset())});
    break;
  }
  case Kind::RescaleQuantizedKind: {
    const Type &xt = n.getNthInput(0).getType();
    cl_mem x = value(n.getNthInput(0)), y = define(n);
    auto [m, s] = transform(double(xt.getScale()) / yt.getScale());
    launch("rescale_rows_i8", yt.size(),
           {mem(y), mem(x), i64(std::max<int64_t>(yt.size(), 1)), i64(0),
            i64(0), i32(xt.getOffset()), m, s, i32(yt.getOffset())});
    break;
  }
#define DEF_NODE(CLASS, NAME, FAMILY, INT8, IMAGES, BATCH, EPILOGUE, LOWERING) \
  GLOW_WHEN_##LOWERING(case Kind::NAME##Kind:)
#include "glow/Graph/Nodes.def"
  case Kind::PlaceholderKind:
  case Kind::ConstantKind:
    return makeError(std::string("the OpenCL backend has no kernel for ") +
                     n.getKindName() + " (node '" + n.getName().str() + "')");
  }
  return llvm::Error::success();
}

std::pair<int32_t, cl_mem>
FunctionBuilder::fuseEpilogue(const ConvolutionNode &conv, cl_mem y) {
  enum : int32_t {
#define KERNEL_EPILOGUE(NAME, BIT) epilogue##NAME = BIT,
#include "glow/Backends/KernelOps.def"
  };
  int32_t epilogue = 0;
  cl_mem residual = y;
  const Node *tail = &conv;
  const Node *next = soleUser(conv);
  if (next && next->getKind() == Kind::AddKind &&
      next->getType() == conv.getType()) {
    // The other operand must exist already: a Constant, a Placeholder or a
    // node visited before this one (the second convolution of a residual
    // pair takes the Add).
    NodeValue other = next->getNthInput(0).getNode() == &conv
                          ? next->getNthInput(1)
                          : next->getNthInput(0);
    const Node *o = other.getNode();
    if (o != &conv && (values_.count(o) || llvm::isa<Constant>(o))) {
      residual = value(other);
      epilogue |= epilogueAdd;
      tail = next;
      next = soleUser(*next);
    }
  }
  if (next && next->getKind() == Kind::ReluKind &&
      next->getType() == conv.getType()) {
    epilogue |= epilogueRelu;
    tail = next;
  }
  for (const Node *m = &conv; m != tail;) {
    m = soleUser(*m);
    fused_.insert(m);
    values_[m] = y;
    layer_ += std::string(" + ") + m->getKindName();
  }
  return {epilogue, residual};
}

void FunctionBuilder::convolution(const ConvolutionNode &n) {
  auto in = n.getInput().dims(), out = n.dims(), f = n.getFilter().dims();
  auto &st = n.getStrides(), &pd = n.getPads(), &dl = n.getDilations();
  std::vector<Arg> geometry = {
      i64(in[1]),  i64(in[2]), i64(in[3]), i64(out[1]), i64(out[2]),
      i64(out[3]), i64(f[2]),  i64(f[3]),  i64(st[0]),  i64(st[1]),
      i64(pd[0]),  i64(pd[1]), i64(dl[0]), i64(dl[1]),  i64(n.getGroup())};
  cl_mem x = value(n.getInput()), w = value(n.getFilter()),
         b = value(n.getBias()), y = define(n);
  // The kernel's leading arguments followed by the geometry.
  auto withGeometry = [&geometry](std::vector<Arg> args) {
    args.insert(args.end(), geometry.begin(), geometry.end());
    return args;
  };
  auto *filterC = dyn_cast<Constant>(n.getFilter().getNode());
  auto *biasC = dyn_cast<Constant>(n.getBias().getNode());
  if (!n.getType().isQuantized() && n.getGroup() == 1 && filterC && biasC) {
    // 16 output channels x 4 columns a work-item, filter packed by 16.
    int64_t O = f[0], C = f[1], K = f[2] * f[3], Ob = (O + 15) / 16;
    std::vector<float> packed(Ob * C * K * 16, 0.f), bias(Ob * 16, 0.f);
    const float *fw =
        reinterpret_cast<const float *>(filterC->getPayload().getUnsafePtr());
    const float *fb =
        reinterpret_cast<const float *>(biasC->getPayload().getUnsafePtr());
    for (int64_t o = 0; o < O; o++) {
      bias[o] = fb[o];
      for (int64_t c = 0; c < C; c++) {
        for (int64_t k = 0; k < K; k++) {
          packed[(((o / 16) * C + c) * K + k) * 16 + o % 16] =
              fw[(o * C + c) * K + k];
        }
      }
    }
    geometry.pop_back(); // no group
    auto [epilogue, residual] = fuseEpilogue(n, y);
    launch("conv_f32_v16", out[0] * Ob * out[2] * ((out[3] + 3) / 4),
           withGeometry({mem(y), mem(x), mem(constant(packed)),
                         mem(constant(bias)), mem(residual), i32(epilogue)}));
    return;
  }
  if (!n.getType().isQuantized()) {
    launch("conv_f32", n.getType().size(),
           withGeometry({mem(y), mem(x), mem(w), mem(b)}));
    return;
  }
  ConvRequantization rq = computeConvRequantization(n);
  if (n.getGroup() == 1 && filterC && biasC) {
    // 16 output channels x 4 columns a work-item; the filter packed by 16
    // as int (w - filter offset).
    int64_t O = f[0], C = f[1], K = f[2] * f[3], Ob = (O + 15) / 16;
    std::vector<int32_t> packed(Ob * C * K * 16, 0), bias(Ob * 16, 0);
    const int8_t *fw =
        reinterpret_cast<const int8_t *>(filterC->getPayload().getUnsafePtr());
    const int32_t *fb =
        reinterpret_cast<const int32_t *>(biasC->getPayload().getUnsafePtr());
    for (int64_t o = 0; o < O; o++) {
      bias[o] = fb[o];
      for (int64_t c = 0; c < C; c++) {
        for (int64_t k = 0; k < K; k++) {
          packed[(((o / 16) * C + c) * K + k) * 16 + o % 16] =
              int32_t(fw[(o * C + c) * K + k]) - rq.filterOffsets[o];
        }
      }
    }
    geometry.pop_back(); // no group
    launch("conv_i8_v16", out[0] * Ob * out[2] * ((out[3] + 3) / 4),
           withGeometry({mem(y), mem(x), mem(constant(packed)),
                         mem(constant(bias)), mem(constant(rq.scales)),
                         i32(n.getInput().getType().getOffset()),
                         i32(n.getType().getOffset())}));
    return;
  }
  launch("conv_i8", n.getType().size(),
         withGeometry(
             {mem(y), mem(x), mem(w), mem(b), mem(constant(rq.filterOffsets)),
              mem(constant(rq.scales)), i32(n.getInput().getType().getOffset()),
              i32(n.getType().getOffset())}));
}

/// The rows x cols matrix of \p c (of element type T; none: zeros) widened
/// to \p paddedCols zero-filled columns, each element minus \p offset: the
/// layout of the *_v16 matrix-product kernels (int8 becomes int).
template <class T>
static std::vector<std::conditional_t<std::is_same_v<T, float>, float, int32_t>>
packColumns(const Constant *c, int64_t rows, int64_t cols, int64_t paddedCols,
            int32_t offset = 0) {
  std::vector<std::conditional_t<std::is_same_v<T, float>, float, int32_t>>
      packed(rows * paddedCols, 0);
  if (!c) {
    return packed;
  }
  const T *v = reinterpret_cast<const T *>(c->getPayload().getUnsafePtr());
  for (int64_t r = 0; r < rows; r++) {
    for (int64_t k = 0; k < cols; k++) {
      packed[r * paddedCols + k] = v[r * cols + k] - offset;
    }
  }
  return packed;
}

void FunctionBuilder::matmul(const Node &n, NodeValue a, NodeValue b,
                             NodeValue bias) {
  int64_t N = a.dims()[0];
  int64_t K = a.getType().size() / std::max<int64_t>(N, 1);
  int64_t M = b.dims()[1];
  cl_mem x = value(a), w = value(b);
  cl_mem bb = bias.getNode() ? value(bias) : fn_.status_;
  cl_mem y = define(n);
  const Type &yt = n.getType();
  auto *bC = dyn_cast<Constant>(b.getNode());
  auto *biasC = llvm::dyn_cast_or_null<Constant>(bias.getNode());
  if (bC && (biasC || !bias.getNode())) {
    // 16 columns x 4 rows a work-item; b and bias packed to Mp columns.
    int64_t Mp = (M + 15) / 16 * 16;
    size_t items = (N + 3) / 4 * (Mp / 16);
    if (!yt.isQuantized()) {
      launch("matmul_f32_v16", items,
             {mem(y), mem(x), mem(constant(packColumns<float>(bC, K, M, Mp))),
              mem(constant(packColumns<float>(biasC, 1, M, Mp))), i64(N),
              i64(K), i64(M)});
      return;
    }
    const Type &xt = a.getType(), &wt = b.getType();
    float scale = accumulatorScale(xt.getScale(), wt.getScale(), yt.getScale());
    launch("matmul_i8_v16", items,
           {mem(y), mem(x),
            mem(constant(packColumns<int8_t>(bC, K, M, Mp, wt.getOffset()))),
            mem(constant(packColumns<int32_t>(biasC, 1, M, Mp))), i64(N),
            i64(K), i64(M), i32(xt.getOffset()), f32(scale),
            i32(yt.getOffset())});
    return;
  }
  if (!yt.isQuantized()) {
    launch("matmul_f32", yt.size(),
           {mem(y), mem(x), mem(w), mem(bb), i32(bias.getNode() != nullptr),
            i64(K), i64(M)});
    return;
  }
  const Type &xt = a.getType(), &wt = b.getType();
  float scale = accumulatorScale(xt.getScale(), wt.getScale(), yt.getScale());
  launch("matmul_i8", yt.size(),
         {mem(y), mem(x), mem(w), mem(bb), i32(bias.getNode() != nullptr),
          i64(K), i64(M), i32(xt.getOffset()), i32(wt.getOffset()), f32(scale),
          i32(yt.getOffset())});
}

void FunctionBuilder::arithmetic(const Node &n) {
  cl_mem l = value(n.getNthInput(0)), r = value(n.getNthInput(1));
  cl_mem y = define(n);
  const Type &yt = n.getType();
  int32_t op = getElementwiseOpCode(n.getKind());
  switch (yt.getElementType()) {
  case ElemKind::FloatTy:
    launch("binary_f32", yt.size(), {mem(y), mem(l), mem(r), i32(op)});
    return;
  case ElemKind::Int64ITy:
    launch("binary_i64", yt.size(), {mem(y), mem(l), mem(r), i32(op)});
    return;
  case ElemKind::Int32ITy:
    launch("binary_i32", yt.size(), {mem(y), mem(l), mem(r), i32(op)});
    return;
  default:
    break;
  }
  const Type &at = n.getNthInput(0).getType(), &bt = n.getNthInput(1).getType();
  bool mul = n.getKind() == Kind::MulKind;
  auto [ma, sa] =
      transform(mul ? double(at.getScale()) * bt.getScale() / yt.getScale()
                    : double(at.getScale()) / yt.getScale());
  auto [mb, sb] = transform(mul ? 1.0 : double(bt.getScale()) / yt.getScale());
  launch("binary_i8", yt.size(),
         {mem(y), mem(l), mem(r), i32(op), i32(at.getOffset()),
          i32(bt.getOffset()), i32(yt.getOffset()), ma, sa, mb, sb});
}

void FunctionBuilder::unary(const Node &n) {
  cl_mem x = value(n.getNthInput(0)), y = define(n);
  const Type &yt = n.getType();
  if (yt.isQuantized()) {
    const Type &xt = n.getNthInput(0).getType();
    auto [lo, hi] = getClipBoundsInt8(n, xt.getScale());
    auto [m, s] = transform(double(xt.getScale()) / yt.getScale());
    launch("clip_i8", yt.size(),
           {mem(y), mem(x), i32(xt.getOffset()), i64(lo), i64(hi), m, s,
            i32(yt.getOffset())});
    return;
  }
  auto [p0, p1] = getUnaryParams(n);
  launch("unary_f32", yt.size(),
         {mem(y), mem(x), i32(getElementwiseOpCode(n.getKind())), f32(p0),
          f32(p1)});
}

void FunctionBuilder::pool(const PoolNode &n) {
  auto in = n.getInput().dims(), out = n.dims();
  auto &k = n.getKernels(), &s = n.getStrides(), &p = n.getPads();
  cl_mem x = value(n.getInput()), y = define(n);
  std::vector<Arg> args = {mem(y),
                           mem(x),
                           i64(in[2]),
                           i64(in[3]),
                           i64(out[2]),
                           i64(out[3]),
                           i64(k[0]),
                           i64(k[1]),
                           i64(s[0]),
                           i64(s[1]),
                           i64(p[0]),
                           i64(p[1]),
                           i64(p[2]),
                           i64(p[3]),
                           i32(n.getKind() == Kind::MaxPoolKind),
                           i32(n.getCountIncludePads())};
  const Type &yt = n.getType();
  if (!yt.isQuantized() && n.getKind() == Kind::MaxPoolKind) {
    args.resize(12); // no bottom/right pads, kind or count flag
    launch("maxpool_f32", out[0] * out[1] * out[2], args);
    return;
  }
  if (!yt.isQuantized()) {
    launch("pool_f32", yt.size(), args);
    return;
  }
  const Type &xt = n.getInput().getType();
  // The average's requantization for each possible window size.
  int64_t cells = int64_t(k[0]) * k[1];
  std::vector<int64_t> mults(cells + 1, 0);
  std::vector<int32_t> shifts(cells + 1, 62);
  for (int64_t c = 1; c <= cells; c++) {
    QuantizationTransform t = makeQuantizationTransform(
        double(xt.getScale()) / (double(yt.getScale()) * double(c)));
    mults[c] = t.multiplier;
    shifts[c] = t.shift;
  }
  auto [mm, ms] = transform(double(xt.getScale()) / double(yt.getScale()));
  if (n.getKind() == Kind::MaxPoolKind) {
    args.resize(12); // no bottom/right pads, kind or count flag
    args.insert(args.end(), {i32(xt.getOffset()), i32(yt.getOffset()), mm, ms});
    launch("maxpool_i8", out[0] * out[1] * out[2], args);
    return;
  }
  args.insert(args.end(), {i32(xt.getOffset()), i32(yt.getOffset()), mm, ms,
                           mem(constant(mults)), mem(constant(shifts))});
  launch("pool_i8", yt.size(), args);
}

void FunctionBuilder::concat(const ConcatNode &n) {
  auto out = n.dims();
  unsigned dim = n.getDim();
  auto [outer, inner] = getOuterInnerSizes(out, dim);
  const Type &yt = n.getType();
  int64_t elem = getElementSize(yt.getElementType());
  cl_mem y = define(n);
  int64_t offset = 0;
  for (unsigned i = 0; i < n.getNumInputs(); i++) {
    NodeValue v = n.getNthInput(i);
    int64_t row = v.dims()[dim] * inner;
    cl_mem x = value(v);
    if (yt.getElementType() == ElemKind::Int8QTy) {
      const Type &xt = v.getType();
      auto [m, s] = transform(double(xt.getScale()) / yt.getScale());
      launch("rescale_rows_i8", outer * row,
             {mem(y), mem(x), i64(std::max<int64_t>(row, 1)),
              i64(out[dim] * inner), i64(offset), i32(xt.getOffset()), m, s,
              i32(yt.getOffset())});
    } else {
      launch("copy_rows", outer * row * elem,
             {mem(y), mem(x), i64(std::max<int64_t>(row * elem, 1)),
              i64(out[dim] * inner * elem), i64(offset * elem)});
    }
    offset += row;
  }
}

llvm::Expected<std::unique_ptr<OpenCLFunction>>
OpenCLFunction::create(const Function &F, std::shared_ptr<OpenCLContext> ctx) {
  std::unique_ptr<OpenCLFunction> fn(new OpenCLFunction());
  fn->ctx_ = std::move(ctx);
  FunctionBuilder b(*fn);
  if (auto err = b.build(F)) {
    return std::move(err);
  }
  return std::move(fn);
}

OpenCLFunction::~OpenCLFunction() {
  if (ctx_ && ctx_->profiling() && runs_) {
    double total = 0;
    for (auto &s : steps_) {
      total += s.seconds;
    }
    llvm::errs() << "GLOW_OPENCL_PROFILE: " << steps_.size() << " commands, "
                 << llvm::format("%.3f", 1e3 * total / runs_)
                 << " ms per run on the device (" << runs_ << " runs)\n";
    for (size_t i = 0; i < steps_.size(); i++) {
      llvm::errs() << llvm::format("%4zu %8.3f ms %5.1f%%  ", i,
                                   1e3 * steps_[i].seconds / runs_,
                                   100 * steps_[i].seconds /
                                       std::max(total, 1e-12))
                   << steps_[i].what << "\n";
    }
  }
  for (auto &s : steps_) {
    if (s.kernel) {
      clReleaseKernel(s.kernel);
    }
  }
  for (cl_mem m : buffers_) {
    if (m) {
      clReleaseMemObject(m);
    }
  }
}

llvm::Error OpenCLFunction::execute(PlaceholderBindings &bindings) {
  cl_command_queue q = ctx_->queue();
  auto check = [](cl_int err, const char *what) -> llvm::Error {
    if (err != CL_SUCCESS) {
      return makeError(std::string("OpenCL ") + what +
                       " failed: " + errorName(err));
    }
    return llvm::Error::success();
  };
  cl_int zero = 0;
  if (auto e = check(clEnqueueWriteBuffer(q, status_, CL_FALSE, 0, sizeof(zero),
                                          &zero, 0, nullptr, nullptr),
                     "write")) {
    return e;
  }
  for (const Slot &s : slots_) {
    Tensor *t = bindings.get(s.placeholder);
    if (!t) {
      return makeError("placeholder '" + s.placeholder->getName() +
                       "' is not bound");
    }
    if (t->getType() != s.placeholder->getType()) {
      return makeError("tensor bound to '" + s.placeholder->getName() +
                       "' is " + t->getType().toString() + ", expected " +
                       s.placeholder->getType().toString());
    }
    if (!s.isOutput && t->getSizeInBytes()) {
      if (auto e = check(clEnqueueWriteBuffer(
                             q, s.buffer, CL_FALSE, 0, t->getSizeInBytes(),
                             t->getUnsafePtr(), 0, nullptr, nullptr),
                         "input write")) {
        return e;
      }
    }
  }
  bool profiling = ctx_->profiling();
  std::vector<cl_event> events(profiling ? steps_.size() : 0);
  for (size_t i = 0; i < steps_.size(); i++) {
    const Step &s = steps_[i];
    cl_event *event = profiling ? &events[i] : nullptr;
    cl_int err;
    if (s.kernel) {
      if (!s.items) {
        continue;
      }
      size_t global = s.items;
      err = clEnqueueNDRangeKernel(q, s.kernel, 1, nullptr, &global, nullptr, 0,
                                   nullptr, event);
    } else {
      if (!s.bytes) {
        continue;
      }
      err = clEnqueueCopyBuffer(q, s.src, s.dst, 0, 0, s.bytes, 0, nullptr,
                                event);
    }
    if (auto e = check(err, "launch")) {
      return e;
    }
  }
  if (profiling) {
    clFinish(q);
    runs_++;
    for (size_t i = 0; i < events.size(); i++) {
      if (!events[i]) {
        continue;
      }
      cl_ulong t0 = 0, t1 = 0;
      clGetEventProfilingInfo(events[i], CL_PROFILING_COMMAND_START, sizeof(t0),
                              &t0, nullptr);
      clGetEventProfilingInfo(events[i], CL_PROFILING_COMMAND_END, sizeof(t1),
                              &t1, nullptr);
      steps_[i].seconds += double(t1 - t0) * 1e-9;
      clReleaseEvent(events[i]);
    }
  }
  cl_int status = 0;
  if (auto e = check(clEnqueueReadBuffer(q, status_, CL_TRUE, 0, sizeof(status),
                                         &status, 0, nullptr, nullptr),
                     "read")) {
    return e;
  }
  if (status) {
    return makeError("the network stopped: a Gather index is out of range");
  }
  for (const Slot &s : slots_) {
    Tensor *t = bindings.get(s.placeholder);
    if (s.isOutput && t->getSizeInBytes()) {
      if (auto e = check(
              clEnqueueReadBuffer(q, s.buffer, CL_TRUE, 0, t->getSizeInBytes(),
                                  t->getUnsafePtr(), 0, nullptr, nullptr),
              "output read")) {
        return e;
      }
    }
  }
  return llvm::Error::success();
}

} // namespace opencl
} // namespace glow
