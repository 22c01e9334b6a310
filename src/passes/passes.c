/* Placeholder until the passes land: the graph is left as the frontend made it. */
#include "passes/passes.h"

nq_status nq_passes_optimize(nq_graph *g, nq_error *err) {
  (void)g;
  (void)err;
  return NQ_OK;
}
