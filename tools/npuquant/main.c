/*
 * npuquant: command dispatch. The commands come from commands.def; each one
 * parses its own options (getopt_long) in cmd_<name>.c.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct cli_command {
  const char *name;
  const char *summary;
  int (*run)(int argc, char **argv);
  const char *help;
} cli_command;

static const cli_command commands[] = {
#define NQ_CLI_COMMAND(name, summary) {#name, summary, cmd_##name, cmd_##name##_help},
#include "commands.def"
#undef NQ_CLI_COMMAND
};
enum { n_commands = sizeof commands / sizeof commands[0] };

static const cli_command *find_command(const char *name) {
  for (int i = 0; i < n_commands; i++)
    if (strcmp(commands[i].name, name) == 0) return &commands[i];
  return NULL;
}

static void print_usage(FILE *f) {
  fprintf(f,
          "npuquant %s - turn float32 models into fully int8 TensorFlow Lite models\n"
          "\n"
          "Usage:\n"
          "  npuquant COMMAND [OPTIONS] ARGS...\n"
          "  npuquant help COMMAND     show how to use COMMAND (same as COMMAND --help)\n"
          "  npuquant -h, --help       show this text\n"
          "  npuquant -V, --version    print the version\n"
          "\n"
          "Commands:\n",
          NQ_VERSION_STRING);
  for (int i = 0; i < n_commands; i++) fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(f,
          "\n"
          "Examples:\n"
          "  npuquant inspect model.tflite\n"
          "  npuquant convert model.tflite -d samples/ -o model_int8.tflite\n"
          "  npuquant run model.tflite -i input.npy -o result\n"
          "\n"
          "%s"
          "\n"
          "Errors are printed on stderr as one line starting with 'npuquant: '.\n",
          cli_exit_codes_help);
}

int main(int argc, char **argv) {
  nq_error serr;
  if (nq_cleanup_temp_files_on_signals(&serr) != NQ_OK) return cli_fail_status(serr.code, &serr);
  if (argc < 2) {
    /* The overview teaches; the last line is the error, as every error ends. */
    print_usage(stderr);
    fprintf(stderr, "npuquant: no command given (see 'npuquant --help')\n");
    return CLI_ERR_USAGE;
  }
  const char *a = argv[1];
  if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
    print_usage(stdout);
    return CLI_OK;
  }
  if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
    printf("npuquant %s\n", NQ_VERSION_STRING);
    return CLI_OK;
  }
  if (strcmp(a, "help") == 0) {
    if (argc == 2) {
      print_usage(stdout);
      return CLI_OK;
    }
    if (argc > 3) return cli_usage_error(NULL, "'help' takes one command name");
    const cli_command *c = find_command(argv[2]);
    if (!c) return cli_usage_error(NULL, "unknown command '%s'", argv[2]);
    return cli_print_help(c->help);
  }
  if (a[0] == '-') return cli_usage_error(NULL, "unknown option '%s'", a);
  const cli_command *c = find_command(a);
  if (!c) return cli_usage_error(NULL, "unknown command '%s'", a);
  return c->run(argc - 1, argv + 1);
}
