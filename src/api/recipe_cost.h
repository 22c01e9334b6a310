/*
 * What the automatic recipe's search costs, estimated from the model's
 * shapes (not measured: a clock would make the choice, and so the bytes,
 * depend on the machine's load). The unit is the multiply-accumulate of
 * the float model's matrix layers; an int8 pass is counted as a float one.
 */
#ifndef NQ_API_RECIPE_COST_H
#define NQ_API_RECIPE_COST_H

#include "ir/graph.h"

typedef struct nq_model_cost {
  double gmac;     /* one sample through the model, in 10^9 multiply-accumulates */
  int bias_layers; /* layers bias correction measures (one model pass each per sample) */
} nq_model_cost;

void nq_model_cost_of(const nq_graph *g, nq_model_cost *c);

#endif
