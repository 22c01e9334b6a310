/*
 * Which TensorFlow Lite release first runs each (op, OperatorCode.version):
 * the table of TensorFlow's tensorflow/lite/tools/versioning/runtime_version.cc
 * (FindMinimumRuntimeVersionForOp, tensorflow/tensorflow at commit
 * 00b1ec2ad4b0ecd5275167371cc5d5570fba8e4c), for the ops of src/ir/ops.def.
 *
 * Used three ways:
 *  - convert writes the model's minimum release as TensorFlow's converter
 *    does: a metadata entry "min_runtime_version" whose buffer holds the
 *    version string ("2.3.0") zero-padded to 16 bytes;
 *  - `convert --tflite-version X.Y` refuses a model one of whose nodes needs
 *    a newer release, naming the node, op, version and release;
 *  - `inspect` prints the release per op and for the model.
 * Releases are encoded as major * 10000 + minor * 100 + patch (2.9.0 = 20900).
 */
#ifndef NQ_WRITERS_TFLITE_OP_VERSION_RUNTIME_H
#define NQ_WRITERS_TFLITE_OP_VERSION_RUNTIME_H

#include <stddef.h>

#include "core/status.h"
#include "ir/graph.h"

/* The oldest release --tflite-version accepts. */
#define NQ_TFLITE_OLDEST_CAP NQ_TFLITE_OLDEST_RELEASE

/* The release that first runs `version` of `op`, or 0 when the table has no
 * such version (newer than the table, or not an op of TFLite). */
int nq_tflite_op_min_release(nq_op op, int version);

/* "2.9.0" for 20900, into buf (at least 16 bytes); "?" for 0. */
const char *nq_tflite_release_name(int release, char *buf, size_t n);

/* "2.9" or "2.9.0" -> 20900; -1 when s is not MAJOR.MINOR[.PATCH]. */
int nq_tflite_parse_release(const char *s);

/* The version node `n` has in a written file: its stored one, else the
 * writer's (nq_tflite_op_version). */
int nq_tflite_node_version(const nq_graph *g, const nq_node *n);

/* The newest release any node needs (0 for a graph without known nodes);
 * *unknown_node (may be NULL) gets the first node whose version the table
 * lacks, or -1. */
int nq_tflite_graph_min_release(const nq_graph *g, int *unknown_node);

/* Refuse g when a node needs a release newer than cap (or one the table does
 * not know): NQ_ERR_UNSUPPORTED naming the node, op, version and release. */
nq_status nq_tflite_check_release(const nq_graph *g, int cap, nq_error *err);

/* Set g's "min_runtime_version" metadata (replacing any, e.g. one copied
 * from a source model) to its minimum release, as TensorFlow writes it. */
nq_status nq_tflite_stamp_min_runtime(nq_graph *g, nq_error *err);

#endif
