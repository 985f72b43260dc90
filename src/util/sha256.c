/* SPDX-License-Identifier: MIT */
/* SHA-256 of files with an in-memory and an on-disk cache; see sha256.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "util/sha256.h"
#include "util/bytes.h"

#define CHUNK (1u << 20)

/* What identifies one version of a file for the caches. */
struct ident {
	char real[PATH_MAX];
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

struct memo {
	struct ident id;
	uint8_t d[VMB_SHA256_LEN];
	struct memo *next;
};

static struct memo *memos;
static pthread_mutex_t memo_lock = PTHREAD_MUTEX_INITIALIZER;

void vmb_sha256_buf(const void *buf, size_t len, uint8_t out[VMB_SHA256_LEN])
{
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, len, buf);
	sha256_digest(&c, VMB_SHA256_LEN, out);
}

void vmb_sha256_hex(const uint8_t d[VMB_SHA256_LEN], char *hex)
{
	static const char digits[] = "0123456789abcdef";

	for (unsigned i = 0; i < VMB_SHA256_LEN; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[VMB_SHA256_HEX_LEN] = '\0';
}

int vmb_sha256_parse(const char *hex, uint8_t out[VMB_SHA256_LEN])
{
	if (strlen(hex) != VMB_SHA256_HEX_LEN)
		return -1;
	for (unsigned i = 0; i < VMB_SHA256_LEN; i++) {
		int hi = vmb_hex_digit(hex[2 * i]), lo = vmb_hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void vmb_sha256_forget(void)
{
	pthread_mutex_lock(&memo_lock);
	while (memos) {
		struct memo *m = memos;

		memos = m->next;
		free(m);
	}
	pthread_mutex_unlock(&memo_lock);
}

static bool same_ident(const struct ident *a, const struct ident *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec &&
	       a->ctime.tv_nsec == b->ctime.tv_nsec && !strcmp(a->real, b->real);
}

/* ---- on-disk cache ------------------------------------------------------- */

/* The cache file for id, or false when the cache is off or has no home. */
static bool cache_path(const struct ident *id, char *buf, size_t len, bool mkdirs)
{
	const char *dir = getenv("VMB_CACHE_DIR"), *base;
	char root[PATH_MAX], hex[VMB_SHA256_HEX_LEN + 1];
	uint8_t key[VMB_SHA256_LEN];

	if (dir && !strcmp(dir, "off"))
		return false;
	if (dir && dir[0]) {
		snprintf(root, sizeof(root), "%s", dir);
	} else if ((base = getenv("XDG_CACHE_HOME")) && base[0] == '/') {
		snprintf(root, sizeof(root), "%s/vmb", base);
	} else if ((base = getenv("HOME")) && base[0] == '/') {
		snprintf(root, sizeof(root), "%s/.cache/vmb", base);
	} else {
		return false;
	}
	if (mkdirs) {
		/* Parents of an XDG/HOME default may be missing too. */
		for (char *p = root + 1; *p; p++) {
			if (*p != '/')
				continue;
			*p = '\0';
			mkdir(root, 0700);
			*p = '/';
		}
		mkdir(root, 0700);
	}
	vmb_sha256_buf(id->real, strlen(id->real), key);
	vmb_sha256_hex(key, hex);
	if ((size_t)snprintf(buf, len, "%s/sha256", root) >= len)
		return false;
	if (mkdirs)
		mkdir(buf, 0700);
	return (size_t)snprintf(buf, len, "%s/sha256/%s", root, hex) < len;
}

/* One line: "vmb-sha256-v1 DEV INO SIZE MS MNS CS CNS DIGEST PATH\n";
 * this writes the part before DIGEST. */
static void format_prefix(const struct ident *id, char *buf, size_t len)
{
	snprintf(buf, len, "vmb-sha256-v1 %ju %ju %jd %jd %ld %jd %ld ",
		 (uintmax_t)id->dev, (uintmax_t)id->ino, (intmax_t)id->size,
		 (intmax_t)id->mtime.tv_sec, id->mtime.tv_nsec,
		 (intmax_t)id->ctime.tv_sec, id->ctime.tv_nsec);
}

static bool cache_get(const struct ident *id, uint8_t d[VMB_SHA256_LEN])
{
	char path[PATH_MAX + 64], pre[256], got[PATH_MAX + 256];
	char hex[VMB_SHA256_HEX_LEN + 1];
	size_t np;
	FILE *f;
	bool ok;

	if (!cache_path(id, path, sizeof(path), false) || !(f = fopen(path, "re")))
		return false;
	ok = fgets(got, sizeof(got), f) != NULL;
	fclose(f);
	format_prefix(id, pre, sizeof(pre));
	np = strlen(pre);
	if (!ok || strncmp(got, pre, np) || strlen(got) < np + VMB_SHA256_HEX_LEN + 2)
		return false;
	memcpy(hex, got + np, VMB_SHA256_HEX_LEN);
	hex[VMB_SHA256_HEX_LEN] = '\0';
	/* The rest must be " PATH\n" for this very path. */
	if (got[np + VMB_SHA256_HEX_LEN] != ' ' ||
	    strncmp(got + np + VMB_SHA256_HEX_LEN + 1, id->real, strlen(id->real)) ||
	    strcmp(got + np + VMB_SHA256_HEX_LEN + 1 + strlen(id->real), "\n"))
		return false;
	return vmb_sha256_parse(hex, d) == 0;
}

/* Best effort: a cache that cannot be written only costs time. Written
 * to a temporary name and renamed, so readers see whole lines. */
static void cache_put(const struct ident *id, const uint8_t d[VMB_SHA256_LEN])
{
	char path[PATH_MAX + 64], tmp[PATH_MAX + 96], line[PATH_MAX + 256];
	char hex[VMB_SHA256_HEX_LEN + 1];
	size_t n;
	int fd;

	if (!cache_path(id, path, sizeof(path), true))
		return;
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	format_prefix(id, line, sizeof(line));
	vmb_sha256_hex(d, hex);
	n = strlen(line);
	snprintf(line + n, sizeof(line) - n, "%s %s\n", hex, id->real);
	n = strlen(line);
	if (write(fd, line, n) != (ssize_t)n || close(fd) || rename(tmp, path))
		unlink(tmp);
}

/* ---- hashing ------------------------------------------------------------- */

static int hash_fd(int fd, const char *path, uint8_t d[VMB_SHA256_LEN],
		   const struct vmb_loc *loc, struct vmb_err *err)
{
	struct sha256_ctx c;
	uint8_t *buf = vmb_zalloc(CHUNK);
	ssize_t n;

	sha256_init(&c);
	while ((n = read(fd, buf, CHUNK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return vmb_errf(err, loc, "cannot read '%s' to compute its "
					"sha256: %s", path, strerror(errno));
		}
		sha256_update(&c, (size_t)n, buf);
	}
	free(buf);
	sha256_digest(&c, VMB_SHA256_LEN, d);
	return 0;
}

static void ident_of(const char *path, const struct stat *st, struct ident *id)
{
	if (!realpath(path, id->real))
		snprintf(id->real, sizeof(id->real), "%s", path);
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = st->st_size;
	id->mtime = st->st_mtim;
	id->ctime = st->st_ctim;
}

static void memo_add(const struct ident *id, const uint8_t d[VMB_SHA256_LEN])
{
	struct memo *m = vmb_zalloc(sizeof(*m));

	m->id = *id;
	memcpy(m->d, d, VMB_SHA256_LEN);
	pthread_mutex_lock(&memo_lock);
	m->next = memos;
	memos = m;
	pthread_mutex_unlock(&memo_lock);
}

void vmb_sha256_note(const char *path, const uint8_t d[VMB_SHA256_LEN])
{
	struct ident id = { 0 };
	struct stat st;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return;
	ident_of(path, &st, &id);
	memo_add(&id, d);
}

int vmb_sha256_file(const char *path, uint8_t out[VMB_SHA256_LEN],
		    const struct vmb_loc *loc, struct vmb_err *err)
{
	struct ident id = { 0 }, after = { 0 };
	struct memo *m;
	struct stat st;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		rc = errno;
		if (fd >= 0)
			close(fd);
		return vmb_errf(err, loc, "cannot open '%s' to compute its sha256: "
				"%s", path, strerror(rc));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return vmb_errf(err, loc, "'%s' is not a regular file", path);
	}
	ident_of(path, &st, &id);

	pthread_mutex_lock(&memo_lock);
	for (m = memos; m; m = m->next)
		if (same_ident(&m->id, &id))
			break;
	if (m)
		memcpy(out, m->d, VMB_SHA256_LEN);
	pthread_mutex_unlock(&memo_lock);
	if (m) {
		close(fd);
		return 0;
	}
	if (!cache_get(&id, out)) {
		rc = hash_fd(fd, path, out, loc, err);
		/* A file written while it was read gets no cache entry. */
		after = id;
		if (!rc && !fstat(fd, &st)) {
			after.size = st.st_size;
			after.mtime = st.st_mtim;
			after.ctime = st.st_ctim;
		}
		close(fd);
		if (rc)
			return -1;
		if (same_ident(&id, &after))
			cache_put(&id, out);
	} else {
		close(fd);
	}
	memo_add(&id, out);
	return 0;
}
