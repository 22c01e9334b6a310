/* Which samples to keep: all, evenly spaced, or a seeded random subset
 * (the rules are documented in dataset.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib/dataset_internal.h"
#include "core/status.h"

/* SplitMix64 (Steele, Lea & Flood, 2014): one 64-bit state, a Weyl step and
 * a finaliser. Small, fast, and its output is easy to reproduce elsewhere. */
uint64_t nq_splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t nq_splitmix64_below(uint64_t *state, uint64_t m) {
  /* Values below 2^64 mod m would make the low residues more likely. */
  uint64_t threshold = (0 - m) % m, r;
  do r = nq_splitmix64(state);
  while (r < threshold);
  return r % m;
}

static int by_value(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return x < y ? -1 : x > y;
}

nq_status ds_select(nq_dataset *ds, nq_error *err) {
  size_t total = ds->total, n = ds->opts.max_samples;
  if (n == 0) {
    n = total;
    if (n > NQ_DATASET_DEFAULT_CAP) {
      n = NQ_DATASET_DEFAULT_CAP;
      ds_note(ds, "using %zu of %zu samples (%s); set the sample count to change", n, total,
              ds->opts.use_seed ? "random subset" : "evenly spaced");
    }
  }
  if (n > total) n = total;
  size_t *pick = malloc((n ? n : 1) * sizeof *pick);
  if (!pick) return nq_fail(err, NQ_ERR_NOMEM, "out of memory selecting %zu samples", n);
  if (n == total) {
    for (size_t k = 0; k < n; k++) pick[k] = k;
  } else if (!ds->opts.use_seed) {
    /* k < n <= total <= 2^32 (checked at open), so k * total fits 64 bits. */
    for (size_t k = 0; k < n; k++) pick[k] = (size_t)((uint64_t)k * total / n);
  } else {
    size_t *perm = malloc(total * sizeof *perm);
    if (!perm) {
      free(pick);
      return nq_fail(err, NQ_ERR_NOMEM, "out of memory shuffling %zu samples", total);
    }
    for (size_t k = 0; k < total; k++) perm[k] = k;
    uint64_t state = ds->opts.seed;
    for (size_t k = 0; k < n; k++) {
      size_t j = k + (size_t)nq_splitmix64_below(&state, (uint64_t)(total - k));
      size_t t = perm[k];
      perm[k] = perm[j];
      perm[j] = t;
    }
    memcpy(pick, perm, n * sizeof *pick);
    free(perm);
    qsort(pick, n, sizeof *pick, by_value);
  }
  ds->sel = calloc(n ? n : 1, sizeof *ds->sel);
  if (!ds->sel) {
    free(pick);
    return nq_fail(err, NQ_ERR_NOMEM, "out of memory selecting %zu samples", n);
  }
  ds->n_sel = n;
  /* pick is ascending: walk the sources once. lo = first global number of source `at`. */
  size_t at = 0, lo = 0;
  for (size_t k = 0; k < n; k++) {
    ds_sample *s = &ds->sel[k];
    while (pick[k] >= lo + ds->src[at].n_samples) lo += ds->src[at++].n_samples;
    s->source = at;
    s->index = pick[k] - lo;
    const ds_source *src = &ds->src[s->source];
    size_t len = strlen(src->label) + 32;
    s->name = malloc(len);
    if (!s->name) {
      free(pick);
      return nq_fail(err, NQ_ERR_NOMEM, "out of memory naming samples");
    }
    if (src->stacked)
      snprintf(s->name, len, "%s[%zu]", src->label, s->index);
    else
      snprintf(s->name, len, "%s", src->label);
  }
  free(pick);
  return NQ_OK;
}
