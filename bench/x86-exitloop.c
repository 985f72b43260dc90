/* SPDX-License-Identifier: MIT */
/*
 * exitloop: exit round trips from a Linux guest's user space, for
 * bench/kvm-x86_64.sh (the same static binary in the L2 initramfs runs on
 * vmb and on QEMU):
 *   exitloop pio N          N one-byte reads of port 0x3ff (COM1's
 *                           scratch register) through /dev/port: each is
 *                           an inb in the kernel, an I/O exit to the VMM.
 *                           (A ring-3 IN/OUT after iopl()/ioperm() would
 *                           avoid the system call, but QEMU 7.2's TCG
 *                           running L1 faults it: see docs/backends.md.)
 *   exitloop mmio ADDR N    N 32-bit reads of the guest-physical ADDR
 *                           (a virtio-mmio MagicValue register) mapped
 *                           from /dev/mem: each is an MMIO exit.
 * Prints "exitloop: KIND N exits, NS ns/exit" and fails if a read did not
 * return what the device holds (the port's first value; "virt").
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define VIRTIO_MMIO_MAGIC 0x74726976u

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long n;
	double t0, t1;

	if (argc == 3 && !strcmp(argv[1], "pio")) {
		int fd = open("/dev/port", O_RDONLY);
		uint8_t first, v;

		n = strtoul(argv[2], NULL, 0);
		if (fd < 0 || pread(fd, &first, 1, 0x3ff) != 1) {
			perror("exitloop: /dev/port");
			return 1;
		}
		t0 = now_ns();
		for (unsigned long i = 0; i < n; i++)
			if (pread(fd, &v, 1, 0x3ff) != 1 || v != first) {
				fprintf(stderr, "exitloop: port read %lu failed\n", i);
				return 1;
			}
		t1 = now_ns();
	} else if (argc == 4 && !strcmp(argv[1], "mmio")) {
		unsigned long addr = strtoul(argv[2], NULL, 0);
		int fd = open("/dev/mem", O_RDONLY | O_SYNC);
		volatile uint32_t *p;

		n = strtoul(argv[3], NULL, 0);
		if (fd < 0) {
			perror("exitloop: /dev/mem");
			return 1;
		}
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, (off_t)(addr & ~4095ul));
		if (p == MAP_FAILED) {
			perror("exitloop: mmap");
			return 1;
		}
		p += (addr & 4095) / 4;
		t0 = now_ns();
		for (unsigned long i = 0; i < n; i++)
			if (*p != VIRTIO_MMIO_MAGIC) {
				fprintf(stderr, "exitloop: read %lu: not the virtio-mmio magic\n", i);
				return 1;
			}
		t1 = now_ns();
	} else {
		fprintf(stderr, "usage: exitloop pio N | exitloop mmio ADDR N\n");
		return 2;
	}
	printf("exitloop: %s %lu exits, %.0f ns/exit\n", argv[1], n,
	       n ? (t1 - t0) / (double)n : 0.0);
	return 0;
}
