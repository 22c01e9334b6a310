#include "quant/equalize.h"

#include <math.h>
#include <stdlib.h>

#include "core/status.h"
#include "quant/equalize_layer.h"

nq_status nq_equalize_graph(nq_graph *g, int iterations, int *n_pairs, nq_error *err) {
  (void)err;
  *n_pairs = 0;
  for (int it = 0; it < iterations; it++) {
    for (int i = 0; i < g->n_nodes; i++) {
      nq_eq_layer A, B;
      if (!nq_eq_as_layer(g, i, &A)) continue;
      const nq_node *na = &g->nodes[i];
      if (na->p.act != NQ_ACT_NONE && na->p.act != NQ_ACT_RELU) continue;
      int j = nq_eq_single_consumer(g, na->out[0]);
      if (j < 0 || !nq_eq_as_layer(g, j, &B) || B.in_ch != A.oc) continue;
      if (!nq_eq_constants_private(g, &A, &B)) continue;
      for (int c = 0; c < A.oc; c++) {
        float r1 = nq_eq_out_range(&A, c);
        float r2 = nq_eq_in_range(&B, c);
        if (!(r1 > 0) || !(r2 > 0)) continue;
        float s = sqrtf(r1 / r2);
        if (!(s > 1e-8f && s < 1e8f)) continue;
        for (int k = 0; k < A.per_oc; k++) *nq_eq_wout(&A, c, k) /= s;
        if (A.b) A.b[c] /= s;
        nq_eq_scale_in(&B, c, s);
      }
      if (it == 0) (*n_pairs)++;
    }
  }
  return NQ_OK;
}
