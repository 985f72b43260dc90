/* SPDX-License-Identifier: MIT */
/*
 * Run saved inputs through a fuzz target without libFuzzer, so `make test`
 * replays tests/fuzz/regressions/<target>/ (and the seed corpus) with the
 * ordinary compiler, under ASan in `make check-asan`.
 *
 *   replay_<target> FILE|DIR...
 *
 * Each file is one input; directories are read one level deep. A crash or
 * sanitizer report ends the process (non-zero); otherwise prints
 * "fuzz replay: <argv0>: N inputs" and exits 0.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "util/err.h"
#include "util/file.h"

/* libFuzzer calls this when a target defines it; replay does the same. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

static unsigned run_file(const char *path)
{
	struct vmb_err err;
	size_t len;
	uint8_t *buf = vmb_file_read(path, NULL, &len, &err);

	if (!buf)
		vmb_die("%s", err.msg);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 1;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static unsigned run_dir(const char *path)
{
	struct dirent *e;
	char **names = NULL;
	unsigned n = 0, done = 0;
	DIR *d = opendir(path);

	if (!d)
		vmb_die("cannot read directory %s", path);
	while ((e = readdir(d))) {
		struct stat st;
		char *name;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "README"))
			continue;
		name = vmb_zalloc(strlen(path) + strlen(e->d_name) + 2);
		sprintf(name, "%s/%s", path, e->d_name);
		if (stat(name, &st) || !S_ISREG(st.st_mode)) {
			free(name);
			continue;
		}
		names = vmb_realloc(names, (n + 1) * sizeof(*names));
		names[n++] = name;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (unsigned i = 0; i < n; i++) {
		done += run_file(names[i]);
		free(names[i]);
	}
	free(names);
	return done;
}

int main(int argc, char **argv)
{
	unsigned n = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st))
			continue; /* an absent corpus or regression directory */
		if (S_ISDIR(st.st_mode))
			n += run_dir(argv[i]);
		else
			n += run_file(argv[i]);
	}
	printf("fuzz replay: %s: %u inputs\n", argv[0], n);
	return 0;
}
