/*
 * Sorted name -> entry tables. Every frontend dispatches a node's op name
 * (TF GraphDef, ONNX) or a layer's class name (Keras) through one such
 * table: a static array of entries whose first member is `const char *name`,
 * sorted by strcmp with no name twice, searched by binary search.
 * tests/ops/test_frontend_tables.c checks each table's order.
 */
#ifndef NQ_FRONTENDS_NAME_TABLE_H
#define NQ_FRONTENDS_NAME_TABLE_H

#include <stddef.h>

/* The entry of `table` (n entries of `size` bytes) named `name`, or NULL. */
const void *nq_name_table_find(const void *table, size_t n, size_t size, const char *name);

/* The first index i > 0 whose name does not sort strictly after entry
 * i - 1's (out of order or a duplicate), or 0 when the table is sorted. */
size_t nq_name_table_disorder(const void *table, size_t n, size_t size);

/* The name of entry i. */
const char *nq_name_table_name(const void *table, size_t size, size_t i);

#endif
