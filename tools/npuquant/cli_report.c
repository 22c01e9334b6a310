#include "cli_report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_diagnose.h"
#include "cli_recipe.h"
#include "json_out.h"

typedef struct op_count {
  const char *op;
  int version, count;
} op_count;

/* Ops of a model grouped by (op, version) in first-use order; *out is
 * malloc'd (one slot per node at most). Returns the count, -1 when out of
 * memory. */
static int count_ops(const nq_model *m, op_count **out) {
  int nodes = nq_model_num_nodes(m), n = 0;
  op_count *oc = malloc(sizeof *oc * (size_t)(nodes > 0 ? nodes : 1));
  *out = oc;
  if (!oc) return -1;
  for (int i = 0; i < nodes; i++) {
    nq_node_info nd;
    if (nq_model_node(m, i, &nd, NULL) != NQ_OK) continue;
    int k = 0;
    while (k < n && !(strcmp(oc[k].op, nd.op) == 0 && oc[k].version == nd.version)) k++;
    if (k == n) {
      oc[n].op = nd.op;
      oc[n].version = nd.version;
      oc[n].count = 0;
      n++;
    }
    oc[k].count++;
  }
  return n;
}

static void print_ops(const char *label, const nq_model *m) {
  op_count *oc;
  int n = count_ops(m, &oc);
  printf("  %-8s %d ops:", label, nq_model_num_nodes(m));
  for (int k = 0; k < n; k++) printf("%s %s v%d x%d", k ? "," : "", oc[k].op, oc[k].version, oc[k].count);
  printf("\n");
  free(oc);
}

static const char *human(size_t b, char *buf, size_t n) {
  if (b >= 1u << 20)
    snprintf(buf, n, "%.2f MiB", b / 1048576.0);
  else if (b >= 1u << 10)
    snprintf(buf, n, "%.1f KiB", b / 1024.0);
  else
    snprintf(buf, n, "%zu B", b);
  return buf;
}

/* tail: a name too long for its column keeps its end ("..." + the last
 * characters), where a part's ":part2" or ":columns2" tells the rows apart. */
static void print_figures_row(const nq_compare_figures *m, bool labels, bool tail) {
  double sqnr = m->sqnr_db;
  char sq[32], t1[48] = "-", acc[64] = "";
  if (isinf(sqnr))
    snprintf(sq, sizeof sq, "%s", sqnr > 0 ? "inf (exact)" : "-inf");
  else
    snprintf(sq, sizeof sq, "%.2f dB", sqnr);
  if (m->classifier && m->samples)
    snprintf(t1, sizeof t1, "%.1f%% (%d/%d)", 100.0 * m->top1_agree / m->samples, m->top1_agree, m->samples);
  else if (m->class_shaped)
    snprintf(t1, sizeof t1, "- (not class scores)");
  if (labels && m->classifier && m->samples)
    snprintf(acc, sizeof acc, "  float %.2f%%, int8 %.2f%%", 100.0 * m->ref_correct / m->samples,
             100.0 * m->test_correct / m->samples);
  char rs[32] = "-";
  if (m->scale > 0) snprintf(rs, sizeof rs, "%.3f", m->rmse / m->scale);
  char nm[256];
  const char *name = cli_printable(m->name, nm, sizeof nm);
  size_t len = strlen(name);
  char shown[32];
  if (tail && len > 28)
    snprintf(shown, sizeof shown, "...%s", name + len - 25);
  else
    snprintf(shown, sizeof shown, "%.28s", name);
  printf("    %-28s %12s %11.4g %11.4g %10s  %s%s\n", shown, sq, m->max_abs_error, m->rmse, rs, t1, acc);
}

static void json_figures(json_out *j, const nq_compare_figures *m, bool labels) {
  json_begin_object(j, NULL);
  json_string(j, "name", m->name);
  if (isinf(m->sqnr_db))
    json_string(j, "sqnr_db", m->sqnr_db > 0 ? "inf" : "-inf");
  else
    json_float(j, "sqnr_db", m->sqnr_db);
  json_float(j, "max_abs_error", m->max_abs_error);
  json_float(j, "rmse", m->rmse);
  if (m->scale > 0) json_float(j, "rmse_over_scale", m->rmse / m->scale);
  json_int(j, "samples", m->samples);
  if (m->classifier) {
    json_int(j, "top1_agree", m->top1_agree);
    json_float(j, "top1_agreement", m->samples ? (double)m->top1_agree / m->samples : 0.0);
    if (labels) {
      json_float(j, "float_accuracy", m->samples ? (double)m->ref_correct / m->samples : 0.0);
      json_float(j, "int8_accuracy", m->samples ? (double)m->test_correct / m->samples : 0.0);
    }
  }
  json_end_object(j);
}

static void json_ops(json_out *j, const char *key, const nq_model *m) {
  op_count *oc;
  int n = count_ops(m, &oc);
  json_begin_array(j, key);
  for (int k = 0; k < n; k++) {
    json_begin_object(j, NULL);
    json_string(j, "op", oc[k].op);
    json_int(j, "version", oc[k].version);
    json_int(j, "count", oc[k].count);
    json_end_object(j);
  }
  json_end_array(j);
  free(oc);
}

int cli_report_npu(const nq_model *m, const char *target, FILE *f) {
  nq_npu_result *r = NULL;
  nq_error err = {0};
  if (nq_npu_check_model(m, target, &r, &err) != NQ_OK) {
    fprintf(stderr, "npuquant: %s\n", err.msg);
    return -1;
  }
  int n_nodes = nq_npu_result_num_nodes(r), n_fallback = nq_npu_result_num_fallback(r);
  fprintf(f, "  NPU      %s: %d of %d nodes run on the NPU%s\n", nq_npu_result_target(r),
          n_nodes - n_fallback, n_nodes, n_fallback ? "; these fall back to the CPU:" : "");
  int n = nq_npu_result_num_findings(r);
  for (int i = 0; i < n; i++) {
    nq_npu_finding_info x;
    if (nq_npu_result_finding(r, i, &x, &err) != NQ_OK) continue;
    /* The library's reasons fit in 200 bytes; the cut is kept as it was. */
    char lb[256], lbp[256], why[200];
    fprintf(
        f, "           %s: %s\n",
        x.node >= 0 ? cli_printable(nq_model_node_label(m, x.node, lb, sizeof lb), lbp, sizeof lbp) : "note",
        cli_printable(x.reason, why, sizeof why));
  }
  nq_npu_result_free(r);
  return n_fallback;
}

void cli_report_npu_json(struct json_out *j, const nq_model *m, const char *target) {
  nq_npu_result *r = NULL;
  nq_error err = {0};
  if (nq_npu_check_model(m, target, &r, &err) != NQ_OK) return;
  json_begin_object(j, "npu");
  json_string(j, "target", target);
  json_int(j, "nodes", nq_npu_result_num_nodes(r));
  json_int(j, "cpu_fallback_nodes", nq_npu_result_num_fallback(r));
  json_begin_array(j, "findings");
  int n = nq_npu_result_num_findings(r);
  for (int i = 0; i < n; i++) {
    nq_npu_finding_info x;
    if (nq_npu_result_finding(r, i, &x, &err) != NQ_OK) continue;
    json_begin_object(j, NULL);
    json_int(j, "node", x.node);
    if (x.node >= 0) {
      json_string(j, "op", x.op);
      json_string(j, "name", x.name);
    }
    json_bool(j, "cpu_fallback", x.cpu_fallback);
    json_string(j, "reason", x.reason);
    json_end_object(j);
  }
  json_end_array(j);
  json_end_object(j);
  nq_npu_result_free(r);
}

/* compare --task: the task-level figures, when asked for. */
static void json_task(json_out *j, const nq_compare_report *cmp) {
  nq_compare_task_figures t;
  if (!cmp || nq_compare_task(cmp, &t, NULL) != NQ_OK || t.task == 0) return;
  json_begin_object(j, "task");
  if (t.task == 1) {
    json_string(j, "task", "detect");
    json_string(j, "layout",
                t.detect_layout == 1   ? "postprocess"
                : t.detect_layout == 3 ? "mediapipe"
                                       : "yolo");
    json_int(j, "float_detections", (long long)t.ref_detections);
    json_int(j, "int8_detections", (long long)t.test_detections);
    json_int(j, "matched", (long long)t.matched);
    json_float(j, "recall", t.recall);
    json_float(j, "precision", t.precision);
    json_float(j, "mean_iou", t.mean_iou);
  } else {
    json_string(j, "task", "landmark");
    json_int(j, "keypoints", (long long)t.keypoints);
    json_float(j, "mean_keypoint_error", t.mean_keypoint_error);
  }
  json_end_object(j);
}

static void print_task(const nq_compare_report *cmp) {
  nq_compare_task_figures t;
  if (!cmp || nq_compare_task(cmp, &t, NULL) != NQ_OK || t.task == 0) return;
  if (t.task == 1)
    printf(
        "  detections (%s layout; IoU >= 0.5, same class): float %lld, int8 %lld, matched %lld: recall %.3f, "
        "precision %.3f, mean IoU %.3f\n",
        t.detect_layout == 1   ? "TFLite_Detection_PostProcess"
        : t.detect_layout == 3 ? "MediaPipe anchors"
                               : "YOLO",
        (long long)t.ref_detections, (long long)t.test_detections, (long long)t.matched, t.recall,
        t.precision, t.mean_iou);
  else
    printf("  keypoints: %lld compared, mean error %.3f (output units: pixels for MediaPipe landmark nets)\n",
           (long long)t.keypoints, t.mean_keypoint_error);
}

static void print_json(const cli_report *r) {
  json_out j;
  json_init(&j, stdout);
  json_begin_object(&j, NULL);
  json_string(&j, "command", r->command);
  json_string(&j, "float_model", r->float_path);
  json_string(&j, "int8_model", r->int8_path);
  json_int(&j, "float_bytes", (long long)r->float_bytes);
  json_int(&j, "int8_bytes", (long long)r->int8_bytes);
  json_ops(&j, "float_ops", r->float_model);
  json_ops(&j, "int8_ops", r->int8_model);
  if (r->times) {
    json_begin_object(&j, "seconds");
    json_float(&j, "load", r->times->load);
    json_float(&j, "calibrate", r->times->calibrate);
    json_float(&j, "quantize", r->times->quantize);
    json_float(&j, "write", r->times->write);
    json_float(&j, "evaluate", r->times->evaluate);
    json_end_object(&j);
  }
  if (r->npu_target) cli_report_npu_json(&j, r->int8_model, r->npu_target);
  if (r->recipe) cli_recipe_json(&j, r->recipe);
  json_int(&j, "eval_samples", r->n_samples);
  json_int(&j, "eval_samples_of", r->n_samples_of > r->n_samples ? r->n_samples_of : r->n_samples);
  json_string(&j, "int8_rounding", r->single_rounding ? "single" : "double");
  json_bool(&j, "eval_is_calibration_set", r->eval_is_calibration);
  json_begin_array(&j, "outputs");
  nq_compare_figures fig;
  int n_out = nq_compare_num_outputs(r->cmp), n_tensors = nq_compare_num_tensors(r->cmp);
  for (int i = 0; i < n_out; i++)
    if (nq_compare_output(r->cmp, i, &fig, NULL) == NQ_OK) json_figures(&j, &fig, r->have_labels);
  json_end_array(&j);
  if (nq_compare_num_parts(r->cmp)) {
    json_begin_array(
        &j, "parts"); /* split outputs' parts or column groups, each against its slice of the float output */
    for (int i = 0; i < nq_compare_num_parts(r->cmp); i++)
      if (nq_compare_part(r->cmp, i, &fig, NULL, NULL) == NQ_OK) json_figures(&j, &fig, false);
    json_end_array(&j);
  }
  if (n_tensors) {
    json_begin_array(&j, "tensors");
    for (int i = 0; i < n_tensors; i++)
      if (nq_compare_tensor(r->cmp, i, &fig, NULL) == NQ_OK) json_figures(&j, &fig, false);
    json_end_array(&j);
  }
  json_task(&j, r->cmp);
  if (r->diagnosis) cli_diagnosis_json(&j, r->diagnosis);
  json_end_object(&j);
  json_finish(&j);
}

void cli_report_print(const cli_report *r, int json) {
  if (json) {
    print_json(r);
    return;
  }
  char b1[32], b2[32];
  printf("npuquant %s: %s -> %s\n", r->command, r->float_path, r->int8_path ? r->int8_path : "(none)");
  print_ops("float", r->float_model);
  print_ops("int8", r->int8_model);
  if (r->float_bytes && r->int8_bytes)
    printf("  size     float %s, int8 %s (%.2fx smaller)\n", human(r->float_bytes, b1, sizeof b1),
           human(r->int8_bytes, b2, sizeof b2), (double)r->float_bytes / (double)r->int8_bytes);
  if (r->npu_target) {
    fflush(stdout);
    cli_report_npu(r->int8_model, r->npu_target, stdout);
  }
  if (r->times)
    printf("  time     load %.3f s, calibrate %.3f s, quantize %.3f s, write %.3f s, evaluate %.3f s\n",
           r->times->load, r->times->calibrate, r->times->quantize, r->times->write, r->times->evaluate);
  if (r->recipe) cli_recipe_print(r->recipe, stdout);
  if (!r->cmp) return;
  char of[64] = "";
  if (r->n_samples_of > r->n_samples) snprintf(of, sizeof of, " of %d", r->n_samples_of);
  /* a 16x8 model (the quantizer's description says so) is named as such */
  const char *desc = r->int8_model ? nq_model_description(r->int8_model) : NULL;
  const char *kind = desc && strstr(desc, "int16x8") ? "int16x8" : "int8";
  printf("  %s vs float on %d%s %s sample%s%s, %s arithmetic in %s:\n", kind, r->n_samples, of,
         r->eval_is_calibration ? "calibration" : "evaluation", r->n_samples == 1 ? "" : "s",
         r->eval_is_calibration && !strcmp(r->command, "convert")
             ? (*of ? " (spread evenly; --eval-samples 0 measures on all, --eval-data on a separate set)"
                    : " (--eval-data measures on a separate set)")
             : "",
         kind, nq_rounding_name(r->single_rounding));
  printf("    %-28s %12s %11s %11s %10s  %s\n", "output", "SQNR", "max|err|", "RMSE", "RMSE/scale",
         r->have_labels ? "top-1 agreement, accuracy vs labels" : "top-1 agreement (class scores)");
  nq_compare_figures fig;
  int n_out = nq_compare_num_outputs(r->cmp), n_tensors = nq_compare_num_tensors(r->cmp);
  for (int i = 0; i < n_out; i++)
    if (nq_compare_output(r->cmp, i, &fig, NULL) == NQ_OK) print_figures_row(&fig, r->have_labels, false);
  if (nq_compare_num_parts(r->cmp)) {
    printf(
        "  per part (a split output's parts, or the column groups a concatenation put side by side:\n"
        "  boxes, objectness, class scores; each against its slice of the float output):\n");
    for (int i = 0; i < nq_compare_num_parts(r->cmp); i++)
      if (nq_compare_part(r->cmp, i, &fig, NULL, NULL) == NQ_OK) print_figures_row(&fig, false, true);
  }
  if (n_tensors) {
    printf("  per tensor (float tensor vs int8 tensor of the same name):\n");
    printf("    %-28s %12s %11s %11s %10s\n", "tensor", "SQNR", "max|err|", "RMSE", "RMSE/scale");
    for (int i = 0; i < n_tensors; i++)
      if (nq_compare_tensor(r->cmp, i, &fig, NULL) == NQ_OK) print_figures_row(&fig, false, false);
  }
  print_task(r->cmp);
  if (r->diagnosis) cli_diagnosis_print(r->diagnosis, stdout);
}
