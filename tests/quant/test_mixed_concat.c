/*
 * A concatenation of parts with ranges orders of magnitude apart (box
 * coordinates in pixels beside sigmoid scores) shares one int8 scale: the
 * quantizer warns once, naming the node, the narrowest input, both ranges
 * and the steps it keeps; parts of similar ranges give no warning.
 */
#include <string.h>

#include "quant/quantize.h"
#include "testutil.h"

static char last[512];
static int warnings;

static void on_warn(void *ctx, const char *msg) {
  (void)ctx;
  warnings++;
  snprintf(last, sizeof last, "%s", msg);
}

/* boxes [1, 4, 4] in [0, box_max] and scores [1, 4, 2] in [0, 1] -> concat axis 2 */
static void convert(float box_max) {
  nq_graph *g = nq_graph_new();
  const int32_t sb[3] = {1, 4, 4}, ss[3] = {1, 4, 2}, so[3] = {1, 4, 6};
  int boxes = nq_graph_add_tensor(g, "boxes", NQ_FLOAT32, 3, sb, NULL);
  int scores = nq_graph_add_tensor(g, "scores", NQ_FLOAT32, 3, ss, NULL);
  int out = nq_graph_add_tensor(g, "detections", NQ_FLOAT32, 3, so, NULL);
  nq_op_params p = nq_op_params_default();
  p.axis = 2;
  int in[2] = {boxes, scores};
  CHECK(nq_graph_add_node(g, NQ_OP_CONCATENATION, "head/concat", 2, in, 1, &out, &p, NULL) >= 0);
  CHECK(nq_graph_set_io(g, 2, in, 1, &out, NULL) == NQ_OK);
  nq_ranges r;
  CHECK(nq_ranges_init(&r, g->n_tensors, NULL) == NQ_OK);
  const float mx[3] = {box_max, 1.0f, box_max};
  for (int t = 0; t < 3; t++) {
    r.min[t] = 0.0f;
    r.max[t] = mx[t];
    r.seen[t] = 1;
  }
  nq_qoptions o = nq_qoptions_default();
  o.warn = on_warn;
  nq_graph *q = NULL;
  nq_error err;
  CHECKF(nq_quantize_graph(g, &r, &o, &q, &err) == NQ_OK, "%s", err.msg);
  nq_graph_free(q);
  nq_ranges_free(&r);
  nq_graph_free(g);
}

int main(void) {
  warnings = 0;
  convert(640.0f);
  CHECKF(warnings == 1, "%d warnings for pixels beside scores", warnings);
  CHECKF(strstr(last, "CONCATENATION 'head/concat'") && strstr(last, "input 1 ('scores', range [0, 1])") &&
             strstr(last, "[0, 640]") && strstr(last, "keeps 0.4 of 256 steps"),
         "message: %s", last);
  warnings = 0;
  convert(1.2f); /* normalised boxes: the parts share a scale fine */
  CHECKF(warnings == 0, "%d warnings for normalised boxes: %s", warnings, last);
  return nq_test_finish("test_mixed_concat");
}
