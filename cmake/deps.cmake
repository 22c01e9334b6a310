# Third-party libraries, all from Debian packages (scripts/setup.sh installs them).
# Each block appends to NQ_DEP_LIBS / NQ_DEP_INCLUDES / NQ_DEP_CFLAGS and, when
# it is switched off, to NQ_EXCLUDED_SOURCES (regexes over src/ paths). Every
# block is optional (NQ_WITH_* in the top-level CMakeLists.txt); with all of
# them off the library needs only libc, libm and pthreads (TFLite in and out,
# .npy/.npz calibration data, BMP images, the quantizer and executors).
# NQ_DEP_DEFINES holds NQ_HAVE_<X>=0/1 for the sources that must know.
set(NQ_DEP_LIBS "")
set(NQ_DEP_INCLUDES "")
set(NQ_DEP_CFLAGS "")
set(NQ_DEP_DEFINES "")
set(NQ_EXCLUDED_SOURCES "")
# On a cross build the generators (protoc-c) and the .proto inputs come from
# the build machine, never from the target's root (CMAKE_FIND_ROOT_PATH).
set(NQ_HOST_FIND NO_CMAKE_FIND_ROOT_PATH)
foreach(nq_opt KERAS ONNX TENSORFLOW IMAGES ZLIB)
  if(NQ_WITH_${nq_opt})
    list(APPEND NQ_DEP_DEFINES NQ_HAVE_${nq_opt}=1)
  else()
    list(APPEND NQ_DEP_DEFINES NQ_HAVE_${nq_opt}=0)
  endif()
endforeach()

# OpenBLAS: only the benchmark links it (the sgemm "ceiling" figure); the
# library's GEMM is its own (src/exec/gemm*.c), which is faster on these
# models' shapes, and linking OpenBLAS would start its worker threads in
# every process.
if(NQ_BUILD_BENCH)
  pkg_check_modules(OPENBLAS REQUIRED openblas)
endif()

# libjpeg(-turbo), libpng: JPEG and PNG calibration images
# (src/calib/image_jpeg.c, image_png.c; BMP is always read, by our own code).
if(NQ_WITH_IMAGES)
  pkg_check_modules(JPEG REQUIRED libjpeg)
  pkg_check_modules(PNG REQUIRED libpng)
  list(APPEND NQ_DEP_LIBS ${JPEG_LINK_LIBRARIES} ${PNG_LINK_LIBRARIES})
  list(APPEND NQ_DEP_INCLUDES ${JPEG_INCLUDE_DIRS} ${PNG_INCLUDE_DIRS})
else()
  list(APPEND NQ_EXCLUDED_SOURCES "/src/calib/image_jpeg\\.c$" "/src/calib/image_png\\.c$")
endif()

# zlib: deflate-compressed .npz members (np.savez_compressed; src/io/npz.c).
# Without it, stored (np.savez) members are still read.
if(NQ_WITH_ZLIB)
  pkg_check_modules(ZLIB REQUIRED zlib)
  list(APPEND NQ_DEP_LIBS ${ZLIB_LINK_LIBRARIES})
  list(APPEND NQ_DEP_INCLUDES ${ZLIB_INCLUDE_DIRS})
endif()

# Fast float kernels: the files named *_avx2.c hold AVX2+FMA code that runs
# only after a run-time CPU check, so only they get the flags (x86-64 only).
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64")
  file(GLOB_RECURSE NQ_AVX2_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/*_avx2.c)
  set_source_files_properties(${NQ_AVX2_SOURCES} PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma")
endif()
# NEON kernels (*_neon.c): ARMv8.0 Advanced SIMD is part of every aarch64
# CPU, so they need no flag, only an aarch64 target; elsewhere they are left
# out and NQ_HAVE_NEON is 0 (`--kernels neon` is then refused).
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  list(APPEND NQ_DEP_DEFINES NQ_HAVE_NEON=1)
else()
  list(APPEND NQ_DEP_DEFINES NQ_HAVE_NEON=0)
  list(APPEND NQ_EXCLUDED_SOURCES "_neon\\.c$")
endif()

# ONNX frontend (src/frontends/onnx/): protobuf-c parses the .onnx protobuf.
# The C bindings are generated at build time with protoc-c from the onnx.proto
# that Debian's libonnx-dev installs, into ${CMAKE_BINARY_DIR}/generated (on the
# include path); the top-level CMakeLists.txt adds NQ_ONNX_PB_SOURCES to the library.
if(NQ_WITH_ONNX)
  pkg_check_modules(PROTOBUF_C REQUIRED libprotobuf-c)
  find_program(NQ_PROTOC_C protoc-c REQUIRED ${NQ_HOST_FIND})
  find_file(NQ_ONNX_PROTO onnx.proto PATHS /usr/include/onnx /usr/local/include/onnx NO_DEFAULT_PATH ${NQ_HOST_FIND})
  if(NOT NQ_ONNX_PROTO)
    message(FATAL_ERROR "onnx.proto not found: install libonnx-dev (scripts/setup.sh)")
  endif()
  set(NQ_ONNX_PB_DIR ${CMAKE_BINARY_DIR}/generated)
  set(NQ_ONNX_PB_SOURCES ${NQ_ONNX_PB_DIR}/onnx.pb-c.c)
  get_filename_component(NQ_ONNX_PROTO_DIR ${NQ_ONNX_PROTO} DIRECTORY)
  file(MAKE_DIRECTORY ${NQ_ONNX_PB_DIR})
  add_custom_command(
    OUTPUT ${NQ_ONNX_PB_DIR}/onnx.pb-c.c ${NQ_ONNX_PB_DIR}/onnx.pb-c.h
    COMMAND ${NQ_PROTOC_C} --proto_path=${NQ_ONNX_PROTO_DIR} --c_out=${NQ_ONNX_PB_DIR} ${NQ_ONNX_PROTO}
    DEPENDS ${NQ_ONNX_PROTO}
    COMMENT "protoc-c: generating the ONNX protobuf bindings"
    VERBATIM)
  list(APPEND NQ_DEP_LIBS ${PROTOBUF_C_LINK_LIBRARIES})
  list(APPEND NQ_DEP_INCLUDES ${PROTOBUF_C_INCLUDE_DIRS})
else()
  list(APPEND NQ_EXCLUDED_SOURCES "/src/frontends/onnx/")
  set(NQ_ONNX_PB_SOURCES "")
endif()

# TensorFlow frontend (src/frontends/tensorflow): protobuf-c, and C sources
# generated at build time by protoc-c from the project's own .proto subsets
# in src/frontends/tensorflow/proto into ${CMAKE_BINARY_DIR}/generated
# (tfgraph/tfsavedmodel/tfbundle.pb-c.[ch]). The top-level CMakeLists.txt
# adds NQ_TF_PROTO_SOURCES to npuquant_obj.
if(NQ_WITH_TENSORFLOW)
  pkg_check_modules(NQ_TF_PROTOBUFC REQUIRED libprotobuf-c)
  find_program(NQ_TF_PROTOC_C protoc-c REQUIRED ${NQ_HOST_FIND})
  set(NQ_TF_PROTO_DIR ${CMAKE_SOURCE_DIR}/src/frontends/tensorflow/proto)
  set(NQ_TF_PROTO_FILES "")
  set(NQ_TF_PROTO_SOURCES "")
  set(NQ_TF_PROTO_OUTPUTS "")
  foreach(nq_tf_proto tfgraph tfsavedmodel tfbundle)
    list(APPEND NQ_TF_PROTO_FILES ${NQ_TF_PROTO_DIR}/${nq_tf_proto}.proto)
    list(APPEND NQ_TF_PROTO_SOURCES ${CMAKE_BINARY_DIR}/generated/${nq_tf_proto}.pb-c.c)
    list(APPEND NQ_TF_PROTO_OUTPUTS ${CMAKE_BINARY_DIR}/generated/${nq_tf_proto}.pb-c.c
         ${CMAKE_BINARY_DIR}/generated/${nq_tf_proto}.pb-c.h)
  endforeach()
  add_custom_command(
    OUTPUT ${NQ_TF_PROTO_OUTPUTS}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/generated
    COMMAND ${NQ_TF_PROTOC_C} --proto_path=${NQ_TF_PROTO_DIR} --c_out=${CMAKE_BINARY_DIR}/generated
            ${NQ_TF_PROTO_FILES}
    DEPENDS ${NQ_TF_PROTO_FILES}
    COMMENT "protoc-c: TensorFlow proto subsets"
    VERBATIM)
  # protoc-c's *_INIT macro for a message with a oneof trips -Wmissing-braces.
  set_source_files_properties(${NQ_TF_PROTO_SOURCES} PROPERTIES COMPILE_OPTIONS "-Wno-missing-braces")
  list(APPEND NQ_DEP_LIBS ${NQ_TF_PROTOBUFC_LINK_LIBRARIES})
  list(APPEND NQ_DEP_INCLUDES ${NQ_TF_PROTOBUFC_INCLUDE_DIRS})
else()
  list(APPEND NQ_EXCLUDED_SOURCES "/src/frontends/tensorflow/")
  set(NQ_TF_PROTO_SOURCES "")
endif()

# Keras frontend (src/frontends/keras/): libhdf5 (serial) for .h5 files,
# cJSON for model configs, libzip for .keras archives.
if(NQ_WITH_KERAS)
  pkg_check_modules(HDF5 REQUIRED hdf5)
  pkg_check_modules(CJSON REQUIRED libcjson)
  pkg_check_modules(LIBZIP REQUIRED libzip)
  list(APPEND NQ_DEP_LIBS ${HDF5_LINK_LIBRARIES} ${CJSON_LINK_LIBRARIES} ${LIBZIP_LINK_LIBRARIES})
  list(APPEND NQ_DEP_INCLUDES ${HDF5_INCLUDE_DIRS} ${CJSON_INCLUDE_DIRS} ${LIBZIP_INCLUDE_DIRS})
else()
  list(APPEND NQ_EXCLUDED_SOURCES "/src/frontends/keras/")
endif()
