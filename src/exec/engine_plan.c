/* Greedy-by-size best-fit arena planning (see engine_plan.h). */
#include "exec/engine_plan.h"

#include <stdlib.h>

#include "core/checked.h"

/* Insertion sort with the items as context (qsort has no context argument
 * in C11, and a global would race between sessions planned on two threads).
 * The planner is O(n^2) anyway. */
static void sort_idx(int *idx, int n, const nq_plan_item *items, int (*cmp)(const nq_plan_item *, int, const nq_plan_item *, int)) {
  for (int i = 1; i < n; i++) {
    int v = idx[i], j = i - 1;
    while (j >= 0 && cmp(&items[idx[j]], idx[j], &items[v], v) > 0) {
      idx[j + 1] = idx[j];
      j--;
    }
    idx[j + 1] = v;
  }
}

static int by_size_desc(const nq_plan_item *a, int ia, const nq_plan_item *b, int ib) {
  if (a->size != b->size) return a->size > b->size ? -1 : 1;
  if (a->first != b->first) return a->first < b->first ? -1 : 1;
  return ia - ib;
}

static int by_offset(const nq_plan_item *a, int ia, const nq_plan_item *b, int ib) {
  if (a->offset != b->offset) return a->offset < b->offset ? -1 : 1;
  return ia - ib;
}

static bool overlap_time(const nq_plan_item *a, const nq_plan_item *b) {
  return a->first <= b->last && b->first <= a->last;
}

bool nq_plan_arena(nq_plan_item *items, int n, size_t align, size_t *total) {
  int *order = malloc(sizeof(int) * (size_t)(n ? n : 1));
  int *live = malloc(sizeof(int) * (size_t)(n ? n : 1));
  if (!order || !live) {
    free(order);
    free(live);
    return false;
  }
  for (int i = 0; i < n; i++) order[i] = i;
  sort_idx(order, n, items, by_size_desc);
  size_t top = 0;
  bool ok = true;
  for (int oi = 0; oi < n && ok; oi++) {
    nq_plan_item *it = &items[order[oi]];
    size_t need;
    if (it->size == 0) {
      it->offset = 0;
      continue;
    }
    if (!nq_add_size(it->size, align - 1, &need)) {
      ok = false;
      break;
    }
    need &= ~(align - 1);
    /* Placed items that are alive at the same time, by offset. */
    int nl = 0;
    for (int pj = 0; pj < oi; pj++) {
      const nq_plan_item *p = &items[order[pj]];
      if (p->size && overlap_time(p, it)) live[nl++] = order[pj];
    }
    sort_idx(live, nl, items, by_offset);
    size_t best = SIZE_MAX, best_gap = SIZE_MAX, cursor = 0;
    for (int k = 0; k < nl; k++) {
      const nq_plan_item *p = &items[live[k]];
      if (p->offset > cursor) {
        size_t gap = p->offset - cursor;
        if (gap >= need && gap < best_gap) {
          best_gap = gap;
          best = cursor;
        }
      }
      size_t end = p->offset + ((p->size + align - 1) & ~(align - 1));
      if (end > cursor) cursor = end;
    }
    it->offset = best != SIZE_MAX ? best : cursor;
    size_t end;
    if (!nq_add_size(it->offset, need, &end)) ok = false;
    else if (end > top) top = end;
  }
  free(order);
  free(live);
  *total = top;
  return ok;
}

bool nq_plan_clobbered(const nq_plan_item *items, int n, int t) {
  const nq_plan_item *a = &items[t];
  if (a->size == 0) return false;
  for (int u = 0; u < n; u++) {
    const nq_plan_item *b = &items[u];
    if (u == t || b->size == 0 || b->first <= a->last) continue;
    if (b->offset < a->offset + a->size && a->offset < b->offset + b->size) return true;
  }
  return false;
}
