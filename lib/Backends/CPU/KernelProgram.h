#ifndef GLOW_BACKENDS_CPU_KERNELPROGRAM_H
#define GLOW_BACKENDS_CPU_KERNELPROGRAM_H

// What the CPU backend makes of a Function before it generates LLVM IR: a
// straight list of kernel-library calls over three memory regions. The
// planner (KernelProgramBuilder) decides layouts, fusions and weight
// packing and plans the memory; LLVMIRGen turns the list into code; the JIT
// (CPUFunction) and the bundle writer (BundleSaver) run or save that code
// with the regions laid out as below. Glow's bundle API uses the same three
// regions.

#include "glow/Base/Type.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace glow {
namespace cpu {

/// The three memory regions a compiled network addresses.
enum class Region {
  Constant,    ///< weights, packed by the backend (read only)
  Mutable,     ///< inputs and outputs (the placeholders)
  Activations, ///< every intermediate value, planned; scratch space
};

/// Alignment of every buffer in every region (bytes).
constexpr uint64_t kBufferAlignment = 64;

/// Bytes at the start of the activations region reserved for the run
/// status (int32 at offset 0) and the thread barrier (two int32 at 8).
constexpr uint64_t kReservedActivationBytes = 64;
constexpr uint64_t kStatusOffset = 0;
constexpr uint64_t kBarrierOffset = 8;

/// One argument of a kernel call.
struct KernelArg {
  enum class Kind {
    Pointer,       ///< region + offset
    ThreadScratch, ///< activations + offset + thread index x bytesPerThread
    Int,           ///< an integer constant
    Float,         ///< a floating-point constant
    IntArray,      ///< a small int64 array, emitted as a constant global
    Null,          ///< a null pointer
  };
  Kind kind{Kind::Int};
  Region region{Region::Activations};
  uint64_t offset{0};
  uint64_t bytesPerThread{0};
  /// Per-image programs (KernelProgram::images > 1): bytes added to a
  /// Mutable pointer per image index (the placeholder's bytes per image).
  uint64_t imageStride{0};
  int64_t intValue{0};
  /// Int and Float: whether the kernel is compiled for this value (LLVMIRGen
  /// clones the kernel with it substituted). False for a value that does not
  /// shape the kernel's code, only its trip counts or address strides:
  /// calls that differ only in such values share one compiled kernel, which
  /// keeps the code (and the compile time) of a network whose layers differ
  /// in their channel counts, such as DenseNet's, from growing with them.
  bool specialized{true};
  double floatValue{0};
  std::vector<int64_t> array;

  static KernelArg pointer(Region r, uint64_t off) {
    KernelArg a;
    a.kind = Kind::Pointer;
    a.region = r;
    a.offset = off;
    return a;
  }
  static KernelArg integer(int64_t v) {
    KernelArg a;
    a.kind = Kind::Int;
    a.intValue = v;
    return a;
  }
  static KernelArg runtimeInteger(int64_t v) {
    KernelArg a = integer(v);
    a.specialized = false;
    return a;
  }
  static KernelArg real(double v) {
    KernelArg a;
    a.kind = Kind::Float;
    a.floatValue = v;
    return a;
  }
  static KernelArg intArray(std::vector<int64_t> v) {
    KernelArg a;
    a.kind = Kind::IntArray;
    a.array = std::move(v);
    return a;
  }
  static KernelArg null() {
    KernelArg a;
    a.kind = Kind::Null;
    return a;
  }
};

/// One call of a kernel-library function: it runs items [begin, end) of
/// its \p items work items; with several threads the items are split.
struct KernelCall {
  /// The kernel's symbol in the library ("libjit_conv_f32" ...).
  std::string kernel;
  /// Number of work items (what an item is depends on the kernel).
  int64_t items{1};
  /// The arguments after (begin, end).
  std::vector<KernelArg> args;
  /// The layer (node name) the call belongs to, for dumps.
  std::string layer;
  /// Precision-switchable programs: the call runs only when the switch of
  /// unit \p unit (>= 0) says INT8 (\p int8) or FP32 (!int8).
  int32_t unit{-1};
  bool int8{false};
};

/// A placeholder's slot in the mutable region.
struct PlaceholderSlot {
  std::string name;
  Type type;
  uint64_t offset{0};
  bool isOutput{false};
};

/// A compiled network before code generation. Two ways to run it:
/// - images == 1: the calls process the whole batch; with several threads
///   each call's items are split among them, with a barrier after each.
/// - images > 1 (a batch whose images the graph treats independently): the
///   calls process one image; each thread loops over its share of the
///   images with its own copy of the activations region, no barriers.
struct KernelProgram {
  std::vector<KernelCall> calls;
  /// The contents of the constant region.
  std::vector<uint8_t> constants;
  /// (offset, bytes) of the constant buffers that hold int8 codes, in
  /// offset order (a bundle packs those whose codes fit in 4 bits).
  std::vector<std::pair<uint64_t, uint64_t>> int8Segments;
  uint64_t mutableSize{0};
  /// Size of one copy of the activations region.
  uint64_t activationsSize{0};
  std::vector<PlaceholderSlot> placeholders;
  /// Threads the program was planned for.
  unsigned numThreads{1};
  /// Images the calls are looped over (see above).
  int64_t images{1};
  /// Precision-switchable programs: one byte per unit at this offset of
  /// the mutable region, 1 for INT8.
  int64_t numUnits{0};
  uint64_t switchOffset{0};
  /// Precision-switchable programs: where each unit starts. Every call
  /// before a unit's first call computes the same with the unit in INT8 as
  /// in FP32, so a run with this unit the first INT8 one may start from the
  /// activations of an FP32 run stopped there (CPUFunction's
  /// executeConfigurations).
  struct UnitEntry {
    /// The unit's first call.
    int64_t firstCall{0};
    /// Activations byte ranges [begin, end) live there: written before the
    /// call, read by it or later.
    std::vector<std::pair<uint64_t, uint64_t>> live;
  };
  std::vector<UnitEntry> unitEntries;

  /// Copies of the activations region a run with \p threads needs.
  uint64_t activationCopies(unsigned threads) const {
    return images > 1 ? threads : 1;
  }
};

} // namespace cpu
} // namespace glow

#endif // GLOW_BACKENDS_CPU_KERNELPROGRAM_H
