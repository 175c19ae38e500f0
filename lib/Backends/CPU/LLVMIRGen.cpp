#include "LLVMIRGen.h"

#include "glow/Support/Error.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Transforms/Scalar/ADCE.h"
#include "llvm/Transforms/Scalar/SCCP.h"
#include "llvm/Transforms/Scalar/SimplifyCFG.h"
#include "llvm/Transforms/Utils/Cloning.h"

#include <map>

namespace glow {
namespace cpu {

std::string getWorkerName(llvm::StringRef entry) {
  return (entry + "_worker").str();
}

std::string getCallRangeName(llvm::StringRef entry) {
  return (entry + "_from").str();
}

namespace {

/// Propagates the substituted constants through a fresh clone and deletes
/// the code they make unreachable (kernels dispatch on their shapes), so
/// that the full pipeline only sees the code that runs.
void foldConstants(llvm::Function &f) {
  llvm::FunctionAnalysisManager FAM;
  llvm::PassBuilder PB;
  PB.registerFunctionAnalyses(FAM);
  llvm::FunctionPassManager FPM;
  FPM.addPass(llvm::SCCPPass());
  FPM.addPass(llvm::SimplifyCFGPass());
  FPM.addPass(llvm::ADCEPass());
  FPM.run(f, FAM);
}

/// The arguments of one kernel call, and which of them a clone of the
/// kernel may be compiled for when they are constants.
struct CallOperands {
  std::vector<llvm::Value *> values;
  std::vector<bool> specializable;
};

/// Clones kernels with their constant arguments substituted, one clone per
/// (kernel, constants) pair.
class Specializer {
public:
  /// \returns the function to call for \p callee with \p ops, and leaves
  /// in \p ops only the arguments that function still takes.
  llvm::Function *get(llvm::Function *callee, CallOperands &ops) {
    std::vector<llvm::Value *> &args = ops.values;
    std::vector<llvm::Constant *> key;
    bool any = false;
    for (size_t i = 0; i < args.size(); i++) {
      key.push_back(ops.specializable[i]
                        ? llvm::dyn_cast<llvm::Constant>(args[i])
                        : nullptr);
      any |= key.back() != nullptr;
    }
    llvm::Function *target = callee;
    if (any) {
      auto &slot = clones_[{callee, key}];
      if (!slot) {
        slot = cloneWithConstants(callee, key);
        // Each kernel stays a function: the worker only sequences them.
        slot->addFnAttr(llvm::Attribute::NoInline);
        foldConstants(*slot);
      }
      target = slot;
    }
    std::vector<llvm::Value *> rest;
    for (size_t i = 0; i < args.size(); i++) {
      if (!key[i]) {
        rest.push_back(args[i]);
      }
    }
    args = std::move(rest);
    return target;
  }

private:
  /// \returns a copy of \p callee without the arguments that \p key gives
  /// constants for. The copy is pruned as it is made: a branch on a
  /// condition that the constants decide copies only the side taken, so
  /// the kernels' dispatch on shapes is not copied whole (and then
  /// deleted) for every clone.
  static llvm::Function *
  cloneWithConstants(llvm::Function *callee,
                     const std::vector<llvm::Constant *> &key) {
    llvm::LLVMContext &ctx = callee->getContext();
    llvm::AttributeList attrs = callee->getAttributes();
    std::vector<llvm::Type *> params;
    llvm::SmallVector<llvm::AttributeSet, 16> paramAttrs;
    for (size_t i = 0; i < key.size(); i++) {
      if (!key[i]) {
        params.push_back(callee->getArg(i)->getType());
        paramAttrs.push_back(attrs.getParamAttrs(i));
      }
    }
    auto *type =
        llvm::FunctionType::get(callee->getReturnType(), params, false);
    llvm::Function *clone = llvm::Function::Create(
        type, llvm::GlobalValue::InternalLinkage, callee->getAddressSpace(),
        callee->getName() + ".spec", callee->getParent());
    clone->copyAttributesFrom(callee);
    clone->setAttributes(llvm::AttributeList::get(
        ctx, attrs.getFnAttrs(), attrs.getRetAttrs(), paramAttrs));
    llvm::ValueToValueMapTy vmap;
    for (size_t i = 0, kept = 0; i < key.size(); i++) {
      llvm::Argument *from = callee->getArg(i);
      if (key[i]) {
        vmap[from] = key[i];
      } else {
        llvm::Argument *to = clone->getArg(kept++);
        to->setName(from->getName());
        vmap[from] = to;
      }
    }
    llvm::SmallVector<llvm::ReturnInst *, 8> returns;
    llvm::CloneAndPruneFunctionInto(clone, callee, vmap,
                                    /*ModuleLevelChanges=*/false, returns);
    return clone;
  }

  std::map<std::pair<llvm::Function *, std::vector<llvm::Constant *>>,
           llvm::Function *>
      clones_;
};

} // namespace

llvm::Expected<std::unique_ptr<llvm::Module>>
generateModule(llvm::LLVMContext &ctx, const KernelProgram &prog,
               KernelVariant variant, llvm::StringRef entry, bool profile) {
  // The library is read lazily: only the bodies of the kernels the program
  // calls (and what they call) are ever parsed.
  auto buf = llvm::MemoryBuffer::getMemBuffer(getKernelBitcode(variant),
                                              "libjit", false);
  auto parsed = llvm::getOwningLazyBitcodeModule(std::move(buf), ctx);
  if (!parsed) {
    return parsed.takeError();
  }
  std::unique_ptr<llvm::Module> M = std::move(*parsed);
  M->setModuleIdentifier(entry);
  if (auto *used = M->getGlobalVariable("llvm.used")) {
    used->eraseFromParent();
  }
  // Everything from the library becomes private to the module: what no
  // call uses is then deleted by the optimizer.
  for (llvm::Function &f : *M) {
    if (!f.isDeclaration()) {
      f.setLinkage(llvm::GlobalValue::InternalLinkage);
    }
  }
  for (llvm::GlobalVariable &g : M->globals()) {
    if (!g.isDeclaration()) {
      g.setLinkage(llvm::GlobalValue::InternalLinkage);
    }
  }

  llvm::Type *ptrTy = llvm::PointerType::get(ctx, 0);
  llvm::Type *i8 = llvm::Type::getInt8Ty(ctx);
  llvm::Type *i32 = llvm::Type::getInt32Ty(ctx);
  llvm::Type *i64 = llvm::Type::getInt64Ty(ctx);
  llvm::Function *barrier = M->getFunction("libjit_barrier");
  if (!barrier) {
    return makeError("the kernel library lacks libjit_barrier");
  }

  // The generated code is compiled for the instruction set of the kernels
  // so that LLVM may inline them into it.
  auto useKernelTarget = [&](llvm::Function *fn) {
    for (llvm::StringRef attr : {"target-cpu", "target-features"}) {
      llvm::Attribute a = barrier->getFnAttribute(attr);
      if (a.isValid()) {
        fn->addFnAttr(a);
      }
    }
  };
  auto *workerTy = llvm::FunctionType::get(
      llvm::Type::getVoidTy(ctx), {ptrTy, ptrTy, ptrTy, i32, i32}, false);
  auto *worker =
      llvm::Function::Create(workerTy, llvm::GlobalValue::ExternalLinkage,
                             getWorkerName(entry), M.get());
  useKernelTarget(worker);
  worker->addFnAttr(llvm::Attribute::NoUnwind);

  llvm::IRBuilder<> B(llvm::BasicBlock::Create(ctx, "entry", worker));
  llvm::Value *regions[3] = {worker->getArg(0), worker->getArg(1),
                             worker->getArg(2)};
  llvm::Value *tid = worker->getArg(3), *numThreads = worker->getArg(4);
  llvm::Value *tid64 = B.CreateSExt(tid, i64);
  llvm::Value *n64 = B.CreateSExt(numThreads, i64);
  bool perImage = prog.images > 1;
  // Per-image programs: this thread's images and its own activations.
  llvm::Value *image = nullptr;
  llvm::BasicBlock *loopHeader = nullptr, *exit = nullptr;
  llvm::PHINode *imagePhi = nullptr;
  if (perImage) {
    llvm::Value *images = B.getInt64(prog.images);
    regions[int(Region::Activations)] = B.CreateGEP(
        i8, regions[int(Region::Activations)],
        B.CreateMul(tid64, B.getInt64(prog.activationsSize)), "activations");
    llvm::Value *first = B.CreateSDiv(B.CreateMul(images, tid64), n64);
    llvm::Value *last = B.CreateSDiv(
        B.CreateMul(images, B.CreateAdd(tid64, B.getInt64(1))), n64);
    llvm::BasicBlock *entryBB = B.GetInsertBlock();
    loopHeader = llvm::BasicBlock::Create(ctx, "image", worker);
    llvm::BasicBlock *body = llvm::BasicBlock::Create(ctx, "calls", worker);
    exit = llvm::BasicBlock::Create(ctx, "done", worker);
    B.CreateBr(loopHeader);
    B.SetInsertPoint(loopHeader);
    imagePhi = B.CreatePHI(i64, 2, "img");
    imagePhi->addIncoming(first, entryBB);
    B.CreateCondBr(B.CreateICmpSLT(imagePhi, last), body, exit);
    B.SetInsertPoint(body);
    image = imagePhi;
  }
  Specializer spec;
  std::map<std::vector<int64_t>, llvm::GlobalVariable *> arrays;

  // The arguments of \p call, built at B's insertion point for a function
  // whose regions, thread and image (nullptr: the whole batch) are given.
  // \p pointerOffsets, if given, replaces the offsets of the pointer
  // arguments, in their order (a loop over calls that differ only there).
  auto callArgs = [&](const KernelCall &call, llvm::FunctionType *kty,
                      llvm::Value *const *regs, llvm::Value *tidV,
                      llvm::Value *nV, llvm::Value *img,
                      const std::vector<llvm::Value *> *pointerOffsets =
                          nullptr) -> llvm::Expected<CallOperands> {
    size_t pointers = 0;
    llvm::Value *items = B.getInt64(call.items);
    CallOperands ops;
    std::vector<llvm::Value *> &args = ops.values;
    if (perImage) {
      // Every item of the image on this thread.
      args = {B.getInt64(0), items};
    } else {
      args = {B.CreateSDiv(B.CreateMul(items, tidV), nV),
              B.CreateSDiv(B.CreateMul(items, B.CreateAdd(tidV, B.getInt64(1))),
                           nV)};
    }
    // A per-image program's item range is constant: kernels are compiled
    // for it (their loops then need no remainder code).
    ops.specializable = {true, true};
    for (size_t i = 0; i < call.args.size(); i++) {
      const KernelArg &a = call.args[i];
      llvm::Type *pt = kty->getParamType(i + 2);
      bool wantPtr = pt->isPointerTy(), wantInt = pt->isIntegerTy(),
           wantFloat = pt->isFloatingPointTy();
      bool ok = true;
      switch (a.kind) {
      case KernelArg::Kind::Pointer: {
        ok = wantPtr;
        llvm::Value *offset = pointerOffsets ? (*pointerOffsets)[pointers++]
                                             : B.getInt64(a.offset);
        if (img && a.imageStride) {
          offset =
              B.CreateAdd(offset, B.CreateMul(img, B.getInt64(a.imageStride)));
        }
        args.push_back(B.CreateGEP(i8, regs[int(a.region)], offset));
        break;
      }
      case KernelArg::Kind::ThreadScratch:
        ok = wantPtr;
        args.push_back(B.CreateGEP(
            i8, regs[int(Region::Activations)],
            B.CreateAdd(B.getInt64(a.offset),
                        B.CreateMul(tidV, B.getInt64(a.bytesPerThread)))));
        break;
      case KernelArg::Kind::Int:
        ok = wantInt;
        if (ok) {
          args.push_back(llvm::ConstantInt::get(pt, a.intValue, true));
        }
        break;
      case KernelArg::Kind::Float:
        ok = wantFloat;
        if (ok) {
          args.push_back(llvm::ConstantFP::get(pt, a.floatValue));
        }
        break;
      case KernelArg::Kind::IntArray: {
        ok = wantPtr;
        auto &g = arrays[a.array];
        if (!g) {
          std::vector<uint64_t> data(a.array.begin(), a.array.end());
          auto *init = llvm::ConstantDataArray::get(ctx, data);
          g = new llvm::GlobalVariable(*M, init->getType(), true,
                                       llvm::GlobalValue::PrivateLinkage, init,
                                       "glow.array");
        }
        args.push_back(g);
        break;
      }
      case KernelArg::Kind::Null:
        ok = wantPtr;
        if (ok) {
          args.push_back(llvm::ConstantPointerNull::get(
              llvm::cast<llvm::PointerType>(pt)));
        }
        break;
      }
      if (!ok) {
        return makeError("internal error: argument " + llvm::Twine(i + 2) +
                         " of kernel '" + call.kernel + "' has the wrong kind");
      }
      ops.specializable.push_back(a.specialized);
    }
    return ops;
  };
  // \returns the library function \p call calls, materialized, after
  // checking that it takes the call's arguments.
  auto kernelOf =
      [&](const KernelCall &call) -> llvm::Expected<llvm::Function *> {
    llvm::Function *kernel = M->getFunction(call.kernel);
    if (!kernel || kernel->isDeclaration()) {
      return makeError("internal error: the kernel library has no '" +
                       call.kernel + "'");
    }
    if (auto err = kernel->materialize()) {
      return std::move(err);
    }
    size_t params = kernel->getFunctionType()->getNumParams();
    if (params != call.args.size() + 2) {
      return makeError("internal error: kernel '" + call.kernel + "' takes " +
                       llvm::Twine(params) + " arguments, " +
                       llvm::Twine(call.args.size() + 2) + " given");
    }
    return kernel;
  };
  // Emits the call of \p call in function \p fn, run only where \p cond
  // (nullptr: always) holds.
  auto emitCall = [&](const KernelCall &call, llvm::Function *fn,
                      llvm::Value *cond, llvm::Value *const *regs,
                      llvm::Value *tidV, llvm::Value *nV,
                      llvm::Value *img) -> llvm::Error {
    auto kernelOrErr = kernelOf(call);
    if (!kernelOrErr) {
      return kernelOrErr.takeError();
    }
    llvm::Function *kernel = *kernelOrErr;
    llvm::FunctionType *kty = kernel->getFunctionType();
    llvm::BasicBlock *next = nullptr;
    if (cond) {
      auto *run = llvm::BasicBlock::Create(ctx, "switched", fn);
      next = llvm::BasicBlock::Create(ctx, "next", fn);
      B.CreateCondBr(cond, run, next);
      B.SetInsertPoint(run);
    }
    auto args = callArgs(call, kty, regs, tidV, nV, img);
    if (!args) {
      return args.takeError();
    }
    llvm::Function *target = spec.get(kernel, *args);
    B.CreateCall(target, args->values);
    if (next) {
      B.CreateBr(next);
      B.SetInsertPoint(next);
    }
    return llvm::Error::success();
  };
  // The condition that unit \p u's switch (a byte at \p switches + u)
  // selects the precision of \p call; nullptr for calls outside units.
  auto switchedOn = [&](const KernelCall &call,
                        llvm::Value *switches) -> llvm::Value * {
    if (call.unit < 0) {
      return nullptr;
    }
    llvm::Value *flag =
        B.CreateLoad(i8, B.CreateGEP(i8, switches, B.getInt64(call.unit)));
    return B.CreateICmpEQ(flag, B.getInt8(call.int8 ? 1 : 0));
  };

  // The calls go into parts of at most kCallsPerPart calls, each its own
  // function that the worker calls in turn: one function of thousands of
  // calls (each with an inlined barrier: a branch and a loop) would make
  // GVN and register allocation superlinear in the graph size, while parts
  // keep compile time linear.
  constexpr size_t kCallsPerPart = 64;
  constexpr size_t kOptimizedCalls = 512;
  // Consecutive calls of one kernel that differ only in the offsets of
  // their pointers (a long chain of identical layers) become one loop over
  // a table of offsets: the code then grows with the number of distinct
  // calls, not with the length of the chain.
  constexpr size_t kMinLoopCalls = 4;
  // A run may also repeat a sequence of up to kMaxPeriod calls (the
  // identical blocks of a stage): one loop over the sequence.
  constexpr size_t kMaxPeriod = 8;
  auto sameButPointers = [&](const KernelCall &a, const KernelCall &b) {
    if (a.kernel != b.kernel || a.items != b.items || a.unit >= 0 ||
        b.unit >= 0 || a.args.size() != b.args.size()) {
      return false;
    }
    for (size_t i = 0; i < a.args.size(); i++) {
      const KernelArg &x = a.args[i], &y = b.args[i];
      bool same = x.kind == y.kind && x.region == y.region &&
                  x.imageStride == y.imageStride;
      if (x.kind != KernelArg::Kind::Pointer) {
        same &=
            x.offset == y.offset && x.bytesPerThread == y.bytesPerThread &&
            x.intValue == y.intValue && x.specialized == y.specialized &&
            x.array == y.array &&
            (x.floatValue == y.floatValue ||
             (x.floatValue != x.floatValue && y.floatValue != y.floatValue));
      }
      if (!same) {
        return false;
      }
    }
    return true;
  };
  // Emits calls [c, c + period * reps) as a loop of \p reps iterations of
  // \p period calls (call c + r * period + p has the constants of call
  // c + p) in \p fn, the pointers read from a table of offsets.
  auto emitCallLoop = [&](size_t c, size_t period, size_t reps,
                          llvm::Function *fn, llvm::Value *const *regs,
                          llvm::Value *tidV, llvm::Value *nV, llvm::Value *img,
                          llvm::Value *state, llvm::Value *n32) -> llvm::Error {
    std::vector<uint64_t> table;
    std::vector<size_t> base(period + 1, 0);
    for (size_t p = 0; p < period; p++) {
      size_t pointers = 0;
      for (const KernelArg &a : prog.calls[c + p].args) {
        pointers += a.kind == KernelArg::Kind::Pointer;
      }
      base[p + 1] = base[p] + pointers;
    }
    size_t stride = base[period];
    for (size_t k = c; k < c + period * reps; k++) {
      for (const KernelArg &a : prog.calls[k].args) {
        if (a.kind == KernelArg::Kind::Pointer) {
          table.push_back(a.offset);
        }
      }
    }
    auto *init = llvm::ConstantDataArray::get(ctx, table);
    auto *offsets = new llvm::GlobalVariable(*M, init->getType(), true,
                                             llvm::GlobalValue::PrivateLinkage,
                                             init, "glow.offsets");
    llvm::BasicBlock *pre = B.GetInsertBlock();
    auto *body = llvm::BasicBlock::Create(ctx, "chain", fn);
    auto *after = llvm::BasicBlock::Create(ctx, "chain.end", fn);
    B.CreateBr(body);
    B.SetInsertPoint(body);
    llvm::PHINode *i = B.CreatePHI(i64, 2, "i");
    i->addIncoming(B.getInt64(0), pre);
    for (size_t p = 0; p < period; p++) {
      const KernelCall &call = prog.calls[c + p];
      auto kernelOrErr = kernelOf(call);
      if (!kernelOrErr) {
        return kernelOrErr.takeError();
      }
      llvm::Function *kernel = *kernelOrErr;
      std::vector<llvm::Value *> offs;
      for (size_t j = base[p]; j < base[p + 1]; j++) {
        llvm::Value *at =
            B.CreateAdd(B.CreateMul(i, B.getInt64(stride)), B.getInt64(j));
        offs.push_back(B.CreateLoad(i64, B.CreateGEP(i64, offsets, at)));
      }
      auto args =
          callArgs(call, kernel->getFunctionType(), regs, tidV, nV, img, &offs);
      if (!args) {
        return args.takeError();
      }
      llvm::Function *target = spec.get(kernel, *args); // trims *args
      B.CreateCall(target, args->values);
      if (!perImage) {
        B.CreateCall(barrier, {state, n32});
      }
    }
    llvm::Value *next = B.CreateAdd(i, B.getInt64(1));
    i->addIncoming(next, B.GetInsertBlock());
    B.CreateCondBr(B.CreateICmpULT(next, B.getInt64(reps)), body, after);
    B.SetInsertPoint(after);
    return llvm::Error::success();
  };
  // The repeating run that starts at call \p c: the period (up to
  // kMaxPeriod calls) whose repetitions cover the most calls, the shorter
  // period on ties; reps 0 when no period repeats enough.
  auto findRun = [&](size_t c) -> std::pair<size_t, size_t> {
    size_t bestPeriod = 0, bestReps = 0;
    for (size_t period = 1; period <= kMaxPeriod; period++) {
      size_t k = c;
      while (k + period < prog.calls.size() &&
             sameButPointers(prog.calls[k], prog.calls[k + period])) {
        k++;
      }
      size_t reps = (k + period - c) / period;
      bool enough = reps >= 2 && reps * period >= kMinLoopCalls;
      if (enough && reps * period > bestReps * bestPeriod) {
        bestPeriod = period;
        bestReps = reps;
      }
    }
    return {bestPeriod, bestReps};
  };
  auto *partTy = llvm::FunctionType::get(
      llvm::Type::getVoidTy(ctx), {ptrTy, ptrTy, ptrTy, i32, i32, i64}, false);
  for (size_t first = 0; first < prog.calls.size();) {
    auto *part =
        llvm::Function::Create(partTy, llvm::GlobalValue::InternalLinkage,
                               getWorkerName(entry) + ".part", M.get());
    useKernelTarget(part);
    part->addFnAttr(llvm::Attribute::NoUnwind);
    part->addFnAttr(llvm::Attribute::NoInline);
    // A part only computes addresses and calls kernels (specialised, not
    // inlined): in a long program, optimizing the parts gains nothing at
    // run time and would cost most of the compile time.
    if (prog.calls.size() > kOptimizedCalls) {
      part->addFnAttr(llvm::Attribute::OptimizeNone);
    }
    {
      llvm::IRBuilderBase::InsertPointGuard inWorker(B);
      B.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", part));
      llvm::Value *regs[3] = {part->getArg(0), part->getArg(1),
                              part->getArg(2)};
      llvm::Value *partTid = part->getArg(3), *partN = part->getArg(4);
      llvm::Value *partTid64 = B.CreateSExt(partTid, i64);
      llvm::Value *partN64 = B.CreateSExt(partN, i64);
      llvm::Value *partImage = perImage ? part->getArg(5) : nullptr;
      llvm::Value *state = B.CreateGEP(i8, regs[int(Region::Activations)],
                                       B.getInt64(kBarrierOffset), "barrier");
      llvm::Value *switches =
          B.CreateGEP(i8, regs[int(Region::Mutable)],
                      B.getInt64(prog.switchOffset), "switches");
      for (size_t groups = 0;
           groups < kCallsPerPart && first < prog.calls.size(); groups++) {
        size_t c = first;
        auto [period, reps] =
            profile ? std::pair<size_t, size_t>(0, 0) : findRun(c);
        if (reps) {
          if (auto err = emitCallLoop(c, period, reps, part, regs, partTid64,
                                      partN64, partImage, state, partN)) {
            return std::move(err);
          }
          first = c + period * reps;
          continue;
        }
        first = c + 1;
        const KernelCall &call = prog.calls[c];
        if (auto err = emitCall(call, part, switchedOn(call, switches), regs,
                                partTid64, partN64, partImage)) {
          return std::move(err);
        }
        if (!perImage && (c + 1 < prog.calls.size() || profile)) {
          B.CreateCall(barrier, {state, partN});
        }
        if (profile) {
          llvm::FunctionCallee hook = M->getOrInsertFunction(
              "glow_cpu_profile", llvm::Type::getVoidTy(ctx), i32, i32);
          B.CreateCall(hook, {B.getInt32(c), partTid});
        }
      }
      B.CreateRetVoid();
    }
    B.CreateCall(part, {regions[0], regions[1], regions[2], tid, numThreads,
                        image ? image : B.getInt64(0)});
  }
  if (perImage) {
    imagePhi->addIncoming(B.CreateAdd(imagePhi, B.getInt64(1)),
                          B.GetInsertBlock());
    B.CreateBr(loopHeader);
    B.SetInsertPoint(exit);
  }
  B.CreateRetVoid();

  // int ENTRY(constants, mutable, activations): one thread.
  auto *entryTy = llvm::FunctionType::get(i32, {ptrTy, ptrTy, ptrTy}, false);
  auto *entryFn = llvm::Function::Create(
      entryTy, llvm::GlobalValue::ExternalLinkage, entry, M.get());
  useKernelTarget(entryFn);
  B.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", entryFn));
  llvm::Value *act = entryFn->getArg(2);
  llvm::Value *status = B.CreateGEP(i8, act, B.getInt64(kStatusOffset));
  B.CreateStore(B.getInt32(0), status);
  B.CreateStore(B.getInt64(0),
                B.CreateGEP(i8, act, B.getInt64(kBarrierOffset)));
  B.CreateCall(worker, {entryFn->getArg(0), entryFn->getArg(1), act,
                        B.getInt32(0), B.getInt32(1)});
  B.CreateRet(B.CreateLoad(i32, status));

  // void ENTRY_from(constants, mutable, activations, int64 image,
  //                 int first, int end, const uint8_t *switches)
  if (prog.numUnits > 0 && perImage) {
    auto *fromTy = llvm::FunctionType::get(
        llvm::Type::getVoidTy(ctx), {ptrTy, ptrTy, ptrTy, i64, i32, i32, ptrTy},
        false);
    auto *fromFn =
        llvm::Function::Create(fromTy, llvm::GlobalValue::ExternalLinkage,
                               getCallRangeName(entry), M.get());
    useKernelTarget(fromFn);
    fromFn->addFnAttr(llvm::Attribute::NoUnwind);
    B.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", fromFn));
    llvm::Value *regs[3] = {fromFn->getArg(0), fromFn->getArg(1),
                            fromFn->getArg(2)};
    llvm::Value *first = fromFn->getArg(4), *end = fromFn->getArg(5);
    for (size_t c = 0; c < prog.calls.size(); c++) {
      const KernelCall &call = prog.calls[c];
      llvm::Value *index = B.getInt32(c);
      llvm::Value *cond = B.CreateAnd(B.CreateICmpSLE(first, index),
                                      B.CreateICmpSLT(index, end));
      if (llvm::Value *on = switchedOn(call, fromFn->getArg(6))) {
        cond = B.CreateAnd(cond, on);
      }
      if (auto err = emitCall(call, fromFn, cond, regs, B.getInt64(0),
                              B.getInt64(1), fromFn->getArg(3))) {
        return std::move(err);
      }
    }
    B.CreateRetVoid();
  }

  // Parse what the specialised kernels call.
  std::vector<llvm::Function *> work;
  for (llvm::Function &f : *M) {
    if (!f.isMaterializable() && !f.isDeclaration()) {
      work.push_back(&f);
    }
  }
  while (!work.empty()) {
    llvm::Function *f = work.back();
    work.pop_back();
    for (llvm::BasicBlock &bb : *f) {
      for (llvm::Instruction &inst : bb) {
        for (llvm::Value *op : inst.operands()) {
          auto *callee = llvm::dyn_cast<llvm::Function>(op);
          if (callee && callee->isMaterializable()) {
            if (auto err = callee->materialize()) {
              return std::move(err);
            }
            work.push_back(callee);
          }
        }
      }
    }
  }
  // Kernels whose every call was specialised, and whatever only they
  // called, are dead: delete them before the optimizer sees them.
  for (bool changed = true; changed;) {
    changed = false;
    for (auto it = M->begin(); it != M->end();) {
      llvm::Function &f = *it++;
      if (f.hasLocalLinkage() && f.use_empty()) {
        f.eraseFromParent();
        changed = true;
      }
    }
  }
  if (auto err = M->materializeAll()) {
    return std::move(err);
  }
  return std::move(M);
}

void optimizeModule(llvm::Module &M, llvm::TargetMachine &TM) {
  M.setDataLayout(TM.createDataLayout());
  M.setTargetTriple(TM.getTargetTriple().str());
  // The AVX-512 kernels are built for x86-64-v4 with VNNI; where the target
  // also has these, code generation may use them (VBMI2's funnel shifts
  // make the INT8 depthwise windows one instruction each). Integer
  // instructions: the results are the same.
  std::string extra;
  for (const char *feature : {"+avx512vbmi", "+avx512vbmi2"}) {
    if (TM.getMCSubtargetInfo()->checkFeatures(feature)) {
      extra += std::string(",") + feature;
    }
  }
  for (llvm::Function &f : M) {
    if (!f.isDeclaration()) {
      f.removeFnAttr("tune-cpu");
      f.addFnAttr("tune-cpu", TM.getTargetCPU());
      llvm::Attribute features = f.getFnAttribute("target-features");
      if (!extra.empty() && features.isValid() &&
          features.getValueAsString().contains("+avx512vnni")) {
        f.addFnAttr("target-features",
                    (features.getValueAsString() + extra).str());
      }
    }
  }
  llvm::LoopAnalysisManager LAM;
  llvm::FunctionAnalysisManager FAM;
  llvm::CGSCCAnalysisManager CGAM;
  llvm::ModuleAnalysisManager MAM;
  llvm::PassBuilder PB(&TM);
  PB.registerModuleAnalyses(MAM);
  PB.registerCGSCCAnalyses(CGAM);
  PB.registerFunctionAnalyses(FAM);
  PB.registerLoopAnalyses(LAM);
  PB.crossRegisterProxies(LAM, FAM, CGAM, MAM);
  llvm::ModulePassManager MPM =
      PB.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
  MPM.run(M, MAM);
}

} // namespace cpu
} // namespace glow
