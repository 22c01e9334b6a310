/*
 * The quantizer's side of the float tail (quant/float_tail.h): with the
 * LOGISTIC and the CONCATENATION of conv -> LOGISTIC -> CONCATENATION(conv,
 * scores) marked as float nodes and a float32 output,
 *  - the conv keeps its own int8 scale (the float concatenation ties
 *    nothing: fully int8 it shares the concatenation's wider one);
 *  - its int8 output is dequantized once, right after it, for both readers
 *    (the float tensor named as in the float model, the int8 one NAME_int8);
 *  - LOGISTIC and CONCATENATION run on float32 tensors, the concatenation's
 *    float output is the model output under its own name, and no int8 twin
 *    of the tail's tensors is left in the graph.
 */
#include <math.h>
#include <string.h>

#include "quant/qparams.h"
#include "quant/quantize.h"
#include "testutil.h"

static int input_t, conv_t, scores_t, out_t;

/* input [1,2,2,2] -> CONV_2D (2 -> 3, 1x1) -> LOGISTIC; CONCATENATION(conv, scores) on the channels */
static nq_graph *build(nq_ranges *r) {
  nq_graph *g = nq_graph_new();
  int32_t s_in[4] = {1, 2, 2, 2}, s_w[4] = {3, 1, 1, 2}, s_b[1] = {3}, s_c[4] = {1, 2, 2, 3},
          s_o[4] = {1, 2, 2, 6};
  input_t = nq_graph_add_tensor(g, "input", NQ_FLOAT32, 4, s_in, NULL);
  int w = nq_graph_add_tensor(g, "w", NQ_FLOAT32, 4, s_w, NULL);
  int b = nq_graph_add_tensor(g, "b", NQ_FLOAT32, 1, s_b, NULL);
  conv_t = nq_graph_add_tensor(g, "logits", NQ_FLOAT32, 4, s_c, NULL);
  scores_t = nq_graph_add_tensor(g, "scores", NQ_FLOAT32, 4, s_c, NULL);
  out_t = nq_graph_add_tensor(g, "detections", NQ_FLOAT32, 4, s_o, NULL);
  const float wv[6] = {0.5f, -1.0f, 0.25f, 0.125f, -2.0f, 2.0f}, bv[3] = {0.1f, -0.2f, 0.3f};
  CHECK(nq_tensor_copy_data(g, w, wv, sizeof wv, NULL) == NQ_OK);
  CHECK(nq_tensor_copy_data(g, b, bv, sizeof bv, NULL) == NQ_OK);
  nq_op_params p = nq_op_params_default();
  int cin[3] = {input_t, w, b}, cat[2] = {conv_t, scores_t};
  CHECK(nq_graph_add_node(g, NQ_OP_CONV_2D, "head", 3, cin, 1, &conv_t, &p, NULL) == 0);
  CHECK(nq_graph_add_node(g, NQ_OP_LOGISTIC, "sigmoid", 1, &conv_t, 1, &scores_t, &p, NULL) == 1);
  p.axis = 3;
  CHECK(nq_graph_add_node(g, NQ_OP_CONCATENATION, "concat", 2, cat, 1, &out_t, &p, NULL) == 2);
  CHECK(nq_graph_set_io(g, 1, &input_t, 1, &out_t, NULL) == NQ_OK);
  CHECK(nq_ranges_init(r, g->n_tensors, NULL) == NQ_OK);
  const int ts[4] = {input_t, conv_t, scores_t, out_t};
  const float lo[4] = {-1, -4, 0, -8}, hi[4] = {1, 4, 1, 8}; /* output wider: shared, it shows */
  for (int k = 0; k < 4; k++) {
    r->min[ts[k]] = lo[k];
    r->max[ts[k]] = hi[k];
    r->seen[ts[k]] = 1;
  }
  return g;
}

static int count_op(const nq_graph *q, nq_op op) {
  int n = 0;
  for (int i = 0; i < q->n_nodes; i++) n += q->nodes[i].op == op;
  return n;
}

static const nq_node *node_of(const nq_graph *q, nq_op op) {
  for (int i = 0; i < q->n_nodes; i++)
    if (q->nodes[i].op == op) return &q->nodes[i];
  return NULL;
}

static nq_graph *quantize(const unsigned char *float_nodes) {
  nq_ranges r;
  nq_graph *g = build(&r);
  nq_qoptions o = nq_qoptions_default();
  o.input_type = NQ_FLOAT32;
  o.output_type = NQ_FLOAT32;
  o.float_nodes = float_nodes;
  nq_graph *q = NULL;
  nq_error err;
  CHECKF(nq_quantize_graph(g, &r, &o, &q, &err) == NQ_OK, "%s", err.msg);
  nq_ranges_free(&r);
  nq_graph_free(g);
  return q;
}

int main(void) {
  /* fully int8: the conv's output shares the concatenation's [-8, 8] scale */
  nq_graph *q = quantize(NULL);
  const nq_node *conv = node_of(q, NQ_OP_CONV_2D);
  nq_affine shared = nq_affine_from_range(-8, 8, -128, 127);
  CHECK(conv && q->tensors[conv->out[0]].type == NQ_INT8 &&
        q->tensors[conv->out[0]].q.scale[0] == shared.scale);
  CHECK(count_op(q, NQ_OP_DEQUANTIZE) == 1); /* the float32 output only */
  nq_graph_free(q);

  const unsigned char tail[3] = {0, 1, 1};
  q = quantize(tail);
  CHECK(q != NULL);
  if (!q) return nq_test_finish("test_float_tail_graph");
  conv = node_of(q, NQ_OP_CONV_2D);
  const nq_tensor *co = &q->tensors[conv->out[0]];
  nq_affine own = nq_affine_from_range(-4, 4, -128, 127);
  CHECKF(co->type == NQ_INT8 && co->q.n == 1 && co->q.scale[0] == own.scale,
         "conv output scale %g, %g expected", co->q.n ? (double)co->q.scale[0] : 0.0, (double)own.scale);
  /* one DEQUANTIZE, reading the conv's int8 output, feeds both tail nodes */
  CHECKF(count_op(q, NQ_OP_DEQUANTIZE) == 1, "%d DEQUANTIZE nodes", count_op(q, NQ_OP_DEQUANTIZE));
  const nq_node *dq = node_of(q, NQ_OP_DEQUANTIZE);
  const nq_node *sig = node_of(q, NQ_OP_LOGISTIC), *cat = node_of(q, NQ_OP_CONCATENATION);
  CHECK(dq && sig && cat && dq->in[0] == conv->out[0]);
  CHECK(sig && sig->in[0] == dq->out[0] && q->tensors[sig->out[0]].type == NQ_FLOAT32);
  CHECK(cat && cat->in[0] == dq->out[0] && cat->in[1] == sig->out[0]);
  /* the output: the concatenation's float tensor, under the model's name */
  CHECK(q->n_outputs == 1 && cat && q->outputs[0] == cat->out[0]);
  CHECK(q->tensors[q->outputs[0]].type == NQ_FLOAT32 &&
        strcmp(q->tensors[q->outputs[0]].name, "detections") == 0);
  int named = 0;
  for (int t = 0; t < q->n_tensors; t++)
    named += q->tensors[t].name && (strcmp(q->tensors[t].name, "scores") == 0 ||
                                    strncmp(q->tensors[t].name, "detections", 10) == 0);
  CHECKF(named == 2, "%d tensors named after the tail's outputs (2: their float tensors only)", named);
  CHECK(count_op(q, NQ_OP_QUANTIZE) == 1); /* the float32 input only */
  /* the float logits keep the float model's name (compare --tensors pairs them), the int8 ones are NAME_int8
   */
  CHECK(dq && strcmp(q->tensors[dq->out[0]].name, "logits") == 0 &&
        strcmp(q->tensors[dq->in[0]].name, "logits_int8") == 0);
  nq_graph_free(q);
  return nq_test_finish("test_float_tail_graph");
}
