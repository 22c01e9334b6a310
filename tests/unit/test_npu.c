/* The i.MX 8M Plus (VX delegate) report: which nodes fall back and why. */
#include <string.h>

#include "core/status.h"
#include "ir/graph.h"
#include "report/npu.h"
#include "testutil.h"

static int tensor(nq_graph *g, const char *name, nq_dtype t, int c, float scale) {
  nq_error err;
  int32_t shp[4] = {1, 4, 4, c};
  int i = nq_graph_add_tensor(g, name, t, 4, shp, &err);
  if (t == NQ_INT8) {
    int64_t zp = 0;
    nq_tensor_set_quant(g, i, 1, &scale, &zp, 0, &err);
  }
  return i;
}

int main(void) {
  nq_error err = {0};
  nq_graph *g = nq_graph_new();
  int x = tensor(g, "x", NQ_INT8, 3, 0.1f);
  int32_t ws[4] = {2, 1, 1, 3};
  int w = nq_graph_add_tensor(g, "w", NQ_INT8, 4, ws, &err);
  int8_t wd[6] = {1, 2, 3, 4, 5, 6};
  nq_tensor_copy_data(g, w, wd, sizeof wd, &err);
  float sc[2] = {0.1f, 0.2f};
  int64_t zp[2] = {0, 0};
  nq_tensor_set_quant(g, w, 2, sc, zp, 0, &err);
  int y = tensor(g, "y", NQ_INT8, 2, 0.1f);
  int yf = tensor(g, "y_float", NQ_FLOAT32, 2, 0);
  int ye = tensor(g, "y_exp", NQ_FLOAT32, 2, 0);
  int yq = tensor(g, "y_q", NQ_INT8, 2, 0.1f);
  int mp = tensor(g, "mirror", NQ_INT8, 2, 0.1f);
  nq_op_params p = nq_op_params_default();
  int cin[2] = {x, w};
  nq_graph_add_node(g, NQ_OP_CONV_2D, "conv", 2, cin, 1, &y, &p, &err);
  nq_graph_add_node(g, NQ_OP_DEQUANTIZE, "deq", 1, &y, 1, &yf, &p, &err);
  nq_graph_add_node(g, NQ_OP_EXP, "exp", 1, &yf, 1, &ye, &p, &err);
  nq_graph_add_node(g, NQ_OP_QUANTIZE, "q", 1, &ye, 1, &yq, &p, &err);
  nq_graph_add_node(g, NQ_OP_MIRROR_PAD, "mirror", 1, &yq, 1, &mp, &p, &err);
  nq_graph_set_io(g, 1, &x, 1, &mp, &err);

  nq_npu_report r;
  CHECK(nq_npu_check(g, "imx8mp", &r, &err) == NQ_OK);
  CHECKF(r.n_nodes == 5 && r.n_fallback == 2, "%d of %d fall back", r.n_fallback, r.n_nodes);
  bool saw_exp = false, saw_mirror = false, saw_note = false;
  for (int i = 0; i < r.n_findings; i++) {
    const nq_npu_finding *f = &r.findings[i];
    if (f->node == 2) saw_exp = f->fallback && strstr(f->reason, "float32 EXP");
    if (f->node == 4) saw_mirror = f->fallback && strstr(f->reason, "not supported");
    if (f->node == -1) saw_note = !f->fallback && strstr(f->reason, "per-tensor");
  }
  CHECK(saw_exp && saw_mirror && saw_note);
  nq_npu_report_free(&r);
  CHECK(nq_npu_check(g, "hexagon", &r, &err) == NQ_ERR_INVALID_ARG && strstr(err.msg, "imx8mp") &&
        strstr(err.msg, "ethos-u") && strstr(err.msg, "edgetpu"));
  nq_graph_free(g);
  return nq_test_finish("test_npu");
}
