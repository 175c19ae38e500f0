#include "BundleSaver.h"
#include "CPUFunction.h"
#include "LLVMIRGen.h"

#include "glow/Support/Error.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/SubtargetFeature.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Host.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"

#include <algorithm>
#include <cctype>

namespace glow {

std::string toCIdentifier(llvm::StringRef name) {
  std::string out;
  for (char c : name) {
    out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  }
  return out;
}

namespace cpu {

namespace {

/// \returns the target machine of the bundle and the kernel variant its CPU
/// runs.
llvm::Expected<std::pair<std::unique_ptr<llvm::TargetMachine>, KernelVariant>>
createBundleTarget(const BundleOptions &opts, KernelVariant hostVariant) {
  initializeLLVMTargets();
  std::string triple = llvm::sys::getProcessTriple();
  std::string err;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, err);
  if (!target) {
    return makeError("no LLVM target for " + triple + ": " + err);
  }
  bool host = opts.cpu.empty() || opts.cpu == "native";
  std::string cpu = host ? llvm::sys::getHostCPUName().str() : opts.cpu;
  std::string features;
  if (host) {
    llvm::StringMap<bool> has;
    llvm::sys::getHostCPUFeatures(has);
    llvm::SubtargetFeatures list;
    for (auto &f : has) {
      list.AddFeature(f.first(), f.second);
    }
    features = list.getString();
  }
  if (!host) {
    // Checked before creating the target machine, which would warn.
    std::unique_ptr<llvm::MCSubtargetInfo> probe(
        target->createMCSubtargetInfo(triple, "", ""));
    if (!probe || !probe->isCPUStringValid(cpu)) {
      return makeError("unknown -mcpu '" + cpu + "' for " + triple +
                       " (e.g. x86-64, x86-64-v3, skylake-avx512, native)");
    }
  }
  llvm::TargetOptions to;
  std::unique_ptr<llvm::TargetMachine> tm(
      target->createTargetMachine(triple, cpu, features, to, llvm::Reloc::PIC_,
                                  llvm::None, llvm::CodeGenOpt::Aggressive));
  if (!tm) {
    return makeError("cannot create a target machine for " + triple);
  }
  const llvm::MCSubtargetInfo *sti = tm->getMCSubtargetInfo();
  KernelVariant v =
      host ? hostVariant : chooseKernelVariant([&](llvm::StringRef f) {
        return sti->checkFeatures(("+" + f).str());
      });
  return std::make_pair(std::move(tm), v);
}

/// Adds Glow's dynamic-API symbols to \p M: NAME_config, a BundleConfig
/// with the region sizes and a table of the placeholders.
void addBundleConfig(llvm::Module &M, const KernelProgram &prog,
                     const std::string &name) {
  llvm::LLVMContext &ctx = M.getContext();
  llvm::Type *i64 = llvm::Type::getInt64Ty(ctx);
  llvm::Type *i8 = llvm::Type::getInt8Ty(ctx);
  llvm::Type *ptr = llvm::PointerType::get(ctx, 0);
  auto *entryTy = llvm::StructType::create(ctx, {ptr, i64, i64, i8},
                                           "struct.SymbolTableEntry");
  auto *configTy = llvm::StructType::create(ctx, {i64, i64, i64, i64, i64, ptr},
                                            "struct.BundleConfig");
  std::vector<llvm::Constant *> entries;
  for (const PlaceholderSlot &slot : prog.placeholders) {
    llvm::Constant *str =
        llvm::ConstantDataArray::getString(ctx, slot.name, true);
    auto *g = new llvm::GlobalVariable(M, str->getType(), true,
                                       llvm::GlobalValue::PrivateLinkage, str,
                                       name + ".symbol");
    entries.push_back(llvm::ConstantStruct::get(
        entryTy, {g, llvm::ConstantInt::get(i64, slot.offset),
                  llvm::ConstantInt::get(i64, slot.type.getSizeInBytes()),
                  llvm::ConstantInt::get(i8, slot.isOutput ? 'O' : 'I')}));
  }
  auto *tableTy = llvm::ArrayType::get(entryTy, entries.size());
  auto *table = new llvm::GlobalVariable(
      M, tableTy, true, llvm::GlobalValue::PrivateLinkage,
      llvm::ConstantArray::get(tableTy, entries), name + "_symbol_table");
  auto *config = llvm::ConstantStruct::get(
      configTy, {llvm::ConstantInt::get(i64, prog.constants.size()),
                 llvm::ConstantInt::get(i64, prog.mutableSize),
                 llvm::ConstantInt::get(i64, prog.activationsSize),
                 llvm::ConstantInt::get(i64, kBufferAlignment),
                 llvm::ConstantInt::get(i64, entries.size()), table});
  new llvm::GlobalVariable(M, configTy, true,
                           llvm::GlobalValue::ExternalLinkage, config,
                           name + "_config");
}

/// Writes NAME.h.
/// A stretch of the constant region as NAME.weights.bin stores it: as is,
/// or int8 codes in [-8, 7] packed two to a byte (low nibble first).
struct WeightSegment {
  uint64_t offset, size;
  bool packed;
};

llvm::Error writeHeader(const KernelProgram &prog, const BundleOptions &opts,
                        const std::vector<WeightSegment> &segments,
                        size_t fileSize, const std::string &path) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec) {
    return makeError("cannot write '" + path + "': " + ec.message());
  }
  std::string name = opts.networkName;
  std::string upper = llvm::StringRef(name).upper();
  std::string guard = "_GLOW_BUNDLE_" + upper + "_H";
  os << "// Bundle of network '" << name << "', written by model-compiler "
     << "(-bundle-api=" << (opts.dynamicAPI ? "dynamic" : "static")
     << ").\n// See docs/AOT.md.\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdint.h>\n\n"
     << "#ifndef _GLOW_BUNDLE_COMMON_DEFS\n#define _GLOW_BUNDLE_COMMON_DEFS\n"
     << "// The entry point returns GLOW_SUCCESS, or an error code (1: a "
        "Gather index out of range).\n"
     << "#define GLOW_SUCCESS 0\n";
  if (opts.dynamicAPI) {
    os << "// One placeholder: its name, offset and size in the mutable "
          "region,\n// kind 'I' (input) or 'O' (output).\n"
       << "struct SymbolTableEntry {\n  const char *name;\n  uint64_t offset;\n"
       << "  uint64_t size;\n  char kind;\n};\n"
       << "// Region sizes and alignment, and the placeholders.\n"
       << "struct BundleConfig {\n  uint64_t constantWeightVarsMemSize;\n"
       << "  uint64_t mutableWeightVarsMemSize;\n  uint64_t "
          "activationsMemSize;\n"
       << "  uint64_t alignment;\n  uint64_t numSymbols;\n"
       << "  const struct SymbolTableEntry *symbolTable;\n};\n";
  }
  os << "#endif\n\n";
  if (!opts.dynamicAPI) {
    os << "// Placeholder offsets within the mutable region (bytes).\n";
    for (const PlaceholderSlot &slot : prog.placeholders) {
      os << "#define " << upper << "_" << toCIdentifier(slot.name) << " "
         << slot.offset << "  // " << (slot.isOutput ? "output " : "input ")
         << slot.type.toString() << "\n";
    }
    os << "\n// Memory sizes (bytes).\n"
       << "#define " << upper << "_CONSTANT_MEM_SIZE " << prog.constants.size()
       << "\n#define " << upper << "_MUTABLE_MEM_SIZE " << prog.mutableSize
       << "\n#define " << upper << "_ACTIVATIONS_MEM_SIZE "
       << prog.activationsSize << "\n\n// Memory alignment (bytes).\n"
       << "#define " << upper << "_MEM_ALIGN " << kBufferAlignment << "\n\n";
  } else {
    os << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n"
       << "// Sizes, alignment and placeholder table of '" << name << "'.\n"
       << "extern const struct BundleConfig " << name << "_config;\n"
       << "#ifdef __cplusplus\n}\n#endif\n\n";
    for (const PlaceholderSlot &slot : prog.placeholders) {
      os << "// " << (slot.isOutput ? "output " : "input ") << "'" << slot.name
         << "': " << slot.type.toString() << "\n";
    }
    os << "\n";
  }
  os << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n"
     << "// Runs the network: constantWeight holds NAME.weights.bin, "
        "mutableWeight the\n// inputs and outputs, activations is scratch; "
        "all three aligned as above.\n"
     << "int " << name
     << "(uint8_t *constantWeight, uint8_t *mutableWeight, uint8_t "
        "*activations);\n"
     << "#ifdef __cplusplus\n}\n#endif\n";
  {
    std::vector<WeightSegment> segs = segments;
    if (segs.empty() && !prog.constants.empty()) {
      segs.push_back({0, prog.constants.size(), false});
    }
    os << "\n// " << name << ".weights.bin (" << upper
       << "_WEIGHTS_FILE_SIZE bytes) "
       << (segments.empty()
               ? "is the constant region itself: load it there, or\n// let "
               : "holds the int8 weights of 4-bit layers packed two\n// "
                 "codes to a byte (low nibble first): ")
       << name << "_unpack_weights expand it into the constant region ("
       << prog.constants.size() << "\n// bytes) once, before the first run.\n"
       << "#define " << upper << "_WEIGHTS_PACKED "
       << (segments.empty() ? 0 : 1) << "\n"
       << "#define " << upper << "_WEIGHTS_FILE_SIZE " << fileSize << "\n"
       << "static inline void " << name
       << "_unpack_weights(const uint8_t *file, uint8_t *constantWeight) {\n"
       << "  static const uint64_t segments["
       << std::max<size_t>(segs.size(), 1) << "][3] = {";
    for (size_t i = 0; i < segs.size(); i++) {
      os << (i ? "," : "") << (i % 4 == 0 ? "\n      " : " ") << "{"
         << segs[i].offset << ", " << segs[i].size << ", "
         << (segs[i].packed ? 1 : 0) << "}";
    }
    os << (segs.empty() ? "{0, 0, 0}" : "") << "};\n"
       << "  for (unsigned s = 0; s < " << segs.size() << "; s++) {\n"
       << "    uint8_t *out = constantWeight + segments[s][0];\n"
       << "    uint64_t n = segments[s][1], i;\n"
       << "    if (segments[s][2]) {\n"
       << "      for (i = 0; i < n; i++) {\n"
       << "        unsigned v = (file[i / 2] >> (4 * (i & 1))) & 15u;\n"
       << "        out[i] = (uint8_t)(v < 8 ? v : v + 240u); /* -8..-1 */\n"
       << "      }\n"
       << "      file += (n + 1) / 2;\n"
       << "    } else {\n"
       << "      for (i = 0; i < n; i++) {\n"
       << "        out[i] = file[i];\n"
       << "      }\n"
       << "      file += n;\n"
       << "    }\n  }\n}\n";
  }
  os << "\n#endif // " << guard << "\n";
  return llvm::Error::success();
}

/// \returns the segments covering the constant region in order: each int8
/// buffer whose codes all fit in 4 bits (w4a8 layers, or
/// -quantization-weight-bits=4) packed, the rest as is. Packing is
/// lossless, whatever made the codes small.
std::vector<WeightSegment> weightSegments(const KernelProgram &prog) {
  std::vector<WeightSegment> out;
  uint64_t at = 0;
  for (auto [offset, size] : prog.int8Segments) {
    const uint8_t *p = prog.constants.data() + offset;
    bool fits = size >= 64 && std::all_of(p, p + size, [](uint8_t b) {
                  return int8_t(b) >= -8 && int8_t(b) <= 7;
                });
    if (!fits) {
      continue;
    }
    if (offset > at) {
      out.push_back({at, offset - at, false});
    }
    out.push_back({offset, size, true});
    at = offset + size;
  }
  if (!out.empty() && at < prog.constants.size()) {
    out.push_back({at, prog.constants.size() - at, false});
  }
  return out;
}

/// \returns the bytes of NAME.weights.bin for \p segments (the constant
/// region itself when there are none).
std::vector<uint8_t> weightFile(const KernelProgram &prog,
                                const std::vector<WeightSegment> &segments) {
  if (segments.empty()) {
    return prog.constants;
  }
  std::vector<uint8_t> out;
  for (const WeightSegment &s : segments) {
    const uint8_t *p = prog.constants.data() + s.offset;
    if (!s.packed) {
      out.insert(out.end(), p, p + s.size);
      continue;
    }
    for (uint64_t i = 0; i < s.size; i += 2) {
      uint8_t lo = p[i] & 15, hi = i + 1 < s.size ? p[i + 1] & 15 : 0;
      out.push_back(uint8_t(lo | (hi << 4)));
    }
  }
  return out;
}

llvm::Error writeWeights(const std::vector<uint8_t> &file,
                         const std::string &bin, const std::string &txt) {
  std::error_code ec;
  {
    llvm::raw_fd_ostream os(bin, ec, llvm::sys::fs::OF_None);
    if (ec) {
      return makeError("cannot write '" + bin + "': " + ec.message());
    }
    os.write(reinterpret_cast<const char *>(file.data()), file.size());
  }
  llvm::raw_fd_ostream os(txt, ec);
  if (ec) {
    return makeError("cannot write '" + txt + "': " + ec.message());
  }
  for (size_t i = 0; i < file.size(); i++) {
    os << llvm::format("0x%02X,", file[i]) << ((i % 16 == 15) ? "\n" : "");
  }
  os << "\n";
  return llvm::Error::success();
}

} // namespace

llvm::Error saveBundle(const KernelProgram &prog, const BundleOptions &opts,
                       KernelVariant hostVariant) {
  const std::string &name = opts.networkName;
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) ||
      toCIdentifier(name) != name) {
    return makeError("-network-name '" + name +
                     "' is not a C identifier (letters, digits, '_')");
  }
  if (auto ec = llvm::sys::fs::create_directories(opts.outputDir)) {
    return makeError("cannot create '" + opts.outputDir + "': " + ec.message());
  }
  auto target = createBundleTarget(opts, hostVariant);
  if (!target) {
    return target.takeError();
  }
  auto &[tm, variant] = *target;
  llvm::LLVMContext ctx;
  auto M = generateModule(ctx, prog, variant, name);
  if (!M) {
    return M.takeError();
  }
  if (llvm::Function *worker = (*M)->getFunction(getWorkerName(name))) {
    worker->setLinkage(llvm::GlobalValue::InternalLinkage);
  }
  if (opts.dynamicAPI) {
    addBundleConfig(**M, prog, name);
  }
  optimizeModule(**M, *tm);

  llvm::SmallString<256> base(opts.outputDir);
  llvm::sys::path::append(base, name);
  std::string object = (base + ".o").str();
  std::error_code ec;
  llvm::raw_fd_ostream os(object, ec, llvm::sys::fs::OF_None);
  if (ec) {
    return makeError("cannot write '" + object + "': " + ec.message());
  }
  llvm::legacy::PassManager pm;
  if (tm->addPassesToEmitFile(pm, os, nullptr, llvm::CGFT_ObjectFile)) {
    return makeError("the target cannot emit object files");
  }
  pm.run(**M);
  os.flush();
  std::vector<WeightSegment> segments = weightSegments(prog);
  std::vector<uint8_t> file = weightFile(prog, segments);
  if (auto err = writeWeights(file, (base + ".weights.bin").str(),
                              (base + ".weights.txt").str())) {
    return err;
  }
  return writeHeader(prog, opts, segments, file.size(), (base + ".h").str());
}

} // namespace cpu
} // namespace glow
