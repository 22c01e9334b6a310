/* File reading and the shared tail of both TensorFlow loaders. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/input_file.h"
#include "core/status.h"
#include "frontends/tensorflow/tf_common.h"
#include "ir/shape.h"
#include "passes/passes.h"

nq_status tf_read_file(const char *path, const char *within, uint8_t **data, size_t *len, nq_error *err) {
  return nq_input_read(path, within, TF_MAX_FILE_BYTES, data, len, err);
}

nq_status tf_split_names(const char *list, char ***out, int *n, nq_error *err) {
  *out = NULL;
  *n = 0;
  int cap = 1;
  for (const char *p = list; *p; p++) cap += *p == ',';
  char **v = calloc((size_t)cap, sizeof *v);
  if (!v) return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
  const char *s = list;
  while (*s) {
    const char *e = strchr(s, ',');
    size_t l = e ? (size_t)(e - s) : strlen(s);
    if (l) {
      if (!(v[*n] = malloc(l + 1))) {
        tf_free_names(v, *n);
        return nq_fail(err, NQ_ERR_NOMEM, "out of memory");
      }
      memcpy(v[*n], s, l);
      v[*n][l] = 0;
      (*n)++;
    }
    s = e ? e + 1 : s + l;
  }
  *out = v;
  return NQ_OK;
}

void tf_free_names(char **v, int n) {
  if (!v) return;
  for (int i = 0; i < n; i++) free(v[i]);
  free(v);
}

void tf_io_free(tf_io *io) {
  tf_free_names(io->in, io->n_in);
  tf_free_names(io->out, io->n_out);
  tf_free_names(io->in_names, io->in_names ? io->n_in : 0);
  tf_free_names(io->out_names, io->out_names ? io->n_out : 0);
  memset(io, 0, sizeof *io);
}

nq_status tf_finish_graph(nq_graph *g, nq_error *err) {
  NQ_TRY(nq_graph_infer_shapes(g, true, err));
  NQ_TRY(nq_passes_optimize(g, err));
  return nq_graph_verify(g, err);
}
