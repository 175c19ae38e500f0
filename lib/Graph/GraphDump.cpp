#include "glow/Graph/Graph.h"
#include "glow/Support/Error.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <unordered_map>

namespace glow {

namespace {
/// Escapes a string for a DOT record label.
std::string escape(llvm::StringRef s) {
  std::string out;
  for (char c : s) {
    if (c == '{' || c == '}' || c == '|' || c == '<' || c == '>' || c == '"' ||
        c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

/// Fill colour by precision: INT8 (quantized result) green, FP32 blue,
/// storage grey, conversions orange.
const char *fillColor(const Node *n) {
  if (n->getFamily() == NodeFamily::Storage) {
    return "#d9d9d9";
  }
  if (n->getFamily() == NodeFamily::Quantization) {
    return "#fdb462";
  }
  const Node *typed = n;
  if (n->getNumResults() == 0 && n->getNumInputs() > 0) {
    typed = n->getNthInput(0).getNode();
  }
  if (typed->getNumResults() && typed->getType(0).isQuantized()) {
    return "#b3de69";
  }
  return "#80b1d3";
}
} // namespace

llvm::Error Function::dumpDAG(llvm::StringRef path) const {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_Text);
  if (ec) {
    return makeError("cannot write '" + path + "': " + ec.message());
  }
  std::unordered_map<const Node *, unsigned> ids;
  auto idOf = [&](const Node *n) {
    auto it = ids.find(n);
    if (it != ids.end()) {
      return it->second;
    }
    unsigned id = ids.size();
    ids[n] = id;
    return id;
  };
  os << "digraph \"" << escape(name_) << "\" {\n"
     << "  rankdir=TB;\n  node [shape=record, style=filled, "
        "fontname=\"Helvetica\", fontsize=10];\n"
     << "  label=\"FP32: blue, INT8: green, conversions: orange, storage: "
        "grey\";\n";
  auto emit = [&](const Node *n) {
    os << "  n" << idOf(n) << " [fillcolor=\"" << fillColor(n)
       << "\", label=\"{" << escape(n->getKindName()) << "|"
       << escape(n->getName());
    for (auto &attr : n->getAttributes()) {
      os << "|" << escape(attr.first) << ": " << escape(attr.second);
    }
    for (unsigned r = 0; r < n->getNumResults(); r++) {
      os << "|" << escape(n->getType(r).toString());
    }
    os << "}\"];\n";
  };
  auto order = getNodesInTopologicalOrder();
  std::unordered_map<const Node *, bool> emitted;
  for (const Node *n : order) {
    for (unsigned i = 0; i < n->getNumInputs(); i++) {
      const Node *in = n->getNthInput(i).getNode();
      if (in->isStorage() && !emitted[in]) {
        emit(in);
        emitted[in] = true;
      }
    }
    emit(n);
  }
  for (const Node *n : order) {
    for (unsigned i = 0; i < n->getNumInputs(); i++) {
      os << "  n" << idOf(n->getNthInput(i).getNode()) << " -> n" << idOf(n)
         << " [label=\"" << escape(n->getInputName(i)) << "\"];\n";
    }
  }
  os << "}\n";
  return llvm::Error::success();
}

} // namespace glow
