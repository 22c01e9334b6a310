/*
 * NumPy .npy arrays: read (from a file or from memory, e.g. an .npz member)
 * and write (atomically).
 *
 * The format, byte by byte (numpy/lib/format.py, "NEP 1"):
 *
 *   offset 0   6 bytes   magic "\x93NUMPY"
 *   offset 6   1 byte    major version (1, 2 or 3)
 *   offset 7   1 byte    minor version (0)
 *   offset 8   2 bytes   header length HLEN, little-endian uint16   (v1.0)
 *              4 bytes   header length HLEN, little-endian uint32   (v2.0, v3.0)
 *   then       HLEN      the header: an ASCII (v3: UTF-8) Python dict literal
 *                        {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 *                        padded with spaces and ending in '\n'
 *   then                 the data: prod(shape) elements of `descr`, no padding
 *
 * Supported element types (descr): <f4 <f2 |i1 |u1 <i2 <i4 <i8 |b1 ('<' or
 * '|' or '=' for one-byte types). Big-endian variants (>f4, >i2, ...) are
 * converted to little-endian on read. Fortran-order arrays are transposed to
 * C order on read. Anything else (float64, unsigned 16/32/64-bit, complex,
 * structured or object arrays) is rejected with NQ_ERR_UNSUPPORTED and a
 * message naming the file, the descr and what is supported.
 *
 * Hostile files: the header length is bounded (NQ_NPY_MAX_HEADER), the dict is
 * parsed by a strict tokenizer (exactly the three keys, no duplicates), the rank
 * is at most NQ_NPY_MAX_RANK, each dimension fits an int32, the element count is
 * overflow-checked and bounded (NQ_NPY_MAX_ELEMS), and the data length must
 * equal exactly what the header promises before anything is allocated.
 *
 * The writer always writes version 1.0 (a rank <= 6 header is far below its
 * 64 KiB limit), C order, little-endian, with the header padded so the data
 * starts at a multiple of 64 bytes, as numpy does.
 */
#ifndef NQ_IO_NPY_H
#define NQ_IO_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "npuquant.h"

#define NQ_NPY_MAX_HEADER (1u << 16)       /* bytes of header dict we accept (numpy writes < 200) */
#define NQ_NPY_MAX_ELEMS ((size_t)1 << 34) /* element bound, on top of the size checks */

/* nq_array, NQ_NPY_MAX_RANK (6, as the IR's NQ_MAX_RANK), nq_npy_read_file,
 * nq_npy_write_file and nq_array_free are public (include/npuquant.h). */

/* What a header says, without the data: enough to check a shape or to read a
 * slice of a large file yourself. data_offset is where the data begins. */
typedef struct nq_npy_header {
  int major, minor;
  nq_dtype type;
  int big_endian;    /* the file's data is big-endian (reader converts) */
  int fortran_order; /* the file's data is column-major (reader transposes) */
  int rank;
  int32_t shape[NQ_NPY_MAX_RANK];
  size_t nelems;
  size_t nbytes;
  size_t data_offset;
} nq_npy_header;

/* Parse the preamble and header dict of an .npy held in buf[0..size). Only
 * the header has to be present (size may be just the first bytes of a file).
 * `name` is used in messages (a path, or "archive.npz:x.npy"). */
nq_status nq_npy_parse_header(const void *buf, size_t size, const char *name, nq_npy_header *out,
                              nq_error *err);

/* Read a whole .npy held in memory (size must be exactly header + data). */
nq_status nq_npy_read_mem(const void *buf, size_t size, const char *name, nq_array *out, nq_error *err);

/* The numpy descr for a type ("<f4", "|i1", ...). */
const char *nq_npy_descr(nq_dtype t);

/* Format a shape as "(1, 224, 224, 3)" into buf; returns buf. */
char *nq_shape_str(const int32_t *shape, int rank, char *buf, size_t bufsize);

#endif
