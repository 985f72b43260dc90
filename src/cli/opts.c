/* SPDX-License-Identifier: MIT */
/* Option parsing shared by the commands in src/cli/; see cli.h. */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "vm.h"

int vmb_cli_next_opt(int argc, char **argv, const char *cmd, const char *help,
		     const char *shortopts, const struct option *longopts, int *status)
{
	int c = getopt_long(argc, argv, shortopts, longopts, NULL);

	if (c == 'h') {
		fputs(help, stdout);
		*status = 0;
		return -2;
	}
	if (c == ':' || c == '?') {
		fprintf(stderr, "vmb: %s '%s'\nTry 'vmb %s --help'.\n",
			c == ':' ? "option needs a value:" : "unknown option",
			argv[optind - 1], cmd);
		*status = VMB_EXIT_USAGE;
		return -2;
	}
	return c;
}

int vmb_cli_no_more_args(int argc, char **argv, const char *cmd)
{
	if (optind >= argc)
		return 0;
	fprintf(stderr, "vmb: unexpected argument '%s'\nTry 'vmb %s --help'.\n",
		argv[optind], cmd);
	return VMB_EXIT_USAGE;
}
