/* Greedy-by-size best-fit arena planning (see engine_plan.h). */
#include "exec/engine_plan.h"

#include <stdint.h>
#include <stdlib.h>

#include "core/checked.h"

/* Items sort by a key carried in the element itself, so qsort needs no
 * context (C11 has no qsort_r; a global would race between sessions). */
typedef struct size_key {
  size_t size;
  int first, idx;
} size_key;

static int by_size_desc(const void *pa, const void *pb) {
  const size_key *a = pa, *b = pb;
  if (a->size != b->size) return a->size > b->size ? -1 : 1;
  if (a->first != b->first) return a->first < b->first ? -1 : 1;
  return (a->idx > b->idx) - (a->idx < b->idx);
}

typedef struct offset_key {
  size_t offset;
  int idx;
} offset_key;

static int by_offset(const void *pa, const void *pb) {
  const offset_key *a = pa, *b = pb;
  if (a->offset != b->offset) return a->offset < b->offset ? -1 : 1;
  return (a->idx > b->idx) - (a->idx < b->idx);
}

/* Items living longer than this many steps are kept in one list scanned
 * for every placement; shorter ones sit in a list per time step, so finding
 * the placed items alive beside a new one costs what they number, not what
 * the whole graph numbers (a 200k-node chain took minutes scanning all). */
#define SHORT_SPAN 64

/* Short-lived items go in the per-step lists; the rest (and any item with
 * an odd lifetime) in the list scanned every time. */
static bool is_short(const nq_plan_item *it) {
  return it->first >= 0 && it->last >= it->first && it->last - it->first < SHORT_SPAN;
}

typedef struct step_lists {
  int *head; /* per time step: first entry, -1 for none */
  int *next; /* per entry: next entry of the same step */
  int *item; /* per entry: the item */
  int n;
} step_lists;

bool nq_plan_arena(nq_plan_item *items, int n, size_t align, size_t *total) {
  *total = 0;
  int steps = 0;
  bool all_overlap = true;
  int max_first = INT32_MIN, min_last = INT32_MAX;
  size_t entries = 0;
  for (int i = 0; i < n; i++) {
    if (!items[i].size) continue;
    if (items[i].first > max_first) max_first = items[i].first;
    if (items[i].last < min_last) min_last = items[i].last;
    if (!is_short(&items[i])) continue;
    if (items[i].last + 1 > steps) steps = items[i].last + 1;
    entries += (size_t)(items[i].last - items[i].first) + 1;
  }
  all_overlap = max_first <= min_last;
  size_key *order = malloc(sizeof *order * (size_t)(n ? n : 1));
  offset_key *live = malloc(sizeof *live * (size_t)(n ? n : 1));
  int *seen = malloc(sizeof *seen * (size_t)(n ? n : 1));
  int *longs = malloc(sizeof *longs * (size_t)(n ? n : 1));
  step_lists sl = {malloc(sizeof(int) * (size_t)(steps ? steps : 1)), NULL, NULL, 0};
  if (!all_overlap) {
    sl.next = malloc(sizeof(int) * (entries ? entries : 1));
    sl.item = malloc(sizeof(int) * (entries ? entries : 1));
  }
  bool ok = order && live && seen && longs && sl.head && (all_overlap || (sl.next && sl.item));
  int n_long = 0;
  size_t top = 0;
  if (ok) {
    for (int i = 0; i < n; i++) order[i] = (size_key){items[i].size, items[i].first, i}, seen[i] = -1;
    for (int s = 0; s < steps; s++) sl.head[s] = -1;
    qsort(order, (size_t)n, sizeof *order, by_size_desc);
  }
  for (int oi = 0; oi < n && ok; oi++) {
    int ii = order[oi].idx;
    nq_plan_item *it = &items[ii];
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
    size_t best = SIZE_MAX, best_gap = SIZE_MAX, cursor = 0;
    if (all_overlap) {
      /* Every placed item is alive with this one and they sit end to end
       * (keep-all sessions): no gap can exist, the cursor is the top. */
      cursor = top;
    } else {
      /* Placed items alive at the same time, by offset. */
      int nl = 0;
      for (int k = 0; k < n_long; k++) {
        const nq_plan_item *p = &items[longs[k]];
        if (p->first <= it->last && it->first <= p->last) live[nl++] = (offset_key){p->offset, longs[k]};
      }
      int from = it->first < 0 ? 0 : it->first, to = it->last < steps ? it->last : steps - 1;
      for (int s = from; s <= to; s++)
        for (int e = sl.head[s]; e >= 0; e = sl.next[e]) {
          int pj = sl.item[e];
          if (seen[pj] == ii) continue;
          seen[pj] = ii;
          if (!(items[pj].first <= it->last && it->first <= items[pj].last)) continue;
          live[nl++] = (offset_key){items[pj].offset, pj};
        }
      qsort(live, (size_t)nl, sizeof *live, by_offset);
      for (int k = 0; k < nl; k++) {
        const nq_plan_item *p = &items[live[k].idx];
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
    }
    it->offset = best != SIZE_MAX ? best : cursor;
    size_t end;
    if (!nq_add_size(it->offset, need, &end))
      ok = false;
    else if (end > top)
      top = end;
    if (!all_overlap && ok) {
      if (!is_short(it)) {
        longs[n_long++] = ii;
      } else {
        for (int s = it->first; s <= it->last; s++) {
          sl.item[sl.n] = ii;
          sl.next[sl.n] = sl.head[s];
          sl.head[s] = sl.n++;
        }
      }
    }
  }
  free(order);
  free(live);
  free(seen);
  free(longs);
  free(sl.head);
  free(sl.next);
  free(sl.item);
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
