// ONNX operators over spatial windows and grids: Conv (1-D and 2-D
// windows), MaxPool/AveragePool, the global pools, Resize/Upsample (a
// lowered Resize kind), and the operators along one axis: ArgMax/ArgMin,
// TopK and GatherElements. The element-wise, data-movement
// and shape operators are in ONNXOperators.cpp, the composites in
// ONNXCompositeOperators.cpp.

#include "ONNXHelpers.h"
#include "glow/Importer/ONNXModelLoader.h"

#include "glow/Support/Error.h"
#include "glow/Support/ResourceLimits.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace glow {

using namespace onnximport;

llvm::Error ONNXModelLoader::loadConv(const onnx::NodeProto &node,
                                      const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  ASSIGN_OR_RETURN(filter, getInput(node, 1));
  auto fd = filter.dims();
  if ((fd.size() != 4 && fd.size() != 3) || fd.size() != in.dims().size()) {
    return makeError(describe(node, name) +
                     ": weights must be 4-D (3-D for a 1-D window) like the "
                     "input, got " +
                     dimsToString(fd) + " for input " +
                     dimsToString(in.dims()));
  }
  std::vector<unsigned> kernels, strides, pads, dilations;
  std::vector<unsigned> kernel;
  for (size_t i = 2; i < fd.size(); i++) {
    kernel.push_back(unsigned(fd[i]));
  }
  if (auto err = windowAttributes(node, name, in.dims(), kernel, kernels,
                                  strides, pads, dilations)) {
    return err;
  }
  std::vector<dim_t> oneD; // the [N, O, L] result of a 1-D window
  if (fd.size() == 3) {
    auto d = in.dims();
    in = F_->createReshape(name + ".as2d", in, {d[0], d[1], 1, d[2]});
    filter =
        F_->createReshape(name + ".filter2d", filter, {fd[0], fd[1], 1, fd[2]});
    oneD = {d[0], fd[0], 0};
  }
  NodeValue bias;
  if (hasInput(node, 2)) {
    ASSIGN_OR_RETURN(b, getInput(node, 2));
    bias = b;
  } else {
    bias = M_.createConstant(name + ".bias",
                             Tensor(ElemKind::FloatTy, {filter.dims()[0]}));
  }
  int64_t group = getInt(node, "group", 1);
  if (group < 1 || group > kMaxDimension) {
    return makeError(describe(node, name) + ": group must be in 1.." +
                     llvm::Twine(kMaxDimension));
  }
  auto *conv = F_->createConv(name, in, filter, bias, kernels, strides, pads,
                              unsigned(group), dilations);
  if (!oneD.empty()) {
    oneD[2] = conv->dims()[3];
    setOutput(node, 0, F_->createReshape(name + ".as1d", conv, oneD));
    return llvm::Error::success();
  }
  setOutput(node, 0, conv);
  return llvm::Error::success();
}

namespace {
/// A MaxPool with dilations on the NC+spatial input \p x, without a
/// dilated kernel: per spatial axis, the input padded with -inf to cover
/// every window, then the element-wise Max of one strided Slice per kernel
/// tap (max is separable, so the axes are done one after the other).
NodeValue dilatedMaxPool(Function &F, const std::string &name, NodeValue x,
                         llvm::ArrayRef<unsigned> k, llvm::ArrayRef<unsigned> s,
                         llvm::ArrayRef<unsigned> p, llvm::ArrayRef<unsigned> d,
                         bool ceil) {
  size_t w = k.size(), rank = x.dims().size();
  for (size_t a = 0; a < w; a++) {
    size_t axis = 2 + a;
    dim_t len = x.dims()[axis];
    dim_t out =
        computeWindowOutputSize(len, k[a], s[a], p[a], p[a + w], d[a], ceil);
    dim_t need = (out - 1) * s[a] + dim_t(d[a]) * (k[a] - 1) + 1;
    dim_t padEnd = std::max<dim_t>(p[a + w], need - p[a] - len);
    std::string axisName = name + ".axis" + std::to_string(a);
    if (p[a] || padEnd) {
      std::vector<dim_t> pads(2 * rank, 0);
      pads[axis] = p[a];
      pads[rank + axis] = padEnd;
      x = F.createPad(axisName + ".pad", x, pads, PadNode::Mode::Constant,
                      -std::numeric_limits<float>::infinity());
    }
    std::vector<dim_t> outDims = x.dims().vec();
    outDims[axis] = out;
    NodeValue acc;
    for (unsigned j = 0; j < k[a]; j++) {
      std::vector<dim_t> starts(rank, 0), steps(rank, 1);
      starts[axis] = dim_t(j) * d[a];
      steps[axis] = s[a];
      NodeValue tap = F.createSlice(axisName + ".tap" + std::to_string(j), x,
                                    starts, steps, outDims);
      bool last = a + 1 == w && j + 1 == k[a];
      acc = j == 0 ? tap
                   : F.createArithmetic(
                         Node::Kind::MaxKind,
                         last ? name : axisName + ".max" + std::to_string(j),
                         acc, tap);
    }
    x = acc;
  }
  return x;
}
} // namespace

llvm::Error ONNXModelLoader::loadPool(const onnx::NodeProto &node,
                                      const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  if (node.output_size() > 1 && !node.output(1).empty()) {
    return makeError(describe(node, name) +
                     ": the Indices output is not supported");
  }
  std::vector<unsigned> kernels, strides, pads, dilations;
  if (auto err = windowAttributes(node, name, in.dims(), {}, kernels, strides,
                                  pads, dilations, /*allow3D=*/true)) {
    return err;
  }
  bool max = node.op_type() == "MaxPool";
  size_t w = kernels.size();
  bool dilated = std::any_of(dilations.begin(), dilations.end(),
                             [](unsigned v) { return v != 1; });
  if (dilated && !max) {
    return makeError(describe(node, name) +
                     ": dilated AveragePool is not supported");
  }
  if (getInt(node, "storage_order", 0) != 0) {
    return makeError(describe(node, name) + ": storage_order=1 is not "
                                            "supported");
  }
  bool ceil = getInt(node, "ceil_mode", 0) != 0;
  if (!in.getType().isFloat()) {
    return makeError(describe(node, name) + ": input must be float");
  }
  if (max) {
    // A window entirely in the padding has no element to take the maximum
    // of; ONNX requires pads smaller than the kernel.
    for (unsigned i = 0; i < 2 * w; i++) {
      unsigned span = dilations[i % w] * (kernels[i % w] - 1) + 1;
      if (pads[i] >= span) {
        return makeError(
            describe(node, name) + ": pad " + llvm::Twine(pads[i]) +
            " is not smaller than the kernel size " + llvm::Twine(span));
      }
    }
  }
  bool countPads = getInt(node, "count_include_pad", 0) != 0;
  auto pool2D = [&](const std::string &poolName, NodeValue x,
                    std::vector<unsigned> k, std::vector<unsigned> s,
                    std::vector<unsigned> p) -> NodeValue {
    if (max) {
      return F_->createMaxPool(poolName, x, k, s, p, ceil);
    }
    return F_->createAvgPool(poolName, x, k, s, p, countPads, ceil);
  };
  auto d = in.dims().vec();
  if (d.size() == 3) { // 1-D: pooled as [N, C, 1, L], back to [N, C, L]
    NodeValue x = F_->createReshape(name + ".as2d", in, {d[0], d[1], 1, d[2]});
    NodeValue y = dilated ? dilatedMaxPool(*F_, name, x, kernels, strides, pads,
                                           dilations, ceil)
                          : pool2D(name, x, kernels, strides, pads);
    setOutput(node, 0,
              F_->createReshape(name + ".as1d", y, {d[0], d[1], y.dims()[3]}));
  } else if (dilated) {
    setOutput(
        node, 0,
        dilatedMaxPool(*F_, name, in, kernels, strides, pads, dilations, ceil));
  } else if (w == 3) {
    // 3-D: both pools are separable (the maximum, and the average whose
    // divisor is the product of the per-axis counts): a 2-D pool over
    // (H, W) of [N, C*D, H, W], then a (kD x 1) pool over D of
    // [N, C, D, H'*W'].
    NodeValue hw = pool2D(
        name + ".hw",
        F_->createReshape(name + ".as2d", in, {d[0], d[1] * d[2], d[3], d[4]}),
        {kernels[1], kernels[2]}, {strides[1], strides[2]},
        {pads[1], pads[2], pads[4], pads[5]});
    dim_t h = hw.dims()[2], wd = hw.dims()[3];
    NodeValue dd = pool2D(
        name,
        F_->createReshape(name + ".split", hw, {d[0], d[1], d[2], h * wd}),
        {kernels[0], 1}, {strides[0], 1}, {pads[0], 0, pads[3], 0});
    setOutput(node, 0,
              F_->createReshape(name + ".as3d", dd,
                                {d[0], d[1], dd.dims()[2], h, wd}));
  } else {
    setOutput(node, 0, pool2D(name, in, kernels, strides, pads));
  }
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadGlobalPool(const onnx::NodeProto &node,
                                            const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  if (in.dims().size() != 4) {
    return makeError(describe(node, name) + ": input must be 4-D NCHW");
  }
  std::vector<unsigned> k = {unsigned(in.dims()[2]), unsigned(in.dims()[3])};
  if (node.op_type() == "GlobalMaxPool") {
    setOutput(node, 0, F_->createMaxPool(name, in, k, {1, 1}, {0, 0, 0, 0}));
  } else {
    setOutput(node, 0,
              F_->createAvgPool(name, in, k, {1, 1}, {0, 0, 0, 0}, false));
  }
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadResize(const onnx::NodeProto &node,
                                        const std::string &name) {
  // Resize (opset 10 and later) and Upsample (7 to 9). Before opset 11
  // both map input coordinates as x / scale and Nearest rounds down, as
  // PyTorch's nearest and ONNX Runtime do.
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  if (!in.getType().isFloat()) {
    return makeError(describe(node, name) + ": input must be float");
  }
  auto d = in.dims();
  size_t rank = d.size();
  bool legacy = node.op_type() == "Upsample" || opset_ < 11;
  using R = ResizeNode;
  R::Options o;
  static const std::map<std::string, R::Interpolation> interpolations = {
      {"nearest", R::Interpolation::Nearest},
      {"linear", R::Interpolation::Linear},
      {"bilinear", R::Interpolation::Linear}, // Upsample-7's name
      {"cubic", R::Interpolation::Cubic}};
  static const std::map<std::string, R::Coordinates> coordinates = {
      {"half_pixel", R::Coordinates::HalfPixel},
      {"pytorch_half_pixel", R::Coordinates::PyTorchHalfPixel},
      {"align_corners", R::Coordinates::AlignCorners},
      {"asymmetric", R::Coordinates::Asymmetric},
      {"tf_half_pixel_for_nn", R::Coordinates::TfHalfPixelForNN},
      {"half_pixel_symmetric", R::Coordinates::HalfPixelSymmetric}};
  static const std::map<std::string, R::Rounding> roundings = {
      {"round_prefer_floor", R::Rounding::RoundPreferFloor},
      {"round_prefer_ceil", R::Rounding::RoundPreferCeil},
      {"floor", R::Rounding::Floor},
      {"ceil", R::Rounding::Ceil}};
  auto pick = [&](const auto &table, const char *attr, const char *def,
                  auto &out) -> llvm::Error {
    std::string v = getString(node, attr, def);
    auto it = table.find(v);
    if (it == table.end()) {
      return makeError(describe(node, name) + ": " + attr + " '" + v +
                       "' is not supported");
    }
    out = it->second;
    return llvm::Error::success();
  };
  if (auto err = pick(interpolations, "mode", "nearest", o.interpolation)) {
    return err;
  }
  if (legacy) {
    o.coordinates = R::Coordinates::Asymmetric;
    o.rounding = R::Rounding::Floor;
    if (o.interpolation == R::Interpolation::Cubic) {
      return makeError(describe(node, name) +
                       ": cubic needs Resize from opset 11");
    }
  } else {
    if (auto err = pick(coordinates, "coordinate_transformation_mode",
                        "half_pixel", o.coordinates)) {
      return err;
    }
    if (auto err =
            pick(roundings, "nearest_mode", "round_prefer_floor", o.rounding)) {
      return err;
    }
    o.cubicCoeffA = getFloat(node, "cubic_coeff_a", -0.75f);
    o.excludeOutside = getInt(node, "exclude_outside", 0) != 0;
    if (getInt(node, "antialias", 0) != 0) {
      return makeError(describe(node, name) + ": antialias is not supported");
    }
    if (getString(node, "keep_aspect_ratio_policy", "stretch") != "stretch") {
      return makeError(describe(node, name) +
                       ": keep_aspect_ratio_policy other than stretch is not "
                       "supported");
    }
  }
  // Scales or sizes of the listed axes (all by default).
  std::vector<float> scales;
  std::vector<int64_t> sizes;
  auto floatsOf = [](Constant *c) {
    std::vector<float> v;
    if (c->getType().isFloat()) {
      auto h = c->getPayload().getHandle<float>();
      for (size_t i = 0; i < h.size(); i++) {
        v.push_back(h.raw(i));
      }
    }
    return v;
  };
  unsigned scalesInput = legacy ? 1 : 2;
  if (node.op_type() == "Upsample" && opset_ < 9) {
    if (const auto *a = findAttr(node, "scales")) {
      scales.assign(a->floats().begin(), a->floats().end());
    }
  } else if (hasInput(node, scalesInput)) {
    ASSIGN_OR_RETURN(c, getConstantInput(node, scalesInput));
    if (!c->getType().isFloat() && c->getType().size() != 0) {
      return makeError(describe(node, name) + ": scales must be float");
    }
    scales = floatsOf(c);
  }
  if (!legacy && hasInput(node, 3)) {
    ASSIGN_OR_RETURN(v, getConstantInts(node, 3));
    sizes = v;
  }
  if (!legacy && getString(node, "coordinate_transformation_mode", "") ==
                     "tf_crop_and_resize") {
    return makeError(describe(node, name) +
                     ": coordinate_transformation_mode 'tf_crop_and_resize' "
                     "is not supported");
  }
  std::vector<int64_t> axes = getInts(node, "axes");
  if (axes.empty()) {
    for (size_t i = 0; i < rank; i++) {
      axes.push_back(int64_t(i));
    }
  }
  bool bySizes = !sizes.empty();
  size_t given = bySizes ? sizes.size() : scales.size();
  if (given != axes.size()) {
    return makeError(
        describe(node, name) + ": needs " + llvm::Twine(axes.size()) + " " +
        (bySizes ? "sizes" : "scales") + ", got " + llvm::Twine(given));
  }
  std::vector<float> axisScales(rank, 1.f);
  std::vector<dim_t> outDims(d.begin(), d.end());
  for (size_t i = 0; i < axes.size(); i++) {
    ASSIGN_OR_RETURN(ax, normalizeAxis(axes[i], rank, node, name));
    if (bySizes) {
      if (auto err = checkRange(sizes[i], 1, kMaxDimension,
                                describe(node, name) + " output size")) {
        return err;
      }
      if (d[ax] == 0) {
        return makeError(describe(node, name) +
                         ": cannot resize an empty axis");
      }
      outDims[ax] = dim_t(sizes[i]);
      axisScales[ax] = float(double(sizes[i]) / double(d[ax]));
    } else {
      float s = scales[i];
      double len = std::floor(double(s) * double(d[ax]));
      if (!(s > 0) || !std::isfinite(s) || len < 1 ||
          len > double(kMaxDimension)) {
        return makeError(describe(node, name) + ": scale " + std::to_string(s) +
                         " gives no valid output length");
      }
      outDims[ax] = dim_t(len);
      axisScales[ax] = s;
    }
    // The lowering builds an in x out weight matrix per resized axis.
    if (auto err = checkMemoryBudget(
            uint64_t(d[ax]) * uint64_t(outDims[ax]) * sizeof(float),
            describe(node, name) + " interpolation weights")) {
      return err;
    }
  }
  std::vector<int64_t> outShape(outDims.begin(), outDims.end());
  if (auto bytes = checkedTensorBytes(outShape, sizeof(float),
                                      describe(node, name) + " result");
      !bytes) {
    return bytes.takeError();
  }
  Type outTy = Type::newShape(in.getType(), outDims);
  setOutput(node, 0,
            F_->addNode(
                std::make_unique<ResizeNode>(name, outTy, in, axisScales, o)));
  return llvm::Error::success();
}

llvm::Expected<NodeValue>
ONNXModelLoader::getAxisOperand(const onnx::NodeProto &node,
                                const std::string &name) {
  ASSIGN_OR_RETURN(in, getInput(node, 0));
  if (!in.getType().isFloat()) {
    return makeError(describe(node, name) + ": input must be float");
  }
  if (in.dims().empty()) {
    return makeError(describe(node, name) + ": input must not be a scalar");
  }
  return in;
}

llvm::Error ONNXModelLoader::loadArgMinMax(const onnx::NodeProto &node,
                                           const std::string &name) {
  ASSIGN_OR_RETURN(in, getAxisOperand(node, name));
  auto d = in.dims();
  ASSIGN_OR_RETURN(
      axis, normalizeAxis(getInt(node, "axis", 0), d.size(), node, name));
  bool keepDims = getInt(node, "keepdims", 1) != 0;
  std::vector<dim_t> out(d.begin(), d.end());
  if (d[axis] == 0) {
    return makeError(describe(node, name) + ": the axis is empty");
  }
  if (keepDims) {
    out[axis] = 1;
  } else {
    out.erase(out.begin() + axis);
  }
  setOutput(node, 0,
            F_->addNode(std::make_unique<ArgMinMaxNode>(
                name, Type(ElemKind::Int64ITy, out), in, axis, keepDims,
                node.op_type() == "ArgMin",
                getInt(node, "select_last_index", 0) != 0)));
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadTopK(const onnx::NodeProto &node,
                                      const std::string &name) {
  ASSIGN_OR_RETURN(in, getAxisOperand(node, name));
  auto d = in.dims();
  int64_t k;
  if (node.input_size() > 1) { // opset 10+: K is a 1-element input
    ASSIGN_OR_RETURN(ks, getConstantInts(node, 1));
    if (ks.size() != 1) {
      return makeError(describe(node, name) + ": K must have one element");
    }
    k = ks[0];
  } else {
    k = getInt(node, "k", -1);
  }
  ASSIGN_OR_RETURN(
      axis, normalizeAxis(getInt(node, "axis", -1), d.size(), node, name));
  if (k < 0 || k > int64_t(d[axis])) {
    return makeError(describe(node, name) + ": K=" + llvm::Twine(k) +
                     " is not within [0, " + llvm::Twine(d[axis]) + "]");
  }
  std::vector<dim_t> out(d.begin(), d.end());
  out[axis] = dim_t(k);
  // "sorted" may be 0 (any order): the indices come sorted anyway.
  bool largest = getInt(node, "largest", 1) != 0;
  NodeValue indices = F_->addNode(std::make_unique<TopKNode>(
      name + ".indices", Type(ElemKind::Int64ITy, out), in, axis, largest));
  NodeValue values = F_->addNode(std::make_unique<GatherElementsNode>(
      name, Type::newShape(in.getType(), out), in, indices, axis));
  setOutput(node, 0, values);
  setOutput(node, 1, indices);
  return llvm::Error::success();
}

llvm::Error ONNXModelLoader::loadGatherElements(const onnx::NodeProto &node,
                                                const std::string &name) {
  ASSIGN_OR_RETURN(data, getInput(node, 0));
  ASSIGN_OR_RETURN(indices, getInput(node, 1));
  ElemKind ik = indices.getElementType();
  if (ik != ElemKind::Int64ITy && ik != ElemKind::Int32ITy) {
    return makeError(describe(node, name) + ": indices must be int32 or int64");
  }
  auto d = data.dims(), id = indices.dims();
  if (d.empty() || id.size() != d.size()) {
    return makeError(describe(node, name) + ": indices " + dimsToString(id) +
                     " and data " + dimsToString(d) +
                     " must have one rank, at least 1");
  }
  ASSIGN_OR_RETURN(
      axis, normalizeAxis(getInt(node, "axis", 0), d.size(), node, name));
  for (size_t i = 0; i < d.size(); i++) {
    if (i != axis && id[i] > d[i]) {
      return makeError(describe(node, name) + ": indices " + dimsToString(id) +
                       " do not fit data " + dimsToString(d) +
                       " outside the axis");
    }
  }
  setOutput(
      node, 0,
      F_->addNode(std::make_unique<GatherElementsNode>(
          name, Type::newShape(data.getType(), id), data, indices, axis)));
  return llvm::Error::success();
}

} // namespace glow
