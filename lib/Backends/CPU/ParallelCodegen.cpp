#include "ParallelCodegen.h"

#include "LLVMIRGen.h"
#include "glow/Support/Diagnostics.h"
#include "glow/Support/Distributed.h"
#include "glow/Support/Error.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MD5.h"
#include "llvm/Support/Path.h"
#include "llvm/Transforms/IPO/GlobalDCE.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/ValueMapper.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace glow {
namespace cpu {

namespace {
/// Parts of a module: about one per this many instructions of its roots,
/// at most kMaxParts. Smaller parts share out better (the ranks or threads
/// end within one part's time of each other): the precision-tuner's
/// ResNet-18 switchable compile makes 11 parts, which two ranks compile in
/// 0.70 and 0.75 s; as 7 parts it took them 0.83 and 1.03 s.
constexpr size_t kInstructionsPerPart = 2000;
constexpr size_t kMaxParts = 12;

size_t instructionCount(const llvm::Function &f) {
  return f.getInstructionCount();
}

bool isRoot(const llvm::Function &f) {
  return !f.isDeclaration() &&
         (f.hasFnAttribute(llvm::Attribute::NoInline) || !f.hasLocalLinkage());
}

/// Compiles the bitcode \p bitcode to an object file with a target machine
/// of \p jtmb.
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
compilePart(const std::string &bitcode,
            const llvm::orc::JITTargetMachineBuilder &jtmb, size_t part) {
  llvm::LLVMContext ctx;
  auto M = llvm::parseBitcodeFile(llvm::MemoryBufferRef(bitcode, "part"), ctx);
  if (!M) {
    return M.takeError();
  }
  auto tm = llvm::orc::JITTargetMachineBuilder(jtmb).createTargetMachine();
  if (!tm) {
    return tm.takeError();
  }
  optimizeModule(**M, **tm);
  llvm::SmallVector<char, 0> object;
  llvm::raw_svector_ostream os(object);
  llvm::legacy::PassManager pm;
  if ((*tm)->addPassesToEmitFile(pm, os, nullptr, llvm::CGFT_ObjectFile)) {
    return makeError("the target cannot emit object files");
  }
  pm.run(**M);
  return llvm::MemoryBuffer::getMemBufferCopy(
      llvm::StringRef(object.data(), object.size()),
      "glow_part" + std::to_string(part) + ".o");
}
/// The start of a cached object file; a new layout gets a new one.
constexpr llvm::StringLiteral kCacheMagic("GLOWOBJ1");

std::string md5Hex(llvm::StringRef data) {
  llvm::MD5 md5;
  md5.update(data);
  llvm::MD5::MD5Result r;
  md5.final(r);
  return r.digest().str().str();
}

/// \returns the cache file of a part with bitcode \p bitcode.
std::string cachePath(const std::string &dir, const std::string &bitcode,
                      const llvm::orc::JITTargetMachineBuilder &jtmb) {
  std::string what = bitcode;
  what += "\n" + jtmb.getTargetTriple().str() + "\n" + jtmb.getCPU() + "\n" +
          jtmb.getFeatures().getString() + "\n" LLVM_VERSION_STRING "\n" +
          kCacheMagic.str();
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, md5Hex(what) + ".o");
  return std::string(path);
}

/// \returns the object kept at \p path, or null if there is none or it
/// is damaged.
std::unique_ptr<llvm::MemoryBuffer> readCached(const std::string &path,
                                               size_t part) {
  auto buf = llvm::MemoryBuffer::getFile(path);
  if (!buf) {
    return nullptr;
  }
  llvm::StringRef data = (*buf)->getBuffer();
  if (!data.consume_front(kCacheMagic) || data.size() < 32 ||
      md5Hex(data.drop_front(32)) != data.take_front(32)) {
    return nullptr;
  }
  return llvm::MemoryBuffer::getMemBufferCopy(
      data.drop_front(32), "glow_part" + std::to_string(part) + ".o");
}

/// Keeps \p object at \p path (written beside it, then renamed, so that a
/// reader never sees half a file). A cache that cannot be written is
/// skipped: it only saves time.
void writeCached(const std::string &path, llvm::StringRef object) {
  std::string tmp =
      path + ".tmp" + std::to_string(::getpid()) + "." +
      std::to_string(std::hash<std::thread::id>()(std::this_thread::get_id()));
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(tmp, ec);
    if (ec) {
      return;
    }
    os << kCacheMagic << md5Hex(object) << object;
  }
  if (llvm::sys::fs::rename(tmp, path)) {
    llvm::sys::fs::remove(tmp);
  }
}
} // namespace

llvm::Expected<std::vector<std::unique_ptr<llvm::MemoryBuffer>>>
compileInParts(std::unique_ptr<llvm::Module> M,
               const llvm::orc::JITTargetMachineBuilder &jtmb, unsigned threads,
               const std::string &cacheDir) {
  // Roots, made visible to the other parts.
  std::vector<llvm::Function *> roots;
  size_t total = 0;
  for (llvm::Function &f : *M) {
    if (isRoot(f)) {
      roots.push_back(&f);
      total += instructionCount(f);
      if (f.hasLocalLinkage()) {
        f.setLinkage(llvm::GlobalValue::ExternalLinkage);
        f.setVisibility(llvm::GlobalValue::HiddenVisibility);
      }
    }
  }
  // Globals that may be written, or that are visible outside, live in
  // part 0 alone.
  for (llvm::GlobalVariable &g : M->globals()) {
    if (!g.isDeclaration() && !g.isConstant() && g.hasLocalLinkage()) {
      g.setLinkage(llvm::GlobalValue::ExternalLinkage);
      g.setVisibility(llvm::GlobalValue::HiddenVisibility);
    }
  }
  size_t parts = std::max<size_t>(
      1, std::min({total / kInstructionsPerPart, kMaxParts, roots.size()}));
  // The biggest root onto the lightest part; ties by name, so that the
  // split is the same every time.
  std::stable_sort(roots.begin(), roots.end(),
                   [](llvm::Function *a, llvm::Function *b) {
                     size_t x = instructionCount(*a), y = instructionCount(*b);
                     return x != y ? x > y : a->getName() < b->getName();
                   });
  std::vector<size_t> load(parts, 0);
  std::map<const llvm::GlobalValue *, size_t> owner;
  for (llvm::Function *f : roots) {
    size_t p = std::min_element(load.begin(), load.end()) - load.begin();
    owner[f] = p;
    load[p] += instructionCount(*f) + 1;
  }
  // This process's parts: all of them, or every size-th one when the ranks
  // share the compile. Only those are cut out of the module (a clone of
  // the module each).
  Communicator &comm = Communicator::world();
  bool shared = comm.sharesCompiles() && comm.distributed();
  std::vector<size_t> mine;
  for (size_t p = 0; p < parts; p++) {
    if (!shared || int(p % comm.size()) == comm.rank()) {
      mine.push_back(p);
    }
  }
  std::vector<std::string> bitcode(parts);
  for (size_t p : mine) {
    llvm::ValueToValueMapTy map;
    auto part = llvm::CloneModule(*M, map, [&](const llvm::GlobalValue *gv) {
      auto it = owner.find(gv);
      if (it != owner.end()) {
        return it->second == p;
      }
      if (gv->hasLocalLinkage()) {
        return true; // a helper or a constant: every part its own copy
      }
      return p == 0;
    });
    // Only what the part's roots use: the copies of everything else go.
    {
      llvm::ModuleAnalysisManager mam;
      llvm::ModulePassManager mpm;
      mpm.addPass(llvm::GlobalDCEPass());
      llvm::PassBuilder pb;
      pb.registerModuleAnalyses(mam);
      mpm.run(*part, mam);
    }
    llvm::raw_string_ostream os(bitcode[p]);
    llvm::WriteBitcodeToFile(*part, os);
    os.flush();
  }
  M.reset();
  std::vector<std::unique_ptr<llvm::MemoryBuffer>> objects(parts);
  std::vector<std::string> errors;
  std::mutex errorsMutex;
  std::atomic<size_t> next{0};
  if (!cacheDir.empty()) {
    llvm::sys::fs::create_directories(cacheDir);
  }
  std::atomic<size_t> cached{0};
  auto work = [&] {
    for (size_t i = next++; i < mine.size(); i = next++) {
      std::string path;
      if (!cacheDir.empty()) {
        path = cachePath(cacheDir, bitcode[mine[i]], jtmb);
        if (auto hit = readCached(path, mine[i])) {
          objects[mine[i]] = std::move(hit);
          cached++;
          continue;
        }
      }
      auto obj = compilePart(bitcode[mine[i]], jtmb, mine[i]);
      if (!obj) {
        std::string why = llvm::toString(obj.takeError());
        std::lock_guard<std::mutex> lock(errorsMutex);
        errors.push_back(why);
        continue;
      }
      if (!path.empty()) {
        writeCached(path, (*obj)->getBuffer());
      }
      objects[mine[i]] = std::move(*obj);
    }
  };
  // A rank may own no part (more ranks than parts).
  size_t workers = std::min<size_t>(std::max(threads, 1u), mine.size());
  std::vector<std::thread> pool;
  for (size_t t = 1; t < workers; t++) {
    pool.emplace_back(work);
  }
  work();
  for (auto &t : pool) {
    t.join();
  }
  if (!errors.empty()) {
    return makeError("LLVM code generation failed: " + errors.front());
  }
  if (!cacheDir.empty()) {
    VLOG(1) << "CPU: " << cached << " of " << mine.size()
            << " parts from the compile cache " << cacheDir;
  }
  if (shared) {
    for (size_t p = 0; p < parts; p++) {
      int from = int(p % comm.size());
      std::string bytes;
      if (from == comm.rank()) {
        bytes = objects[p]->getBuffer().str();
      }
      comm.broadcast(bytes, from);
      if (from != comm.rank()) {
        objects[p] = llvm::MemoryBuffer::getMemBufferCopy(
            bytes, "glow_part" + std::to_string(p) + ".o");
      }
    }
  }
  return std::move(objects);
}

} // namespace cpu
} // namespace glow
