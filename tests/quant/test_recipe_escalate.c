/*
 * The automatic recipe's escalation (api/recipe.c): a net whose output
 * concatenates "boxes" (a fully connected layer, values in the hundreds)
 * with "scores" (LOGISTIC, 0..1) along the last axis, output float32 with
 * the float tail off, so the concatenation is int8 and its one scale leaves
 * the scores a fraction of a step. Judged per column group (the scores on
 * their own), no int8 candidate reaches NQ_RECIPE_GOOD_DB:
 *  - recipe_int16 off (the i.MX 8M Plus): the split-weights escalation is
 *    probed and not run (every layer's int8 weights round well: a note says
 *    so), no 16x8 one is tried, a note says 16x8 was not tried and why, and
 *    the model has no int16 tensor;
 *  - recipe_int16 on (Ethos-U, the CPU): a 16x8 candidate is tried and
 *    chosen (its int16 concatenation holds the scores), the chosen recipe's
 *    validation SQNR is at least 25 dB and the model computes int16;
 *  - the same net with boxes only (nothing lost at int8): no escalation is
 *    tried at all.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/array_source.h"
#include "api/model_internal.h"
#include "testutil.h"

enum { IN = 8, BOX = 4, SCORE = 4, N = 32 };

static char names[1024], notes[4096];

static void on_candidate(void *user, const nq_recipe_candidate *c) {
  (void)user;
  snprintf(names + strlen(names), sizeof names - strlen(names), "%s (%.1f dB)\n", c->name, c->sqnr_db);
}

static void on_note(void *user, const char *msg) {
  (void)user;
  snprintf(notes + strlen(notes), sizeof notes - strlen(notes), "%s\n", msg);
}

static int fc(nq_graph *g, int x, int units, float gain, nq_rng *rng, const char *name) {
  const int32_t sw[2] = {units, IN}, sb[1] = {units}, so[2] = {1, units};
  int w = nq_graph_add_tensor(g, NULL, NQ_FLOAT32, 2, sw, NULL);
  int b = nq_graph_add_tensor(g, NULL, NQ_FLOAT32, 1, sb, NULL);
  int y = nq_graph_add_tensor(g, name, NQ_FLOAT32, 2, so, NULL);
  float wv[SCORE > BOX ? SCORE * IN : BOX * IN], bv[SCORE > BOX ? SCORE : BOX];
  for (int i = 0; i < units * IN; i++) wv[i] = gain * (float)nq_rng_uniform(rng, -1, 1);
  for (int i = 0; i < units; i++) bv[i] = gain * (float)nq_rng_uniform(rng, -0.5, 0.5);
  CHECK(nq_tensor_copy_data(g, w, wv, sizeof(float) * (size_t)(units * IN), NULL) == NQ_OK);
  CHECK(nq_tensor_copy_data(g, b, bv, sizeof(float) * (size_t)units, NULL) == NQ_OK);
  nq_op_params p = nq_op_params_default();
  int in[3] = {x, w, b};
  CHECK(nq_graph_add_node(g, NQ_OP_FULLY_CONNECTED, name, 3, in, 1, &y, &p, NULL) >= 0);
  return y;
}

static nq_model *build(bool with_scores) {
  nq_rng rng = {3};
  nq_graph *g = nq_graph_new();
  const int32_t sx[2] = {1, IN}, ss[2] = {1, SCORE}, sc[2] = {1, BOX + SCORE};
  int x = nq_graph_add_tensor(g, "x", NQ_FLOAT32, 2, sx, NULL);
  int boxes = fc(g, x, BOX, 80.0f, &rng, "boxes");
  int out = boxes;
  if (with_scores) {
    int logits = fc(g, x, SCORE, 0.6f, &rng, "logits");
    int scores = nq_graph_add_tensor(g, "scores", NQ_FLOAT32, 2, ss, NULL);
    nq_op_params p = nq_op_params_default();
    CHECK(nq_graph_add_node(g, NQ_OP_LOGISTIC, "sigmoid", 1, &logits, 1, &scores, &p, NULL) >= 0);
    out = nq_graph_add_tensor(g, "detections", NQ_FLOAT32, 2, sc, NULL);
    p.axis = -1;
    int parts[2] = {boxes, scores};
    CHECK(nq_graph_add_node(g, NQ_OP_CONCATENATION, "concat", 2, parts, 1, &out, &p, NULL) >= 0);
  }
  CHECK(nq_graph_set_io(g, 1, &x, 1, &out, NULL) == NQ_OK);
  nq_model *m = NULL;
  nq_error err = {0};
  CHECKF(nq_model_wrap(g, NULL, &m, &err) == NQ_OK, "%s", err.msg);
  return m;
}

static bool has_int16(const nq_model *q) {
  for (int t = 0; t < q->graph->n_tensors; t++)
    if (q->graph->tensors[t].type == NQ_INT16) return true;
  return false;
}

/* Convert with the automatic recipe; names and notes collect what it said. */
static nq_model *convert(const nq_model *m, const float *data, int recipe_int16, nq_convert_stats *stats) {
  names[0] = notes[0] = 0;
  nq_convert_options o;
  nq_convert_options_init(&o);
  o.recipe_auto = 1;
  o.recipe_int16 = recipe_int16;
  o.output_type = NQ_FLOAT32;
  o.no_float_tail = 1;
  o.num_threads = 1;
  o.recipe_candidate = on_candidate;
  o.note = on_note;
  nq_sample_source src;
  nq_array_source a;
  nq_error err = {0};
  CHECK(nq_array_source_init(&a, m->graph, data, N, "samples", &err) == NQ_OK);
  nq_sample_source_init(&src);
  src.n_samples = N;
  src.fill = nq_array_source_fill;
  src.ctx = &a;
  memset(stats, 0, sizeof *stats);
  stats->struct_size = sizeof *stats;
  nq_model *q = NULL;
  CHECKF(nq_convert_source(m, &src, &o, &q, stats, &err) == NQ_OK, "%s", err.msg);
  return q;
}

int main(void) {
  float data[N * IN];
  nq_rng rng = {9};
  for (int i = 0; i < N * IN; i++) data[i] = (float)nq_rng_uniform(&rng, -3, 3);

  nq_model *m = build(true);
  nq_convert_stats st;
  nq_model *q = convert(m, data, 0, &st);
  CHECKF(!strstr(names, "16x8") && !strstr(names, "int16"), "int8 target: no 16x8 tried:\n%s", names);
  /* its weights round well: the split escalation is asked first, and says why it does not run */
  CHECKF(!strstr(names, "split-weights") &&
             strstr(notes, "minmax+split-weights not run: no layer's int8 weights"),
         "split weights probed, not run:\n%s%s", names, notes);
  CHECKF(strstr(notes, "worst output (part), 'detections:columns1', reached") &&
             strstr(notes, "16x8 (int16 activations) was not tried"),
         "the note names the scores' column group and says 16x8 was withheld:\n%s", notes);
  CHECKF(st.recipe_sqnr_db < NQ_RECIPE_GOOD_DB, "int8 scores part %.2f dB (under %.0f expected)",
         st.recipe_sqnr_db, NQ_RECIPE_GOOD_DB);
  CHECK(q && !has_int16(q));
  double int8_db = st.recipe_sqnr_db;
  nq_model_free(q);

  q = convert(m, data, 1, &st);
  CHECKF(strstr(names, "16x8") || strstr(names, "int16"), "16x8 target: 16x8 tried:\n%s", names);
  CHECKF(strstr(st.recipe, "16x8") || strstr(st.recipe, "int16"), "16x8 chosen, got %s:\n%s", st.recipe,
         names);
  CHECKF(st.recipe_sqnr_db >= NQ_RECIPE_GOOD_DB && st.recipe_sqnr_db > int8_db + 10,
         "16x8: %.2f dB (int8 %.2f)", st.recipe_sqnr_db, int8_db);
  CHECK(q && has_int16(q) && st.int16_nodes > 0);
  nq_model_free(q);
  nq_model_free(m);

  m = build(false);
  q = convert(m, data, 1, &st);
  CHECKF(!strstr(names, "split-weights") && !strstr(names, "16x8") && !strstr(names, "int16"),
         "nothing lost at int8: no escalation:\n%s", names);
  CHECKF(st.recipe_sqnr_db >= NQ_RECIPE_GOOD_DB, "boxes only: %.2f dB", st.recipe_sqnr_db);
  nq_model_free(q);
  nq_model_free(m);
  return nq_test_finish("test_recipe_escalate");
}
