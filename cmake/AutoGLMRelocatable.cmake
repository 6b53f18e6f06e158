# AUTOGLM_RELOCATABLE: autoglm-opt links LLVM and MLIR statically, so that the
# installed tree (bin/, lib/) runs on a machine without LLVM or MLIR
# (docs/install.md; scripts/package.sh packs it).
#
# Every static archive that LLVM and MLIR install (libLLVM*.a, libMLIR*.a,
# except test and gtest libraries) goes on the link line, in one
# --start-group/--end-group: the linker takes only the members that the
# program references, so the link follows whatever the compiler uses (a new
# dialect, another LLVM backend) without a list of components to maintain.
# The system libraries that those archives use come after them: zlib and
# zstd statically where the system has the archives, the rest only if a
# member that is pulled in needs them (--as-needed).
#
# ONNX has no static library in Debian, and it uses protobuf's shared
# library; so libonnx, libonnx_proto, libprotobuf and the C++ runtime they
# need stay shared and are installed next to the programs, in lib/, which
# the programs find through RPATH $ORIGIN/../lib (DT_RPATH, not RUNPATH, so
# that it also applies to the dependencies of those libraries).

# add_llvm_executable and llvm_config link the whole libLLVM.so when LLVM was
# built with LLVM_LINK_LLVM_DYLIB (Debian's is); here they must not.
set(LLVM_LINK_LLVM_DYLIB OFF)

file(GLOB _autoglm_llvm_archives
  "${LLVM_LIBRARY_DIR}/libMLIR*.a" "${LLVM_LIBRARY_DIR}/libLLVM*.a")
list(FILTER _autoglm_llvm_archives EXCLUDE REGEX
  "/lib(MLIR|LLVM)[^/]*(Test|Testing)[^/]*\\.a$")
# mlir-opt's main with the test passes registered.
list(FILTER _autoglm_llvm_archives EXCLUDE REGEX "/libMLIRMlirOptMain\\.a$")
list(LENGTH _autoglm_llvm_archives _autoglm_llvm_archive_count)
if(_autoglm_llvm_archive_count EQUAL 0)
  message(FATAL_ERROR "AUTOGLM_RELOCATABLE: no libMLIR*.a/libLLVM*.a in "
    "${LLVM_LIBRARY_DIR} (Debian: libmlir-22-dev, llvm-22-dev)")
endif()
message(STATUS "AUTOGLM_RELOCATABLE: linking ${_autoglm_llvm_archive_count} "
  "static LLVM/MLIR archives from ${LLVM_LIBRARY_DIR}")

# System libraries used by LLVMSupport: static archives where they exist.
set(_autoglm_llvm_system_libs)
foreach(lib z zstd)
  find_library(AUTOGLM_${lib}_STATIC NAMES lib${lib}.a)
  # Debian's libzstd1 without libzstd-dev has only the versioned soname.
  find_library(AUTOGLM_${lib}_SHARED NAMES ${lib} lib${lib}.so.1)
  if(AUTOGLM_${lib}_STATIC)
    list(APPEND _autoglm_llvm_system_libs ${AUTOGLM_${lib}_STATIC})
  elseif(AUTOGLM_${lib}_SHARED)
    list(APPEND _autoglm_llvm_system_libs ${AUTOGLM_${lib}_SHARED})
  endif()
endforeach()

target_link_libraries(AutoGLMLLVM INTERFACE
  -Wl,--start-group ${_autoglm_llvm_archives} -Wl,--end-group
  -Wl,--as-needed ${_autoglm_llvm_system_libs} ${CMAKE_DL_LIBS} m rt
  Threads::Threads)

# Every program and shared library of the project: sections the program does
# not reference are dropped (LLVM's archives and our code are compiled with
# -ffunction-sections -fdata-sections), and lib/ next to bin/ is searched
# first, for the executable's dependencies and theirs.
find_package(Threads REQUIRED)
add_link_options(-Wl,--gc-sections -Wl,--disable-new-dtags)
set(CMAKE_INSTALL_RPATH "\$ORIGIN/../lib")
