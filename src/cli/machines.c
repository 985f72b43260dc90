/* SPDX-License-Identifier: MIT */
/*
 * The machine search path and "vmb machines" (see machines.h).
 */
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/machines.h"
#include "config/node.h"
#include "vm.h"

const char vmb_machines_help[] =
"usage: vmb machines [--names]\n"
"\n"
"List the machines vmb finds by name, with each file's description. A\n"
"MACHINE argument that is not an existing file is looked up as NAME.yaml\n"
"in, first match first: each directory of $VMB_PATH (colon-separated);\n"
"the installed machines (BINDIR/../share/vmb/machines); the current\n"
"directory and its machines/; machines/ beside the vmb binary.\n"
"\n"
"options:\n"
"      --names           only the names, one a line (for completion)\n"
"  -h, --help            this text\n";

struct search_path {
	char **dir;
	unsigned n;
};

static void add_dir(struct search_path *p, const char *dir, size_t len)
{
	char *d;

	if (!len)
		return;
	d = vmb_zalloc(len + 1);
	memcpy(d, dir, len);
	p->dir = vmb_realloc(p->dir, (p->n + 1) * sizeof(*p->dir));
	p->dir[p->n++] = d;
}

/* The directory holding the running executable, or "" if unknown. */
static void exe_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	buf[n > 0 ? n : 0] = '\0';
	slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	else
		buf[0] = '\0';
}

static struct search_path search_path(void)
{
	struct search_path p = { NULL, 0 };
	const char *env = getenv("VMB_PATH"), *c;
	char exe[PATH_MAX], dir[PATH_MAX + 32];

	for (c = env; c && *c;) {
		const char *colon = strchr(c, ':');
		size_t len = colon ? (size_t)(colon - c) : strlen(c);

		add_dir(&p, c, len);
		c += len + (colon ? 1 : 0);
	}
	exe_dir(exe, sizeof(exe));
	if (exe[0]) {
		snprintf(dir, sizeof(dir), "%s/../share/vmb/machines", exe);
		add_dir(&p, dir, strlen(dir));
	}
	add_dir(&p, ".", 1);
	add_dir(&p, "machines", 8);
	if (exe[0]) {
		snprintf(dir, sizeof(dir), "%s/machines", exe);
		add_dir(&p, dir, strlen(dir));
	}
	return p;
}

static void search_path_free(struct search_path *p)
{
	for (unsigned i = 0; i < p->n; i++)
		free(p->dir[i]);
	free(p->dir);
}

static bool is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

static bool has_yaml_suffix(const char *name)
{
	size_t n = strlen(name);

	return (n > 5 && !strcmp(name + n - 5, ".yaml")) ||
	       (n > 4 && !strcmp(name + n - 4, ".yml"));
}

char *vmb_machine_find(const char *arg)
{
	struct search_path p;
	char *found = NULL;

	struct stat st;

	/* an existing file (or FIFO, device ...) as given; a directory of
	 * that name does not hide a machine */
	if (!stat(arg, &st) && !S_ISDIR(st.st_mode))
		return vmb_strdup(arg);
	if (strchr(arg, '/') || !arg[0])
		return NULL;
	p = search_path();
	for (unsigned i = 0; i < p.n && !found; i++) {
		char *path = vmb_zalloc(strlen(p.dir[i]) + strlen(arg) + 8);

		sprintf(path, "%s/%s%s", p.dir[i], arg,
			has_yaml_suffix(arg) ? "" : ".yaml");
		if (is_file(path))
			found = path;
		else
			free(path);
	}
	search_path_free(&p);
	return found;
}

/* The file's top-level "description:", without validating the rest (a
 * machine may need images that are not built yet). */
static char *describe(const char *path)
{
	struct vmb_err err;
	struct vmb_node *root = vmb_node_parse_file(path, &err);
	const struct vmb_node *d = vmb_node_get(root, "description");
	char *out;

	if (!root)
		return vmb_strdup("(does not parse; vmb check it)");
	if (d && d->kind == VMB_NODE_SCALAR && d->scalar[0])
		out = vmb_strdup(d->scalar);
	else
		out = vmb_strdup("(no description)");
	vmb_node_free(root);
	return out;
}

static int yaml_entry(const struct dirent *e)
{
	return e->d_name[0] != '.' && has_yaml_suffix(e->d_name);
}

/* Print the machines of one directory not already seen (by name). */
static void list_dir(const char *dir, bool names_only, char ***seen, unsigned *nseen)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, yaml_entry, alphasort);

	for (int i = 0; i < n; i++) {
		char *name = vmb_strdup(ents[i]->d_name), *path, *desc;
		bool dup = false;

		*strrchr(name, '.') = '\0';
		path = vmb_zalloc(strlen(dir) + strlen(ents[i]->d_name) + 2);
		sprintf(path, "%s/%s", dir, ents[i]->d_name);
		for (unsigned j = 0; j < *nseen && !dup; j++)
			dup = !strcmp((*seen)[j], name);
		if (dup || !is_file(path)) {
			free(name);
		} else {
			if (names_only) {
				printf("%s\n", name);
			} else {
				desc = describe(path);
				printf("  %-16s %s\n  %-16s %s\n", name, desc, "", path);
				free(desc);
			}
			*seen = vmb_realloc(*seen, (*nseen + 1) * sizeof(**seen));
			(*seen)[(*nseen)++] = name;
		}
		free(path);
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

int vmb_cmd_machines(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "names", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct search_path p;
	bool names_only = false;
	char **seen = NULL;
	unsigned nseen = 0;
	int c;

	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(vmb_machines_help, stdout);
			return 0;
		}
		if (c == 'n') {
			names_only = true;
			continue;
		}
		fprintf(stderr, "vmb: unknown option '%s'\nTry 'vmb machines "
			"--help'.\n", argv[optind - 1]);
		return VMB_EXIT_USAGE;
	}
	if (optind < argc) {
		fprintf(stderr, "vmb: unexpected argument '%s'\nTry 'vmb machines "
			"--help'.\n", argv[optind]);
		return VMB_EXIT_USAGE;
	}
	p = search_path();
	if (!names_only)
		printf("machines (vmb run NAME; first match on the search path "
		       "wins):\n");
	for (unsigned i = 0; i < p.n; i++)
		list_dir(p.dir[i], names_only, &seen, &nseen);
	if (!names_only && !nseen)
		printf("  none found; set VMB_PATH to a directory of machine "
		       "files\n");
	for (unsigned i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	search_path_free(&p);
	return 0;
}
