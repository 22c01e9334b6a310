/*
 * nq_graph -> .tflite bytes (TFLite schema version 3, identifier "TFL3").
 *
 * What is written:
 *   - OperatorCodes in order of first use, with both builtin_code and
 *     deprecated_builtin_code = min(code, 127): one per builtin code for the
 *     nodes whose version is computed (at the highest version they need),
 *     and one per (code, version) read from a file (see op_version.h);
 *   - one subgraph: every tensor (name, shape, type, buffer, quantization
 *     with quantized_dimension and min/max when known, is_variable), the
 *     operators in graph order with their builtin options (from the schema
 *     table in formats/tflite/schema.h), and the model inputs/outputs;
 *   - buffers: buffer 0 is the empty sentinel TFLite expects, then one per
 *     constant tensor (tensor order; data 16-byte aligned), then one per
 *     metadata entry;
 *   - signature defs, metadata entries and the description, unchanged.
 *
 * The output is deterministic: the same graph gives the same bytes.
 */
#ifndef NQ_WRITERS_TFLITE_TFLITE_WRITE_H
#define NQ_WRITERS_TFLITE_TFLITE_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "ir/graph.h"

/* Serialize g. On success *out (malloc'd, caller frees) holds *size bytes.
 * The graph is verified first (nq_graph_verify); nothing is checked against
 * a reader here (see nq_tflite_write_file). */
nq_status nq_tflite_write_memory(const nq_graph *g, uint8_t **out, size_t *size, nq_error *err);

/* Serialize g, read the bytes back with the TFLite reader as a self-check
 * (a file our own reader rejects is never written), then write them to
 * `path` atomically. `protect` (may be NULL) is the file the graph was read
 * from: it is never overwritten, and the associated-files zip archive
 * appended to it (TFLite metadata labels, see tflite_zip.h) is carried over
 * to the new file. */
nq_status nq_tflite_write_file(const nq_graph *g, const char *path, const char *protect, nq_error *err);

#endif
