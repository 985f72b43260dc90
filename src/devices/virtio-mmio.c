/* SPDX-License-Identifier: MIT */
/*
 * virtio-mmio transport, Version 2 (VIRTIO 1.2 §4.2.2 register layout);
 * see virtio-mmio.h for the backend interface.
 *
 * Registers are 32 bits wide: other widths below 0x100 read as zero and
 * are ignored, as are unknown offsets. The configuration space (0x100 on)
 * takes any width and goes to the backend.
 *   0x000 MagicValue 0x74726976 ("virt"), 0x004 Version 2,
 *   0x008 DeviceID (0 for "device: none"), 0x00C VendorID 0x554D4551
 *   ("QEMU", as QEMU's transport reports).
 * With no backend every other register reads as zero and ignores writes.
 * With one: features (0x010-0x024), queue selection and configuration
 * (0x030-0x0A4, QueueNumMax 0 for queues the backend lacks), QueueNotify
 * (0x050), InterruptStatus/ACK (0x060/0x064), Status (0x070; writing 0
 * resets the device), shared memory (0x0AC-0x0BC: none, length and base
 * read as all ones), ConfigGeneration (0x0FC). The interrupt line (irq[0],
 * QEMU virt: rising edge) is high while InterruptStatus is non-zero.
 */
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "devices/virtio-mmio.h"
#include "fdt/fdt.h"

#define VIRTIO_MMIO_MAGIC		0x74726976
#define VIRTIO_MMIO_VERSION		2
#define VIRTIO_MMIO_VENDOR		0x554d4551

#define REG_MAGIC			0x000
#define REG_VERSION			0x004
#define REG_DEVICE_ID			0x008
#define REG_VENDOR_ID			0x00c
#define REG_DEVICE_FEATURES		0x010
#define REG_DEVICE_FEATURES_SEL		0x014
#define REG_DRIVER_FEATURES		0x020
#define REG_DRIVER_FEATURES_SEL		0x024
#define REG_QUEUE_SEL			0x030
#define REG_QUEUE_NUM_MAX		0x034
#define REG_QUEUE_NUM			0x038
#define REG_QUEUE_READY			0x044
#define REG_QUEUE_NOTIFY		0x050
#define REG_INTERRUPT_STATUS		0x060
#define REG_INTERRUPT_ACK		0x064
#define REG_STATUS			0x070
#define REG_QUEUE_DESC_LOW		0x080
#define REG_QUEUE_DESC_HIGH		0x084
#define REG_QUEUE_DRIVER_LOW		0x090
#define REG_QUEUE_DRIVER_HIGH		0x094
#define REG_QUEUE_DEVICE_LOW		0x0a0
#define REG_QUEUE_DEVICE_HIGH		0x0a4
#define REG_SHM_SEL			0x0ac
#define REG_SHM_LEN_LOW			0x0b0
#define REG_SHM_LEN_HIGH		0x0b4
#define REG_SHM_BASE_LOW		0x0b8
#define REG_SHM_BASE_HIGH		0x0bc
#define REG_CONFIG_GENERATION		0x0fc
#define REG_CONFIG			0x100

#define MAX_BACKENDS 32

static const struct vmb_virtio_backend *backends[MAX_BACKENDS];
static unsigned nbackends;

void vmb_virtio_backend_register(const struct vmb_virtio_backend *be)
{
	if (nbackends == MAX_BACKENDS)
		vmb_die("too many virtio backends (raise MAX_BACKENDS in %s)", __FILE__);
	backends[nbackends++] = be;
}

const struct vmb_virtio_backend *vmb_virtio_backend_find(const char *name)
{
	for (unsigned i = 0; i < nbackends; i++)
		if (!strcmp(backends[i]->name, name))
			return backends[i];
	return NULL;
}

static void update_irq(struct vmb_virtio_dev *vd)
{
	int level = vd->isr != 0;

	if (level != vd->level) {
		vd->level = level;
		vmb_dev_set_irq(vd->dev, 0, level);
	}
}

void vmb_virtio_notify_used(struct vmb_virtio_dev *vd)
{
	vd->isr |= 1;
	update_irq(vd);
}

void vmb_virtio_notify_config(struct vmb_virtio_dev *vd)
{
	vd->config_generation++;
	vd->isr |= 2;
	update_irq(vd);
}

static uint64_t offered(const struct vmb_virtio_dev *vd)
{
	return vd->backend->features | VMB_VIRTIO_F_VERSION_1;
}

static struct vmb_virtio_queue *cur_queue(struct vmb_virtio_dev *vd)
{
	return vd->queue_sel < vd->backend->nqueues ? &vd->vq[vd->queue_sel] : NULL;
}

static void device_reset(struct vmb_virtio_dev *vd)
{
	vd->driver_features = 0;
	vd->status = 0;
	vd->isr = 0;
	vd->dev_features_sel = vd->drv_features_sel = vd->queue_sel = vd->shm_sel = 0;
	memset(vd->vq, 0, sizeof(vd->vq));
	if (vd->backend && vd->backend->reset)
		vd->backend->reset(vd);
	update_irq(vd);
}

static uint32_t reg_read(struct vmb_virtio_dev *vd, uint64_t off)
{
	struct vmb_virtio_queue *q;

	switch (off) {
	case REG_MAGIC:
		return VIRTIO_MMIO_MAGIC;
	case REG_VERSION:
		return VIRTIO_MMIO_VERSION;
	case REG_DEVICE_ID:
		return vd->backend ? vd->backend->device_id : 0;
	case REG_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	}
	if (!vd->backend)
		return 0;
	q = cur_queue(vd);
	switch (off) {
	case REG_DEVICE_FEATURES:
		return vd->dev_features_sel < 2 ?
		       (uint32_t)(offered(vd) >> (32 * vd->dev_features_sel)) : 0;
	case REG_QUEUE_NUM_MAX:
		return q ? vd->backend->queue_max : 0;
	case REG_QUEUE_READY:
		return q ? q->ready : 0;
	case REG_INTERRUPT_STATUS:
		return vd->isr;
	case REG_STATUS:
		return vd->status;
	case REG_SHM_LEN_LOW: case REG_SHM_LEN_HIGH:
	case REG_SHM_BASE_LOW: case REG_SHM_BASE_HIGH:
		return 0xffffffff; /* no shared memory region (§4.2.2) */
	case REG_CONFIG_GENERATION:
		return vd->config_generation;
	}
	return 0;
}

static void set_half(uint64_t *v, bool high, uint32_t val)
{
	if (high)
		*v = (*v & 0xffffffffull) | (uint64_t)val << 32;
	else
		*v = (*v & ~0xffffffffull) | val;
}

static void reg_write(struct vmb_virtio_dev *vd, uint64_t off, uint32_t val)
{
	struct vmb_virtio_queue *q;

	if (!vd->backend)
		return;
	q = cur_queue(vd);
	switch (off) {
	case REG_DEVICE_FEATURES_SEL:
		vd->dev_features_sel = val;
		break;
	case REG_DRIVER_FEATURES_SEL:
		vd->drv_features_sel = val;
		break;
	case REG_DRIVER_FEATURES:
		/* Features may only be negotiated before FEATURES_OK (§3.1.1). */
		if (vd->drv_features_sel < 2 && !(vd->status & VMB_VIRTIO_S_FEATURES_OK))
			set_half(&vd->driver_features, vd->drv_features_sel,
				 val & (uint32_t)(offered(vd) >> (32 * vd->drv_features_sel)));
		break;
	case REG_QUEUE_SEL:
		vd->queue_sel = val;
		break;
	case REG_QUEUE_NUM:
		if (q && val <= vd->backend->queue_max)
			q->num = val;
		break;
	case REG_QUEUE_READY:
		if (q)
			q->ready = val & 1;
		break;
	case REG_QUEUE_NOTIFY:
		if (val < vd->backend->nqueues && vd->vq[val].ready && vd->backend->notify)
			vd->backend->notify(vd, val);
		break;
	case REG_INTERRUPT_ACK:
		vd->isr &= ~val;
		update_irq(vd);
		break;
	case REG_STATUS:
		if (!val) {
			device_reset(vd);
			break;
		}
		if ((val & VMB_VIRTIO_S_DRIVER_OK) && !(vd->status & VMB_VIRTIO_S_DRIVER_OK) &&
		    vd->backend->driver_ok) {
			vd->status = val;
			vd->backend->driver_ok(vd);
		}
		vd->status = val;
		break;
	case REG_QUEUE_DESC_LOW: case REG_QUEUE_DESC_HIGH:
		if (q)
			set_half(&q->desc, off == REG_QUEUE_DESC_HIGH, val);
		break;
	case REG_QUEUE_DRIVER_LOW: case REG_QUEUE_DRIVER_HIGH:
		if (q)
			set_half(&q->driver, off == REG_QUEUE_DRIVER_HIGH, val);
		break;
	case REG_QUEUE_DEVICE_LOW: case REG_QUEUE_DEVICE_HIGH:
		if (q)
			set_half(&q->device, off == REG_QUEUE_DEVICE_HIGH, val);
		break;
	case REG_SHM_SEL:
		vd->shm_sel = val;
		break;
	default:
		break;
	}
}

static uint64_t virtio_read(void *opaque, uint64_t off, unsigned size)
{
	struct vmb_virtio_dev *vd = opaque;

	if (off >= REG_CONFIG) {
		if (vd->backend && vd->backend->config_read)
			return vd->backend->config_read(vd, off - REG_CONFIG, size);
		return 0;
	}
	if (size != 4 || (off & 3))
		return 0;
	return reg_read(vd, off);
}

static void virtio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct vmb_virtio_dev *vd = opaque;

	if (off >= REG_CONFIG) {
		if (vd->backend && vd->backend->config_write)
			vd->backend->config_write(vd, off - REG_CONFIG, val, size);
		return;
	}
	if (size == 4 && !(off & 3))
		reg_write(vd, off, (uint32_t)val);
}

static const struct vmb_io_ops virtio_ops = {
	.read = virtio_read,
	.write = virtio_write,
};

static int virtio_create(struct vmb_device *dev, struct vmb_err *err)
{
	struct vmb_virtio_dev *vd = vmb_zalloc(sizeof(*vd));
	const char *name = vmb_dev_prop_str(dev, "device");

	dev->priv = vd;
	vd->dev = dev;
	if (name && strcmp(name, "none")) {
		vd->backend = vmb_virtio_backend_find(name);
		if (!vd->backend) {
			vmb_errf(err, vmb_dev_prop_loc(dev, "device"), "virtio-mmio "
				 "'%s': unknown device '%s', expected one of: none",
				 dev->name, name);
			for (unsigned i = 0; i < nbackends; i++) {
				strncat(err->msg, ", ", sizeof(err->msg) - strlen(err->msg) - 1);
				strncat(err->msg, backends[i]->name,
					sizeof(err->msg) - strlen(err->msg) - 1);
			}
			return -1;
		}
		if (vd->backend->nqueues > VMB_VIRTIO_MAX_QUEUES)
			return vmb_errf(err, &dev->spec->loc, "virtio backend '%s' has "
					"too many queues", name);
		if (vd->backend->create && vd->backend->create(vd, err))
			return -1;
	}
	if (dev->size < VMB_VIRTIO_MMIO_SIZE)
		return vmb_errf(err, &dev->spec->loc, "virtio-mmio '%s': size must be "
				"at least 0x%x", dev->name, VMB_VIRTIO_MMIO_SIZE);
	if (!vmb_board_map_mmio(dev->board, dev, dev->name, dev->base, dev->size,
				&virtio_ops, vd, NULL, err))
		return -1;
	return 0;
}

static void virtio_reset(struct vmb_device *dev)
{
	device_reset(dev->priv);
}

static int virtio_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err)
{
	uint64_t reg[2] = { dev->base, dev->size };
	int node = vmb_fdt_add_node(f, 0, "virtio_mmio", dev->base, err);

	if (node < 0 ||
	    vmb_fdt_prop_str(f, node, "compatible", "virtio,mmio", err) ||
	    vmb_fdt_prop_reg(f, node, reg, 1, err) ||
	    vmb_fdt_prop_dev_interrupts(f, node, dev, err) ||
	    vmb_fdt_prop_empty(f, node, "dma-coherent", err))
		return -1;
	return 0;
}

static void virtio_destroy(struct vmb_device *dev)
{
	struct vmb_virtio_dev *vd = dev->priv;

	if (!vd)
		return;
	if (vd->backend && vd->backend->destroy)
		vd->backend->destroy(vd);
	free(vd);
	dev->priv = NULL;
}

static const struct vmb_prop_desc virtio_props[] = {
	{ "device", VMB_PROP_STR, "none",
	  "virtio device behind this transport (none: an empty slot)", NULL },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct vmb_device_type virtio_type = {
	.name = "virtio-mmio",
	.summary = "virtio-mmio transport, version 2 (VIRTIO 1.2 §4.2); "
		   "device: none is an empty slot (DeviceID 0)",
	.props = virtio_props,
	.needs_base = true,
	.default_size = VMB_VIRTIO_MMIO_SIZE,
	.min_irqs = 1,
	.max_irqs = 1,
	.create = virtio_create,
	.reset = virtio_reset,
	.fdt_node = virtio_fdt,
	.destroy = virtio_destroy,
};

VMB_DEVICE_TYPE(virtio_type)
