# Finds the Debian-packaged dependencies and defines imported targets.
# No source is vendored: every dependency comes from Debian (DESIGN.md §7).

# LLVM 15 (llvm-15-dev). Tools link the shared libLLVM so that one process
# never holds two copies of LLVM (PoCL loads the same libLLVM-15.so).
find_package(LLVM 15 REQUIRED CONFIG
             HINTS /usr/lib/llvm-15/lib/cmake/llvm)
message(STATUS "LLVM ${LLVM_PACKAGE_VERSION} from ${LLVM_DIR}")
add_library(glow_llvm INTERFACE)
target_include_directories(glow_llvm SYSTEM INTERFACE ${LLVM_INCLUDE_DIRS})
target_compile_definitions(glow_llvm INTERFACE ${LLVM_DEFINITIONS})
target_link_libraries(glow_llvm INTERFACE LLVM)

# ONNX protobuf classes (libonnx-dev). Debian ships only the ML variant of
# the generated headers, so ONNX_ML must be defined.
find_package(Protobuf REQUIRED)
find_library(ONNX_PROTO_LIBRARY onnx_proto REQUIRED)
add_library(glow_onnx_proto INTERFACE)
target_compile_definitions(glow_onnx_proto INTERFACE ONNX_ML=1
                                                     ONNX_NAMESPACE=onnx)
target_link_libraries(glow_onnx_proto INTERFACE ${ONNX_PROTO_LIBRARY}
                                                protobuf::libprotobuf)

find_package(PNG REQUIRED)
find_package(ZLIB REQUIRED)
find_package(GTest REQUIRED)
find_package(Threads REQUIRED)

# glog (libgoogle-glog-dev) for VLOG diagnostics, with its flags parsed by
# gflags (libgflags-dev), which glog's CMake package brings in.
find_package(glog 0.6 REQUIRED CONFIG)

# JPEG decoding with libjpeg-turbo's TurboJPEG API (libturbojpeg0-dev).
find_path(TURBOJPEG_INCLUDE_DIR turbojpeg.h)
find_library(TURBOJPEG_LIBRARY turbojpeg)
if(NOT TURBOJPEG_INCLUDE_DIR OR NOT TURBOJPEG_LIBRARY)
  message(FATAL_ERROR "libjpeg-turbo's TurboJPEG was not found: "
                      "apt-get install libturbojpeg0-dev")
endif()
add_library(glow_turbojpeg INTERFACE)
target_include_directories(glow_turbojpeg SYSTEM
                           INTERFACE ${TURBOJPEG_INCLUDE_DIR})
target_link_libraries(glow_turbojpeg INTERFACE ${TURBOJPEG_LIBRARY})

# MPI (openmpi-bin, libopenmpi-dev) is optional: with it precision-tuner
# runs under mpirun across ranks (docs/MixedPrecision.md); without it, it
# runs as one process and the MPI tests are skipped.
find_package(MPI COMPONENTS C QUIET)
if(MPI_C_FOUND)
  message(STATUS "MPI ${MPI_C_VERSION} found: precision-tuner runs under "
                 "mpirun")
  set(GLOW_WITH_MPI ON)
else()
  message(STATUS "MPI not found (apt-get install openmpi-bin "
                 "libopenmpi-dev): precision-tuner is built for one process "
                 "only and the MPI tests are skipped")
  set(GLOW_WITH_MPI OFF)
endif()
