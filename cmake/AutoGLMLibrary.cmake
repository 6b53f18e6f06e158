# How the compiler's libraries are built.
#
# LLVM's and MLIR's headers (as system headers, so that our warnings stay
# ours), definitions and libraries (the shared libMLIR/libLLVM, or with
# AUTOGLM_RELOCATABLE their static archives: cmake/AutoGLMRelocatable.cmake)
# reach each library through the interface target AutoGLMLLVM, never through
# directory-wide settings; our own include directories, source and generated
# (build/include/autoglm/...), are each library's public interface.

add_library(AutoGLMLLVM INTERFACE)
target_include_directories(AutoGLMLLVM SYSTEM INTERFACE
  ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS})
separate_arguments(AUTOGLM_LLVM_DEFINITIONS NATIVE_COMMAND ${LLVM_DEFINITIONS})
target_compile_options(AutoGLMLLVM INTERFACE ${AUTOGLM_LLVM_DEFINITIONS})
option(AUTOGLM_RELOCATABLE
  "Link LLVM and MLIR statically into autoglm-opt (docs/install.md)" OFF)
if(AUTOGLM_RELOCATABLE)
  include(${CMAKE_CURRENT_LIST_DIR}/AutoGLMRelocatable.cmake)
else()
  target_link_libraries(AutoGLMLLVM INTERFACE MLIR LLVM)
  # Installed programs find the installed runtime library and LLVM's.
  set(CMAKE_INSTALL_RPATH "\$ORIGIN/../lib;${LLVM_LIBRARY_DIR}")
endif()

# add_autoglm_library(<name> <source>... [DEPENDS <target>...]
#                     [LINK_LIBS <library>...])
# A static library of the compiler: DEPENDS names the tablegen targets whose
# headers its sources include, LINK_LIBS the libraries it uses (public).
function(add_autoglm_library name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;LINK_LIBS" ${ARGN})
  add_library(${name} STATIC ${ARG_UNPARSED_ARGUMENTS})
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>)
  target_link_libraries(${name} PUBLIC ${ARG_LINK_LIBS} AutoGLMLLVM)
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
endfunction()

# autoglm_tablegen(<td file> <output> <tablegen arguments>...)
# Runs mlir-tblgen on a .td file of the source tree into the current binary
# directory (a folder of build/include/autoglm/), with MLIR's and the .td
# file's own folder on the include path.
function(autoglm_tablegen td output)
  get_filename_component(td_dir ${td} DIRECTORY)
  set(LLVM_TARGET_DEFINITIONS ${td})
  mlir_tablegen(${output} ${ARGN} EXTRA_INCLUDES ${MLIR_INCLUDE_DIRS} ${td_dir})
  set(TABLEGEN_OUTPUT ${TABLEGEN_OUTPUT} PARENT_SCOPE)
endfunction()

# The compiled model's ABI (runtime/include/autoglm/model_abi.h) is the
# runtime's header: the compiler includes it, without linking the runtime,
# so that both sides share one definition.
add_library(AutoGLMModelABI INTERFACE)
target_include_directories(AutoGLMModelABI INTERFACE
  ${PROJECT_SOURCE_DIR}/runtime/include)
