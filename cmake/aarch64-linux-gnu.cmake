# Cross build for 64-bit Arm Linux (i.MX 8M Plus class boards: Cortex-A53,
# ARMv8.0) with Debian's gcc-aarch64-linux-gnu, against an arm64 sysroot
# unpacked from Debian packages (scripts/cross-aarch64.sh makes one).
#
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
#         [-DNQ_AARCH64_SYSROOT=/path/to/sysroot]
#
# The sysroot defaults to build-aarch64/sysroot (where the script puts it);
# NQ_AARCH64_SYSROOT in the environment or on the command line overrides it.
# Generators (protoc-c) and their .proto inputs always come from the build
# machine (cmake/deps.cmake searches them with NO_CMAKE_FIND_ROOT_PATH).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(NQ_AARCH64_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${NQ_AARCH64_TRIPLE}-gcc)

if(NOT NQ_AARCH64_SYSROOT)
  if(DEFINED ENV{NQ_AARCH64_SYSROOT})
    set(NQ_AARCH64_SYSROOT "$ENV{NQ_AARCH64_SYSROOT}")
  else()
    get_filename_component(NQ_AARCH64_SYSROOT "${CMAKE_CURRENT_LIST_DIR}/../build-aarch64/sysroot" ABSOLUTE)
  endif()
endif()
# try_compile projects re-read this file: hand them the same sysroot.
set(ENV{NQ_AARCH64_SYSROOT} "${NQ_AARCH64_SYSROOT}")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES NQ_AARCH64_SYSROOT)

set(CMAKE_SYSROOT "${NQ_AARCH64_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH "${NQ_AARCH64_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config reads the target's .pc files and prefixes their paths with the sysroot.
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${NQ_AARCH64_SYSROOT}")
set(ENV{PKG_CONFIG_LIBDIR}
    "${NQ_AARCH64_SYSROOT}/usr/lib/${NQ_AARCH64_TRIPLE}/pkgconfig:${NQ_AARCH64_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# ctest runs the test executables under user-mode emulation when qemu is there.
find_program(NQ_QEMU_AARCH64 qemu-aarch64)
if(NQ_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${NQ_QEMU_AARCH64};-L;${NQ_AARCH64_SYSROOT}")
endif()
