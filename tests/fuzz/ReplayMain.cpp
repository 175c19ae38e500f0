// A replay driver for the fuzz targets where libFuzzer is not linked (the
// normal g++ build): calls LLVMFuzzerTestOneInput once on every file named
// on the command line and on every regular file in the directories named
// (recursively, in sorted order). Exits 0 when every input ran; a bug shows
// as a crash, an abort or a sanitizer report, as under libFuzzer.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int *argc,
                                                          char ***argv);

namespace fs = std::filesystem;

int main(int argc, char **argv) {
  if (LLVMFuzzerInitialize) {
    LLVMFuzzerInitialize(&argc, &argv);
  }
  std::vector<std::string> files;
  for (int i = 1; i < argc; i++) {
    std::string arg = argv[i];
    if (!arg.empty() && arg[0] == '-') {
      continue; // libFuzzer-style flags are accepted and ignored
    }
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<std::string> inDir;
      for (auto &e : fs::recursive_directory_iterator(arg, ec)) {
        if (e.is_regular_file()) {
          inDir.push_back(e.path().string());
        }
      }
      std::sort(inDir.begin(), inDir.end());
      files.insert(files.end(), inDir.begin(), inDir.end());
    } else if (fs::exists(arg, ec)) {
      files.push_back(arg);
    } else {
      fprintf(stderr, "%s: no such file or directory: %s\n", argv[0],
              arg.c_str());
      return 2;
    }
  }
  for (const auto &f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      fprintf(stderr, "%s: cannot read %s\n", argv[0], f.c_str());
      return 2;
    }
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
    fprintf(stderr, "Running: %s (%zu bytes)\n", f.c_str(), bytes.size());
    // Copy into an exactly-sized heap buffer so that ASan sees overreads.
    std::vector<uint8_t> buf(bytes.begin(), bytes.end());
    uint8_t *data = new uint8_t[buf.size() ? buf.size() : 1];
    std::copy(buf.begin(), buf.end(), data);
    LLVMFuzzerTestOneInput(data, buf.size());
    delete[] data;
  }
  fprintf(stderr, "%s: ran %zu inputs\n", argv[0], files.size());
  return 0;
}
