#include "ir/metadata.h"

#include <stdlib.h>
#include <string.h>

#include "core/status.h"

const nq_metadata *nq_graph_find_metadata(const nq_graph *g, const char *key) {
  for (int m = 0; m < g->n_metadata; m++)
    if (g->metadata[m].name && strcmp(g->metadata[m].name, key) == 0) return &g->metadata[m];
  return NULL;
}

nq_status nq_graph_set_metadata(nq_graph *g, const char *key, uint8_t *data, size_t size, nq_error *err) {
  nq_metadata *old = (nq_metadata *)nq_graph_find_metadata(g, key);
  if (old) {
    free(old->data);
    old->data = data;
    old->size = size;
    return NQ_OK;
  }
  nq_metadata *nm = realloc(g->metadata, sizeof *nm * (size_t)(g->n_metadata + 1));
  if (nm) g->metadata = nm; /* even if the name fails: the old block may be gone */
  size_t key_size = strlen(key) + 1;
  char *name = malloc(key_size);
  if (!nm || !name) {
    free(name);
    free(data);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the %s metadata", key);
  }
  memcpy(name, key, key_size);
  g->metadata[g->n_metadata++] = (nq_metadata){name, data, size};
  return NQ_OK;
}

nq_status nq_graph_set_metadata_text(nq_graph *g, const char *key, const char *text, nq_error *err) {
  size_t n = strlen(text);
  uint8_t *data = malloc(n + 1);
  if (!data) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the %s metadata", key);
  memcpy(data, text, n + 1);
  return nq_graph_set_metadata(g, key, data, n, err);
}
