# Third-party libraries, all from Debian packages (scripts/setup.sh installs them).
# Each block appends to NQ_DEP_LIBS / NQ_DEP_INCLUDES / NQ_DEP_CFLAGS.
set(NQ_DEP_LIBS "")
set(NQ_DEP_INCLUDES "")
set(NQ_DEP_CFLAGS "")

# OpenBLAS: sgemm for the float convolution / fully-connected fast paths.
pkg_check_modules(OPENBLAS REQUIRED openblas)
list(APPEND NQ_DEP_LIBS ${OPENBLAS_LINK_LIBRARIES})
list(APPEND NQ_DEP_INCLUDES ${OPENBLAS_INCLUDE_DIRS})
