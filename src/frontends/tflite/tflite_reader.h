/*
 * The TFLite frontend: a .tflite flatbuffer (file identifier "TFL3") in,
 * an nq_graph out. Only subgraph 0 is read (the main graph).
 *
 * Steps: verify every reachable table/vector/string of the model
 * (tflite_verify.c), build the graph (tensors with copied constant data and
 * quantization, nodes with builtin options decoded through the schema table
 * of formats/tflite/schema.h, inputs/outputs, signature defs, metadata,
 * description), fold float16/int8 constants behind DEQUANTIZE and the int8
 * weights of dynamic-range ("hybrid") ops into float32 constants
 * (tflite_fold.c), then nq_graph_verify().
 *
 * Ops outside ops.def and custom ops give NQ_ERR_UNSUPPORTED naming the node
 * and the op; malformed files give NQ_ERR_FORMAT naming the object and the
 * byte offset.
 */
#ifndef NQ_FRONTENDS_TFLITE_READER_H
#define NQ_FRONTENDS_TFLITE_READER_H

#include <stddef.h>
#include <stdint.h>

#include "ir/graph.h"

/* True when the buffer carries the "TFL3" identifier at byte 4. */
bool nq_tflite_is_tflite(const uint8_t *data, size_t size);

/* Read a TFLite model from memory. `name` is used in messages and kept as
 * the graph's source. The bytes are not referenced after return. */
nq_status nq_tflite_read_memory(const uint8_t *data, size_t size, const char *name, nq_graph **out,
                                nq_error *err);

/* Structural verification only (used by nq_tflite_read_memory). */
nq_status nq_tflite_verify(const uint8_t *data, size_t size, const char *name, nq_error *err);

/* Fold DEQUANTIZE of constants and hybrid int8 weights into float32
 * constants (used by nq_tflite_read_memory). */
nq_status nq_tflite_fold_float_weights(nq_graph *g, nq_error *err);

#endif
