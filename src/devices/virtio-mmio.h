/* SPDX-License-Identifier: MIT */
/*
 * virtio-mmio transport (Virtual I/O Device (VIRTIO) Version 1.2, §4.2,
 * "non-legacy" register layout, Version 2) and the interface a virtio
 * device backend (blk, net, console, rng, ...) implements to plug into it.
 *
 * A backend registers itself by name (VMB_VIRTIO_BACKEND) and is chosen per
 * transport with the "device:" property ("none", the default, is an empty
 * slot: DeviceID 0, which drivers skip, §4.2.2.2). The transport owns the
 * common registers (features, queue configuration, status, interrupt
 * status/ack) and hands the backend its device-specific configuration
 * space accesses, queue notifications and resets. All callbacks run with
 * the board lock held.
 */
#ifndef VMB_DEVICES_VIRTIO_MMIO_H
#define VMB_DEVICES_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "board/board.h"

#define VMB_VIRTIO_MMIO_SIZE	0x200
#define VMB_VIRTIO_MAX_QUEUES	16

/* Feature bits every non-legacy device offers (§6). */
#define VMB_VIRTIO_F_VERSION_1	(1ull << 32)

/* Device status bits (§2.1). */
#define VMB_VIRTIO_S_ACKNOWLEDGE	1
#define VMB_VIRTIO_S_DRIVER		2
#define VMB_VIRTIO_S_DRIVER_OK		4
#define VMB_VIRTIO_S_FEATURES_OK	8
#define VMB_VIRTIO_S_NEEDS_RESET	64
#define VMB_VIRTIO_S_FAILED		128

/* One virtqueue as the driver configured it (§2.7, split or packed). */
struct vmb_virtio_queue {
	uint32_t num;        /* QueueNum: entries the driver chose */
	bool ready;          /* QueueReady */
	uint64_t desc;       /* GPA of the descriptor area */
	uint64_t driver;     /* GPA of the driver area (available ring) */
	uint64_t device;     /* GPA of the device area (used ring) */
};

struct vmb_virtio_dev;

struct vmb_virtio_backend {
	const char *name;      /* as written in "device:" */
	uint32_t device_id;    /* §5: 1 net, 2 block, 3 console, 4 entropy... */
	unsigned nqueues;      /* <= VMB_VIRTIO_MAX_QUEUES */
	uint16_t queue_max;    /* QueueNumMax for every queue */
	uint64_t features;     /* offered; VMB_VIRTIO_F_VERSION_1 is added */
	/* Allocate vd->priv; -1 with err set on failure. May be NULL. */
	int (*create)(struct vmb_virtio_dev *vd, struct vmb_err *err);
	/* Device reset (Status written 0, or machine reset). May be NULL. */
	void (*reset)(struct vmb_virtio_dev *vd);
	/* Device-specific configuration space, off from 0 (register 0x100);
	 * size 1, 2, 4 or 8. May be NULL (reads zero, writes ignored). */
	uint64_t (*config_read)(struct vmb_virtio_dev *vd, uint64_t off, unsigned size);
	void (*config_write)(struct vmb_virtio_dev *vd, uint64_t off, uint64_t val,
			     unsigned size);
	/* The driver wrote QueueNotify for queue q (a ready queue). */
	void (*notify)(struct vmb_virtio_dev *vd, unsigned q);
	/* The driver set DRIVER_OK: queues are configured. May be NULL. */
	void (*driver_ok)(struct vmb_virtio_dev *vd);
	void (*destroy)(struct vmb_virtio_dev *vd);
};

/* A transport instance as the backend sees it. */
struct vmb_virtio_dev {
	struct vmb_device *dev;
	const struct vmb_virtio_backend *backend; /* NULL: empty slot */
	void *priv;                      /* backend state */
	uint64_t driver_features;        /* accepted by the driver */
	uint32_t status;                 /* §2.1 device status */
	uint32_t isr;                    /* InterruptStatus: bit 0 used
					    buffer, bit 1 configuration */
	uint32_t config_generation;
	struct vmb_virtio_queue vq[VMB_VIRTIO_MAX_QUEUES];
	/* transport registers */
	uint32_t dev_features_sel, drv_features_sel, queue_sel, shm_sel;
	int level;
};

/* Registration, from a constructor (VMB_VIRTIO_BACKEND). */
void vmb_virtio_backend_register(const struct vmb_virtio_backend *be);
const struct vmb_virtio_backend *vmb_virtio_backend_find(const char *name);

#define VMB_VIRTIO_BACKEND(b)                                                \
	static void __attribute__((constructor)) vmb_virtio_register_##b(void) \
	{                                                                    \
		vmb_virtio_backend_register(&(b));                           \
	}

/* Tell the driver the device used buffers (InterruptStatus bit 0) or
 * changed its configuration (bit 1, bumps ConfigGeneration); raises the
 * transport's interrupt line. Board lock held. */
void vmb_virtio_notify_used(struct vmb_virtio_dev *vd);
void vmb_virtio_notify_config(struct vmb_virtio_dev *vd);

#endif
