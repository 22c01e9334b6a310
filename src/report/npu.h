/*
 * Which nodes of a model an NPU will not run. An int8 NPU delegate takes
 * only the ops and tensor types it knows; every other node falls back to
 * the CPU and splits the graph (CPU <-> NPU copies each time).
 *
 * Target "imx8mp": NXP i.MX 8M Plus through TFLite's VX delegate
 * (VeriSilicon/tflite-vx-delegate op_status.md and op_map.cc, summarised in
 * ../shared/docs/TFLITE_INT8.md §2.2): the op list, plus the node-level
 * rejections (int64 inputs, int16 outputs, > 6 dims or a 0 dim, H/W over
 * 65535, hybrid float/int8 conv/FC, DEQUANTIZE of per-channel int8,
 * QUANTIZE float to per-channel) and, for an int8 NPU, float compute.
 * Per-channel weights run but slowly on VeriSilicon NPUs: a note, not a
 * fallback.
 */
#ifndef NQ_REPORT_NPU_H
#define NQ_REPORT_NPU_H

#include "ir/graph.h"

typedef struct nq_npu_finding {
  int node;
  bool fallback; /* true: runs on the CPU; false: a performance note */
  char reason[200];
} nq_npu_finding;

typedef struct nq_npu_report {
  const char *target_name;
  int n_nodes, n_fallback;
  int n_findings;
  nq_npu_finding *findings; /* malloc'd */
} nq_npu_report;

/* Targets: "imx8mp". NQ_ERR_INVALID_ARG for an unknown one (the message
 * lists the known targets). */
nq_status nq_npu_check(const nq_graph *g, const char *target, nq_npu_report *out, nq_error *err);
void nq_npu_report_free(nq_npu_report *r);

#endif
