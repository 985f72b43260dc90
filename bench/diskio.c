/* SPDX-License-Identifier: MIT */
/*
 * Disk throughput and IOPS inside a guest, for the nested virtio-blk
 * benchmark (bench/kvm-arm64.sh): one job, queue depth 1, synchronous
 * pread/pwrite with O_DIRECT on a block device, as fio's
 * "--ioengine=psync --iodepth=1 --direct=1" would do. (Debian's fio:arm64
 * pulls in librados/librbd, ~130 MiB of libraries, too much for the L2
 * image; this is built static with the cross compiler instead.)
 *
 *   diskio DEV MODE BS SECONDS
 *     MODE     read | write | randread | randwrite
 *     BS       block size in bytes (a multiple of 512)
 *     SECONDS  run time; the device is cycled through (sequential) or hit
 *              at uniformly random BS-aligned offsets (xorshift64, fixed
 *              seed, so every run and every VMM sees the same offsets)
 * Prints one line:
 *   DISKIO: MODE bs=BS ops=N secs=S iops=I MBps=M
 * Exit status 1 with a message on any I/O error.
 */
#define _GNU_SOURCE /* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int main(int argc, char **argv)
{
	const char *dev, *mode;
	int writing, random, fd;
	long bs;
	double secs, t0, t = 0;
	uint64_t blocks, n = 0, seed = 0x9e3779b97f4a7c15ull;
	off_t size;
	void *buf;

	if (argc != 5) {
		fprintf(stderr, "usage: diskio DEV read|write|randread|randwrite BS SECONDS\n");
		return 2;
	}
	dev = argv[1];
	mode = argv[2];
	bs = strtol(argv[3], NULL, 0);
	secs = strtod(argv[4], NULL);
	writing = strstr(mode, "write") != NULL;
	random = !strncmp(mode, "rand", 4);
	if (bs <= 0 || bs % 512 || secs <= 0 ||
	    (strcmp(mode, "read") && strcmp(mode, "write") &&
	     strcmp(mode, "randread") && strcmp(mode, "randwrite"))) {
		fprintf(stderr, "diskio: bad mode, block size or time\n");
		return 2;
	}
	fd = open(dev, (writing ? O_RDWR : O_RDONLY) | O_DIRECT);
	if (fd < 0 || (size = lseek(fd, 0, SEEK_END)) < bs) {
		fprintf(stderr, "diskio: %s: %s\n", dev, fd < 0 ? strerror(errno) : "too small");
		return 1;
	}
	blocks = (uint64_t)size / bs;
	if (posix_memalign(&buf, 4096, bs)) {
		fprintf(stderr, "diskio: out of memory\n");
		return 1;
	}
	memset(buf, 0xa5, bs);
	t0 = now();
	do {
		uint64_t blk = random ? xorshift64(&seed) % blocks : n % blocks;
		ssize_t r = writing ? pwrite(fd, buf, bs, blk * bs) : pread(fd, buf, bs, blk * bs);

		if (r != bs) {
			fprintf(stderr, "diskio: %s at %llu: %s\n", mode,
				(unsigned long long)(blk * bs), r < 0 ? strerror(errno) : "short");
			return 1;
		}
		n++;
		/* Look at the clock every 16 requests: cheap, and precise enough
		 * for runs of seconds. */
	} while ((n & 15) || (t = now() - t0) < secs);
	printf("DISKIO: %s bs=%ld ops=%llu secs=%.3f iops=%.0f MBps=%.2f\n", mode, bs,
	       (unsigned long long)n, t, n / t, n * (double)bs / t / 1e6);
	close(fd);
	free(buf);
	return 0;
}
