// model-runner: runs an ONNX model on given input tensors, or on every
// test_data_set_* of an ONNX backend test directory, comparing outputs.

#include "../loader/Loader.h"

#include "glow/Support/Error.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>

using namespace glow;

namespace {
const char *kTool = "model-runner";

llvm::cl::OptionCategory category("model-runner options");
llvm::cl::opt<std::string> onnxTestDir(
    "onnx-test-dir",
    llvm::cl::desc("ONNX backend test directory (model.onnx and "
                   "test_data_set_*/input_N.pb, output_N.pb): run and check "
                   "every data set; exit status 0 only if all pass"),
    llvm::cl::cat(category));
llvm::cl::list<std::string> inputTensors(
    "input-tensor",
    llvm::cl::desc("Serialized ONNX TensorProto for the next model input "
                   "(repeat in input order)"),
    llvm::cl::cat(category));
llvm::cl::opt<std::string> writeOutputs(
    "write-outputs",
    llvm::cl::desc("Write each model output as a serialized ONNX TensorProto "
                   "DIR/output_N.pb (N in output order; the directory is "
                   "created if needed)"),
    llvm::cl::value_desc("DIR"), llvm::cl::cat(category));
llvm::cl::opt<bool> listSupportedOps(
    "list-supported-ops",
    llvm::cl::desc("Print the ONNX operators the importer supports and exit"),
    llvm::cl::init(false), llvm::cl::cat(category));
llvm::cl::opt<double> rtol("rtol", llvm::cl::desc("Relative tolerance"),
                           llvm::cl::init(1e-3), llvm::cl::cat(category));
llvm::cl::opt<double> atol("atol", llvm::cl::desc("Absolute tolerance"),
                           llvm::cl::init(1e-5), llvm::cl::cat(category));

/// \returns the sorted paths DIR/PREFIX<N>.pb for N = 0, 1, ...
std::vector<std::string> numberedFiles(llvm::StringRef dir,
                                       llvm::StringRef prefix) {
  std::vector<std::string> files;
  for (unsigned i = 0;; i++) {
    llvm::SmallString<256> p(dir);
    llvm::sys::path::append(p, prefix + std::to_string(i) + ".pb");
    if (!llvm::sys::fs::exists(p)) {
      return files;
    }
    files.push_back(std::string(p));
  }
}

/// Loads the model with inputs typed like \p inputs, runs it and
/// \returns its outputs in the model's output order.
llvm::Expected<std::vector<std::pair<std::string, Tensor>>>
runModel(std::vector<Tensor> &inputs) {
  auto infos = ONNXModelLoader::readInputInfo(loader::modelPath);
  if (!infos) {
    return infos.takeError();
  }
  if (infos->size() != inputs.size()) {
    // Report problems of the model itself first (unsupported operators...).
    if (auto cm = loadAndCompileModel({}); !cm) {
      return cm.takeError();
    }
    return makeError("the model has " + llvm::Twine(infos->size()) +
                     " inputs but " + llvm::Twine(inputs.size()) +
                     " tensors were given");
  }
  std::map<std::string, Type> types;
  ONNXModelLoader::StaticInputValues values;
  for (size_t i = 0; i < inputs.size(); i++) {
    types[(*infos)[i].name] = inputs[i].getType();
    values[(*infos)[i].name] = &inputs[i];
  }
  // The given tensors are known before compiling, so operands that must be
  // constant (shapes, axes, pads) may be taken from them.
  auto cm = loadAndCompileModel(types, values);
  if (!cm) {
    return cm.takeError();
  }
  PlaceholderBindings bindings;
  bindings.allocate(cm->engine->getModule().getPlaceholders());
  for (size_t i = 0; i < inputs.size(); i++) {
    auto ph = cm->loader->getInputByName((*infos)[i].name);
    if (!ph) {
      return ph.takeError();
    }
    Tensor *t = bindings.get(*ph);
    std::memcpy(t->getUnsafePtr(), inputs[i].getUnsafePtr(),
                t->getSizeInBytes());
  }
  if (auto err = cm->engine->run(bindings)) {
    return std::move(err);
  }
  cm->afterRun(bindings);
  if (auto err = cm->finish()) {
    return std::move(err);
  }
  std::vector<std::pair<std::string, Tensor>> outs;
  for (auto &o : cm->loader->getOutputs()) {
    outs.push_back({o.first, bindings.get(o.second)->clone()});
  }
  return std::move(outs);
}

/// Compares \p got with \p expected; \returns "" if within tolerance.
std::string compare(const Tensor &got, const Tensor &expected, double &maxErr) {
  maxErr = 0;
  if (got.dims() != expected.dims()) {
    return "shape " + dimsToString(got.dims()) + " instead of " +
           dimsToString(expected.dims());
  }
  if (got.getElementType() != expected.getElementType()) {
    return std::string("type ") + getElemKindName(got.getElementType()) +
           " instead of " + getElemKindName(expected.getElementType());
  }
  for (size_t i = 0; i < got.size(); i++) {
    double a = got.getAsDouble(i), b = expected.getAsDouble(i);
    if (std::isnan(a) && std::isnan(b)) {
      continue;
    }
    if (std::isinf(b) && a == b) {
      continue;
    }
    double err = std::fabs(a - b);
    maxErr = std::max(maxErr, std::isnan(err) ? INFINITY : err);
    if (!(err <= atol + rtol * std::fabs(b))) {
      std::string s;
      llvm::raw_string_ostream os(s);
      os << "element " << i << ": got " << a << ", expected " << b;
      return os.str();
    }
  }
  return "";
}

int runTestDir() {
  if (loader::modelPath.empty()) {
    llvm::SmallString<256> p(onnxTestDir.getValue());
    llvm::sys::path::append(p, "model.onnx");
    loader::modelPath = std::string(p);
  }
  std::vector<std::string> sets;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(onnxTestDir, ec), end;
       it != end && !ec; it.increment(ec)) {
    if (llvm::sys::path::filename(it->path()).startswith("test_data_set_")) {
      sets.push_back(it->path());
    }
  }
  if (ec) {
    exitOnError(
        kTool, makeError("cannot read '" + onnxTestDir + "': " + ec.message()));
  }
  if (sets.empty()) {
    exitOnError(kTool,
                makeError("no test_data_set_* in '" + onnxTestDir + "'"));
  }
  std::sort(sets.begin(), sets.end());
  // The model's declared inputs first: a sequence or optional input is
  // named as unsupported before its data (not a TensorProto) is read.
  exitOnError(kTool, ONNXModelLoader::readInputInfo(loader::modelPath));
  unsigned passed = 0, failed = 0;
  for (auto &set : sets) {
    std::vector<Tensor> inputs;
    for (auto &f : numberedFiles(set, "input_")) {
      inputs.push_back(exitOnError(kTool, loadTensorProtoFile(f)));
    }
    auto outs = exitOnError(kTool, runModel(inputs));
    auto expectedFiles = numberedFiles(set, "output_");
    if (expectedFiles.size() != outs.size()) {
      exitOnError(kTool,
                  makeError(set + " has " + llvm::Twine(expectedFiles.size()) +
                            " outputs, the model " + llvm::Twine(outs.size())));
    }
    for (size_t i = 0; i < outs.size(); i++) {
      Tensor expected =
          exitOnError(kTool, loadTensorProtoFile(expectedFiles[i]));
      double maxErr;
      std::string problem = compare(outs[i].second, expected, maxErr);
      llvm::outs() << (problem.empty() ? "PASS " : "FAIL ")
                   << llvm::sys::path::filename(set) << " output '"
                   << outs[i].first << "'";
      if (problem.empty()) {
        llvm::outs() << " (max abs error " << llvm::format("%.3g", maxErr)
                     << ")\n";
        passed++;
      } else {
        llvm::outs() << ": " << problem << "\n";
        failed++;
      }
    }
  }
  llvm::outs() << "model-runner: " << passed << " outputs passed, " << failed
               << " failed\n";
  return failed ? 1 : 0;
}

/// \returns the ONNX TensorProto data type of \p kind, or an error for the
/// kinds that have no plain ONNX counterpart (quantized ones).
llvm::Expected<int> onnxDataType(ElemKind kind) {
  switch (kind) {
  case ElemKind::FloatTy:
    return int(onnx::TensorProto::FLOAT);
  case ElemKind::Int32ITy:
    return int(onnx::TensorProto::INT32);
  case ElemKind::Int64ITy:
    return int(onnx::TensorProto::INT64);
  case ElemKind::BoolTy:
    return int(onnx::TensorProto::BOOL);
  default:
    return makeError(std::string("cannot write a tensor of type ") +
                     getElemKindName(kind) + " as an ONNX TensorProto");
  }
}

/// Writes \p t, named \p name, to \p path as a serialized TensorProto
/// (the data as raw_data, little-endian like the host).
llvm::Error writeTensorProtoFile(const Tensor &t, const std::string &name,
                                 llvm::StringRef path) {
  auto type = onnxDataType(t.getElementType());
  if (!type) {
    return makeError("output '" + name +
                     "': " + llvm::toString(type.takeError()));
  }
  onnx::TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(*type);
  for (dim_t d : t.dims()) {
    proto.add_dims(int64_t(d));
  }
  proto.set_raw_data(static_cast<const char *>(t.getUnsafePtr()),
                     t.getSizeInBytes());
  std::string bytes;
  if (!proto.SerializeToString(&bytes)) {
    return makeError("cannot serialize output '" + name + "'");
  }
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    return makeError("cannot write '" + path + "': " + ec.message());
  }
  os << bytes;
  os.close();
  if (os.has_error()) {
    std::string msg = os.error().message();
    os.clear_error();
    return makeError("cannot write '" + path + "': " + msg);
  }
  return llvm::Error::success();
}

/// Writes \p outs as DIR/output_N.pb for -write-outputs=DIR.
llvm::Error
writeOutputFiles(const std::vector<std::pair<std::string, Tensor>> &outs,
                 llvm::StringRef dir) {
  if (auto ec = llvm::sys::fs::create_directories(dir)) {
    return makeError("cannot create directory '" + dir + "': " + ec.message());
  }
  for (size_t i = 0; i < outs.size(); i++) {
    llvm::SmallString<256> p(dir);
    llvm::sys::path::append(p, "output_" + std::to_string(i) + ".pb");
    if (auto err = writeTensorProtoFile(outs[i].second, outs[i].first, p)) {
      return err;
    }
  }
  return llvm::Error::success();
}

int runInputs() {
  std::vector<Tensor> inputs;
  for (auto &f : inputTensors) {
    inputs.push_back(exitOnError(kTool, loadTensorProtoFile(f)));
  }
  auto outs = exitOnError(kTool, runModel(inputs));
  for (auto &o : outs) {
    llvm::outs() << o.first << ": " << o.second.toString(64) << "\n";
  }
  if (!writeOutputs.empty()) {
    exitOnError(kTool, writeOutputFiles(outs, writeOutputs));
  }
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  parseToolCommandLine(
      argc, argv, category, nullptr,
      "Run an ONNX model on input tensors or an ONNX backend test.\n\n"
      "  model-runner -onnx-test-dir=/usr/share/libonnx-testdata/data/node/"
      "test_relu\n"
      "  model-runner -m=model.onnx -input-tensor=input_0.pb\n"
      "  model-runner -m=model.onnx -input-tensor=input_0.pb "
      "-write-outputs=out\n");
  if (listSupportedOps) {
    std::string list;
    for (auto &op : ONNXModelLoader::getSupportedOperators()) {
      list += (list.empty() ? "" : ",") + op;
    }
    llvm::outs() << list << "\n";
    return 0;
  }
  if (!onnxTestDir.empty()) {
    if (!writeOutputs.empty()) {
      exitOnError(kTool, makeError("-write-outputs works with -input-tensor, "
                                   "not with -onnx-test-dir"));
    }
    return runTestDir();
  }
  return runInputs();
}
