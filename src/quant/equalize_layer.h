/*
 * The convolution view both equalizers share (equalize.c, weights;
 * equalize_act.c, activation ranges): a CONV_2D or DEPTHWISE_CONV_2D
 * (multiplier 1) with constant float weights, its output channels and the
 * input channels a scale can move to.
 */
#ifndef NQ_QUANT_EQUALIZE_LAYER_H
#define NQ_QUANT_EQUALIZE_LAYER_H

#include <stdbool.h>

#include "ir/graph.h"

typedef struct nq_eq_layer {
  int node;
  float *w;   /* weights, row-major in the tensor's shape */
  float *b;   /* bias or NULL */
  int oc;     /* output channels */
  bool dw;    /* depthwise: weights [1, h, w, C], channel = last dim */
  int per_oc; /* weight values per output channel (conv: h*w*in) */
  int in_ch;  /* conv: input channels (last dim) */
} nq_eq_layer;

/* Node i as a layer; false when it is not one equalization can scale. */
bool nq_eq_as_layer(nq_graph *g, int i, nq_eq_layer *L);

/* Weight value k (0..per_oc) of output channel c. */
float *nq_eq_wout(const nq_eq_layer *L, int c, int k);

/* Largest |weight| of output channel c of A / input channel c of B. */
float nq_eq_out_range(const nq_eq_layer *A, int c);
float nq_eq_in_range(const nq_eq_layer *B, int c);

/* Multiply output channel c (weights and bias) / input channel c by s. */
void nq_eq_scale_out(nq_eq_layer *A, int c, float s);
void nq_eq_scale_in(nq_eq_layer *B, int c, float s);

/* How many node inputs read tensor t. */
int nq_eq_use_count(const nq_graph *g, int t);

/* The single consumer of tensor t, reading it as input 0, or -1 (model
 * outputs and weight/bias uses count as other consumers). */
int nq_eq_single_consumer(const nq_graph *g, int t);

/* A's and B's constants are used by them alone (scaling them would change
 * every other user too). */
bool nq_eq_constants_private(const nq_graph *g, const nq_eq_layer *A, const nq_eq_layer *B);

#endif
