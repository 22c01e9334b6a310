/*
 * Structure-aware mutations of an in-memory nq_graph, for the hostile-model
 * tests. Each mutation changes one field a model file can carry (a tensor's
 * shape, rank, type, quantization or constant data; a node's op, operands
 * or options; the model's inputs/outputs) to a value a stranger's file could
 * hold: zero, negative, NaN, huge, out of range, or another valid index.
 *
 * Mutations keep the graph's memory consistent (arrays sized to their
 * counts, every pointer owned) so nq_graph_free() stays safe; whether the
 * result still passes nq_graph_verify() is up to the verifier. Some
 * mutations also resize a constant's data to its new shape, so that the
 * mutant gets past the size check and reaches the executor.
 */
#ifndef NQ_TESTS_HOSTILE_MUTATE_H
#define NQ_TESTS_HOSTILE_MUTATE_H

#include <stddef.h>

#include "ir/graph.h"
#include "testutil.h"

/* Apply one random mutation to g; append a short description of it to
 * desc (for reproducing a failure). */
void hostile_mutate(nq_graph *g, nq_rng *r, char *desc, size_t desc_size);

/* Flip a few 32-bit words of a serialized model to hostile values, mostly
 * outside constant data; appends what it did to desc. */
void hostile_flip_file(unsigned char *buf, size_t size, nq_rng *r, char *desc, size_t desc_size);

#endif
