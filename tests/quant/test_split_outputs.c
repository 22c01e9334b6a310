/*
 * --split-outputs on the float graph (quant/split_outputs.h) and putting the
 * parts back (report/split_parts.h):
 *  - x -> RELU (boxes, [1,4,3]) and y -> LOGISTIC (scores, [1,4,2]) are
 *    concatenated on axis 2, transposed to [1,5,4] and reshaped to [1,20]
 *    ("detections"); y -> TANH is a second output ("aux"). Split, the
 *    outputs are detections:part0, detections:part1, aux, the record says so
 *    exactly, and the concatenation, transpose and reshape are gone;
 *  - compare of the original against the split float graph on random
 *    samples: both original outputs identical (SQNR +inf: the parts land
 *    where the concatenation, transpose and reshape put them), each part
 *    identical to its slice, named after the part;
 *  - fully int8 without the split, the quantizer's warning gives both parts'
 *    ranges and suggests --split-outputs;
 *  - hostile records (bad axis, output positions out of range or repeated,
 *    parts that do not cover the axis, a bad permutation, truncated) are
 *    refused with a message naming the record;
 *  - a graph with no concatenated output, or a dimension on the way not
 *    known: a note saying why, no error.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/array_source.h"
#include "quant/quantize.h"
#include "quant/split_outputs.h"
#include "report/compare.h"
#include "report/split_parts.h"
#include "testutil.h"

static char notes[2048];

static void on_note(void *ctx, const char *msg) {
  (void)ctx;
  snprintf(notes + strlen(notes), sizeof notes - strlen(notes), "%s\n", msg);
}

static nq_graph *build(bool with_concat) {
  nq_graph *g = nq_graph_new();
  const int32_t sx[3] = {1, 4, 3}, sy[3] = {1, 4, 2}, sc[3] = {1, 4, 5}, st[3] = {1, 5, 4}, so[2] = {1, 20},
                sp[1] = {3};
  int x = nq_graph_add_tensor(g, "x", NQ_FLOAT32, 3, sx, NULL);
  int y = nq_graph_add_tensor(g, "y", NQ_FLOAT32, 3, sy, NULL);
  int boxes = nq_graph_add_tensor(g, "boxes", NQ_FLOAT32, 3, sx, NULL);
  int scores = nq_graph_add_tensor(g, "scores", NQ_FLOAT32, 3, sy, NULL);
  int aux = nq_graph_add_tensor(g, "aux", NQ_FLOAT32, 3, sy, NULL);
  nq_op_params p = nq_op_params_default();
  CHECK(nq_graph_add_node(g, NQ_OP_RELU, "relu", 1, &x, 1, &boxes, &p, NULL) >= 0);
  CHECK(nq_graph_add_node(g, NQ_OP_LOGISTIC, "sigmoid", 1, &y, 1, &scores, &p, NULL) >= 0);
  CHECK(nq_graph_add_node(g, NQ_OP_TANH, "tanh", 1, &y, 1, &aux, &p, NULL) >= 0);
  int io[2] = {x, y}, outs[2] = {aux, aux};
  if (with_concat) {
    int cat = nq_graph_add_tensor(g, "cat", NQ_FLOAT32, 3, sc, NULL);
    int tr = nq_graph_add_tensor(g, "transposed", NQ_FLOAT32, 3, st, NULL);
    int det = nq_graph_add_tensor(g, "detections", NQ_FLOAT32, 2, so, NULL);
    int perm = nq_graph_add_tensor(g, "perm", NQ_INT32, 1, sp, NULL);
    const int32_t pv[3] = {0, 2, 1};
    CHECK(nq_tensor_copy_data(g, perm, pv, sizeof pv, NULL) == NQ_OK);
    p.axis = 2;
    int parts[2] = {boxes, scores}, tin[2] = {cat, perm};
    CHECK(nq_graph_add_node(g, NQ_OP_CONCATENATION, "concat", 2, parts, 1, &cat, &p, NULL) >= 0);
    p = nq_op_params_default();
    CHECK(nq_graph_add_node(g, NQ_OP_TRANSPOSE, "transpose", 2, tin, 1, &tr, &p, NULL) >= 0);
    p.new_shape_rank = 2;
    p.new_shape[0] = 1;
    p.new_shape[1] = 20;
    CHECK(nq_graph_add_node(g, NQ_OP_RESHAPE, "flatten", 1, &tr, 1, &det, &p, NULL) >= 0);
    outs[0] = det;
  }
  CHECK(nq_graph_set_io(g, 2, io, with_concat ? 2 : 1, with_concat ? outs : &outs[1], NULL) == NQ_OK);
  return g;
}

static int count_op(const nq_graph *g, nq_op op) {
  int n = 0;
  for (int i = 0; i < g->n_nodes; i++) n += g->nodes[i].op == op;
  return n;
}

/* The record of g, replaced by text. */
static void set_record(nq_graph *g, const char *text) {
  for (int m = 0; m < g->n_metadata; m++)
    if (!strcmp(g->metadata[m].name, NQ_SPLIT_RECORD_KEY)) {
      free(g->metadata[m].data);
      g->metadata[m].size = strlen(text);
      g->metadata[m].data = malloc(g->metadata[m].size + 1);
      memcpy(g->metadata[m].data, text, g->metadata[m].size);
    }
}

static void refused(nq_graph *ref, nq_graph *split, const char *text, const char *expect) {
  set_record(split, text);
  nq_output_map m;
  nq_error err = {0};
  nq_status st = nq_output_map_build(ref, split, &m, &err);
  bool names_record = strstr(err.msg, NQ_SPLIT_RECORD_KEY) || strstr(expect, "sizes"); /* names the outputs */
  CHECKF(st != NQ_OK && names_record && strstr(err.msg, expect),
         "record '%s': %s (expected an error with '%s')", text, st == NQ_OK ? "accepted" : err.msg, expect);
  if (st == NQ_OK) nq_output_map_free(&m);
}

static void warns_about_mixed_concat(nq_graph *g) {
  nq_ranges r;
  CHECK(nq_ranges_init(&r, g->n_tensors, NULL) == NQ_OK);
  for (int t = 0; t < g->n_tensors; t++) {
    const char *n = g->tensors[t].name;
    bool small = !strcmp(n, "y") || !strcmp(n, "scores") || !strcmp(n, "aux");
    r.min[t] = small && strcmp(n, "scores") ? -1.0f : 0.0f;
    r.max[t] = small ? 1.0f : 640.0f;
    r.seen[t] = 1;
  }
  nq_qoptions o = nq_qoptions_default();
  o.warn = on_note;
  notes[0] = 0;
  nq_graph *q = NULL;
  nq_error err;
  CHECKF(nq_quantize_graph(g, &r, &o, &q, &err) == NQ_OK, "%s", err.msg);
  CHECKF(strstr(notes, "CONCATENATION 'concat'") && strstr(notes, "the parts' ranges: [0, 640], [0, 1]") &&
             strstr(notes, "--split-outputs"),
         "the warning gives the parts' ranges and suggests --split-outputs: %s", notes);
  nq_graph_free(q);
  nq_ranges_free(&r);
}

int main(void) {
  nq_graph *ref = build(true);
  warns_about_mixed_concat(ref);
  nq_error err;
  nq_graph *split = nq_graph_clone(ref, &err);
  CHECK(split != NULL);
  int n_split = 0;
  notes[0] = 0;
  CHECKF(nq_split_outputs(split, on_note, NULL, &n_split, &err) == NQ_OK, "%s", err.msg);
  CHECK(n_split == 1 && split->n_outputs == 3);
  CHECKF(strstr(notes, "--split-outputs: output 'detections' [1,20]") &&
             strstr(notes, "'detections:part0' [1,4,3], 'detections:part1' [1,4,2]"),
         "note: %s", notes);
  const char *names[3] = {"detections:part0", "detections:part1", "aux"};
  for (int k = 0; k < 3 && split->n_outputs == 3; k++)
    CHECKF(!strcmp(split->tensors[split->outputs[k]].name, names[k]), "output %d is '%s'", k,
           split->tensors[split->outputs[k]].name);
  CHECK(count_op(split, NQ_OP_CONCATENATION) == 0 && count_op(split, NQ_OP_TRANSPOSE) == 0 &&
        count_op(split, NQ_OP_RESHAPE) == 0);
  const char *want = NQ_SPLIT_RECORD_MAGIC " 2\nsplit 2 3 1 4 5 2 0 1 2 T 3 0 2 1 R 2 1 20\nwhole 2\n";
  const nq_metadata *rec = NULL;
  for (int m = 0; m < split->n_metadata; m++)
    if (!strcmp(split->metadata[m].name, NQ_SPLIT_RECORD_KEY)) rec = &split->metadata[m];
  CHECKF(rec && rec->size == strlen(want) && !memcmp(rec->data, want, rec->size), "record: %.*s",
         rec ? (int)rec->size : 0, rec ? (const char *)rec->data : "");

  /* compare puts the parts back exactly */
  enum { N = 4, PER = 12 + 8 };
  float data[N * PER];
  srand(7);
  for (int i = 0; i < N * PER; i++) data[i] = (float)rand() / RAND_MAX * 200.0f - 50.0f;
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
  nq_compare_result res;
  CHECKF(nq_compare_models(ref, split, &src, false, NULL, 0, &so, &res, &err) == NQ_OK, "%s", err.msg);
  CHECK(res.n_outputs == 2 && res.n_parts == 2);
  for (int j = 0; j < res.n_outputs; j++)
    CHECKF(isinf(nq_metrics_sqnr_db(&res.outputs[j])) && res.outputs[j].count == (size_t)N * (j ? 8 : 20),
           "output %s: %g dB over %zu values", res.outputs[j].name, nq_metrics_sqnr_db(&res.outputs[j]),
           res.outputs[j].count);
  for (int k = 0; k < res.n_parts; k++)
    CHECKF(isinf(nq_metrics_sqnr_db(&res.parts[k])) && res.parts[k].sum_ref2 > 0 && res.part_output[k] == 0 &&
               !strcmp(res.parts[k].name, names[k]) && res.parts[k].count == (size_t)N * (k ? 8 : 12),
           "part %d '%s': %g dB, %zu values", k, res.parts[k].name, nq_metrics_sqnr_db(&res.parts[k]),
           res.parts[k].count);
  nq_compare_result_free(&res);

  /* a record that does not fit is refused before it indexes anything */
  refused(ref, split, "npuquant-split-outputs 1 2\nsplit 3 3 1 4 5 2 0 1 0\nwhole 2\n",
          "axis below the rank");
  refused(ref, split, "npuquant-split-outputs 1 2\nsplit 2 3 1 4 5 2 0 7 0\nwhole 2\n", "output position");
  refused(ref, split, "npuquant-split-outputs 1 2\nsplit 2 3 1 4 5 2 0 1 0\nwhole 1\n", "not listed before");
  refused(ref, split, "npuquant-split-outputs 1 2\nsplit 2 3 1 4 6 2 0 1 0\nwhole 2\n", "holds 24 values");
  refused(ref, split, "npuquant-split-outputs 1 2\nsplit 1 3 1 4 5 2 0 1 0\nwhole 2\n", "does not fit");
  refused(ref, split, "npuquant-split-outputs 1 2\nsplit 2 3 1 4 5 2 0 1 1 T 3 0 1 1\nwhole 2\n",
          "a permutation");
  refused(ref, split, "npuquant-split-outputs 1 2\nsplit 2 3 1 4 5 2 0 1 1 R 2 1 21\nwhole 2\n",
          "keeping the element count");
  refused(ref, split, "npuquant-split-outputs 1 2\nsplit 2 3 1 4", "a dimension");
  refused(ref, split, "npuquant-split-outputs 1 2\nwhole 0\nwhole 1\n", "different sizes");
  refused(ref, split, "npuquant-split-outputs 2 2\n", "npuquant-split-outputs 1");
  nq_graph_free(split);
  nq_graph_free(ref);

  /* nothing to split: a note, no error, the graph unchanged */
  nq_graph *plain = build(false);
  notes[0] = 0;
  CHECK(nq_split_outputs(plain, on_note, NULL, &n_split, &err) == NQ_OK && n_split == 0);
  CHECKF(strstr(notes, "no output was split: 'aux': it is not produced by a CONCATENATION"), "note: %s",
         notes);
  CHECK(plain->n_outputs == 1 && plain->n_metadata == 0);
  nq_graph_free(plain);

  /* a dimension not known (a dynamic batch): not split, the reason said */
  nq_graph *dyn = build(true);
  dyn->tensors[nq_graph_find_tensor(dyn, "transposed")].shape[0] = -1;
  notes[0] = 0;
  CHECK(nq_split_outputs(dyn, on_note, NULL, &n_split, &err) == NQ_OK && n_split == 0 && dyn->n_outputs == 2);
  CHECKF(strstr(notes, "'detections': a shape on the way is not known"), "note: %s", notes);
  nq_graph_free(dyn);
  return nq_test_finish("test_split_outputs");
}
