#include "ONNXHelpers.h"

#include "glow/Support/Error.h"
#include "glow/Support/ResourceLimits.h"

#include <algorithm>
#include <cstring>

namespace glow {
namespace onnximport {

const onnx::AttributeProto *findAttr(const onnx::NodeProto &node,
                                     llvm::StringRef name) {
  for (const auto &a : node.attribute()) {
    if (a.name() == name) {
      return &a;
    }
  }
  return nullptr;
}

int64_t getInt(const onnx::NodeProto &node, llvm::StringRef name, int64_t def) {
  auto *a = findAttr(node, name);
  return a ? a->i() : def;
}

float getFloat(const onnx::NodeProto &node, llvm::StringRef name, float def) {
  auto *a = findAttr(node, name);
  return a ? a->f() : def;
}

std::string getString(const onnx::NodeProto &node, llvm::StringRef name,
                      const std::string &def) {
  auto *a = findAttr(node, name);
  return a ? a->s() : def;
}

std::vector<int64_t> getInts(const onnx::NodeProto &node, llvm::StringRef name,
                             std::vector<int64_t> def) {
  auto *a = findAttr(node, name);
  if (!a) {
    return def;
  }
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

/// \returns the ONNX node's description for messages: "'NAME' (OpType)".
std::string describe(const onnx::NodeProto &node, const std::string &name) {
  return "node '" + name + "' (" + node.op_type() + ")";
}

llvm::Expected<ElemKind> elemKindFromONNX(int32_t dt) {
  switch (dt) {
  case onnx::TensorProto::FLOAT:
  case onnx::TensorProto::DOUBLE: // read as float32 (docs/ONNX.md)
    return ElemKind::FloatTy;
  case onnx::TensorProto::INT64:
    return ElemKind::Int64ITy;
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::INT8: // the narrow integers read as int32, exact
  case onnx::TensorProto::UINT8:
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::UINT16:
    return ElemKind::Int32ITy;
  case onnx::TensorProto::UINT32: // read as int64, exact
    return ElemKind::Int64ITy;
  case onnx::TensorProto::BOOL:
    return ElemKind::BoolTy;
  default:
    return makeError(
        "unsupported ONNX element type " +
        onnx::TensorProto::DataType_Name(onnx::TensorProto::DataType(dt)));
  }
}

/// \returns an error unless the graph input or output \p v is a tensor
/// (sequences, maps, optionals and sparse tensors are not supported).
llvm::Error checkTensorValueType(const onnx::ValueInfoProto &v) {
  const auto &t = v.type();
  const char *what = nullptr;
  switch (t.value_case()) {
  case onnx::TypeProto::kTensorType:
  case onnx::TypeProto::VALUE_NOT_SET: // checked where the kind is needed
    return llvm::Error::success();
  case onnx::TypeProto::kSequenceType:
    what = "a sequence";
    break;
  case onnx::TypeProto::kMapType:
    what = "a map";
    break;
  case onnx::TypeProto::kOptionalType:
    what = "an optional";
    break;
  case onnx::TypeProto::kSparseTensorType:
    what = "a sparse tensor";
    break;
  default:
    what = "an unknown";
    break;
  }
  return makeError("'" + v.name() + "' has " + what +
                   " type; only tensors are supported");
}

/// Converts an onnx.TensorProto to a Tensor.
llvm::Expected<Tensor> tensorFromProto(const onnx::TensorProto &t) {
  auto kind = elemKindFromONNX(t.data_type());
  if (!kind) {
    return makeError("tensor '" + t.name() +
                     "': " + llvm::toString(kind.takeError()));
  }
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    return makeError("tensor '" + t.name() +
                     "' uses external data, which is not supported");
  }
  std::vector<dim_t> dims(t.dims().begin(), t.dims().end());
  // The data present must match the shape before anything is allocated.
  size_t elemSize = getElementSize(*kind);
  auto bytes = checkedTensorBytes(dims, elemSize, "tensor '" + t.name() + "'");
  if (!bytes) {
    return bytes.takeError();
  }
  size_t n = *bytes / elemSize;
  // float64 values become float32 (rounded to nearest), the narrow integers
  // int32 and uint32 int64: the stored element may be of another size.
  int32_t dt = t.data_type();
  size_t rawSize =
      dt == onnx::TensorProto::DOUBLE                                     ? 8
      : dt == onnx::TensorProto::INT8 || dt == onnx::TensorProto::UINT8   ? 1
      : dt == onnx::TensorProto::INT16 || dt == onnx::TensorProto::UINT16 ? 2
      : dt == onnx::TensorProto::UINT32                                   ? 4
                                        : elemSize;
  bool widened = dt == onnx::TensorProto::DOUBLE ||
                 dt == onnx::TensorProto::UINT32 || rawSize != elemSize;
  if (t.has_raw_data()) {
    uint64_t want = uint64_t(n) * rawSize;
    if (t.raw_data().size() != want) {
      return makeError("tensor '" + t.name() + "' has " +
                       llvm::Twine(t.raw_data().size()) +
                       " bytes of data, expected " + llvm::Twine(want));
    }
    Tensor out(*kind, dims);
    const char *raw = t.raw_data().data();
    if (!widened) {
      std::memcpy(out.getUnsafePtr(), raw, *bytes);
      return std::move(out);
    }
    for (size_t i = 0; i < n; i++) {
      const char *p = raw + i * rawSize;
      auto load = [p](auto v) {
        std::memcpy(&v, p, sizeof(v));
        return double(v);
      };
      switch (dt) {
      case onnx::TensorProto::DOUBLE:
        out.setFromDouble(i, load(double()));
        break;
      case onnx::TensorProto::INT8:
        out.setFromDouble(i, load(int8_t()));
        break;
      case onnx::TensorProto::UINT8:
        out.setFromDouble(i, load(uint8_t()));
        break;
      case onnx::TensorProto::INT16:
        out.setFromDouble(i, load(int16_t()));
        break;
      case onnx::TensorProto::UINT16:
        out.setFromDouble(i, load(uint16_t()));
        break;
      default: // UINT32
        out.setFromDouble(i, load(uint32_t()));
        break;
      }
    }
    return std::move(out);
  }
  bool isDouble = dt == onnx::TensorProto::DOUBLE;
  bool isUInt32 = dt == onnx::TensorProto::UINT32;
  size_t have = isDouble                      ? t.double_data_size()
                : isUInt32                    ? t.uint64_data_size()
                : *kind == ElemKind::FloatTy  ? t.float_data_size()
                : *kind == ElemKind::Int64ITy ? t.int64_data_size()
                                              : t.int32_data_size();
  if (have != n) {
    return makeError("tensor '" + t.name() + "' has " + llvm::Twine(have) +
                     " values, expected " + llvm::Twine(n));
  }
  Tensor out(*kind, dims);
  for (size_t i = 0; i < n; i++) {
    if (isUInt32) {
      out.getHandle<int64_t>().raw(i) = int64_t(uint32_t(t.uint64_data(i)));
      continue;
    }
    switch (*kind) {
    case ElemKind::FloatTy:
      out.setFromDouble(i, isDouble ? t.double_data(i) : t.float_data(i));
      break;
    case ElemKind::Int64ITy:
      out.getHandle<int64_t>().raw(i) = t.int64_data(i);
      break;
    default:
      out.setFromDouble(i, t.int32_data(i));
      break;
    }
  }
  return std::move(out);
}

llvm::Expected<std::string> readFile(llvm::StringRef path) {
  return readFileBounded(path, kMaxModelBytes, "file");
}

llvm::Expected<onnx::ModelProto> parseModel(const std::string &bytes,
                                            llvm::StringRef what) {
  onnx::ModelProto model;
  if (bytes.empty() || !model.ParseFromString(bytes) || !model.has_graph()) {
    return makeError("'" + what +
                     "' is not a valid ONNX model (truncated or not ONNX)");
  }
  if (model.ir_version() < 3) {
    return makeError("'" + what + "' has ONNX IR version " +
                     llvm::Twine(model.ir_version()) +
                     "; versions 3 and later are supported");
  }
  return std::move(model);
}

/// Computes begin/end padding for auto_pad SAME_UPPER / SAME_LOWER.
static void samePads(dim_t in, unsigned kernel, unsigned stride,
                     unsigned dilation, bool upper, unsigned &begin,
                     unsigned &end) {
  dim_t out = (in + stride - 1) / stride;
  dim_t eff = dim_t(dilation) * (kernel - 1) + 1;
  dim_t total = std::max<dim_t>(0, (out - 1) * stride + eff - in);
  begin = upper ? total / 2 : total - total / 2;
  end = total - begin;
}

/// Resolves the window attributes shared by Conv and the pools.
llvm::Error
windowAttributes(const onnx::NodeProto &node, const std::string &name,
                 llvm::ArrayRef<dim_t> inDims, std::vector<unsigned> kernel,
                 std::vector<unsigned> &kernels, std::vector<unsigned> &strides,
                 std::vector<unsigned> &pads, std::vector<unsigned> &dilations,
                 bool allow3D) {
  // A 1-D window on [N, C, L] is read as the 2-D window [1, k] on
  // [N, C, 1, L]: the callers view the input that way.
  bool oneD = inDims.size() == 3;
  bool threeD = allow3D && inDims.size() == 5;
  if (inDims.size() != 4 && !oneD && !threeD) {
    return makeError(describe(node, name) +
                     (allow3D ? ": only 1-D, 2-D and 3-D windows on 3-D NCL, "
                                "4-D NCHW and 5-D NCDHW inputs are supported"
                              : ": only 1-D and 2-D windows on 3-D NCL and "
                                "4-D NCHW inputs are supported") +
                     ", input is " + dimsToString(inDims));
  }
  size_t n = inDims.size() - 2;
  auto ks = getInts(node, "kernel_shape");
  if (!ks.empty()) {
    kernel.assign(ks.begin(), ks.end());
  }
  if (kernel.size() != n) {
    return makeError(describe(node, name) + ": kernel_shape must have " +
                     llvm::Twine(n) + " values");
  }
  auto st = getInts(node, "strides", std::vector<int64_t>(n, 1));
  auto dl = getInts(node, "dilations", std::vector<int64_t>(n, 1));
  auto pd = getInts(node, "pads", std::vector<int64_t>(2 * n, 0));
  if (st.size() != n || dl.size() != n || pd.size() != 2 * n) {
    return makeError(describe(node, name) +
                     ": strides, dilations and pads must have " +
                     llvm::Twine(n) + ", " + llvm::Twine(n) + ", " +
                     llvm::Twine(2 * n) + " values");
  }
  for (auto [values, what, lo] : {std::make_tuple(&ks, "kernel_shape", 1),
                                  {&st, "strides", 1},
                                  {&dl, "dilations", 1},
                                  {&pd, "pads", 0}}) {
    for (int64_t v : *values) {
      if (auto err = checkRange(v, lo, kMaxDimension,
                                describe(node, name) + ": " + what)) {
        return err;
      }
    }
  }
  for (unsigned k : kernel) {
    if (auto err = checkRange(k, 1, kMaxDimension,
                              describe(node, name) + ": kernel size")) {
      return err;
    }
  }
  std::vector<dim_t> dims4(inDims.begin(), inDims.end());
  if (oneD) {
    kernel.insert(kernel.begin(), 1);
    st.insert(st.begin(), 1);
    dl.insert(dl.begin(), 1);
    pd = {0, pd[0], 0, pd[1]};
    dims4.insert(dims4.begin() + 2, 1);
  }
  kernels = kernel;
  strides.assign(st.begin(), st.end());
  dilations.assign(dl.begin(), dl.end());
  pads.assign(pd.begin(), pd.end());
  std::string autoPad = getString(node, "auto_pad", "NOTSET");
  if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    size_t w = kernels.size();
    for (unsigned i = 0; i < w; i++) {
      samePads(dims4[2 + i], kernels[i], strides[i], dilations[i],
               autoPad == "SAME_UPPER", pads[i], pads[i + w]);
    }
  } else if (autoPad == "VALID") {
    pads.assign(pads.size(), 0);
  } else if (autoPad != "NOTSET") {
    return makeError(describe(node, name) + ": unknown auto_pad '" + autoPad +
                     "'");
  }
  return llvm::Error::success();
}

/// \returns \p axis made non-negative for rank \p rank, or an error.
llvm::Expected<unsigned> normalizeAxis(int64_t axis, size_t rank,
                                       const onnx::NodeProto &node,
                                       const std::string &name) {
  int64_t r = int64_t(rank);
  if (axis < -r || axis >= r) {
    return makeError(describe(node, name) + ": axis " + llvm::Twine(axis) +
                     " out of range for rank " + llvm::Twine(r));
  }
  return unsigned(axis < 0 ? axis + r : axis);
}

bool broadcastShape(llvm::ArrayRef<dim_t> a, llvm::ArrayRef<dim_t> b,
                    std::vector<dim_t> &out) {
  size_t rank = std::max(a.size(), b.size());
  out.assign(rank, 0);
  for (size_t i = 0; i < rank; i++) {
    dim_t x = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    dim_t y = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (x != y && x != 1 && y != 1) {
      return false;
    }
    out[i] = x == 1 ? y : x;
  }
  return true;
}

std::vector<int64_t> intsOf(const Tensor &t) {
  std::vector<int64_t> v;
  for (size_t i = 0; i < t.size(); i++) {
    if (t.getElementType() == ElemKind::Int64ITy) {
      // Exactly: INT64_MAX ("to the end" in Slice) is not a double.
      v.push_back(t.getHandle<int64_t>().raw(i));
      continue;
    }
    double d = t.getAsDouble(i);
    constexpr double kLimit = 9.2e18; // within int64_t
    v.push_back(int64_t(std::clamp(d, -kLimit, kLimit)));
  }
  return v;
}

} // namespace onnximport
} // namespace glow
