/*
 * Column parts (report/column_parts.h): a detector's rows put together by a
 * CONCATENATION along the last axis are judged per column group.
 *  - two levels, each boxes [1,R,2] (RELU) beside scores [1,R,3] (LOGISTIC)
 *    concatenated on the last axis, the levels concatenated on axis 1, then
 *    reshaped keeping the last axis: groups {0,1} and {2,3,4} on every row;
 *  - levels whose groups differ, a TRANSPOSE moving the last axis, parts
 *    that do not add up to the width their concatenation claims: no parts;
 *  - compare against a test graph whose scores differ (TANH for LOGISTIC):
 *    the boxes' group is exact (+inf dB), the scores' group is not, the
 *    whole output's SQNR hides it behind the boxes, and the per-sample errors
 *    of each group add up to its total.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/array_source.h"
#include "report/column_parts.h"
#include "report/compare.h"
#include "testutil.h"

enum { ROWS_A = 4, ROWS_B = 2 };

/* how: 0 the detector, 1 level B's groups 3 + 2, 2 a TRANSPOSE at the end,
 * 3 level B's parts 2 + 2 under a concatenation that claims 5 (a hostile file);
 * tanh_scores: the test graph. */
static nq_graph *build(int how, bool tanh_scores) {
  nq_graph *g = nq_graph_new();
  nq_op_params p = nq_op_params_default();
  int rows[2] = {ROWS_A, ROWS_B}, inputs[2], levels[2];
  for (int l = 0; l < 2; l++) {
    int wb = how == 1 && l == 1 ? 3 : 2, ws = how == 3 && l == 1 ? 2 : 5 - wb;
    const int32_t sx[3] = {1, rows[l], 5}, sb[3] = {1, rows[l], wb}, ss[3] = {1, rows[l], ws},
                  sc[3] = {1, rows[l], 5};
    char name[32];
    snprintf(name, sizeof name, "x%d", l);
    inputs[l] = nq_graph_add_tensor(g, name, NQ_FLOAT32, 3, sx, NULL);
    int b = nq_graph_add_tensor(g, NULL, NQ_FLOAT32, 3, sb, NULL);
    int s = nq_graph_add_tensor(g, NULL, NQ_FLOAT32, 3, ss, NULL);
    int bs = nq_graph_add_tensor(g, NULL, NQ_FLOAT32, 3, sb, NULL);
    int ssl = nq_graph_add_tensor(g, NULL, NQ_FLOAT32, 3, ss, NULL);
    /* boxes: the first wb columns of x, scores: the rest (SPLIT_V-free: two slices) */
    const int32_t b0[3] = {0, 0, 0}, bsz[3] = {1, rows[l], wb}, s0[3] = {0, 0, wb}, ssz[3] = {1, rows[l], ws};
    int t_b0 = nq_graph_add_tensor(g, NULL, NQ_INT32, 1, (int32_t[]){3}, NULL);
    int t_bs = nq_graph_add_tensor(g, NULL, NQ_INT32, 1, (int32_t[]){3}, NULL);
    int t_s0 = nq_graph_add_tensor(g, NULL, NQ_INT32, 1, (int32_t[]){3}, NULL);
    int t_ss = nq_graph_add_tensor(g, NULL, NQ_INT32, 1, (int32_t[]){3}, NULL);
    CHECK(nq_tensor_copy_data(g, t_b0, b0, sizeof b0, NULL) == NQ_OK);
    CHECK(nq_tensor_copy_data(g, t_bs, bsz, sizeof bsz, NULL) == NQ_OK);
    CHECK(nq_tensor_copy_data(g, t_s0, s0, sizeof s0, NULL) == NQ_OK);
    CHECK(nq_tensor_copy_data(g, t_ss, ssz, sizeof ssz, NULL) == NQ_OK);
    int in_b[3] = {inputs[l], t_b0, t_bs}, in_s[3] = {inputs[l], t_s0, t_ss};
    CHECK(nq_graph_add_node(g, NQ_OP_SLICE, NULL, 3, in_b, 1, &bs, &p, NULL) >= 0);
    CHECK(nq_graph_add_node(g, NQ_OP_SLICE, NULL, 3, in_s, 1, &ssl, &p, NULL) >= 0);
    CHECK(nq_graph_add_node(g, NQ_OP_RELU, NULL, 1, &bs, 1, &b, &p, NULL) >= 0);
    CHECK(nq_graph_add_node(g, tanh_scores ? NQ_OP_TANH : NQ_OP_LOGISTIC, NULL, 1, &ssl, 1, &s, &p, NULL) >=
          0);
    levels[l] = nq_graph_add_tensor(g, NULL, NQ_FLOAT32, 3, sc, NULL);
    int parts[2] = {b, s};
    p.axis = -1;
    CHECK(nq_graph_add_node(g, NQ_OP_CONCATENATION, NULL, 2, parts, 1, &levels[l], &p, NULL) >= 0);
    p = nq_op_params_default();
  }
  const int32_t sr[3] = {1, ROWS_A + ROWS_B, 5}, so[4] = {1, 1, ROWS_A + ROWS_B, 5},
                st[3] = {1, 5, ROWS_A + ROWS_B};
  int rows_t = nq_graph_add_tensor(g, NULL, NQ_FLOAT32, 3, sr, NULL);
  p.axis = 1;
  CHECK(nq_graph_add_node(g, NQ_OP_CONCATENATION, NULL, 2, levels, 1, &rows_t, &p, NULL) >= 0);
  p = nq_op_params_default();
  int out;
  if (how == 2) {
    out = nq_graph_add_tensor(g, "det", NQ_FLOAT32, 3, st, NULL);
    int perm = nq_graph_add_tensor(g, NULL, NQ_INT32, 1, (int32_t[]){3}, NULL);
    const int32_t pv[3] = {0, 2, 1};
    CHECK(nq_tensor_copy_data(g, perm, pv, sizeof pv, NULL) == NQ_OK);
    int tin[2] = {rows_t, perm};
    CHECK(nq_graph_add_node(g, NQ_OP_TRANSPOSE, NULL, 2, tin, 1, &out, &p, NULL) >= 0);
  } else {
    out = nq_graph_add_tensor(g, "det", NQ_FLOAT32, 4, so, NULL);
    p.new_shape_rank = 4;
    memcpy(p.new_shape, so, sizeof so);
    CHECK(nq_graph_add_node(g, NQ_OP_RESHAPE, NULL, 1, &rows_t, 1, &out, &p, NULL) >= 0);
  }
  CHECK(nq_graph_set_io(g, 2, inputs, 1, &out, NULL) == NQ_OK);
  return g;
}

static int parts_of(int how) {
  nq_graph *g = build(how, false);
  nq_output_map m;
  nq_error err = {0};
  CHECKF(nq_output_column_parts(g, &m, &err) == NQ_OK, "%s", err.msg);
  CHECK(m.n == 1 && m.o[0].pos[0] == 0);
  int n = m.o[0].n_parts;
  CHECK(n == 1 ? m.o[0].part == NULL && m.n_parts_total == 0 : m.n_parts_total == n);
  nq_output_map_free(&m);
  nq_graph_free(g);
  return n;
}

int main(void) {
  nq_error err = {0};
  nq_graph *ref = build(0, false), *test = build(0, true);
  nq_output_map cols;
  CHECKF(nq_output_column_parts(ref, &cols, &err) == NQ_OK, "%s", err.msg);
  CHECKF(cols.n == 1 && cols.o[0].n_parts == 2 && cols.n_parts_total == 2, "%d parts", cols.o[0].n_parts);
  CHECK(cols.o[0].n == (size_t)(ROWS_A + ROWS_B) * 5);
  for (size_t i = 0; i < cols.o[0].n; i++)
    CHECKF(cols.o[0].part[i] == (i % 5 < 2 ? 0 : 1), "element %zu in part %d", i, (int)cols.o[0].part[i]);

  CHECKF(parts_of(1) == 1, "levels with different column groups: no parts");
  CHECKF(parts_of(2) == 1, "a transpose moving the last axis: no parts");
  CHECKF(parts_of(3) == 1, "parts that do not fill the concatenation's width: no parts");

  enum { N = 5, PER = (ROWS_A + ROWS_B) * 5 };
  float data[N * PER];
  srand(11);
  for (int i = 0; i < N * PER; i++) data[i] = (float)rand() / RAND_MAX * 400.0f - 100.0f;
  nq_array_source a;
  CHECK(nq_array_source_init(&a, ref, data, N, "test", &err) == NQ_OK);
  nq_sample_source src;
  nq_sample_source_init(&src);
  src.n_samples = N;
  src.fill = nq_array_source_fill;
  src.ctx = &a;
  nq_session_options so;
  memset(&so, 0, sizeof so);
  so.num_threads = 1;
  nq_compare_result r;
  CHECKF(nq_compare_with_ref(ref, NULL, test, &src, NULL, 0, &so, &cols, &r, &err) == NQ_OK, "%s", err.msg);
  CHECK(r.n_outputs == 1 && r.n_parts == 2 && r.part_output[0] == 0 && r.part_output[1] == 0);
  double whole = nq_metrics_sqnr_db(&r.outputs[0]), boxes = nq_metrics_sqnr_db(&r.parts[0]),
         scores = nq_metrics_sqnr_db(&r.parts[1]);
  CHECKF(isinf(boxes) && isfinite(scores) && whole > scores + 20, "whole %g, boxes %g, scores %g dB", whole,
         boxes, scores);
  CHECKF(strstr(r.parts[1].name, "det:columns1") != NULL, "part name '%s'", r.parts[1].name);
  CHECK(r.parts[0].count == (size_t)N * (ROWS_A + ROWS_B) * 2 &&
        r.parts[1].count == (size_t)N * (ROWS_A + ROWS_B) * 3);
  for (int k = 0; k < 2; k++) {
    double sum = 0;
    for (int s = 0; s < N; s++) sum += r.part_sample_err2[k * N + s];
    CHECKF(fabs(sum - r.parts[k].sum_err2) <= 1e-9 * (1 + r.parts[k].sum_err2), "part %d: %g vs %g", k, sum,
           r.parts[k].sum_err2);
  }
  nq_compare_result_free(&r);

  /* without columns: the whole output only, as before */
  CHECKF(nq_compare_with_ref(ref, NULL, test, &src, NULL, 0, &so, NULL, &r, &err) == NQ_OK, "%s", err.msg);
  CHECK(r.n_parts == 0 && r.part_sample_err2 == NULL);
  nq_compare_result_free(&r);
  nq_output_map_free(&cols);
  nq_graph_free(ref);
  nq_graph_free(test);
  return nq_test_finish("test_column_parts");
}
