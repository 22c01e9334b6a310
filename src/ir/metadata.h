/*
 * A graph's metadata entries by name (nq_graph.metadata): the one place that
 * finds and sets them, so every writer of an entry (min_runtime_version, the
 * automatic recipe, the --split-outputs record) replaces or appends it alike.
 */
#ifndef NQ_IR_METADATA_H
#define NQ_IR_METADATA_H

#include "ir/graph.h"

/* The entry called `key`, or NULL. */
const nq_metadata *nq_graph_find_metadata(const nq_graph *g, const char *key);

/* Set entry `key` to `data` (size bytes, malloc'd): an entry of that name is
 * replaced in place, otherwise one is appended. Takes ownership of `data`
 * whatever it returns (freed on failure, so the caller never leaks it). */
nq_status nq_graph_set_metadata(nq_graph *g, const char *key, uint8_t *data, size_t size, nq_error *err);

/* nq_graph_set_metadata with a copy of `text` (its strlen bytes; a NUL kept
 * after them, outside the entry's size). */
nq_status nq_graph_set_metadata_text(nq_graph *g, const char *key, const char *text, nq_error *err);

#endif
