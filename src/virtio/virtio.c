/* SPDX-License-Identifier: MIT */
/* Transport-independent virtio device core; see virtio.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"
#include "virtio/virtio.h"

void vmb_virtio_init(struct vmb_virtio_dev *vd, const struct vmb_gmem *mem)
{
	vd->mem = mem;
	pthread_mutex_init(&vd->lock, NULL);
}

void vmb_virtio_fini(struct vmb_virtio_dev *vd)
{
	pthread_mutex_destroy(&vd->lock);
}

uint64_t vmb_virtio_offered(const struct vmb_virtio_dev *vd)
{
	return vd->features | VMB_VIRTIO_F_VERSION_1;
}

bool vmb_virtio_live(const struct vmb_virtio_dev *vd)
{
	return (vd->status & (VMB_VIRTIO_S_DRIVER_OK | VMB_VIRTIO_S_NEEDS_RESET)) ==
	       VMB_VIRTIO_S_DRIVER_OK;
}

void vmb_virtio_reset(struct vmb_virtio_dev *vd)
{
	/* The device first: it finishes (drains) requests in flight while
	 * their queues still exist. */
	if (vd->ops->reset)
		vd->ops->reset(vd);
	vd->driver_features = 0;
	vd->status = 0;
	vd->warned = false;
	memset(vd->qcfg, 0, sizeof(vd->qcfg));
	for (unsigned q = 0; q < VMB_VIRTIO_MAX_QUEUES; q++) {
		vmb_vq_reset(&vd->vq[q]);
		vd->qepoch[q]++;
		/* QueueNum reads back as the maximum until the driver picks
		 * a size, as QEMU does. */
		vd->qcfg[q].num = q < vd->nqueues ? vd->queue_max : 0;
	}
	if (vd->transport && vd->transport->reset)
		vd->transport->reset(vd);
}

int vmb_virtio_set_driver_features(struct vmb_virtio_dev *vd, unsigned sel, uint32_t val)
{
	uint64_t mask, v;

	if (sel > 1 || (vd->status & VMB_VIRTIO_S_FEATURES_OK) ||
	    !(vd->status & VMB_VIRTIO_S_DRIVER))
		return -1;
	mask = 0xffffffffull << (32 * sel);
	v = ((uint64_t)val << (32 * sel)) & vmb_virtio_offered(vd);
	vd->driver_features = (vd->driver_features & ~mask) | v;
	return 0;
}

/* The one step a status write may take from old to new (§3.1.1). */
static bool step_allowed(uint8_t old, uint8_t new_status)
{
	uint8_t added = new_status & ~old;

	if (old & ~new_status)
		return false; /* bits only go away through reset */
	/* DRIVER without ACKNOWLEDGE is let through: U-Boot (2023.01)
	 * acknowledges, resets, then sets DRIVER alone. */
	if ((added & VMB_VIRTIO_S_FEATURES_OK) && !(new_status & VMB_VIRTIO_S_DRIVER))
		return false;
	if ((added & VMB_VIRTIO_S_DRIVER_OK) && !(new_status & VMB_VIRTIO_S_FEATURES_OK))
		return false;
	return true;
}

int vmb_virtio_set_status(struct vmb_virtio_dev *vd, uint8_t val)
{
	uint8_t old = vd->status, want;
	bool refused = false;

	if (!val) {
		vmb_virtio_reset(vd);
		return 0;
	}
	/* NEEDS_RESET belongs to the device: keep ours, ignore the driver's. */
	want = (uint8_t)((val & ~VMB_VIRTIO_S_NEEDS_RESET) |
			 (old & VMB_VIRTIO_S_NEEDS_RESET));
	if (!step_allowed(old, want))
		return -1;
	if ((want & ~old) & VMB_VIRTIO_S_FEATURES_OK) {
		if (!(vd->driver_features & VMB_VIRTIO_F_VERSION_1) ||
		    (vd->ops->check_features &&
		     vd->ops->check_features(vd, vd->driver_features))) {
			/* Refuse FEATURES_OK only; the driver sees it clear. */
			if (want & VMB_VIRTIO_S_DRIVER_OK)
				return -1;
			want &= (uint8_t)~VMB_VIRTIO_S_FEATURES_OK;
			refused = true;
		}
	}
	vd->status = want;
	if ((want & ~old) & VMB_VIRTIO_S_DRIVER_OK && vd->ops->driver_ok)
		vd->ops->driver_ok(vd);
	return refused ? -1 : 0;
}

/* Queues are set up after FEATURES_OK and before DRIVER_OK (§3.1.1 step 7),
 * and a ready queue's configuration is fixed. */
static struct vmb_virtio_qcfg *cfg_queue(struct vmb_virtio_dev *vd, unsigned q)
{
	if (q >= vd->nqueues || !(vd->status & VMB_VIRTIO_S_FEATURES_OK) ||
	    (vd->status & VMB_VIRTIO_S_DRIVER_OK) || vd->qcfg[q].ready)
		return NULL;
	return &vd->qcfg[q];
}

int vmb_virtio_queue_set_num(struct vmb_virtio_dev *vd, unsigned q, uint32_t num)
{
	struct vmb_virtio_qcfg *c = cfg_queue(vd, q);

	if (!c || !num || num > vd->queue_max || (num & (num - 1)))
		return -1;
	c->num = (uint16_t)num;
	return 0;
}

int vmb_virtio_queue_set_addr(struct vmb_virtio_dev *vd, unsigned q,
			      enum vmb_virtio_area a, uint64_t gpa)
{
	struct vmb_virtio_qcfg *c = cfg_queue(vd, q);

	if (!c)
		return -1;
	if (a == VMB_VQ_AREA_DESC)
		c->desc = gpa;
	else if (a == VMB_VQ_AREA_DRIVER)
		c->driver = gpa;
	else
		c->device = gpa;
	return 0;
}

int vmb_virtio_queue_set_ready(struct vmb_virtio_dev *vd, unsigned q, bool ready)
{
	struct vmb_virtio_qcfg *c;

	if (q >= vd->nqueues)
		return -1;
	c = &vd->qcfg[q];
	if (!ready) {
		/* Writing 0 disables the queue (§4.2.2.1), at any time: Linux
		 * does it when tearing queues down and warns if QueueReady
		 * still reads 1. Requests in flight finish into nothing. */
		c->ready = false;
		vmb_vq_reset(&vd->vq[q]);
		vd->qepoch[q]++;
		return 0;
	}
	if (!cfg_queue(vd, q))
		return -1;
	if (vmb_vq_enable(&vd->vq[q], vd->mem, c->num, c->desc, c->driver, c->device,
			  vd->driver_features)) {
		vmb_virtio_needs_reset(vd, "queue %u: %s", q, vd->vq[q].error);
		return -1;
	}
	c->ready = true;
	return 0;
}

void vmb_virtio_queue_notify(struct vmb_virtio_dev *vd, unsigned q)
{
	if (q < vd->nqueues && vd->qcfg[q].ready && vmb_virtio_live(vd))
		vd->ops->queue_notify(vd, q);
}

uint64_t vmb_virtio_config_read(struct vmb_virtio_dev *vd, uint32_t off, unsigned size)
{
	if (off >= vd->config_size || size > vd->config_size - off || !vd->ops->config_read)
		return 0;
	return vd->ops->config_read(vd, off, size);
}

void vmb_virtio_config_write(struct vmb_virtio_dev *vd, uint32_t off, uint64_t val,
			     unsigned size)
{
	if (off < vd->config_size && size <= vd->config_size - off && vd->ops->config_write)
		vd->ops->config_write(vd, off, val, size);
}

void vmb_virtio_needs_reset(struct vmb_virtio_dev *vd, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (vd->status & VMB_VIRTIO_S_NEEDS_RESET)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!vd->warned)
		vmb_warn("%s: %s; device needs reset (VIRTIO 1.2 §2.1.2)", vd->name, msg);
	vd->warned = true;
	vd->status |= VMB_VIRTIO_S_NEEDS_RESET;
	if ((vd->status & VMB_VIRTIO_S_DRIVER_OK) && vd->transport)
		vd->transport->interrupt(vd, VMB_VIRTIO_INT_CONFIG);
}

int vmb_virtio_pop(struct vmb_virtio_dev *vd, unsigned q, struct vmb_vq_elem *e)
{
	int rc;

	if (!vmb_virtio_live(vd))
		return 0;
	rc = vmb_vq_pop(&vd->vq[q], e);
	if (rc < 0)
		vmb_virtio_needs_reset(vd, "queue %u: %s", q, vd->vq[q].error);
	return rc;
}

void vmb_virtio_push(struct vmb_virtio_dev *vd, unsigned q, uint16_t head, uint32_t len)
{
	vmb_vq_push(&vd->vq[q], head, len);
	if (vmb_vq_need_interrupt(&vd->vq[q]) && vd->transport)
		vd->transport->interrupt(vd, VMB_VIRTIO_INT_USED);
}

void vmb_virtio_config_changed(struct vmb_virtio_dev *vd)
{
	vd->config_generation++;
	if ((vd->status & VMB_VIRTIO_S_DRIVER_OK) && vd->transport)
		vd->transport->interrupt(vd, VMB_VIRTIO_INT_CONFIG);
}
