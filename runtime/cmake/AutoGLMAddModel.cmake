# autoglm_add_model(<name> MODEL <file.onnx>
#                   [INPUT_SHAPE <input>:<dims>...]
#                   [TARGET cpu|cuda] [WEIGHTS embedded|external]
#                   [MODEL_NAME <c-identifier>] [OPTIONS <autoglm-opt flag>...])
#
# Compiles an ONNX model with autoglm-opt at build time into the static
# library target <name>: the model's object file, its C header <name>.h on
# the target's include path, and AutoGLM::runtime and libm as link
# dependencies.
# A program links it and calls autoglm_session_create(&autoglm_model_<name>,
# ...) (docs/install.md, docs/runtime.md).
#
#   MODEL        the .onnx or .onnxtxt file (relative: to the current source
#                directory)
#   INPUT_SHAPE  --input-shape for each entry, e.g. image:1x3x224x224
#   TARGET       --target (default cpu)
#   WEIGHTS      embedded (default): in the library; external: the weights
#                of 1 KiB or more in the file <MODEL_NAME>.weights (written
#                only if the model has such weights), whose path is the
#                target's property AUTOGLM_WEIGHTS_FILE; the runtime looks
#                for it next to the program, or where
#                autoglm_session_options.weights_path says
#   MODEL_NAME   the C name (autoglm_model_<MODEL_NAME>, <MODEL_NAME>.h);
#                default <name>, which must then be a C identifier
#   OPTIONS      more autoglm-opt flags, e.g. --cpu=generic -O2
#
# The library is rebuilt when the model file, its external data files, the
# arguments or autoglm-opt change (autoglm-opt --depfile, for Ninja and
# Makefiles); one run of autoglm-opt writes the object and the header. The compiler is the imported target AutoGLM::autoglm-opt, or the
# executable named by AUTOGLM_OPT_EXECUTABLE when that variable is set.
function(autoglm_add_model name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG ""
    "MODEL;TARGET;WEIGHTS;MODEL_NAME" "INPUT_SHAPE;OPTIONS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "autoglm_add_model(${name}): unknown arguments: "
      "${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_MODEL)
    message(FATAL_ERROR "autoglm_add_model(${name}): MODEL <file.onnx> is required")
  endif()
  get_filename_component(model "${ARG_MODEL}" ABSOLUTE
    BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${model}")
    message(FATAL_ERROR "autoglm_add_model(${name}): no model file ${model}")
  endif()

  if(NOT ARG_TARGET)
    set(ARG_TARGET cpu)
  endif()
  if(NOT ARG_TARGET MATCHES "^(cpu|cuda)$")
    message(FATAL_ERROR "autoglm_add_model(${name}): TARGET is cpu or cuda, "
      "not '${ARG_TARGET}'")
  endif()
  if(NOT ARG_WEIGHTS OR ARG_WEIGHTS STREQUAL "embedded")
    set(weights embed)
  elseif(ARG_WEIGHTS STREQUAL "external")
    set(weights external)
  else()
    message(FATAL_ERROR "autoglm_add_model(${name}): WEIGHTS is embedded or "
      "external, not '${ARG_WEIGHTS}'")
  endif()
  if(NOT ARG_MODEL_NAME)
    set(ARG_MODEL_NAME "${name}")
  endif()
  if(NOT ARG_MODEL_NAME MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "autoglm_add_model(${name}): '${ARG_MODEL_NAME}' is "
      "not a C identifier; give MODEL_NAME")
  endif()

  if(AUTOGLM_OPT_EXECUTABLE)
    set(compiler "${AUTOGLM_OPT_EXECUTABLE}")
    set(compiler_depends "${AUTOGLM_OPT_EXECUTABLE}")
  elseif(TARGET AutoGLM::autoglm-opt)
    set(compiler AutoGLM::autoglm-opt)
    set(compiler_depends AutoGLM::autoglm-opt
      "$<TARGET_FILE:AutoGLM::autoglm-opt>")
  else()
    message(FATAL_ERROR "autoglm_add_model(${name}): no autoglm-opt: "
      "find_package(AutoGLM CONFIG COMPONENTS compiler) from a prefix that "
      "has bin/autoglm-opt, or set AUTOGLM_OPT_EXECUTABLE")
  endif()

  set(dir "${CMAKE_CURRENT_BINARY_DIR}/autoglm/${name}")
  set(object "${dir}/${ARG_MODEL_NAME}.o")
  set(header "${dir}/include/${ARG_MODEL_NAME}.h")
  set(args "${model}" --target=${ARG_TARGET} --weights=${weights}
    --model-name=${ARG_MODEL_NAME})
  foreach(shape IN LISTS ARG_INPUT_SHAPE)
    list(APPEND args --input-shape=${shape})
  endforeach()
  list(APPEND args ${ARG_OPTIONS})
  # The weights file is not an output: a model without weights of 1 KiB or
  # more writes none, and a missing output would rerun the command on every
  # build.
  set(object_args)
  if(weights STREQUAL "external")
    set(weights_file "${dir}/${ARG_MODEL_NAME}.weights")
    set(object_args --weights-file=${weights_file})
  endif()

  # The arguments, in a file that changes only when they do: the outputs
  # depend on it, so a changed argument rebuilds them with every generator.
  string(REPLACE ";" "\n" stamp "${args}")
  file(CONFIGURE OUTPUT "${dir}/arguments.txt" CONTENT "${stamp}\n" @ONLY)

  file(MAKE_DIRECTORY "${dir}/include")
  # One run writes the object and the header. Its dependency file names the
  # model and every external data file the model reads, so that Ninja and
  # Make compile it again when any of them changes.
  set(depfile "${dir}/${ARG_MODEL_NAME}.d")
  set(depfile_args)
  if(CMAKE_GENERATOR MATCHES "Ninja|Makefiles")
    set(depfile_args DEPFILE "${depfile}")
  endif()
  # The dependency file's paths are absolute, so CMake's rewriting of them
  # (CMP0116) changes nothing; NEW keeps older projects free of its warning.
  cmake_policy(PUSH)
  if(POLICY CMP0116)
    cmake_policy(SET CMP0116 NEW)
  endif()
  add_custom_command(OUTPUT "${object}" "${header}"
    COMMAND ${compiler} ${args} ${object_args} --emit=obj -o "${object}"
      --emit-header=${header} --depfile=${depfile}
    DEPENDS "${model}" "${dir}/arguments.txt" ${compiler_depends}
    ${depfile_args}
    COMMENT "autoglm-opt: compiling model ${name} (${ARG_MODEL})"
    VERBATIM)
  cmake_policy(POP)

  add_library(${name} STATIC "${object}" "${header}")
  set_source_files_properties("${object}" PROPERTIES
    EXTERNAL_OBJECT TRUE GENERATED TRUE)
  set_target_properties(${name} PROPERTIES LINKER_LANGUAGE C)
  target_include_directories(${name} PUBLIC "${dir}/include")
  # Compiled models call libm (expf, tanhf, ...).
  target_link_libraries(${name} PUBLIC AutoGLM::runtime m)
  if(weights STREQUAL "external")
    set_target_properties(${name} PROPERTIES
      AUTOGLM_WEIGHTS_FILE "${weights_file}")
  endif()
endfunction()
