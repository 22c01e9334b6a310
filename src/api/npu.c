/*
 * The public NPU report (nq_npu_check_model, nq_npu_result_*) over
 * report/npu.c, the checks `npuquant inspect --npu` prints. The result
 * copies node names so that it does not depend on the model's lifetime.
 */
#include <stdlib.h>
#include <string.h>

#include "api/model_internal.h"
#include "core/status.h"
#include "report/npu.h"

struct nq_npu_result {
  nq_npu_report rep;
  const char **op; /* per finding: static op names ("" for notes) */
  char **name;     /* per finding: owned copies of node names */
};

const char *nq_npu_targets(void) { return NQ_NPU_TARGET_LIST; }

void nq_npu_result_free(nq_npu_result *r) {
  if (!r) return;
  for (int i = 0; r->name && i < r->rep.n_findings; i++) free(r->name[i]);
  free(r->name);
  free(r->op);
  nq_npu_report_free(&r->rep);
  free(r);
}

static char *copy_string(const char *s) {
  size_t n = strlen(s) + 1;
  char *c = malloc(n);
  if (c) memcpy(c, s, n);
  return c;
}

nq_status nq_npu_check_model(const nq_model *m, const char *target, nq_npu_result **out, nq_error *err) {
  nq_error scratch;
  if (!err) err = &scratch;
  if (!out) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_npu_check_model: out is NULL");
  *out = NULL;
  if (!m || !m->graph) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_npu_check_model: model is NULL");
  if (!target)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_npu_check_model: no target (known: " NQ_NPU_TARGET_LIST ")");
  nq_npu_result *r = calloc(1, sizeof *r);
  if (!r) return nq_fail(err, NQ_ERR_NOMEM, "out of memory for an NPU report");
  nq_status st = nq_npu_check(m->graph, target, &r->rep, err);
  if (st != NQ_OK) {
    free(r);
    return st;
  }
  size_t n = (size_t)(r->rep.n_findings ? r->rep.n_findings : 1);
  r->op = calloc(n, sizeof *r->op);
  r->name = calloc(n, sizeof *r->name);
  bool ok = r->op && r->name;
  const nq_graph *g = m->graph;
  for (int i = 0; ok && i < r->rep.n_findings; i++) {
    int node = r->rep.findings[i].node;
    bool is_node = node >= 0 && node < g->n_nodes;
    r->op[i] = is_node ? nq_op_name(g->nodes[node].op) : "";
    r->name[i] = copy_string(is_node ? nq_model_node_name(g, node) : "");
    ok = r->name[i] != NULL;
  }
  if (!ok) {
    nq_npu_result_free(r);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory for the %s NPU report", target);
  }
  *out = r;
  return NQ_OK;
}

const char *nq_npu_result_target(const nq_npu_result *r) { return r ? r->rep.target_name : NULL; }
int nq_npu_result_num_nodes(const nq_npu_result *r) { return r ? r->rep.n_nodes : 0; }
int nq_npu_result_num_fallback(const nq_npu_result *r) { return r ? r->rep.n_fallback : 0; }
int nq_npu_result_num_findings(const nq_npu_result *r) { return r ? r->rep.n_findings : 0; }

nq_status nq_npu_result_finding(const nq_npu_result *r, int i, nq_npu_finding_info *out, nq_error *err) {
  nq_error scratch;
  if (!err) err = &scratch;
  if (!r || !out) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_npu_result_finding: NULL argument");
  if (i < 0 || i >= r->rep.n_findings)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "NPU finding %d: the report has %d findings", i,
                   r->rep.n_findings);
  const nq_npu_finding *f = &r->rep.findings[i];
  memset(out, 0, sizeof *out);
  out->node = f->node;
  out->op = r->op[i];
  out->name = r->name[i];
  out->cpu_fallback = f->fallback;
  out->reason = f->reason;
  return NQ_OK;
}

int nq_npu_target_is_known(const char *name) { return name && nq_npu_target_known(name); }

int nq_npu_target_runs_int16x8(const char *name) { return name && nq_npu_target_int16x8(name); }
