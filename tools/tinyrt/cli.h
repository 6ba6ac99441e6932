/* The tinyrt command-line tool: one file per subcommand, each exporting cmd_<name>. */
#ifndef TINYRT_CLI_H
#define TINYRT_CLI_H

typedef struct cli_command {
  const char *name;
  const char *summary;
  int (*main)(int argc, char **argv); /* argv[0] is the subcommand name */
} cli_command;

int cmd_run(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_optimize(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_loadgen(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
