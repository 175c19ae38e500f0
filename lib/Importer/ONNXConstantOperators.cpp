// ONNX operators that the importer evaluates itself: Mod, Range, ScatterND
// and Size on constant inputs. PyTorch exports use them for shape
// arithmetic (Swin's window padding) where every input is known while
// loading; the result becomes a Constant, so no backend ever sees them. A
// non-constant input is a one-line error naming the operator and the
// input. (Comparisons, logic and Where are Compare and Select nodes, which
// fold like any other node when their inputs are constant.)

#include "ONNXHelpers.h"
#include "glow/Importer/ONNXModelLoader.h"

#include "glow/Support/Error.h"
#include "glow/Support/ResourceLimits.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <functional>

namespace glow {

using namespace onnximport;

namespace {

/// Row-major strides of \p dims, with 0 for the broadcast dimensions of a
/// tensor of shape \p dims read as \p out (numpy rules: aligned at the end).
std::vector<size_t> broadcastStrides(llvm::ArrayRef<dim_t> dims,
                                     llvm::ArrayRef<dim_t> out) {
  std::vector<size_t> strides(out.size(), 0);
  size_t stride = 1;
  for (size_t i = 0; i < dims.size(); i++) {
    size_t d = dims.size() - 1 - i, o = out.size() - 1 - i;
    strides[o] = dims[d] == 1 ? 0 : stride;
    stride *= dims[d];
  }
  return strides;
}

/// Calls \p f(out index, operand indices) for every element of \p out.
void forEachBroadcast(llvm::ArrayRef<dim_t> out,
                      const std::vector<std::vector<size_t>> &strides,
                      const std::function<void(size_t, const size_t *)> &f) {
  size_t total = 1;
  for (dim_t d : out) {
    total *= d;
  }
  std::vector<size_t> idx(strides.size(), 0);
  std::vector<dim_t> pos(out.size(), 0);
  for (size_t i = 0; i < total; i++) {
    std::fill(idx.begin(), idx.end(), 0);
    for (size_t k = 0; k < strides.size(); k++) {
      for (size_t d = 0; d < out.size(); d++) {
        idx[k] += pos[d] * strides[k][d];
      }
    }
    f(i, idx.data());
    for (size_t d = out.size(); d-- > 0;) {
      if (++pos[d] < out[d]) {
        break;
      }
      pos[d] = 0;
    }
  }
}

/// ONNX Mod: the sign of the divisor (Python), or of the dividend with fmod.
double mod(double a, double b, bool fmod) {
  if (b == 0) {
    return 0;
  }
  double r = std::fmod(a, b);
  if (!fmod && r != 0 && ((r < 0) != (b < 0))) {
    r += b;
  }
  return r;
}

} // namespace

llvm::Error ONNXModelLoader::loadConstantOnly(const onnx::NodeProto &node,
                                              const std::string &name) {
  const std::string &op = node.op_type();
  if (op == "Size") { // only the (static) shape of the input matters
    auto x = getInput(node, 0);
    if (!x) {
      return x.takeError();
    }
    Tensor t(ElemKind::Int64ITy, {});
    t.getHandle<int64_t>().raw(0) = int64_t(x->getType().size());
    setOutput(node, 0, M_.createConstant(name, std::move(t)));
    return llvm::Error::success();
  }
  std::vector<Constant *> in;
  for (int i = 0; i < node.input_size(); i++) {
    auto c = getConstantInput(node, i);
    if (!c) {
      return makeError(describe(node, name) + ": " +
                       llvm::toString(c.takeError()) +
                       "; the compiler evaluates " + op + " while loading");
    }
    in.push_back(*c);
  }
  auto check = [&](std::vector<dim_t> dims) -> llvm::Error {
    auto bytes = checkedTensorBytes(dims, 8, describe(node, name));
    return bytes ? llvm::Error::success() : bytes.takeError();
  };

  if (op == "Range") {
    const Tensor &s = in[0]->getPayload(), &l = in[1]->getPayload(),
                 &d = in[2]->getPayload();
    if (s.size() != 1 || l.size() != 1 || d.size() != 1) {
      return makeError(describe(node, name) + ": inputs must be scalars");
    }
    double start = s.getAsDouble(0), limit = l.getAsDouble(0),
           delta = d.getAsDouble(0);
    if (delta == 0) {
      return makeError(describe(node, name) + ": delta is 0");
    }
    double n = std::max(0.0, std::ceil((limit - start) / delta));
    if (n > double(kMaxDimension)) {
      return makeError(describe(node, name) + ": too many elements");
    }
    Tensor t(s.getElementType(), {dim_t(n)});
    for (size_t i = 0; i < t.size(); i++) {
      t.setFromDouble(i, start + double(i) * delta);
    }
    setOutput(node, 0, M_.createConstant(name, std::move(t)));
    return llvm::Error::success();
  }

  if (op == "ScatterND") {
    if (getString(node, "reduction", "none") != "none") {
      return makeError(describe(node, name) +
                       ": only reduction='none' is supported");
    }
    const Tensor &data = in[0]->getPayload(), &idx = in[1]->getPayload(),
                 &upd = in[2]->getPayload();
    auto dd = data.dims(), id = idx.dims();
    if (id.empty() || size_t(id.back()) > dd.size()) {
      return makeError(describe(node, name) + ": bad indices shape " +
                       dimsToString(id));
    }
    size_t k = id.back(), rows = idx.size() / std::max<size_t>(k, 1);
    size_t slice = 1;
    for (size_t i = k; i < dd.size(); i++) {
      slice *= dd[i];
    }
    if (upd.size() != rows * slice) {
      return makeError(describe(node, name) + ": updates have " +
                       llvm::Twine(upd.size()) + " values, expected " +
                       llvm::Twine(rows * slice));
    }
    Tensor out = data.clone();
    std::vector<int64_t> ix = intsOf(idx);
    for (size_t r = 0; r < rows; r++) {
      size_t off = 0;
      for (size_t j = 0; j < k; j++) {
        int64_t v = ix[r * k + j];
        v = v < 0 ? v + int64_t(dd[j]) : v;
        if (v < 0 || v >= int64_t(dd[j])) {
          return makeError(describe(node, name) + ": index " +
                           llvm::Twine(ix[r * k + j]) + " out of range");
        }
        off = off * dd[j] + size_t(v);
      }
      for (size_t e = 0; e < slice; e++) {
        out.setFromDouble(off * slice + e, upd.getAsDouble(r * slice + e));
      }
    }
    setOutput(node, 0, M_.createConstant(name, std::move(out)));
    return llvm::Error::success();
  }

  // Mod, element-wise with numpy broadcasting.
  std::vector<dim_t> out = in[0]->getPayload().dims().vec();
  for (size_t i = 1; i < in.size(); i++) {
    std::vector<dim_t> next;
    if (!broadcastShape(out, in[i]->getPayload().dims(), next)) {
      return makeError(describe(node, name) + ": shapes " + dimsToString(out) +
                       " and " + dimsToString(in[i]->getPayload().dims()) +
                       " do not broadcast");
    }
    out = next;
  }
  if (auto err = check(out)) {
    return err;
  }
  std::vector<std::vector<size_t>> strides;
  for (Constant *c : in) {
    strides.push_back(broadcastStrides(c->getPayload().dims(), out));
  }
  Tensor t(in[0]->getPayload().getElementType(), out);
  bool fmod = getInt(node, "fmod", 0) != 0;
  forEachBroadcast(out, strides, [&](size_t i, const size_t *ix) {
    t.setFromDouble(i, mod(in[0]->getPayload().getAsDouble(ix[0]),
                           in[1]->getPayload().getAsDouble(ix[1]), fmod));
  });
  setOutput(node, 0, M_.createConstant(name, std::move(t)));
  return llvm::Error::success();
}

} // namespace glow
