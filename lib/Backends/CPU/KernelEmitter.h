#ifndef GLOW_BACKENDS_CPU_KERNELEMITTER_H
#define GLOW_BACKENDS_CPU_KERNELEMITTER_H

// Emission, the pass of the CPU planner that turns nodes into kernel calls:
// one visit per node (an exhaustive switch over the node kinds), the
// kernel chosen by kind, element type, fusion and layout, over buffers that
// memory placement (MemoryPlanner) places once every call is emitted.
// Sources: KernelEmitter.cpp (the driver of a node, storage, units and the
// small kinds), EmitConvolution.cpp (Convolution, FullyConnected, MatMul),
// EmitElementwise.cpp (element-wise, pooling, data movement).

#include "BatchAnalysis.h"
#include "FusionPlan.h"
#include "LayoutPlan.h"
#include "PlannerTypes.h"
#include "UnitPlan.h"

#include "llvm/Support/Error.h"

#include <map>
#include <string>
#include <type_traits>
#include <vector>

namespace glow {
namespace cpu {

/// Emits the kernel calls of one program.
class KernelEmitter {
public:
  /// Starts the program of \p F (with \p int8 and \p units, a
  /// precision-switchable program) for \p numThreads threads, looping over
  /// the images of \p batch when \p perImage: makes the reserved words of
  /// the activations, the placeholders' slots (in the module's order) and,
  /// for a switchable program, the unit switches.
  KernelEmitter(const Function &F, const Function *int8, unsigned numThreads,
                const BatchPlan &batch, bool perImage, const UnitPlan &units,
                const FusionPlan &fusions);

  /// Emits the calls of node \p n of F (for a node of a unit, the whole
  /// unit, the first time).
  llvm::Error emitNode(const Node &n);

  /// Places the buffers and \returns the program.
  KernelProgram finish();

  /// The layouts chosen so far.
  const LayoutPlan &getLayouts() const { return layouts_; }

private:
  //===--- buffers -------------------------------------------------------===//
  unsigned newBuffer(Region r, uint64_t size) { return buffers_.add(r, size); }
  unsigned newConstant(const void *data, size_t bytes, bool int8 = false) {
    return buffers_.addConstant(data, bytes, int8);
  }
  template <class T> unsigned newConstant(const std::vector<T> &v) {
    return newConstant(v.data(), v.size() * sizeof(T),
                       std::is_same<T, int8_t>::value);
  }
  PlannedArg ptr(const Storage &s) {
    return {KernelArg::pointer(Region::Activations, 0), s.buf, s.byteOffset};
  }
  PlannedArg ptr(unsigned buf) { return ptr(Storage{buf, 0}); }
  /// Per-thread scratch of \p bytes for one call.
  PlannedArg scratch(uint64_t bytes);

  //===--- values --------------------------------------------------------===//
  /// \returns the type of \p v as the program sees it: batch-carrying
  /// values have one image in a per-image program.
  Type typeOf(NodeValue v) const;
  std::vector<dim_t> dims(NodeValue v) const {
    Type t = typeOf(v);
    return std::vector<dim_t>(t.dims().begin(), t.dims().end());
  }
  /// Allocates the storage of the result \p v in layout \p l.
  Storage define(NodeValue v, Layout l) {
    Storage s{newBuffer(Region::Activations, getLayoutBytes(typeOf(v), l)), 0,
              l};
    layouts_.record(v, s);
    return s;
  }
  /// \returns the storage of \p v in layout \p l, converting if needed.
  Storage use(NodeValue v, Layout l = Layout::Plain);
  bool hasBlocked(NodeValue v) const { return layouts_.hasBlocked(v); }
  /// \returns true if every reader of the 4-D value \p v works blocked
  /// when \p v is (a fast convolution, a pool, an element-wise node that
  /// keeps the padding lanes finite and is not fused), so that \p v is
  /// best written blocked. Not in a switchable program.
  bool readersWorkBlocked(NodeValue v) const;

  //===--- calls ---------------------------------------------------------===//
  void emit(const char *kernel, int64_t items, std::vector<PlannedArg> args);
  void copyBytes(const Storage &dst, const Storage &src, uint64_t bytes) {
    emit("libjit_copy", bytes, {ptr(dst), ptr(src)});
  }

  //===--- nodes ---------------------------------------------------------===//
  /// Emits \p n (of F or, inside a unit, of the INT8 graph) and logs what
  /// it chose.
  llvm::Error visitAndLog(const Node &n);
  /// The per-kind dispatch.
  llvm::Error visit(const Node &n);
  /// Emits unit \p u: its FP32 calls, then its INT8 calls.
  llvm::Error emitUnit(int u);
  // EmitConvolution.cpp:
  void convolution(const ConvolutionNode &n);
  void fastConvolution(const ConvolutionNode &n, const ConvFusion &fu);
  void plainConvolution(const ConvolutionNode &n);
  void fullyConnected(const Node &n, NodeValue in, NodeValue w, NodeValue b);
  // EmitElementwise.cpp:
  void arithmetic(const Node &n);
  /// A Mul by a fused per-channel gate (FusionPlan::channelGates): input
  /// \p gateInput is the Broadcast, whose input the kernel reads.
  void channelMul(const Node &n, unsigned gateInput);
  /// The FP32 Mul \p n of x by its Sigmoid \p gate in one pass
  /// (FusionPlan::selfGates).
  void selfGatedMul(const Node &n, const Node &gate);
  /// The last node \p n of code map \p m: one table lookup of its x.
  void codeMap(const Node &n, const FusionPlan::CodeMap &m);
  void unary(const Node &n);
  void conversion(const Node &n);
  void pool(const PoolNode &n);
  void stridedCopy(const Node &n, NodeValue in, std::vector<int64_t> strides,
                   int64_t start);
  void concat(const ConcatNode &n);
  /// Makes Concat \p n without a call where it can: its inputs' blocked
  /// buffers nested in its own, back to back. \returns false (nothing
  /// done) where it cannot.
  bool concatInPlace(const ConcatNode &n);
  void pad(const PadNode &n);

  const Function &F_;
  const Function *Fq_;
  unsigned numThreads_;
  const BatchPlan &batch_;
  bool perImage_;
  const UnitPlan &units_;
  const FusionPlan &fusions_;

  KernelProgram prog_;
  BufferTable buffers_;
  LayoutPlan layouts_;
  /// The buffers of placeholders and constants.
  std::map<const Node *, unsigned> storageBufs_;
  /// Mutable buffers of batch-carrying placeholders: bytes per image.
  std::map<unsigned, uint64_t> imageStrides_;
  /// The reserved words (run status, barrier) of the activations.
  unsigned reserved_{0};
  unsigned switchBuf_{0};
  std::vector<bool> unitEmitted_;
  /// What the calls emitted now belong to.
  std::string layer_;
  int currentUnit_{-1};
  bool currentInt8_{false};
};

} // namespace cpu
} // namespace glow

#endif // GLOW_BACKENDS_CPU_KERNELEMITTER_H
