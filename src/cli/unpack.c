/* SPDX-License-Identifier: MIT */
/* vmb unpack NAME.vmb [-C DIR]: see cli/bundle.h. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "vm.h"

int vmb_cmd_unpack(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "directory", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vmb_err err = { "" };
	const char *dir = NULL;
	char *def = NULL;
	int c, rc;

	while ((c = vmb_cli_next_opt(argc, argv, "unpack", vmb_unpack_help, ":C:h",
				     longopts, &rc)) != -1) {
		if (c == -2)
			return rc;
		dir = optarg; /* -C */
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "vmb: unpack: %s\nTry 'vmb unpack --help'.\n",
			optind >= argc ? "missing NAME.vmb" : "too many arguments");
		return VMB_EXIT_USAGE;
	}
	if (!dir) {
		size_t n = strlen(argv[optind]);

		def = vmb_strdup(argv[optind]);
		if (n > 4 && !strcmp(def + n - 4, ".vmb"))
			def[n - 4] = '\0';
		else
			strcat((def = vmb_realloc(def, n + 5)), ".dir");
		dir = def;
	}
	rc = vmb_unpack(argv[optind], dir, &err);
	if (rc)
		vmb_warn("%s", err.msg);
	else
		printf("%s/machine.yaml\n", dir);
	free(def);
	return rc ? VMB_EXIT_ERROR : 0;
}
