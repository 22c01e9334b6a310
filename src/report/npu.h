/*
 * Which nodes of a model an NPU will not run. An int8 NPU takes only the
 * ops, tensor types and op parameters it knows; every other node stays on
 * the CPU and splits the graph (CPU <-> NPU copies each time).
 *
 * Targets (one file each, the facts and their sources cited there):
 *   imx8mp   NXP i.MX 8M Plus through TFLite's VX delegate (npu_vx.c). The
 *            delegate takes every supported node, wherever it is.
 *   ethos-u  Arm Ethos-U55/U65 through the Vela compiler (npu_ethosu.c).
 *            Vela also places node by node: a rejected node goes to the CPU
 *            and the nodes around it still run on the NPU.
 *   edgetpu  Google Coral Edge TPU through edgetpu_compiler (npu_edgetpu.c).
 *            The compiler maps one segment only: from the first node it
 *            cannot map, that node and every node after it run on the CPU,
 *            supported or not.
 * Every target leaves float32 compute to the CPU: they are int8 NPUs.
 * The checks are the documented ones that can be decided on the graph;
 * what depends on the compiler's own cost decisions is a note at most.
 */
#ifndef NQ_REPORT_NPU_H
#define NQ_REPORT_NPU_H

#include "ir/graph.h"

/* The names nq_npu_check() accepts, for help texts and messages. */
#define NQ_NPU_TARGET_LIST "imx8mp, ethos-u, edgetpu"

typedef struct nq_npu_finding {
  int node;      /* node index, or -1 for a note about the whole model */
  bool fallback; /* true: the node runs on the CPU; false: a note */
  char reason[200];
} nq_npu_finding;

typedef struct nq_npu_report {
  const char *target_name; /* e.g. "Arm Ethos-U (Vela 3.6)"; static storage */
  int n_nodes, n_fallback;
  int n_findings;
  nq_npu_finding *findings; /* malloc'd; fallbacks in node order, then notes */
} nq_npu_report;

/* True if `name` is one of NQ_NPU_TARGET_LIST. */
bool nq_npu_target_known(const char *name);
/* 1 when target `name` runs 16x8 models (int16 activations) on its NPU. */
bool nq_npu_target_int16x8(const char *name);

/* Check every node of g for `target`. NQ_ERR_INVALID_ARG for an unknown
 * target (the message lists the known ones), NQ_ERR_NOMEM. On failure *out
 * is left empty (safe to free). */
nq_status nq_npu_check(const nq_graph *g, const char *target, nq_npu_report *out, nq_error *err);
void nq_npu_report_free(nq_npu_report *r);

#endif
