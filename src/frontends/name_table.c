#include "frontends/name_table.h"

#include <stdlib.h>
#include <string.h>

/* An entry starts with its name, so a pointer to it is a pointer to that
 * member (C11 6.7.2.1p15). */
const char *nq_name_table_name(const void *table, size_t size, size_t i) {
  return *(const char *const *)(const void *)((const char *)table + i * size);
}

static int by_name(const void *key, const void *entry) {
  return strcmp((const char *)key, *(const char *const *)entry);
}

const void *nq_name_table_find(const void *table, size_t n, size_t size, const char *name) {
  return name ? bsearch(name, table, n, size, by_name) : NULL;
}

size_t nq_name_table_disorder(const void *table, size_t n, size_t size) {
  for (size_t i = 1; i < n; i++)
    if (strcmp(nq_name_table_name(table, size, i - 1), nq_name_table_name(table, size, i)) >= 0) return i;
  return 0;
}
