/*
 * What an nq_model is inside the library: a graph plus where it came from.
 * Only src/api and the frontends/writers see this; callers get an opaque handle.
 */
#ifndef NQ_API_MODEL_INTERNAL_H
#define NQ_API_MODEL_INTERNAL_H

#include "core/input_file.h"
#include "ir/graph.h"

struct nq_model {
  nq_graph *graph;      /* owned */
  char *path;           /* the file it was loaded from (owned), or NULL */
  nq_input_list inputs; /* every file it was read from: no output may replace one */
};

/* Wrap a graph in a model (takes ownership of g and copies path). */
nq_status nq_model_wrap(nq_graph *g, const char *path, nq_model **out, nq_error *err);

/* Node i's name for callers: its own name, else its first output tensor's
 * name, else "" (what inspect and the NPU report print). */
const char *nq_model_node_name(const nq_graph *g, int i);

#endif
