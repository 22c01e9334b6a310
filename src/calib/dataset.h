/*
 * The representative data set: the samples fed to ONE model input during
 * calibration (and by `compare`).
 *
 * Sources (the `path` given to nq_dataset_open):
 *   - a folder, searched recursively: images (.jpg .jpeg .png .bmp), .npy and
 *     .npz files, matched by extension (case-insensitive) and decoded by
 *     content; other files and hidden ones (".name") are ignored and counted
 *     in the notes; symlinked folders are not followed (no cycles). Files are
 *     sorted by their path (byte order), so runs are deterministic.
 *   - a single image, .npy or .npz file; "file.npz:key" takes one member
 *     ("key" or "key.npy"). Any other explicit file is an error.
 *
 * What one sample is: the whole input tensor (spec->shape, float32).
 *   - an image is decoded and preprocessed (preprocess.h) to the input's
 *     H x W x C; image inputs must be [1, H, W, C] (or [H, W, C]; [1, C, H, W]
 *     with channels_first).
 *   - an .npy array (or .npz member) A is used as-is (converted to float32):
 *     A is one sample if its shape equals the input's, or a stack of A[0]
 *     samples if A[1:] equals it. "Equals" ignores dimensions of size 1, so
 *     [K, 28, 28] feeds a [1, 28, 28, 1] input and [K, 1, 224, 224, 3] a
 *     [1, 224, 224, 3] one. Anything else is an error naming the file and
 *     both shapes. NaN/Inf values are an error naming the file and index.
 *
 * Selection: opts->max_samples (0: all, but at most NQ_DATASET_DEFAULT_CAP,
 * with a note). Without a seed the kept samples are evenly spaced over the
 * sorted list (sample floor(k * total / n) for k = 0..n-1), so a folder
 * sorted by class keeps every class. With opts->use_seed, a uniform random
 * subset: a partial Fisher-Yates shuffle of 0..total-1 driven by SplitMix64
 * seeded with opts->seed (bounded draws by rejection: r is redrawn while
 * r < (2^64 - m) mod m, then r mod m), the chosen indices sorted ascending.
 * Same path + options = same samples in the same order.
 *
 * The library never prints: informational notes (ignored files, the cap)
 * are returned by nq_dataset_notes(), and progress goes to opts->progress.
 *
 * Threads: nq_dataset_get keeps a one-array cache, so one dataset must not be
 * used from two threads at once (open one per thread instead).
 *
 * Lifetime: the dataset copies path, spec and pp; free it with
 * nq_dataset_free(). Names returned by nq_dataset_name() live as long as it.
 */
#ifndef NQ_CALIB_DATASET_H
#define NQ_CALIB_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "calib/preprocess.h"
#include "npuquant.h"

#define NQ_DATASET_DEFAULT_CAP 500
/* Bounds for hostile or mistaken inputs. */
#define NQ_DATASET_MAX_FILES 1000000
#define NQ_DATASET_MAX_DEPTH 64
#define NQ_DATASET_MAX_SAMPLE_ELEMS ((size_t)1 << 28)

/* The model input the samples are for. Shape as in the model, e.g.
 * [1, 224, 224, 3]; all dims must be positive. */
typedef struct nq_input_spec {
  const char *name; /* the input's tensor name, for messages; may be NULL */
  int rank;
  int32_t shape[NQ_API_MAX_RANK];
  int channels_first; /* images only: 1 = NCHW ([1, C, H, W]); 0 = NHWC */
} nq_input_spec;

/* done = the sample just produced (1-based), total = nq_dataset_count(). */
typedef void (*nq_progress_fn)(void *user, size_t done, size_t total, const char *name);

typedef struct nq_dataset_options {
  size_t max_samples; /* 0: all samples, capped at NQ_DATASET_DEFAULT_CAP (noted) */
  int use_seed;       /* 1: random subset drawn with `seed` */
  uint64_t seed;
  nq_progress_fn progress; /* called from nq_dataset_get; may be NULL */
  void *progress_user;
} nq_dataset_options;

typedef struct nq_dataset nq_dataset;

/* Scan `path`, check every source's shape against `spec` (reading only .npy
 * headers; images are decoded in nq_dataset_get) and select the samples.
 * pp may be NULL (nq_preprocess_default); opts may be NULL (defaults). */
nq_status nq_dataset_open(const char *path, const nq_input_spec *spec, const nq_preprocess *pp,
                          const nq_dataset_options *opts, nq_dataset **out, nq_error *err);
void nq_dataset_free(nq_dataset *ds);

/* Selected samples. */
size_t nq_dataset_count(const nq_dataset *ds);
/* Elements in one sample (the product of the input's shape). */
size_t nq_dataset_sample_elems(const nq_dataset *ds);
/* Sample i (0 <= i < count) into dst (nq_dataset_sample_elems floats). */
nq_status nq_dataset_get(nq_dataset *ds, size_t i, float *dst, nq_error *err);
/* "path/to/img.jpg", "x.npy", "x.npy[17]", "d.npz:images.npy[3]". */
const char *nq_dataset_name(const nq_dataset *ds, size_t i);
/* Samples available before selection. */
size_t nq_dataset_total(const nq_dataset *ds);
/* Informational lines ("" if none), each ending in '\n'. */
const char *nq_dataset_notes(const nq_dataset *ds);
/* The preprocessing in force (after NQ_COLOR_AUTO etc.); for a uint8 input's
 * quantization use nq_preprocess_affine() on it. 1 if any source is an image. */
const nq_preprocess *nq_dataset_preprocess(const nq_dataset *ds);
int nq_dataset_has_images(const nq_dataset *ds);

/* The SplitMix64 generator the seeded selection uses (exposed for tests). */
uint64_t nq_splitmix64(uint64_t *state);
/* Uniform in [0, m) from SplitMix64 by rejection (m > 0). */
uint64_t nq_splitmix64_below(uint64_t *state, uint64_t m);

#endif
