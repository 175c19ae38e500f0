#include "OpenCLContext.h"

#include "glow/Support/Error.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MD5.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <tuple>
#include <unistd.h>
#include <vector>

// The kernel sources, concatenated and NUL-terminated (OpenCLKernels.S).
extern "C" const char glow_opencl_kernels[];

namespace glow {
namespace opencl {

namespace {
/// Build options: correctly rounded division and square root, so that
/// quantization (x / scale) rounds as on the host; argument information so
/// that every launch is checked against the kernel's signature.
const char *kBuildOptions =
    "-cl-fp32-correctly-rounded-divide-sqrt -cl-kernel-arg-info";

std::string deviceString(cl_device_id d, cl_device_info what) {
  size_t size = 0;
  clGetDeviceInfo(d, what, 0, nullptr, &size);
  std::string s(size, '\0');
  clGetDeviceInfo(d, what, size, s.data(), nullptr);
  while (!s.empty() && s.back() == '\0') {
    s.pop_back();
  }
  return s;
}

std::string platformName(cl_platform_id p) {
  size_t size = 0;
  clGetPlatformInfo(p, CL_PLATFORM_NAME, 0, nullptr, &size);
  std::string s(size, '\0');
  clGetPlatformInfo(p, CL_PLATFORM_NAME, size, s.data(), nullptr);
  while (!s.empty() && s.back() == '\0') {
    s.pop_back();
  }
  return s;
}

/// The binary cache: $GLOW_OPENCL_CACHE, else $XDG_CACHE_HOME/glow-mp/opencl,
/// else ~/.cache/glow-mp/opencl.
std::string cacheDirectory() {
  if (const char *dir = std::getenv("GLOW_OPENCL_CACHE")) {
    return dir;
  }
  llvm::SmallString<256> dir;
  if (const char *xdg = std::getenv("XDG_CACHE_HOME")) {
    dir = xdg;
  } else if (const char *home = std::getenv("HOME")) {
    dir = home;
    llvm::sys::path::append(dir, ".cache");
  } else {
    return "";
  }
  llvm::sys::path::append(dir, "glow-mp", "opencl");
  return dir.str().str();
}
} // namespace

std::string errorName(cl_int code) {
  const char *name = "";
  switch (code) {
  case CL_DEVICE_NOT_FOUND:
    name = "CL_DEVICE_NOT_FOUND ";
    break;
  case CL_OUT_OF_RESOURCES:
    name = "CL_OUT_OF_RESOURCES ";
    break;
  case CL_OUT_OF_HOST_MEMORY:
    name = "CL_OUT_OF_HOST_MEMORY ";
    break;
  case CL_MEM_OBJECT_ALLOCATION_FAILURE:
    name = "CL_MEM_OBJECT_ALLOCATION_FAILURE ";
    break;
  case CL_BUILD_PROGRAM_FAILURE:
    name = "CL_BUILD_PROGRAM_FAILURE ";
    break;
  case CL_INVALID_KERNEL_NAME:
    name = "CL_INVALID_KERNEL_NAME ";
    break;
  case CL_INVALID_ARG_SIZE:
    name = "CL_INVALID_ARG_SIZE ";
    break;
  case -1001:
    name = "CL_PLATFORM_NOT_FOUND_KHR ";
    break;
  default:
    break;
  }
  return std::string(name) + "(" + std::to_string(code) + ")";
}

llvm::Expected<std::shared_ptr<OpenCLContext>> OpenCLContext::get(int platform,
                                                                  int device) {
  static std::mutex mutex;
  static std::map<std::pair<int, int>, std::weak_ptr<OpenCLContext>> open;
  std::lock_guard<std::mutex> lock(mutex);
  auto &slot = open[{platform, device}];
  if (auto ctx = slot.lock()) {
    return ctx;
  }
  cl_uint numPlatforms = 0;
  if (clGetPlatformIDs(0, nullptr, &numPlatforms) != CL_SUCCESS ||
      numPlatforms == 0) {
    return makeError("no OpenCL platform is installed (on Debian: "
                     "pocl-opencl-icd for the CPU, or a GPU driver)");
  }
  std::vector<cl_platform_id> platforms(numPlatforms);
  clGetPlatformIDs(numPlatforms, platforms.data(), nullptr);
  auto devicesOf = [](cl_platform_id p) {
    cl_uint n = 0;
    clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, nullptr, &n);
    std::vector<cl_device_id> ds(n);
    if (n) {
      clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, n, ds.data(), nullptr);
    }
    return ds;
  };
  cl_platform_id chosenPlatform = nullptr;
  cl_device_id chosen = nullptr;
  if (platform >= 0) {
    if (platform >= int(numPlatforms)) {
      return makeError("-opencl-platform=" + llvm::Twine(platform) +
                       ": there are " + llvm::Twine(numPlatforms) +
                       " OpenCL platforms");
    }
    chosenPlatform = platforms[platform];
    auto ds = devicesOf(chosenPlatform);
    int d = device < 0 ? 0 : device;
    if (d >= int(ds.size())) {
      return makeError("-opencl-device=" + llvm::Twine(d) + ": platform " +
                       llvm::Twine(platform) + " has " +
                       llvm::Twine(ds.size()) + " devices");
    }
    chosen = ds[d];
  } else {
    // The first GPU, else the first device (of the first platform, or
    // device number -opencl-device across all platforms).
    std::vector<std::pair<cl_platform_id, cl_device_id>> all;
    for (cl_platform_id p : platforms) {
      for (cl_device_id d : devicesOf(p)) {
        all.push_back({p, d});
      }
    }
    if (all.empty()) {
      return makeError("the OpenCL platforms have no devices");
    }
    if (device >= 0) {
      if (device >= int(all.size())) {
        return makeError("-opencl-device=" + llvm::Twine(device) +
                         ": there are " + llvm::Twine(all.size()) +
                         " OpenCL devices");
      }
      std::tie(chosenPlatform, chosen) = all[device];
    } else {
      std::tie(chosenPlatform, chosen) = all[0];
      for (auto &[p, d] : all) {
        cl_device_type type = 0;
        clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof(type), &type, nullptr);
        if (type & CL_DEVICE_TYPE_GPU) {
          chosenPlatform = p;
          chosen = d;
          break;
        }
      }
    }
  }
  auto ctx = std::shared_ptr<OpenCLContext>(new OpenCLContext());
  ctx->description_ = platformName(chosenPlatform) + " / " +
                      deviceString(chosen, CL_DEVICE_NAME);
  cl_int err;
  ctx->context_ = clCreateContext(nullptr, 1, &chosen, nullptr, nullptr, &err);
  if (err != CL_SUCCESS) {
    return makeError("cannot create an OpenCL context on " + ctx->description_ +
                     ": " + errorName(err));
  }
  const char *profile = std::getenv("GLOW_OPENCL_PROFILE");
  ctx->profiling_ = profile && *profile && std::string(profile) != "0";
  ctx->queue_ = clCreateCommandQueue(
      ctx->context_, chosen, ctx->profiling_ ? CL_QUEUE_PROFILING_ENABLE : 0,
      &err);
  if (err != CL_SUCCESS) {
    return makeError("cannot create an OpenCL queue on " + ctx->description_ +
                     ": " + errorName(err));
  }
  if (auto e = ctx->build(chosen)) {
    return std::move(e);
  }
  slot = ctx;
  return ctx;
}

llvm::Error OpenCLContext::build(cl_device_id device) {
  const char *source = glow_opencl_kernels;
  // The cache key: sources, options, device and driver.
  llvm::MD5 md5;
  md5.update(source);
  md5.update(kBuildOptions);
  md5.update(description_);
  md5.update(deviceString(device, CL_DRIVER_VERSION));
  llvm::MD5::MD5Result digest;
  md5.final(digest);
  std::string dir = cacheDirectory();
  llvm::SmallString<256> cached(dir);
  llvm::sys::path::append(cached, digest.digest().str() + ".bin");
  cl_int err;
  if (!dir.empty()) {
    if (auto buf = llvm::MemoryBuffer::getFile(cached)) {
      const unsigned char *bin =
          reinterpret_cast<const unsigned char *>((*buf)->getBufferStart());
      size_t size = (*buf)->getBufferSize();
      cl_int status;
      program_ = clCreateProgramWithBinary(context_, 1, &device, &size, &bin,
                                           &status, &err);
      if (err == CL_SUCCESS && status == CL_SUCCESS &&
          clBuildProgram(program_, 1, &device, kBuildOptions, nullptr,
                         nullptr) == CL_SUCCESS) {
        fromCache_ = true;
        return llvm::Error::success();
      }
      if (program_) {
        clReleaseProgram(program_);
        program_ = nullptr;
      }
    }
  }
  program_ = clCreateProgramWithSource(context_, 1, &source, nullptr, &err);
  if (err != CL_SUCCESS) {
    return makeError("cannot create the OpenCL program: " + errorName(err));
  }
  err = clBuildProgram(program_, 1, &device, kBuildOptions, nullptr, nullptr);
  if (err != CL_SUCCESS) {
    size_t size = 0;
    clGetProgramBuildInfo(program_, device, CL_PROGRAM_BUILD_LOG, 0, nullptr,
                          &size);
    std::string log(size, '\0');
    clGetProgramBuildInfo(program_, device, CL_PROGRAM_BUILD_LOG, size,
                          log.data(), nullptr);
    for (char &c : log) {
      c = c == '\n' ? ' ' : c;
    }
    return makeError("the OpenCL kernels do not build on " + description_ +
                     ": " + log.substr(0, 400));
  }
  if (!dir.empty()) {
    size_t size = 0;
    clGetProgramInfo(program_, CL_PROGRAM_BINARY_SIZES, sizeof(size), &size,
                     nullptr);
    std::vector<unsigned char> bin(size);
    unsigned char *ptr = bin.data();
    if (size &&
        clGetProgramInfo(program_, CL_PROGRAM_BINARIES, sizeof(ptr), &ptr,
                         nullptr) == CL_SUCCESS &&
        !llvm::sys::fs::create_directories(dir)) {
      // Written under a temporary name and renamed: another process never
      // reads half a file.
      std::string tmp = (cached + ".tmp" + std::to_string(::getpid())).str();
      std::error_code ec;
      {
        llvm::raw_fd_ostream os(tmp, ec, llvm::sys::fs::OF_None);
        if (!ec) {
          os.write(reinterpret_cast<const char *>(bin.data()), size);
        }
      }
      if (!ec) {
        llvm::sys::fs::rename(tmp, cached);
      }
    }
  }
  return llvm::Error::success();
}

OpenCLContext::~OpenCLContext() {
  if (program_) {
    clReleaseProgram(program_);
  }
  if (queue_) {
    clReleaseCommandQueue(queue_);
  }
  if (context_) {
    clReleaseContext(context_);
  }
}

} // namespace opencl
} // namespace glow
