/* Helpers shared by the frozen-GraphDef and SavedModel loaders. */
#ifndef NQ_FRONTENDS_TF_COMMON_H
#define NQ_FRONTENDS_TF_COMMON_H

#include "frontends/tensorflow/tf_internal.h"

/* Split "a,b,c" into malloc'd strings (empty items skipped). */
nq_status tf_split_names(const char *list, char ***out, int *n, nq_error *err);
void tf_free_names(char **v, int n);
void tf_io_free(tf_io *io);
/* Parse a frozen GraphDef held in memory (also the fuzz harness's entry). */
nq_status tf_graphdef_from_buffer(const char *path, const uint8_t *data, size_t len,
                                  const nq_load_options *opts, nq_graph **out, nq_error *err);
/* Infer shapes, run the graph passes, verify. */
nq_status tf_finish_graph(nq_graph *g, nq_error *err);

#endif
