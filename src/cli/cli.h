/* SPDX-License-Identifier: MIT */
/*
 * Commands that live outside main.c (src/cli/): their help texts, which
 * main.c's dispatcher prints. Each text lists the machine options main.c
 * parses for it (MACHINE_OPTS_HELP is appended by main.c where noted).
 */
#ifndef VMB_CLI_CLI_H
#define VMB_CLI_CLI_H

#include <stdio.h>

#include "cli/bundle.h"
#include "cli/resolve.h"

extern const char vmb_resolve_help[];

/* Commands with their own option parsing; argv[0] is the command name. */
int vmb_cmd_unpack(int argc, char **argv);  /* cli/unpack.c */
int vmb_cmd_schema(int argc, char **argv);  /* cli/schema.c */
extern const char vmb_schema_help[];

/* The JSON Schema of machine files (cli/schema.c). */
void vmb_schema_write(FILE *f);

/* Machine-readable forms of "vmb devices" and "vmb check" (cli/json-out.c).
 * only: one device type's name, or NULL for all; unknown: returns -1. */
int vmb_devices_json(FILE *f, const char *only);
int vmb_check_json(const struct vmb_spec *spec, FILE *f, struct vmb_err *err);

struct option;
/*
 * getopt_long for a src/cli/ command: returns the next option character,
 * -1 at the end, or -2 when the command should exit now with *status (0
 * after -h/--help, which printed help; 64 after a usage error, printed).
 */
int vmb_cli_next_opt(int argc, char **argv, const char *cmd, const char *help,
		     const char *shortopts, const struct option *longopts, int *status);
/* 0, or 64 with a message if arguments are left after optind. */
int vmb_cli_no_more_args(int argc, char **argv, const char *cmd);

#endif
