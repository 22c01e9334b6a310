#include "cli_model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* The load options of this process (one model-loading command per run). */
static nq_load_options load_opts;

const struct option cli_load_longopts[] = {
    {"input-shape", required_argument, NULL, CLI_LOAD_OPT_BASE + 0},
    {"inputs", required_argument, NULL, CLI_LOAD_OPT_BASE + 1},
    {"outputs", required_argument, NULL, CLI_LOAD_OPT_BASE + 2},
    {"signature", required_argument, NULL, CLI_LOAD_OPT_BASE + 3},
    {"keras-json", required_argument, NULL, CLI_LOAD_OPT_BASE + 4},
    {"nhwc-input", no_argument, NULL, CLI_LOAD_OPT_BASE + 5},
    {"max-memory", required_argument, NULL, CLI_LOAD_OPT_BASE + 6},
    {"keras-in-process", no_argument, NULL, CLI_LOAD_OPT_BASE + 7},
    {0, 0, 0, 0},
};

/* "1073741824", "512K", "512M", "4G" (powers of 1024); at least 1 MiB. */
static int parse_bytes(const char *s, size_t *out) {
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *s == '-') return -1;
  int shift = 0;
  if (*end == 'K' || *end == 'k')
    shift = 10, end++;
  else if (*end == 'M' || *end == 'm')
    shift = 20, end++;
  else if (*end == 'G' || *end == 'g')
    shift = 30, end++;
  if (*end) return -1;
  if (v > (SIZE_MAX >> shift)) return -1;
  v <<= shift;
  if (v < ((unsigned long long)1 << 20)) return -1;
  *out = (size_t)v;
  return 0;
}

int cli_load_option(int c, const char *arg) {
  switch (c - CLI_LOAD_OPT_BASE) {
    case 0:
      load_opts.input_shapes = arg;
      return 1;
    case 1:
      load_opts.inputs = arg;
      return 1;
    case 2:
      load_opts.outputs = arg;
      return 1;
    case 3:
      load_opts.signature = arg;
      return 1;
    case 4:
      load_opts.keras_json = arg;
      return 1;
    case 5:
      load_opts.nhwc_input = 1;
      return 1;
    case 6: {
      size_t bytes;
      if (parse_bytes(arg, &bytes) != 0) {
        cli_usage_error(
            NULL, "--max-memory expects a size of at least 1M, such as 512M, 4G or 1073741824, got '%s'",
            arg);
        return -1;
      }
      nq_set_memory_limit(bytes);
      return 1;
    }
    case 7:
      load_opts.keras_in_process = 1;
      return 1;
    default:
      return 0;
  }
}

struct option *cli_merge_longopts(const struct option *a, const struct option *b) {
  size_t na = 0, nb = 0;
  while (a[na].name) na++;
  while (b[nb].name) nb++;
  struct option *all = calloc(na + nb + 1, sizeof *all);
  if (!all) return NULL;
  memcpy(all, a, na * sizeof *all);
  memcpy(all + na, b, nb * sizeof *all);
  return all;
}

nq_status cli_load_model(const char *path, cli_model_file *mf, nq_model **out, nq_error *err) {
  *out = NULL;
  memset(mf, 0, sizeof *mf);
  mf->path = path;
  mf->format = "unknown";
  struct stat st;
  if (stat(path, &st) != 0) return nq_fail(err, NQ_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  if (S_ISREG(st.st_mode)) {
    mf->size = (size_t)st.st_size;
  } else if (!S_ISDIR(st.st_mode)) {
    return nq_fail(err, NQ_ERR_IO, "%s: not a regular file or a directory", path);
  }
  const char *desc = nq_format_describe(path);
  if (desc) mf->format = desc;
  nq_status s = nq_model_load_ex(path, &load_opts, out, err);
  /* The library names the file in its messages; make sure of it here too,
   * because "which file?" is the first question a user asks. */
  if (s != NQ_OK && !strstr(err->msg, path)) nq_prefix(err, "%s: ", path);
  return s;
}
