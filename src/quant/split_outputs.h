/*
 * --split-outputs: a model output that a CONCATENATION produces (directly
 * or through RESHAPE / TRANSPOSE / SQUEEZE / EXPAND_DIMS, which only move
 * data) becomes one output per concatenated part, so that each part gets its
 * own int8 scale. TFLite's int8 CONCATENATION gives all its inputs one scale:
 * box coordinates in pixels beside sigmoid scores leave the scores a
 * fraction of a step. Split, nothing is lost, and the application reads the
 * parts instead of slicing one tensor.
 *
 * The split runs on the float graph before calibration, so the calibration
 * measures the parts and the quantizer sees no concatenation to tie them.
 * The part outputs are called "<output>:part<k>" and the model carries a
 * record (metadata "npuquant_split_outputs", text) of how to put the
 * original outputs back together, so `compare` can measure the float model
 * against the split int8 model read back from disk:
 *
 *   npuquant-split-outputs 1 <original output count>
 *   then one line per original output, in order:
 *   whole <output position>
 *   split <axis> <rank> <concatenation shape...> <parts> <output position...>
 *         <moves> (R <rank> <shape...> | T <rank> <perm...>)...
 *
 * Positions index the split model's outputs; the parts are concatenated
 * along axis (their shapes give the offsets) and the moves applied in order:
 * R reshapes (row-major order unchanged), T transposes (out dim i = in dim
 * perm[i]). report/split_parts.c reads it back.
 */
#ifndef NQ_QUANT_SPLIT_OUTPUTS_H
#define NQ_QUANT_SPLIT_OUTPUTS_H

#include <stdbool.h>

#include "core/status.h"
#include "ir/graph.h"

#define NQ_SPLIT_RECORD_KEY "npuquant_split_outputs"
#define NQ_SPLIT_RECORD_MAGIC "npuquant-split-outputs 1"

/* Split every output of g that a concatenation of node-produced float
 * activations gives through data moves only; *n_split: outputs split. note
 * (may be NULL) gets one line per output split, or one saying why nothing
 * was. Leaves unused nodes and tensors to the dead-code pass, which it runs. */
nq_status nq_split_outputs(nq_graph *g, void (*note)(void *, const char *), void *note_user, int *n_split,
                           nq_error *err);

/* Copy from's record (if any) into to: the int8 model keeps it. */
nq_status nq_split_record_copy(const nq_graph *from, nq_graph *to, nq_error *err);

/* True when the output of node i (a CONCATENATION) reaches a model output
 * through data moves only, each tensor on the way read by nothing else:
 * what nq_split_outputs would split. */
bool nq_split_concat_is_output(const nq_graph *g, int i);

#endif
