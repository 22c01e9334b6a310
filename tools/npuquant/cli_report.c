#include "cli_report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api/model_internal.h"
#include "cli.h"
#include "json_out.h"
#include "report/npu.h"
#include "writers/tflite/op_version.h"

typedef struct op_count {
  nq_op op;
  int version, count;
} op_count;

/* Ops of a graph grouped by (op, version) in first-use order. */
static int count_ops(const nq_graph *g, op_count *out, int cap) {
  int n = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    const nq_node *nd = &g->nodes[i];
    int v = nd->version > 0 ? nd->version : nq_tflite_op_version(g, nd);
    int k = 0;
    while (k < n && !(out[k].op == nd->op && out[k].version == v)) k++;
    if (k == n) {
      if (n == cap) continue;
      out[n].op = nd->op;
      out[n].version = v;
      out[n].count = 0;
      n++;
    }
    out[k].count++;
  }
  return n;
}

static void print_ops(const char *label, const nq_graph *g) {
  op_count oc[NQ_OP_COUNT * 4];
  int n = count_ops(g, oc, (int)(sizeof oc / sizeof oc[0]));
  printf("  %-8s %d ops:", label, g->n_nodes);
  for (int k = 0; k < n; k++) printf("%s %s v%d x%d", k ? "," : "", nq_op_name(oc[k].op), oc[k].version, oc[k].count);
  printf("\n");
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

static void print_metrics_row(const nq_metrics *m, bool labels) {
  double sqnr = nq_metrics_sqnr_db(m);
  char sq[32], t1[48] = "-", acc[64] = "";
  if (isinf(sqnr))
    snprintf(sq, sizeof sq, "%s", sqnr > 0 ? "inf (exact)" : "-inf");
  else
    snprintf(sq, sizeof sq, "%.2f dB", sqnr);
  if (m->classifier && m->n_samples)
    snprintf(t1, sizeof t1, "%.1f%% (%d/%d)", 100.0 * m->top1_agree / m->n_samples, m->top1_agree, m->n_samples);
  else if (m->class_shaped)
    snprintf(t1, sizeof t1, "- (not class scores)");
  if (labels && m->classifier && m->n_samples)
    snprintf(acc, sizeof acc, "  float %.2f%%, int8 %.2f%%", 100.0 * m->ref_correct / m->n_samples,
             100.0 * m->test_correct / m->n_samples);
  double rmse = nq_metrics_rmse(m);
  char rs[32] = "-";
  if (m->scale > 0) snprintf(rs, sizeof rs, "%.3f", rmse / m->scale);
  char nm[256];
  printf("    %-28.28s %12s %11.4g %11.4g %10s  %s%s\n", cli_printable(m->name, nm, sizeof nm), sq, m->max_abs, rmse,
         rs, t1, acc);
}

static void json_metrics(json_out *j, const nq_metrics *m, bool labels) {
  json_begin_object(j, NULL);
  json_string(j, "name", m->name);
  double sqnr = nq_metrics_sqnr_db(m);
  if (isinf(sqnr))
    json_string(j, "sqnr_db", sqnr > 0 ? "inf" : "-inf");
  else
    json_float(j, "sqnr_db", sqnr);
  json_float(j, "max_abs_error", m->max_abs);
  json_float(j, "rmse", nq_metrics_rmse(m));
  if (m->scale > 0) json_float(j, "rmse_over_scale", nq_metrics_rmse(m) / m->scale);
  json_int(j, "samples", m->n_samples);
  if (m->classifier) {
    json_int(j, "top1_agree", m->top1_agree);
    json_float(j, "top1_agreement", m->n_samples ? (double)m->top1_agree / m->n_samples : 0.0);
    if (labels) {
      json_float(j, "float_accuracy", m->n_samples ? (double)m->ref_correct / m->n_samples : 0.0);
      json_float(j, "int8_accuracy", m->n_samples ? (double)m->test_correct / m->n_samples : 0.0);
    }
  }
  json_end_object(j);
}

static void json_ops(json_out *j, const char *key, const nq_graph *g) {
  op_count oc[NQ_OP_COUNT * 4];
  int n = count_ops(g, oc, (int)(sizeof oc / sizeof oc[0]));
  json_begin_array(j, key);
  for (int k = 0; k < n; k++) {
    json_begin_object(j, NULL);
    json_string(j, "op", nq_op_name(oc[k].op));
    json_int(j, "version", oc[k].version);
    json_int(j, "count", oc[k].count);
    json_end_object(j);
  }
  json_end_array(j);
}

static const char *node_name(const nq_graph *g, int i) {
  const nq_node *nd = &g->nodes[i];
  if (nd->name) return nd->name;
  if (nd->n_out > 0 && nd->out[0] >= 0 && g->tensors[nd->out[0]].name) return g->tensors[nd->out[0]].name;
  return "";
}

int cli_report_npu(const nq_graph *g, const char *target, FILE *f) {
  nq_npu_report r;
  nq_error err = {0};
  if (nq_npu_check(g, target, &r, &err) != NQ_OK) {
    fprintf(stderr, "npuquant: %s\n", err.msg);
    return -1;
  }
  fprintf(f, "  NPU      %s: %d of %d nodes run on the NPU%s\n", r.target_name, r.n_nodes - r.n_fallback, r.n_nodes,
          r.n_fallback ? "; these fall back to the CPU:" : "");
  for (int i = 0; i < r.n_findings; i++) {
    const nq_npu_finding *x = &r.findings[i];
    char lb[256], lbp[256], why[sizeof x->reason];
    fprintf(f, "           %s: %s\n",
            x->node >= 0 ? cli_printable(nq_node_label(g, x->node, lb, sizeof lb), lbp, sizeof lbp) : "note",
            cli_printable(x->reason, why, sizeof why));
  }
  int n = r.n_fallback;
  nq_npu_report_free(&r);
  return n;
}

void cli_report_npu_json(struct json_out *j, const nq_graph *g, const char *target) {
  nq_npu_report r;
  nq_error err = {0};
  if (nq_npu_check(g, target, &r, &err) != NQ_OK) return;
  json_begin_object(j, "npu");
  json_string(j, "target", target);
  json_int(j, "nodes", r.n_nodes);
  json_int(j, "cpu_fallback_nodes", r.n_fallback);
  json_begin_array(j, "findings");
  for (int i = 0; i < r.n_findings; i++) {
    const nq_npu_finding *x = &r.findings[i];
    json_begin_object(j, NULL);
    json_int(j, "node", x->node);
    if (x->node >= 0) {
      json_string(j, "op", nq_op_name(g->nodes[x->node].op));
      json_string(j, "name", node_name(g, x->node));
    }
    json_bool(j, "cpu_fallback", x->fallback);
    json_string(j, "reason", x->reason);
    json_end_object(j);
  }
  json_end_array(j);
  json_end_object(j);
  nq_npu_report_free(&r);
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
  json_ops(&j, "float_ops", r->float_model->graph);
  json_ops(&j, "int8_ops", r->int8_model->graph);
  if (r->times) {
    json_begin_object(&j, "seconds");
    json_float(&j, "load", r->times->load);
    json_float(&j, "calibrate", r->times->calibrate);
    json_float(&j, "quantize", r->times->quantize);
    json_float(&j, "write", r->times->write);
    json_float(&j, "evaluate", r->times->evaluate);
    json_end_object(&j);
  }
  if (r->npu_target) cli_report_npu_json(&j, r->int8_model->graph, r->npu_target);
  json_int(&j, "eval_samples", r->n_samples);
  json_string(&j, "int8_rounding", r->single_rounding ? "single" : "double");
  json_bool(&j, "eval_is_calibration_set", r->eval_is_calibration);
  json_begin_array(&j, "outputs");
  for (int i = 0; r->cmp && i < r->cmp->n_outputs; i++) json_metrics(&j, &r->cmp->outputs[i], r->have_labels);
  json_end_array(&j);
  if (r->cmp && r->cmp->n_tensors) {
    json_begin_array(&j, "tensors");
    for (int i = 0; i < r->cmp->n_tensors; i++) json_metrics(&j, &r->cmp->tensors[i], false);
    json_end_array(&j);
  }
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
  print_ops("float", r->float_model->graph);
  print_ops("int8", r->int8_model->graph);
  if (r->float_bytes && r->int8_bytes)
    printf("  size     float %s, int8 %s (%.2fx smaller)\n", human(r->float_bytes, b1, sizeof b1),
           human(r->int8_bytes, b2, sizeof b2), (double)r->float_bytes / (double)r->int8_bytes);
  if (r->npu_target) {
    fflush(stdout);
    cli_report_npu(r->int8_model->graph, r->npu_target, stdout);
  }
  if (r->times)
    printf("  time     load %.3f s, calibrate %.3f s, quantize %.3f s, write %.3f s, evaluate %.3f s\n",
           r->times->load, r->times->calibrate, r->times->quantize, r->times->write, r->times->evaluate);
  if (!r->cmp) return;
  printf("  int8 vs float on %d %s sample%s%s, int8 arithmetic in %s:\n", r->n_samples,
         r->eval_is_calibration ? "calibration" : "evaluation", r->n_samples == 1 ? "" : "s",
         r->eval_is_calibration && !strcmp(r->command, "convert") ? " (--eval-data measures on a separate set)" : "",
         nq_rounding_name(r->single_rounding));
  printf("    %-28s %12s %11s %11s %10s  %s\n", "output", "SQNR", "max|err|", "RMSE", "RMSE/scale",
         r->have_labels ? "top-1 agreement, accuracy vs labels" : "top-1 agreement (class scores)");
  for (int i = 0; i < r->cmp->n_outputs; i++) print_metrics_row(&r->cmp->outputs[i], r->have_labels);
  if (r->cmp->n_tensors) {
    printf("  per tensor (float tensor vs int8 tensor of the same name):\n");
    printf("    %-28s %12s %11s %11s %10s\n", "tensor", "SQNR", "max|err|", "RMSE", "RMSE/scale");
    for (int i = 0; i < r->cmp->n_tensors; i++) print_metrics_row(&r->cmp->tensors[i], false);
  }
}
