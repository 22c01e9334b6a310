/*
 * Loading a model for a command: the file's facts (size, format by its
 * magic bytes) plus the library's nq_model_load, with messages that always
 * name the file.
 */
#ifndef NQ_CLI_MODEL_H
#define NQ_CLI_MODEL_H

#include <getopt.h>
#include <stddef.h>

#include "npuquant.h"

typedef struct cli_model_file {
  const char *path;
  const char *format; /* "TFLite flatbuffer (TFL3)", or "unknown" */
  size_t size;        /* bytes */
} cli_model_file;

nq_status cli_load_model(const char *path, cli_model_file *mf, nq_model **out, nq_error *err);

/* Model-loading options every model-reading command accepts
 * (--input-shape, --inputs, --outputs, --signature, --keras-json,
 * --nhwc-input, --max-memory, --keras-in-process); values are >= CLI_LOAD_OPT_BASE. */
#define CLI_LOAD_OPT_BASE 2000
extern const struct option cli_load_longopts[];
/* 1: consumed, 0: not a load option, -1: a bad value (usage message printed). */
int cli_load_option(int c, const char *arg);
/* A new zero-terminated option table: a then b (free() it). */
struct option *cli_merge_longopts(const struct option *a, const struct option *b);

#define CLI_LOAD_HELP                                                                  \
  "Model loading (for formats that need it):\n"                                        \
  "  --input-shape S     fix dynamic input dimensions: NAME:1x3x224x224[,NAME2:...]\n" \
  "                      (ONNX, TensorFlow; batch defaults to 1; NAME:scalar for\n"    \
  "                      a rank-0 input)\n"                                            \
  "  --inputs A,B        frozen GraphDef: the input node names\n"                      \
  "  --outputs A,B       frozen GraphDef: the output node names\n"                     \
  "  --signature KEY     SavedModel: the signature (default serving_default)\n"        \
  "  --keras-json FILE   Keras: the architecture JSON for a weights-only .h5\n"        \
  "  --nhwc-input        ONNX: make the model input channels-last ([N,H,W,C], or\n"    \
  "                      [N,L,C] for 1-D) instead of NCHW / [N,C,L]\n"                 \
  "  --max-memory SIZE   memory budget for model data (e.g. 512M, 4G; default half\n"  \
  "                      of physical memory): a model needing more is refused\n"       \
  "  --keras-in-process  Keras: read the HDF5 file in this process, not in a\n"        \
  "                      forked child (which turns a libhdf5 crash or hang on a\n"     \
  "                      corrupt file into one error); for trusted files, debugging\n"

#endif
