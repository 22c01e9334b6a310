/*
 * Shared pieces of the NPU report targets (npu.c is the dispatcher, one
 * npu_<target>.c per NPU). Each target walks the graph and adds findings;
 * the helpers here read tensors defensively: a node input index may be -1
 * (absent optional input) and a constant may be shorter than its shape
 * claims in a hostile file, so every read is bounds-checked and a failed
 * read is treated as "unknown", never as a crash.
 */
#ifndef NQ_REPORT_NPU_INTERNAL_H
#define NQ_REPORT_NPU_INTERNAL_H

#include <stddef.h>

#include "core/status.h"
#include "report/npu.h"

/* Which field of ir/ops.def's NPU column a target reads. */
typedef enum npu_column { NPU_COL_VX, NPU_COL_ETHOSU, NPU_COL_EDGETPU } npu_column;

/* True if ir/ops.def lists op for the target in field c of column NPU. */
bool npu_op_listed(npu_column c, nq_op op);

/* The targets' checks. Each fills r (findings, n_fallback) and returns
 * NQ_OK or NQ_ERR_NOMEM; r->n_nodes and r->target_name are set by npu.c. */
nq_status npu_check_vx(const nq_graph *g, nq_npu_report *r);
nq_status npu_check_ethosu(const nq_graph *g, nq_npu_report *r);
nq_status npu_check_edgetpu(const nq_graph *g, nq_npu_report *r);
/* Vela's per-op constraints (npu_ethosu_ops.c): the first one node i
 * breaks, written into buf, or NULL. */
const char *npu_ethosu_op_reject(const nq_graph *g, int i, char *buf, size_t n);

/* Append a finding (fallback findings also count in r->n_fallback). */
nq_status npu_add(nq_npu_report *r, int node, bool fallback, const char *fmt, ...) NQ_PRINTF(4, 5);

/* vsnprintf into buf and return buf: the targets' reason builder. */
const char *npu_fmt(char *buf, size_t n, const char *fmt, ...) NQ_PRINTF(3, 4);

/* Input k / output k of node nd, or NULL when absent or out of range. */
const nq_tensor *npu_in(const nq_graph *g, const nq_node *nd, int k);
const nq_tensor *npu_out(const nq_graph *g, const nq_node *nd, int k);
/* A printable tensor name ("#12" when it has none). Callers pass a buffer
 * of NPU_TNAME_MAX so the constraint text after it still fits a finding. */
#define NPU_TNAME_MAX 64
const char *npu_tname(const nq_graph *g, const nq_tensor *t, char *buf, size_t n);

/* Element i of an int32 or int64 constant; false if t is not such a
 * constant or holds fewer than i + 1 elements. */
bool npu_const_int(const nq_tensor *t, size_t i, int64_t *v);
/* Number of elements a constant's bytes really hold (0 if none). */
size_t npu_const_count(const nq_tensor *t);

bool npu_is_8bit(nq_dtype t);
/* Same per-tensor scale and zero point (both quantized per-tensor). */
bool npu_same_quant(const nq_tensor *a, const nq_tensor *b);

/* Node i computes in float32: a non-constant float32 input or a float32
 * output and no quantized input. QUANTIZE and DEQUANTIZE are conversions,
 * not compute, and are never float compute. */
bool npu_float_compute(const nq_graph *g, int i);
/* The reason text every target gives for float compute. */
#define NPU_FLOAT_REASON "float32 %s: an int8 NPU leaves float compute to the CPU"

/* The graph input/output tests the Edge TPU uses for boundary conversions. */
bool npu_is_graph_input(const nq_graph *g, int t);
bool npu_is_graph_output(const nq_graph *g, int t);

/* The first FULLY_CONNECTED with per-channel weights (npuquant writes them
 * when one scale loses a weight row, quant/fc_channels.h), or -1. */
int npu_first_per_channel_fc(const nq_graph *g);

/* Normalise a possibly negative axis against rank; false if out of range. */
bool npu_axis(int64_t axis, int rank, int *out);

#endif
