/* SPDX-License-Identifier: MIT */
/*
 * A virtio device as devices (blk, console, rng, net...) and transports
 * (virtio-mmio now, virtio-pci later) share it: feature negotiation, the
 * device-status state machine of VIRTIO 1.2 §2.1/§3.1, queue configuration
 * and the configuration-generation counter. A device sees queues and its
 * configuration space, never transport registers; a transport turns its
 * registers into the calls below and delivers interrupts.
 *
 * Status machine (§2.1, §3.1.1), enforced here for every transport:
 *  - writing 0 resets the device: features, status, queues, ISR, and the
 *    device's own state (ops->reset) are cleared;
 *  - otherwise bits are only added, in order: FEATURES_OK needs DRIVER,
 *    DRIVER_OK needs FEATURES_OK; a write that clears a set bit or skips
 *    a step is refused (status unchanged). DRIVER without ACKNOWLEDGE is
 *    accepted, as QEMU does: U-Boot 2023.01 acknowledges, resets, then
 *    sets DRIVER alone;
 *  - FEATURES_OK is accepted only if the driver accepted
 *    VIRTIO_F_VERSION_1 (no legacy interface) and ops->check_features
 *    agrees; otherwise the bit stays clear, as §3.1.1 step 6 expects;
 *  - driver features change only before FEATURES_OK; queues are configured
 *    between FEATURES_OK and DRIVER_OK and only while not ready;
 *  - DEVICE_NEEDS_RESET (64) is set by the device only (a malformed queue,
 *    §2.1.2); with DRIVER_OK it also raises a configuration interrupt;
 *    the device then ignores notifications until reset;
 *  - FAILED (128) may be set by the driver at any time.
 *
 * Locking: vd->lock serialises everything on one device: the transport
 * takes it around each register access, device I/O threads take it to
 * complete requests. Device callbacks run with it held.
 */
#ifndef VMB_VIRTIO_VIRTIO_H
#define VMB_VIRTIO_VIRTIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "board/gmem.h"
#include "board/regdump.h"
#include "virtio/virtqueue.h"

#define VMB_VIRTIO_MAX_QUEUES	16

/* Device status bits (§2.1). */
#define VMB_VIRTIO_S_ACKNOWLEDGE	1
#define VMB_VIRTIO_S_DRIVER		2
#define VMB_VIRTIO_S_DRIVER_OK		4
#define VMB_VIRTIO_S_FEATURES_OK	8
#define VMB_VIRTIO_S_NEEDS_RESET	64
#define VMB_VIRTIO_S_FAILED		128

/* Interrupt reasons (the virtio-mmio InterruptStatus bits, §4.2.2). */
#define VMB_VIRTIO_INT_USED		1
#define VMB_VIRTIO_INT_CONFIG		2

struct vmb_virtio_dev;

/* What a device implements. All run with vd->lock held. */
/* A named field of a device's configuration space, for register dumps
 * (devices/virtio-mmio.h): size 1, 2, 4 or 8 reads as a little-endian
 * number, any other size as bytes (a MAC address). */
struct vmb_virtio_cfg_field {
	uint16_t off, size;
	const char *name;
};

struct vmb_virtio_ops {
	/* Back to power-on state: finish requests in flight first (called
	 * before the queues are cleared). May be NULL. */
	void (*reset)(struct vmb_virtio_dev *vd);
	/* Device-specific configuration space: off from 0, size 1, 2, 4 or
	 * 8; reads beyond config_size return 0. */
	uint64_t (*config_read)(struct vmb_virtio_dev *vd, uint32_t off, unsigned size);
	void (*config_write)(struct vmb_virtio_dev *vd, uint32_t off, uint64_t val,
			     unsigned size); /* may be NULL: read-only */
	/* Veto a feature set at FEATURES_OK (0 accept). May be NULL. */
	int (*check_features)(struct vmb_virtio_dev *vd, uint64_t features);
	/* The driver notified queue q (ready, DRIVER_OK, not broken). */
	void (*queue_notify)(struct vmb_virtio_dev *vd, unsigned q);
	/* DRIVER_OK was accepted. May be NULL. */
	void (*driver_ok)(struct vmb_virtio_dev *vd);
	/* Names of the configuration space's fields (the device type's
	 * section of VIRTIO 1.2 §5), { 0, 0, NULL }-terminated; NULL: dumps
	 * show the space in hex. config_read must have no side effects. */
	const struct vmb_virtio_cfg_field *config_fields;
	/* Names of the device type's feature bits 0-23 (its section of §5),
	 * board/regdump.h table; NULL: dumps show them as a mask. */
	const struct vmb_regfield *feature_fields;
};

/* How the device reaches its transport. */
struct vmb_virtio_transport {
	const char *name;                 /* "virtio-mmio" */
	/* Raise an interrupt for reason (VMB_VIRTIO_INT_*). */
	void (*interrupt)(struct vmb_virtio_dev *vd, unsigned reason);
	/* The device was reset (the transport clears its own state). */
	void (*reset)(struct vmb_virtio_dev *vd);
	void *opaque;
};

/* One queue as the driver configured it through the transport. */
struct vmb_virtio_qcfg {
	uint16_t num;
	bool ready;
	uint64_t desc, driver, device;
};

struct vmb_virtio_dev {
	/* Set by the device before vmb_virtio_init. */
	const struct vmb_virtio_ops *ops;
	void *priv;
	const char *name;            /* instance name, for messages */
	uint32_t device_id;          /* §5: 2 block, 3 console, 4 entropy... */
	unsigned nqueues;            /* <= VMB_VIRTIO_MAX_QUEUES */
	uint16_t queue_max;          /* largest QueueNum, a power of 2 */
	uint64_t features;           /* offered; VERSION_1 is always added */
	uint32_t config_size;

	/* Core state. */
	const struct vmb_gmem *mem;
	pthread_mutex_t lock;
	const struct vmb_virtio_transport *transport;
	void *transport_priv;
	uint64_t driver_features;
	uint8_t status;
	uint32_t config_generation;
	bool warned;                 /* NEEDS_RESET reported once */
	struct vmb_virtio_qcfg qcfg[VMB_VIRTIO_MAX_QUEUES];
	struct vmb_vq vq[VMB_VIRTIO_MAX_QUEUES];
	/* Bumped whenever a queue is reset or disabled: a device completing
	 * a chain popped under an older epoch drops it (its head means
	 * nothing to the queue now). */
	uint32_t qepoch[VMB_VIRTIO_MAX_QUEUES];
};

/* Prepare vd (device fields set) for a transport. */
void vmb_virtio_init(struct vmb_virtio_dev *vd, const struct vmb_gmem *mem);
void vmb_virtio_fini(struct vmb_virtio_dev *vd);

/* --- transport side (vd->lock held) --------------------------------- */
uint64_t vmb_virtio_offered(const struct vmb_virtio_dev *vd);
/* Set 32 bits (sel 0 or 1) of the driver features; refused (-1) after
 * FEATURES_OK; bits not offered are dropped. */
int vmb_virtio_set_driver_features(struct vmb_virtio_dev *vd, unsigned sel, uint32_t val);
/* Status write per the machine above: 0 accepted, -1 refused. */
int vmb_virtio_set_status(struct vmb_virtio_dev *vd, uint8_t val);
void vmb_virtio_reset(struct vmb_virtio_dev *vd);
/* Queue configuration; -1 (ignored) for q >= nqueues, a ready queue, the
 * wrong phase, or QueueNum not a power of 2 in 1..queue_max. */
int vmb_virtio_queue_set_num(struct vmb_virtio_dev *vd, unsigned q, uint32_t num);
enum vmb_virtio_area { VMB_VQ_AREA_DESC, VMB_VQ_AREA_DRIVER, VMB_VQ_AREA_DEVICE };
int vmb_virtio_queue_set_addr(struct vmb_virtio_dev *vd, unsigned q,
			      enum vmb_virtio_area a, uint64_t gpa);
/* QueueReady: 1 checks the rings against guest memory (a bad ring sets
 * NEEDS_RESET and the queue stays not ready); 0 disables the queue. */
int vmb_virtio_queue_set_ready(struct vmb_virtio_dev *vd, unsigned q, bool ready);
void vmb_virtio_queue_notify(struct vmb_virtio_dev *vd, unsigned q);
uint64_t vmb_virtio_config_read(struct vmb_virtio_dev *vd, uint32_t off, unsigned size);
void vmb_virtio_config_write(struct vmb_virtio_dev *vd, uint32_t off, uint64_t val,
			     unsigned size);

/* --- device side (vd->lock held) ------------------------------------ */
/* vmb_vq_pop on queue q; a broken queue sets NEEDS_RESET (-1). */
int vmb_virtio_pop(struct vmb_virtio_dev *vd, unsigned q, struct vmb_vq_elem *e);
/* Return a chain and interrupt the driver if it wants one. */
void vmb_virtio_push(struct vmb_virtio_dev *vd, unsigned q, uint16_t head, uint32_t len);
/* Return n chains together (one used->idx update, at most one interrupt). */
void vmb_virtio_push_n(struct vmb_virtio_dev *vd, unsigned q, const uint16_t *heads,
		       const uint32_t *lens, unsigned n);
/* The device's configuration changed: bump the generation, interrupt. */
void vmb_virtio_config_changed(struct vmb_virtio_dev *vd);
/* Something the driver did makes the device unusable (§2.1.2). */
void vmb_virtio_needs_reset(struct vmb_virtio_dev *vd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* DRIVER_OK set and NEEDS_RESET not: requests may be processed. */
bool vmb_virtio_live(const struct vmb_virtio_dev *vd);

#endif
