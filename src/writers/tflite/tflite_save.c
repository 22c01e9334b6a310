/* Saving a graph as a .tflite file: serialize, check the bytes with our own
 * reader, carry over the source file's associated-files archive, write
 * atomically without ever replacing the input file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/atomic_file.h"
#include "core/input_file.h"
#include "core/status.h"
#include "frontends/tflite/tflite_reader.h"
#include "writers/tflite/tflite_write.h"
#include "writers/tflite/tflite_zip.h"

/* The whole source file when it is a regular .tflite file (the only kind
 * that can carry an associated-files archive), else NULL: then nothing is
 * carried over, and the model itself does not depend on it. The source may
 * be a directory (a SavedModel) or a large .h5, which must not be read. */
static uint8_t *read_source(const char *path, size_t *size) {
  *size = 0;
  FILE *f;
  nq_error ignored;
  struct stat sd;
  /* A SavedModel folder has no archive; nq_input_fopen refuses anything but a regular file. */
  if (stat(path, &sd) != 0 || !S_ISREG(sd.st_mode) || nq_input_fopen(path, NULL, &f, NULL, &ignored) != NQ_OK)
    return NULL;
  struct stat st;
  unsigned char head[8];
  uint8_t *buf = NULL;
  if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 8 && st.st_size <= 0x7fffffff &&
      fread(head, 1, 8, f) == 8 && memcmp(head + 4, "TFL3", 4) == 0 && fseek(f, 0, SEEK_SET) == 0) {
    size_t n = (size_t)st.st_size;
    buf = malloc(n);
    if (buf && fread(buf, 1, n, f) != n) {
      free(buf);
      buf = NULL;
    }
    if (buf) *size = n;
  }
  fclose(f);
  return buf;
}

nq_status nq_tflite_write_file(const nq_graph *g, const char *path, const char *protect, nq_error *err) {
  if (!path || !*path) return nq_fail(err, NQ_ERR_INVALID_ARG, "no output path given");
  /* Refuse early, before the work of serializing, when the output is the input. */
  NQ_TRY(nq_check_output_path(path, protect, err));
  uint8_t *bytes;
  size_t size;
  NQ_TRY(nq_tflite_write_memory(g, &bytes, &size, err));
  /* Self-check: our own reader (with its full structural verifier) must
   * accept what we are about to write. */
  nq_graph *back = NULL;
  nq_status s = nq_tflite_read_memory(bytes, size, path, &back, err);
  nq_graph_free(back);
  if (s != NQ_OK) {
    nq_prefix(err, "%s: the written model fails to read back (a writer bug): ", path);
    if (err) err->code = NQ_ERR_INTERNAL;
    free(bytes);
    return NQ_ERR_INTERNAL;
  }
  if (protect) {
    size_t src_size, zip_start;
    uint8_t *src = read_source(protect, &src_size);
    if (src) {
      nq_tflite_find_appended_zip(src, src_size, &zip_start);
      if (zip_start < src_size) s = nq_tflite_append_zip(src, src_size, zip_start, &bytes, &size, err);
      free(src);
    }
    if (s != NQ_OK) {
      free(bytes);
      return nq_prefix(err, "%s: ", path);
    }
  }
  s = nq_write_file_atomic(path, bytes, size, protect, err);
  free(bytes);
  return s;
}
