# QccAddModel.cmake -- qcc_add_model(): an ONNX model as one more library.
#
#   qcc_add_model(NAME MODEL file.onnx
#                 [TARGET t] [MCPU cpu] [MATTR attrs]
#                 [QUANTIZE q] [CALIB dir] [OPTIONS flag...])
#
# Runs qcc at build time to make NAME.o and NAME.h in the current binary
# folder (the generated API is NAME_run, NAME_SCRATCH_SIZE, ...) and defines
# a static library target NAME holding the object, whose include path holds
# the header:  target_link_libraries(app PRIVATE NAME).
#
# The object is rebuilt when the model, a calibration file (through qcc's
# depfile) or qcc itself changes.  When cross-compiling (a toolchain file
# sets CMAKE_SYSTEM_NAME) and TARGET is not given, the target comes from
# CMAKE_SYSTEM_PROCESSOR.  QCC_EXECUTABLE names the qcc to run; the package
# sets it, a build of qcc itself may set it to $<TARGET_FILE:qcc>.
include_guard(GLOBAL)

# The qcc -target= for a CMAKE_SYSTEM_PROCESSOR value, or "" if none fits.
function(qcc_target_for_processor out proc)
  string(TOLOWER "${proc}" p)
  if(p MATCHES "^(aarch64|arm64|armv8.*)$")
    set(t armv8)
  elseif(p MATCHES "^(x86_64|amd64|x64)$")
    set(t x86-64)
  elseif(p MATCHES "^riscv64")
    set(t riscv64)
  else()
    set(t "")
  endif()
  set(${out} "${t}" PARENT_SCOPE)
endfunction()

function(qcc_add_model name)
  cmake_parse_arguments(PARSE_ARGV 1 arg ""
    "MODEL;TARGET;MCPU;MATTR;QUANTIZE;CALIB" "OPTIONS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "qcc_add_model(${name}): unknown arguments: "
                        "${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_MODEL)
    message(FATAL_ERROR "qcc_add_model(${name}): MODEL is required")
  endif()
  if(NOT name MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "qcc_add_model(${name}): the name must be a C "
                        "identifier (it prefixes the generated API)")
  endif()
  if(NOT QCC_EXECUTABLE)
    message(FATAL_ERROR "qcc_add_model(${name}): QCC_EXECUTABLE is not set; "
                        "use find_package(qcc)")
  endif()

  get_filename_component(model "${arg_MODEL}" ABSOLUTE
                         BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  set(obj "${CMAKE_CURRENT_BINARY_DIR}/${name}.o")
  set(hdr "${CMAKE_CURRENT_BINARY_DIR}/${name}.h")
  set(dep "${CMAKE_CURRENT_BINARY_DIR}/${name}.d")

  set(target "${arg_TARGET}")
  if(NOT target AND CMAKE_CROSSCOMPILING)
    qcc_target_for_processor(target "${CMAKE_SYSTEM_PROCESSOR}")
    if(NOT target)
      message(FATAL_ERROR "qcc_add_model(${name}): no qcc target for "
              "CMAKE_SYSTEM_PROCESSOR '${CMAKE_SYSTEM_PROCESSOR}'; pass TARGET")
    endif()
  endif()

  set(flags -name=${name})
  if(target)
    list(APPEND flags -target=${target})
  endif()
  if(arg_MCPU)
    list(APPEND flags -mcpu=${arg_MCPU})
  endif()
  if(arg_MATTR)
    list(APPEND flags -mattr=${arg_MATTR})
  endif()
  if(arg_QUANTIZE)
    list(APPEND flags -quantize=${arg_QUANTIZE})
  endif()
  if(arg_CALIB)
    get_filename_component(calib "${arg_CALIB}" ABSOLUTE
                           BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND flags -calib=${calib})
  endif()
  list(APPEND flags ${arg_OPTIONS})

  if(POLICY CMP0116)
    cmake_policy(SET CMP0116 NEW)
  endif()
  add_custom_command(
    OUTPUT "${obj}" "${hdr}"
    COMMAND "${QCC_EXECUTABLE}" "${model}" -o "${obj}" ${flags} -MD -MF "${dep}"
    DEPENDS "${model}" "${QCC_EXECUTABLE}"
    DEPFILE "${dep}"
    COMMENT "qcc: compiling model ${arg_MODEL} into ${name}.o"
    VERBATIM)

  add_library(${name} STATIC "${obj}" "${hdr}")
  set_target_properties(${name} PROPERTIES LINKER_LANGUAGE C)
  target_include_directories(${name} INTERFACE "${CMAKE_CURRENT_BINARY_DIR}")
endfunction()
