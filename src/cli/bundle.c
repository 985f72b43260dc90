/* SPDX-License-Identifier: MIT */
/*
 * vmb pack / unpack and running a bundle: see bundle.h for the format.
 *
 * Files a device writes (flash backing files, disks) are stored apart from
 * the content-addressed inputs, once per reference, as "disks/<N>-<sha256>"
 * so two banks that start out equal still get a file each; the machine
 * refers to them by plain path (not pinned: they change as the guest runs),
 * and their content is checked against the name when the bundle is read.
 * A run straight from a bundle works on a private extracted copy that is
 * removed afterwards: the archive is only ever read.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <nettle/sha2.h>

#include "board/board.h"
#include "cli/bundle.h"
#include "cli/resolve.h"
#include "util/sha256.h"

#define MACHINE_MEMBER "machine.yaml"
#define CHUNK (1u << 20)
#define MAX_DISKS 4096
#define MAX_MEMBERS (2 * MAX_DISKS) /* a machine names far fewer files */

/* ---- pack ------------------------------------------------------------------ */

struct member {
	char name[96];   /* in the archive */
	char *path;      /* on this host */
};

struct packing {
	struct member *m;
	unsigned n, disks;
};

static int pack_file(void *ctx, const char *path, const uint8_t *sha,
		     enum vmb_file_use use, const char *what, char *out,
		     size_t len, struct vmb_err *err)
{
	struct packing *p = ctx;
	char hex[VMB_SHA256_HEX_LEN + 1], name[96];
	bool writes = use == VMB_FILE_WRITTEN;

	/* Refused rather than dropped: the machine would run without it. */
	if (use == VMB_FILE_DIR)
		return vmb_errf(err, NULL, "pack: %s is a directory ('%s'): a "
				"bundle holds files only; pack with --set %s=~ and "
				"give the directory when running the bundle (--set "
				"%s=DIR)", what, path, what, what);
	if (!sha) {
		/* A flash file not created yet: the device starts erased. */
		if (writes) {
			out[0] = '\0';
			return 0;
		}
		return vmb_errf(err, NULL, "pack: '%s' does not exist", path);
	}
	vmb_sha256_hex(sha, hex);
	if (writes) {
		if (p->disks >= MAX_DISKS)
			return vmb_errf(err, NULL, "pack: more than %d written files",
					MAX_DISKS);
		snprintf(name, sizeof(name), "disks/%u-%s", p->disks++, hex);
	} else {
		snprintf(name, sizeof(name), "images/%s", hex);
	}
	snprintf(out, len, "%s", name);
	for (unsigned i = 0; i < p->n; i++)
		if (!strcmp(p->m[i].name, name))
			return 0; /* stored once */
	p->m = vmb_realloc(p->m, (p->n + 1) * sizeof(*p->m));
	snprintf(p->m[p->n].name, sizeof(p->m[p->n].name), "%s", name);
	p->m[p->n].path = vmb_strdup(path);
	p->n++;
	return 0;
}

static struct archive_entry *new_entry(const char *name, int64_t size)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, size);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_mtime(e, 0, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	return e;
}

static int write_member(struct archive *a, const char *name, const void *buf,
			size_t len, const char *path, struct vmb_err *err)
{
	struct archive_entry *e;
	struct stat st;
	uint8_t *chunk = NULL;
	int fd = -1, rc = -1;

	if (path) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st)) {
			vmb_errf(err, NULL, "pack: cannot read '%s': %s", path,
				 strerror(errno));
			goto out;
		}
		len = (size_t)st.st_size;
	}
	e = new_entry(name, (int64_t)len);
	if (archive_write_header(a, e) != ARCHIVE_OK) {
		archive_entry_free(e);
		vmb_errf(err, NULL, "pack: %s: %s", name, archive_error_string(a));
		goto out;
	}
	archive_entry_free(e);
	if (!path) {
		if (archive_write_data(a, buf, len) != (la_ssize_t)len)
			goto write_failed;
		rc = 0;
		goto out;
	}
	chunk = vmb_zalloc(CHUNK);
	while (len) {
		ssize_t n = read(fd, chunk, len < CHUNK ? len : CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			vmb_errf(err, NULL, "pack: cannot read '%s': %s", path,
				 n ? strerror(errno) : "it shrank while packing");
			goto out;
		}
		if (archive_write_data(a, chunk, (size_t)n) != n)
			goto write_failed;
		len -= (size_t)n;
	}
	rc = 0;
	goto out;
write_failed:
	vmb_errf(err, NULL, "pack: writing %s: %s", name, archive_error_string(a));
out:
	free(chunk);
	if (fd >= 0)
		close(fd);
	return rc;
}

int vmb_pack(const struct vmb_spec *spec, const char *out_path, struct vmb_err *err)
{
	struct vmb_board *b = vmb_board_create(spec, NULL, err);
	struct packing p = { 0 };
	struct vmb_resolve_files files = { pack_file, &p };
	struct archive *a = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc = -1;

	if (!b)
		return -1;
	f = open_memstream(&text, &len);
	rc = vmb_resolve_write(b, f, &files, err);
	fclose(f);
	if (rc)
		goto out;
	rc = -1;
	a = archive_write_new();
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_zstd(a) != ARCHIVE_OK ||
	    archive_write_open_filename(a, out_path) != ARCHIVE_OK) {
		vmb_errf(err, NULL, "pack: cannot write '%s': %s", out_path,
			 archive_error_string(a));
		goto out;
	}
	if (write_member(a, MACHINE_MEMBER, text, len, NULL, err))
		goto out;
	for (unsigned i = 0; i < p.n; i++)
		if (write_member(a, p.m[i].name, NULL, 0, p.m[i].path, err))
			goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		vmb_errf(err, NULL, "pack: cannot write '%s': %s", out_path,
			 archive_error_string(a));
		goto out;
	}
	rc = 0;
out:
	if (a)
		archive_write_free(a);
	if (rc && a)
		unlink(out_path);
	for (unsigned i = 0; i < p.n; i++)
		free(p.m[i].path);
	free(p.m);
	free(text);
	vmb_board_destroy(b);
	return rc;
}

/* ---- unpack ------------------------------------------------------------------ */

bool vmb_is_bundle(const char *path)
{
	size_t n = strlen(path);
	struct stat st;

	return n > 4 && !strcmp(path + n - 4, ".vmb") &&
	       !(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return false;
	return !s[n];
}

/* The member names a bundle may hold; *digest points at the digest in
 * the name (NULL for machine.yaml). */
static bool member_ok(const char *name, const char **digest)
{
	const char *p;

	*digest = NULL;
	if (!strcmp(name, MACHINE_MEMBER))
		return true;
	if (!strncmp(name, "images/", 7) && all_hex(name + 7, VMB_SHA256_HEX_LEN)) {
		*digest = name + 7;
		return true;
	}
	if (strncmp(name, "disks/", 6))
		return false;
	p = name + 6;
	if (!strchr("0123456789", *p))
		return false;
	while (strchr("0123456789", *p) && *p)
		p++;
	if (p - (name + 6) > 4 || *p != '-' || !all_hex(p + 1, VMB_SHA256_HEX_LEN))
		return false;
	*digest = p + 1;
	return true;
}

static void remove_dir_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[PATH_MAX];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

void vmb_unpack_remove(const char *dir)
{
	char sub[PATH_MAX];

	snprintf(sub, sizeof(sub), "%s/images", dir);
	remove_dir_files(sub);
	snprintf(sub, sizeof(sub), "%s/disks", dir);
	remove_dir_files(sub);
	remove_dir_files(dir);
}

/* Write a block at the file offset, or skip it when it is all zeros, so
 * disk images with empty space come out sparse (ftruncate sets the
 * length at the end). 0, or -1 with errno. */
static int write_block(int fd, const char *p, size_t len)
{
	size_t i = 0;

	while (i < len && !p[i])
		i++;
	if (i == len)
		return lseek(fd, (off_t)len, SEEK_CUR) < 0 ? -1 : 0;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copy the current member's data to a new file, hashing it. */
static int extract(struct archive *a, const char *bundle, const char *name,
		   const char *dir, int64_t size, const char *digest,
		   struct vmb_err *err)
{
	char path[PATH_MAX], hex[VMB_SHA256_HEX_LEN + 1];
	uint8_t d[VMB_SHA256_LEN];
	struct sha256_ctx h;
	int64_t got = 0;
	int fd, rc = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return vmb_errf(err, NULL, "bundle '%s': cannot create '%s': %s",
				bundle, path, strerror(errno));
	sha256_init(&h);
	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t off;
		int r = archive_read_data_block(a, &buf, &len, &off);

		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			vmb_errf(err, NULL, "bundle '%s' is damaged or truncated: %s: %s",
				 bundle, name, archive_error_string(a));
			goto out;
		}
		/* Not sparse (checked): blocks come in order, without holes. */
		if (off != got || got + (int64_t)len > size) {
			vmb_errf(err, NULL, "bundle '%s': member %s has data outside "
				 "its declared size", bundle, name);
			goto out;
		}
		sha256_update(&h, len, buf);
		if (write_block(fd, buf, len)) {
			vmb_errf(err, NULL, "bundle '%s': cannot write '%s': %s",
				 bundle, path, strerror(errno));
			goto out;
		}
		got += (int64_t)len;
	}
	if (got != size) {
		vmb_errf(err, NULL, "bundle '%s' is truncated: member %s has %" PRId64
			 " of %" PRId64 " bytes", bundle, name, got, size);
		goto out;
	}
	/* Zero blocks were skipped: give the file its length. */
	if (ftruncate(fd, size)) {
		vmb_errf(err, NULL, "bundle '%s': cannot write '%s': %s", bundle,
			 path, strerror(errno));
		goto out;
	}
	sha256_digest(&h, sizeof(d), d);
	vmb_sha256_hex(d, hex);
	if (digest && strcmp(hex, digest)) {
		vmb_errf(err, NULL, "bundle '%s': member %s is damaged: its sha256 is %s",
			 bundle, name, hex);
		goto out;
	}
	/* The loader checks the pins next: no second read. */
	vmb_sha256_note(path, d);
	rc = 0;
out:
	if (close(fd) && !rc)
		rc = vmb_errf(err, NULL, "bundle '%s': cannot write '%s': %s", bundle,
			      path, strerror(errno));
	return rc;
}

/* Check one header; sets *seen_* for duplicates and counts the bytes. */
static int check_entry(struct archive_entry *e, const char *bundle,
		       const char **digest, uint64_t *total, uint64_t room,
		       struct vmb_err *err)
{
	const char *name = archive_entry_pathname(e);

	if (!name || !member_ok(name, digest))
		return vmb_errf(err, NULL, "bundle '%s': refusing member '%s': a "
				"bundle holds only machine.yaml, images/SHA256 and "
				"disks/N-SHA256", bundle, name ? name : "(no name)");
	if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) ||
	    archive_entry_symlink(e))
		return vmb_errf(err, NULL, "bundle '%s': refusing member '%s': not "
				"a regular file (links and special files are never "
				"extracted)", bundle, name);
	if (archive_entry_sparse_count(e) > 0)
		return vmb_errf(err, NULL, "bundle '%s': refusing sparse member '%s' "
				"(declared %" PRId64 " bytes): bundles hold plain files",
				bundle, name, (int64_t)archive_entry_size(e));
	if (!archive_entry_size_is_set(e) || archive_entry_size(e) < 0)
		return vmb_errf(err, NULL, "bundle '%s': member '%s' has no size",
				bundle, name);
	*total += (uint64_t)archive_entry_size(e);
	if (*total > room)
		return vmb_errf(err, NULL, "bundle '%s': member '%s' (%" PRId64
				" bytes) does not fit: %" PRIu64 " bytes free where "
				"it is unpacked", bundle, name,
				(int64_t)archive_entry_size(e), room);
	return 0;
}

static int unpack_into(struct archive *a, const char *bundle, const char *dir,
		       struct vmb_err *err)
{
	struct archive_entry *e;
	struct statvfs vfs;
	uint64_t total = 0, room = UINT64_MAX;
	char **seen = NULL;
	unsigned nseen = 0;
	bool machine = false;
	int r, rc = -1;

	if (!statvfs(dir, &vfs))
		room = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e), *digest;

		if (check_entry(e, bundle, &digest, &total, room, err))
			goto out;
		if (nseen >= MAX_MEMBERS) {
			vmb_errf(err, NULL, "bundle '%s': more than %d members",
				 bundle, MAX_MEMBERS);
			goto out;
		}
		for (unsigned i = 0; i < nseen; i++)
			if (!strcmp(seen[i], name)) {
				vmb_errf(err, NULL, "bundle '%s': member '%s' appears "
					 "twice", bundle, name);
				goto out;
			}
		seen = vmb_realloc(seen, (nseen + 1) * sizeof(*seen));
		seen[nseen++] = vmb_strdup(name);
		machine |= digest == NULL;
		if (extract(a, bundle, name, dir, archive_entry_size(e), digest, err))
			goto out;
	}
	if (r != ARCHIVE_EOF) {
		vmb_errf(err, NULL, "bundle '%s' is damaged or truncated: %s", bundle,
			 archive_error_string(a));
		goto out;
	}
	if (!machine) {
		vmb_errf(err, NULL, "bundle '%s' has no machine.yaml", bundle);
		goto out;
	}
	rc = 0;
out:
	for (unsigned i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	return rc;
}

int vmb_unpack(const char *bundle, const char *dir, struct vmb_err *err)
{
	struct archive *a;
	char sub[PATH_MAX];
	int rc = -1;

	if (mkdir(dir, 0700))
		return vmb_errf(err, NULL, "unpack: cannot create '%s': %s", dir,
				strerror(errno));
	snprintf(sub, sizeof(sub), "%s/images", dir);
	mkdir(sub, 0700);
	snprintf(sub, sizeof(sub), "%s/disks", dir);
	mkdir(sub, 0700);
	a = archive_read_new();
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, bundle, CHUNK) != ARCHIVE_OK) {
		int e = archive_errno(a);

		if (e == ENOENT || e == EACCES || e == EISDIR || e == ENOTDIR)
			vmb_errf(err, NULL, "bundle '%s': cannot read it: %s",
				 bundle, strerror(e));
		else
			vmb_errf(err, NULL, "bundle '%s' is damaged or truncated, "
				 "or not a bundle: %s", bundle,
				 archive_error_string(a));
	}
	else
		rc = unpack_into(a, bundle, dir, err);
	archive_read_free(a);
	if (rc)
		vmb_unpack_remove(dir);
	return rc;
}

char *vmb_bundle_open(const char *bundle, struct vmb_err *err)
{
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX], *machine;

	snprintf(dir, sizeof(dir), "%s/vmb-bundle-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		vmb_errf(err, NULL, "bundle '%s': cannot make a directory to run it "
			 "in (%s): %s", bundle, dir, strerror(errno));
		return NULL;
	}
	machine = vmb_zalloc(strlen(dir) + 32);
	sprintf(machine, "%s/b", dir);
	if (vmb_unpack(bundle, machine, err)) {
		rmdir(dir);
		free(machine);
		return NULL;
	}
	strcat(machine, "/" MACHINE_MEMBER);
	return machine;
}

void vmb_bundle_close(char *machine)
{
	char *slash;

	if (!machine)
		return;
	slash = strrchr(machine, '/');
	*slash = '\0';                /* .../vmb-bundle-XXXXXX/b */
	vmb_unpack_remove(machine);
	slash = strrchr(machine, '/');
	*slash = '\0';
	rmdir(machine);
	free(machine);
}

const char vmb_pack_help[] =
"usage: vmb pack MACHINE.yaml -o NAME.vmb [options]\n"
"\n"
"Write a bundle: one file (tar + zstd) holding the machine, resolved as by\n"
"'vmb resolve', and every file it names, stored by SHA-256. Run it with\n"
"'vmb run NAME.vmb' on any host; 'vmb unpack' extracts it. Packing the same\n"
"machine twice gives the same bytes.\n"
"\n"
"options:\n"
"  -o, --output FILE     the bundle to write; required\n"
"  -h, --help            this text\n";

const char vmb_unpack_help[] =
"usage: vmb unpack NAME.vmb [-C DIR]\n"
"\n"
"Extract a bundle into DIR (default: NAME, beside the bundle), which must\n"
"not exist: DIR/machine.yaml is the machine, DIR/images and DIR/disks its\n"
"files. Members other than machine.yaml, images/SHA256 and disks/N-SHA256,\n"
"links, sparse members, damaged or truncated archives are refused, and\n"
"every image is checked against its digest. Running DIR/machine.yaml\n"
"keeps what the guest writes to its disks and flash; 'vmb run NAME.vmb'\n"
"runs on a throw-away copy.\n"
"\n"
"options:\n"
"  -C, --directory DIR   where to extract\n"
"  -h, --help            this text\n";
