/* SPDX-License-Identifier: MIT */
/*
 * Commands that live outside main.c (src/cli/): their help texts, which
 * main.c's dispatcher prints. Each text lists the machine options main.c
 * parses for it (MACHINE_OPTS_HELP is appended by main.c where noted).
 */
#ifndef VMB_CLI_CLI_H
#define VMB_CLI_CLI_H

#include "cli/bundle.h"
#include "cli/resolve.h"

extern const char vmb_resolve_help[];

/* vmb unpack NAME.vmb [-C DIR] (cli/unpack.c): argv[0] is "unpack". */
int vmb_cmd_unpack(int argc, char **argv);

#endif
