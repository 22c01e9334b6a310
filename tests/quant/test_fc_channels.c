/*
 * Per-channel FULLY_CONNECTED weights (quant/fc_channels.h): an FC whose
 * second weight row is 200x smaller than the first loses that row to one
 * scale (every weight rounds to 0 or +-1 step), so with per_channel_fc
 * (--per-channel-fc) the quantizer gives it one scale per row on axis 0,
 * and a bias per channel at s_in * s_w[c]; without it, or with
 * --per-tensor, one scale; an FC with rows of one span stays per tensor.
 */
#include <math.h>
#include <string.h>

#include "quant/fc_channels.h"
#include "quant/qparams.h"
#include "quant/quantize.h"
#include "testutil.h"

enum { ROWS = 3, COLS = 8 };

static int weights_t;

/* x [1, 8] -> FULLY_CONNECTED (3 rows; row 1 scaled by `small`) -> y [1, 3] */
static nq_graph *build(float small, nq_ranges *r) {
  nq_graph *g = nq_graph_new();
  int32_t s_x[2] = {1, COLS}, s_w[2] = {ROWS, COLS}, s_b[1] = {ROWS}, s_y[2] = {1, ROWS};
  int x = nq_graph_add_tensor(g, "x", NQ_FLOAT32, 2, s_x, NULL);
  weights_t = nq_graph_add_tensor(g, "w", NQ_FLOAT32, 2, s_w, NULL);
  int b = nq_graph_add_tensor(g, "b", NQ_FLOAT32, 1, s_b, NULL);
  int y = nq_graph_add_tensor(g, "y", NQ_FLOAT32, 2, s_y, NULL);
  float wv[ROWS * COLS], bv[ROWS] = {0.1f, -0.002f, 0.05f};
  for (int i = 0; i < ROWS * COLS; i++) {
    float v = 0.6f * sinf(1.7f * (float)i + 0.3f); /* spans about +-0.6 in every row */
    wv[i] = i / COLS == 1 ? v * small : v;
  }
  CHECK(nq_tensor_copy_data(g, weights_t, wv, sizeof wv, NULL) == NQ_OK);
  CHECK(nq_tensor_copy_data(g, b, bv, sizeof bv, NULL) == NQ_OK);
  nq_op_params p = nq_op_params_default();
  int in[3] = {x, weights_t, b};
  CHECK(nq_graph_add_node(g, NQ_OP_FULLY_CONNECTED, "fc", 3, in, 1, &y, &p, NULL) == 0);
  CHECK(nq_graph_set_io(g, 1, &x, 1, &y, NULL) == NQ_OK);
  CHECK(nq_ranges_init(r, g->n_tensors, NULL) == NQ_OK);
  r->min[x] = -1, r->max[x] = 1, r->seen[x] = 1;
  r->min[y] = -3, r->max[y] = 3, r->seen[y] = 1;
  return g;
}

static const nq_node *fc_of(const nq_graph *q) {
  for (int i = 0; i < q->n_nodes; i++)
    if (q->nodes[i].op == NQ_OP_FULLY_CONNECTED) return &q->nodes[i];
  return NULL;
}

/* Quantize; the number of weight scales, the bias checked against them. */
static int weight_scales(float small, bool per_channel_fc, bool per_tensor) {
  nq_ranges r;
  nq_graph *g = build(small, &r);
  nq_qoptions o = nq_qoptions_default();
  o.per_tensor = per_tensor;
  o.per_channel_fc = per_channel_fc;
  nq_graph *q = NULL;
  nq_error err;
  int scales = -1;
  CHECKF(nq_quantize_graph(g, &r, &o, &q, &err) == NQ_OK, "%s", err.msg);
  const nq_node *fc = q ? fc_of(q) : NULL;
  CHECK(fc != NULL);
  if (fc) {
    const nq_tensor *w = &q->tensors[fc->in[1]], *b = &q->tensors[fc->in[2]];
    scales = w->q.n;
    CHECK(w->type == NQ_INT8 && b->type == NQ_INT32);
    CHECKF(scales == 1 || (scales == ROWS && w->q.axis == 0), "%d scales on axis %d", scales, w->q.axis);
    CHECKF(b->q.n == scales, "bias has %d scales, weights %d", b->q.n, scales);
    const float s_in = nq_affine_from_range(-1, 1, -128, 127).scale;
    for (int c = 0; c < b->q.n && c < scales; c++)
      CHECKF(fabsf(b->q.scale[c] - s_in * w->q.scale[c]) <= 1e-6f * b->q.scale[c], "bias scale %d", c);
    if (scales == ROWS) {
      /* the small row keeps its 8 bits: its largest weight is +-127 */
      const int8_t *wq = (const int8_t *)w->data;
      int m = 0;
      for (int i = COLS; i < 2 * COLS; i++) m = abs(wq[i]) > m ? abs(wq[i]) : m;
      CHECKF(m == 127, "the small row's largest |weight| is %d steps", m);
    }
  }
  nq_graph_free(q);
  nq_ranges_free(&r);
  nq_graph_free(g);
  return scales;
}

int main(void) {
  nq_ranges r;
  double pt, pc;
  nq_graph *g = build(1.0f / 200, &r);
  CHECK(nq_fc_per_channel_pays(g, weights_t, &pt, &pc));
  CHECKF(pt < 10 && pc > 35, "worst row %.1f dB per tensor, %.1f dB per channel", pt, pc);
  nq_ranges_free(&r);
  nq_graph_free(g);
  g = build(1.0f, &r);
  CHECK(!nq_fc_per_channel_pays(g, weights_t, &pt, &pc));
  CHECKF(pt >= NQ_FC_ROW_MIN_DB, "equal rows: %.1f dB per tensor", pt);
  nq_ranges_free(&r);
  nq_graph_free(g);

  CHECK(weight_scales(1.0f / 200, true, false) == ROWS);
  CHECK(weight_scales(1.0f / 200, true, true) == 1);   /* --per-tensor wins */
  CHECK(weight_scales(1.0f / 200, false, false) == 1); /* off by default */
  CHECK(weight_scales(1.0f, true, false) == 1);
  return nq_test_finish("test_fc_channels");
}
