/* SPDX-License-Identifier: MIT */
/*
 * virtio-mmio transport, Version 2 (VIRTIO 1.2 §4.2.2 register layout);
 * see virtio-mmio.h. The device-status machine, feature negotiation and
 * queue checks live in virtio/virtio.c, shared with other transports.
 *
 * Registers are 32 bits wide: other widths below 0x100 read as zero and
 * are ignored, as are unknown offsets and writes the status machine
 * refuses. The configuration space (0x100 on) takes 1, 2, 4 or 8 bytes.
 *   0x000 MagicValue 0x74726976 ("virt"), 0x004 Version 2,
 *   0x008 DeviceID (0 for an empty slot), 0x00C VendorID 0x554D4551
 *   ("QEMU", as QEMU's transport reports).
 * An empty slot reads zero elsewhere and ignores writes. Otherwise:
 * features (0x010-0x024), QueueSel/QueueNumMax/QueueNum/QueueReady and the
 * queue areas (0x030-0x0A4; QueueNumMax 0 past the device's queues),
 * QueueNotify (0x050, the queue index), InterruptStatus/ACK (0x060/0x064),
 * Status (0x070), shared memory (0x0AC-0x0BC: none, length and base read
 * as all ones, §4.2.2), ConfigGeneration (0x0FC). The interrupt line
 * (irq[0]; QEMU virt: rising edge) is high while InterruptStatus != 0.
 *
 * Every access runs with the virtio device's lock (vd->lock) held, which
 * the transport takes itself (the slot and device types set locks_itself:
 * one lock per virtio device whether it sits in a slot or has its own
 * base). Interrupts go through the board's interrupt line object of the
 * slot (irq.h), in irqfd mode since I/O threads raise them; QueueNotify
 * writes are queue notifiers (KVM ioeventfds with datamatch = queue index,
 * signalled by the board's dispatch elsewhere) whose callbacks run on the
 * event loop thread.
 */
#include <stdlib.h>
#include <string.h>

#include "board/regdump.h"
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

struct mmio {
	struct vmb_device *irq_dev;     /* whose irq[0] we raise: the slot,
					   or the device with its own base */
	struct vmb_device *user;        /* virtio device plugged in, or NULL */
	struct vmb_virtio_dev *vd;
	uint64_t base, size;
	bool own;                       /* created by the device itself */
	uint32_t isr;
	uint32_t dev_features_sel, drv_features_sel, queue_sel;
	struct vmb_irq_line *irq;
	struct notifier {
		struct mmio *t;
		unsigned q;
		struct vmb_ioevent *ev;
	} qn[VMB_VIRTIO_MAX_QUEUES];
	struct mmio *next;
};

/* Every live transport, for vmb_virtio_mmio_where(). */
static struct mmio *all;
static pthread_mutex_t all_lock = PTHREAD_MUTEX_INITIALIZER;

static void list_add(struct mmio *t)
{
	pthread_mutex_lock(&all_lock);
	t->next = all;
	all = t;
	pthread_mutex_unlock(&all_lock);
}

static void list_del(struct mmio *t)
{
	pthread_mutex_lock(&all_lock);
	for (struct mmio **p = &all; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	pthread_mutex_unlock(&all_lock);
}

static void update_irq(struct mmio *t)
{
	vmb_irq_set(t->irq, t->isr != 0);
}

static void mmio_interrupt(struct vmb_virtio_dev *vd, unsigned reason)
{
	struct mmio *t = vd->transport_priv;

	t->isr |= reason;
	update_irq(t);
}

static void mmio_reset(struct vmb_virtio_dev *vd)
{
	struct mmio *t = vd->transport_priv;

	t->isr = 0;
	t->dev_features_sel = t->drv_features_sel = t->queue_sel = 0;
	update_irq(t);
}

static const struct vmb_virtio_transport mmio_transport = {
	.name = "virtio-mmio",
	.interrupt = mmio_interrupt,
	.reset = mmio_reset,
};

static uint32_t reg_read(struct mmio *t, uint64_t off)
{
	struct vmb_virtio_dev *vd = t->vd;
	unsigned q = t->queue_sel;

	switch (off) {
	case REG_MAGIC:
		return VIRTIO_MMIO_MAGIC;
	case REG_VERSION:
		return VIRTIO_MMIO_VERSION;
	case REG_DEVICE_ID:
		return vd ? vd->device_id : 0;
	case REG_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	}
	if (!vd)
		return 0;
	switch (off) {
	case REG_DEVICE_FEATURES:
		return t->dev_features_sel < 2 ?
		       (uint32_t)(vmb_virtio_offered(vd) >> (32 * t->dev_features_sel)) : 0;
	case REG_QUEUE_NUM_MAX:
		return q < vd->nqueues ? vd->queue_max : 0;
	case REG_QUEUE_NUM:
		return q < vd->nqueues ? vd->qcfg[q].num : 0;
	case REG_QUEUE_READY:
		return q < vd->nqueues ? vd->qcfg[q].ready : 0;
	case REG_INTERRUPT_STATUS:
		return t->isr;
	case REG_STATUS:
		return vd->status;
	case REG_QUEUE_DESC_LOW: case REG_QUEUE_DESC_HIGH:
		return q < vd->nqueues ?
		       (uint32_t)(vd->qcfg[q].desc >> (off == REG_QUEUE_DESC_HIGH ? 32 : 0)) : 0;
	case REG_QUEUE_DRIVER_LOW: case REG_QUEUE_DRIVER_HIGH:
		return q < vd->nqueues ?
		       (uint32_t)(vd->qcfg[q].driver >> (off == REG_QUEUE_DRIVER_HIGH ? 32 : 0)) : 0;
	case REG_QUEUE_DEVICE_LOW: case REG_QUEUE_DEVICE_HIGH:
		return q < vd->nqueues ?
		       (uint32_t)(vd->qcfg[q].device >> (off == REG_QUEUE_DEVICE_HIGH ? 32 : 0)) : 0;
	case REG_SHM_LEN_LOW: case REG_SHM_LEN_HIGH:
	case REG_SHM_BASE_LOW: case REG_SHM_BASE_HIGH:
		return 0xffffffff; /* no shared memory region (§4.2.2) */
	case REG_CONFIG_GENERATION:
		return vd->config_generation;
	}
	return 0;
}

/* A 32-bit half of a queue area address: the other half comes from the
 * queue's current value. */
static void set_area(struct mmio *t, enum vmb_virtio_area a, const uint64_t *cur,
		     bool high, uint32_t val)
{
	uint64_t v = *cur;

	v = high ? (v & 0xffffffffull) | (uint64_t)val << 32
		 : (v & ~0xffffffffull) | val;
	vmb_virtio_queue_set_addr(t->vd, t->queue_sel, a, v);
}

static void reg_write(struct mmio *t, uint64_t off, uint32_t val)
{
	struct vmb_virtio_dev *vd = t->vd;
	unsigned q = t->queue_sel;
	static const uint64_t zero;
	struct vmb_virtio_qcfg *c = q < vd->nqueues ? &vd->qcfg[q] : NULL;

	switch (off) {
	case REG_DEVICE_FEATURES_SEL:
		t->dev_features_sel = val;
		break;
	case REG_DRIVER_FEATURES_SEL:
		t->drv_features_sel = val;
		break;
	case REG_DRIVER_FEATURES:
		vmb_virtio_set_driver_features(vd, t->drv_features_sel, val);
		break;
	case REG_QUEUE_SEL:
		t->queue_sel = val;
		break;
	case REG_QUEUE_NUM:
		vmb_virtio_queue_set_num(vd, q, val);
		break;
	case REG_QUEUE_READY:
		vmb_virtio_queue_set_ready(vd, q, val & 1);
		break;
	case REG_QUEUE_NOTIFY:
		vmb_virtio_queue_notify(vd, val);
		break;
	case REG_INTERRUPT_ACK:
		t->isr &= ~val;
		update_irq(t);
		break;
	case REG_STATUS:
		vmb_virtio_set_status(vd, (uint8_t)val);
		break;
	case REG_QUEUE_DESC_LOW: case REG_QUEUE_DESC_HIGH:
		set_area(t, VMB_VQ_AREA_DESC, c ? &c->desc : &zero,
			 off == REG_QUEUE_DESC_HIGH, val);
		break;
	case REG_QUEUE_DRIVER_LOW: case REG_QUEUE_DRIVER_HIGH:
		set_area(t, VMB_VQ_AREA_DRIVER, c ? &c->driver : &zero,
			 off == REG_QUEUE_DRIVER_HIGH, val);
		break;
	case REG_QUEUE_DEVICE_LOW: case REG_QUEUE_DEVICE_HIGH:
		set_area(t, VMB_VQ_AREA_DEVICE, c ? &c->device : &zero,
			 off == REG_QUEUE_DEVICE_HIGH, val);
		break;
	default:
		break;
	}
}

static uint64_t mmio_read(void *opaque, uint64_t off, unsigned size)
{
	struct mmio *t = opaque;
	uint64_t v = 0;

	if (!t->vd)
		return size == 4 && !(off & 3) && off < REG_CONFIG ? reg_read(t, off) : 0;
	pthread_mutex_lock(&t->vd->lock);
	if (off >= REG_CONFIG)
		v = vmb_virtio_config_read(t->vd, (uint32_t)(off - REG_CONFIG), size);
	else if (size == 4 && !(off & 3))
		v = reg_read(t, off);
	pthread_mutex_unlock(&t->vd->lock);
	return v;
}

static void mmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct mmio *t = opaque;

	if (!t->vd)
		return;
	pthread_mutex_lock(&t->vd->lock);
	if (off >= REG_CONFIG)
		vmb_virtio_config_write(t->vd, (uint32_t)(off - REG_CONFIG), val, size);
	else if (size == 4 && !(off & 3))
		reg_write(t, off, (uint32_t)val);
	pthread_mutex_unlock(&t->vd->lock);
}

/* Register names of virtio 1.2 §4.2.2 (Table 4.1), and the legacy
 * interface's of §4.2.4 (traces). */
static const struct vmb_reg_name mmio_regs[] = {
	{ REG_MAGIC, 4, 0, "MagicValue" },
	{ REG_VERSION, 4, 0, "Version" },
	{ REG_DEVICE_ID, 4, 0, "DeviceID" },
	{ REG_VENDOR_ID, 4, 0, "VendorID" },
	{ REG_DEVICE_FEATURES, 4, 0, "DeviceFeatures" },
	{ REG_DEVICE_FEATURES_SEL, 4, 0, "DeviceFeaturesSel" },
	{ REG_DRIVER_FEATURES, 4, 0, "DriverFeatures" },
	{ REG_DRIVER_FEATURES_SEL, 4, 0, "DriverFeaturesSel" },
	{ 0x028, 4, 0, "GuestPageSize" },
	{ REG_QUEUE_SEL, 4, 0, "QueueSel" },
	{ REG_QUEUE_NUM_MAX, 4, 0, "QueueNumMax" },
	{ REG_QUEUE_NUM, 4, 0, "QueueNum" },
	{ 0x03c, 4, 0, "QueueAlign" },
	{ 0x040, 4, 0, "QueuePFN" },
	{ REG_QUEUE_READY, 4, 0, "QueueReady" },
	{ REG_QUEUE_NOTIFY, 4, 0, "QueueNotify" },
	{ REG_INTERRUPT_STATUS, 4, 0, "InterruptStatus" },
	{ REG_INTERRUPT_ACK, 4, 0, "InterruptACK" },
	{ REG_STATUS, 4, 0, "Status" },
	{ REG_QUEUE_DESC_LOW, 4, 0, "QueueDescLow" },
	{ REG_QUEUE_DESC_HIGH, 4, 0, "QueueDescHigh" },
	{ REG_QUEUE_DRIVER_LOW, 4, 0, "QueueDriverLow" },
	{ REG_QUEUE_DRIVER_HIGH, 4, 0, "QueueDriverHigh" },
	{ REG_QUEUE_DEVICE_LOW, 4, 0, "QueueDeviceLow" },
	{ REG_QUEUE_DEVICE_HIGH, 4, 0, "QueueDeviceHigh" },
	{ REG_SHM_SEL, 4, 0, "SHMSel" },
	{ REG_SHM_LEN_LOW, 4, 0, "SHMLenLow" },
	{ REG_SHM_LEN_HIGH, 4, 0, "SHMLenHigh" },
	{ REG_SHM_BASE_LOW, 4, 0, "SHMBaseLow" },
	{ REG_SHM_BASE_HIGH, 4, 0, "SHMBaseHigh" },
	{ 0x0c0, 4, 0, "QueueReset" },
	{ REG_CONFIG_GENERATION, 4, 0, "ConfigGeneration" },
	{ REG_CONFIG, 0xf00, 0, "Config" },
	{ 0, 0, 0, NULL },
};

static const struct vmb_io_ops mmio_ops = {
	.regs = mmio_regs,
	.read = mmio_read,
	.write = mmio_write,
};

static struct mmio *mmio_new(struct vmb_device *irq_dev, uint64_t base, uint64_t size,
			     struct vmb_err *err)
{
	struct mmio *t = vmb_zalloc(sizeof(*t));

	t->irq_dev = irq_dev;
	t->irq = vmb_dev_irq(irq_dev, 0);
	t->base = base;
	t->size = size;
	if (size < VMB_VIRTIO_MMIO_SIZE) {
		vmb_errf(err, &irq_dev->spec->loc, "'%s': a virtio-mmio transport needs "
			 "a size of at least 0x%x", irq_dev->name, VMB_VIRTIO_MMIO_SIZE);
		free(t);
		return NULL;
	}
	if (!vmb_board_map_mmio(irq_dev->board, irq_dev, irq_dev->name, base, size,
				&mmio_ops, t, NULL, err)) {
		free(t);
		return NULL;
	}
	list_add(t);
	return t;
}

/* A QueueNotify write (event loop thread). */
static void queue_notified(void *opaque)
{
	struct notifier *n = opaque;
	struct vmb_virtio_dev *vd = n->t->vd;

	pthread_mutex_lock(&vd->lock);
	vmb_virtio_queue_notify(vd, n->q);
	pthread_mutex_unlock(&vd->lock);
}

static void drop_notifiers(struct mmio *t)
{
	for (unsigned q = 0; q < VMB_VIRTIO_MAX_QUEUES; q++) {
		vmb_ioevent_destroy(t->qn[q].ev);
		t->qn[q].ev = NULL;
	}
}

static int plug(struct mmio *t, struct vmb_device *user, struct vmb_virtio_dev *vd,
		struct vmb_err *err)
{
	t->user = user;
	t->vd = vd;
	vd->transport = &mmio_transport;
	vd->transport_priv = t;
	vmb_irq_use_fd(t->irq);
	for (unsigned q = 0; q < vd->nqueues; q++) {
		t->qn[q] = (struct notifier){ t, q, NULL };
		t->qn[q].ev = vmb_ioevent_create(t->irq_dev, false, t->base + REG_QUEUE_NOTIFY,
						 4, true, q, queue_notified, &t->qn[q], err);
		if (!t->qn[q].ev) {
			drop_notifiers(t);
			return -1;
		}
	}
	return 0;
}

static struct mmio *find(const struct vmb_device *user)
{
	struct mmio *t;

	pthread_mutex_lock(&all_lock);
	for (t = all; t && t->user != user; t = t->next)
		;
	pthread_mutex_unlock(&all_lock);
	return t;
}

int vmb_virtio_mmio_place(struct vmb_device *dev, struct vmb_virtio_dev *vd,
			  struct vmb_err *err)
{
	struct vmb_board *b = dev->board;
	struct mmio *t = NULL;

	if (dev->spec->has_base) {
		if (dev->spec->nirq != 1)
			return vmb_errf(err, &dev->spec->loc, "%s '%s': with 'base' it "
					"needs one 'irq' for its virtio-mmio transport",
					dev->type->name, dev->name);
		t = mmio_new(dev, dev->base, dev->spec->has_size ? dev->size :
			     VMB_VIRTIO_MMIO_SIZE, err);
		if (!t)
			return -1;
		t->own = true;
	} else {
		for (unsigned i = 0; i < b->ndev; i++) {
			struct mmio *s = b->dev[i]->priv;

			if (strcmp(b->dev[i]->type->name, "virtio-mmio") || !s || s->vd)
				continue;
			if (!t || s->base > t->base)
				t = s;
		}
		if (!t)
			return vmb_errf(err, &dev->spec->loc, "%s '%s': no free "
					"virtio-mmio slot on this board (give it 'base' "
					"and 'irq', or add slots before it)",
					dev->type->name, dev->name);
	}
	return plug(t, dev, vd, err);
}

void vmb_virtio_mmio_unplug(struct vmb_device *dev, struct vmb_virtio_dev *vd)
{
	struct mmio *t = find(dev);

	if (!t)
		return;
	drop_notifiers(t);
	if (t->own) {
		list_del(t);
		free(t);
		return;
	}
	t->user = NULL;
	t->vd = NULL;
	t->isr = 0;
}

int vmb_virtio_mmio_where(const struct vmb_device *dev, uint64_t *base, uint64_t *size,
			  const struct vmb_device **irq_dev)
{
	const struct mmio *t = find(dev);

	if (!t && !strcmp(dev->type->name, "virtio-mmio"))
		t = dev->priv;
	if (!t)
		return -1;
	*base = t->base;
	*size = t->size;
	*irq_dev = t->irq_dev;
	return 0;
}

static int node(struct vmb_device *irq_dev, uint64_t base, uint64_t size,
		struct vmb_fdt *f, struct vmb_err *err)
{
	uint64_t reg[2] = { base, size };
	int n = vmb_fdt_add_node(f, 0, "virtio_mmio", base, err);

	if (n < 0 ||
	    vmb_fdt_prop_str(f, n, "compatible", "virtio,mmio", err) ||
	    vmb_fdt_prop_reg(f, n, reg, 1, err) ||
	    vmb_fdt_prop_dev_interrupts(f, n, irq_dev, err) ||
	    vmb_fdt_prop_empty(f, n, "dma-coherent", err))
		return -1;
	return 0;
}

int vmb_virtio_mmio_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err)
{
	struct mmio *t = find(dev);

	return t && t->own ? node(dev, t->base, t->size, f, err) : 0;
}

/* ---- register dump (virtio-mmio.h) -------------------------------------- */

/* Device status (VIRTIO 1.2 §2.1). */
static const struct vmb_regfield status_fields[] = {
	VMB_BIT(0, "ACKNOWLEDGE"), VMB_BIT(1, "DRIVER"), VMB_BIT(2, "DRIVER_OK"),
	VMB_BIT(3, "FEATURES_OK"), VMB_BIT(6, "DEVICE_NEEDS_RESET"),
	VMB_BIT(7, "FAILED"), { NULL },
};
/* InterruptStatus (§4.2.2). */
static const struct vmb_regfield isr_fields[] = {
	VMB_BIT(0, "USED_BUFFER"), VMB_BIT(1, "CONFIG_CHANGE"), { NULL },
};
/* Reserved feature bits (§6); device-type bits 0-23 show as +0xMASK. */
static const struct vmb_regfield feature_fields[] = {
	VMB_BIT(28, "INDIRECT_DESC"), VMB_BIT(29, "EVENT_IDX"),
	VMB_BIT(32, "VERSION_1"), VMB_BIT(33, "ACCESS_PLATFORM"),
	VMB_BIT(34, "RING_PACKED"), VMB_BIT(35, "IN_ORDER"),
	VMB_BIT(36, "ORDER_PLATFORM"), VMB_BIT(37, "SR_IOV"),
	VMB_BIT(38, "NOTIFICATION_DATA"), VMB_BIT(39, "NOTIF_CONFIG_DATA"),
	VMB_BIT(40, "RING_RESET"), { NULL },
};

/* The device type's feature names, then the reserved ones, in out
 * (room for both and the end mark). */
static const struct vmb_regfield *features_of(const struct vmb_virtio_dev *vd,
					      struct vmb_regfield *out, size_t room)
{
	const struct vmb_regfield *f = vd->ops->feature_fields;
	size_t n = 0;

	for (; f && f->name && n + 1 < room; f++)
		out[n++] = *f;
	for (f = feature_fields; f->name && n + 1 < room; f++)
		out[n++] = *f;
	out[n] = (struct vmb_regfield){ NULL };
	return out;
}

static const char *device_name(uint32_t id)
{
	/* §5 device types vmb has */
	switch (id) {
	case 0:	return "no device (empty slot)";
	case 1:	return "network card";
	case 2:	return "block device";
	case 3:	return "console";
	case 4:	return "entropy source";
	default: return "?";
	}
}

static void dump_queue(const struct vmb_virtio_dev *vd, unsigned q, FILE *out)
{
	const struct vmb_virtio_qcfg *c = &vd->qcfg[q];
	const struct vmb_vq *vq = &vd->vq[q];
	char name[24];

	snprintf(name, sizeof(name), "queue %u", q);
	vmb_regdump_text(out, name, "QueueNum %u, QueueReady %u, QueueDesc 0x%llx, "
			 "QueueDriver 0x%llx, QueueDevice 0x%llx", c->num, c->ready,
			 (unsigned long long)c->desc, (unsigned long long)c->driver,
			 (unsigned long long)c->device);
	if (vq->enabled || vq->broken)
		vmb_regdump_text(out, "", "next avail %u, used idx %u%s%s",
				 vq->last_avail, vq->used_idx,
				 vq->broken ? ", broken: " : "",
				 vq->broken ? vq->error : "");
}

/* The device's configuration space (§4.2.2 Config, from 0x100): its
 * named fields, else the bytes in rows of 16. */
static void dump_config(struct vmb_virtio_dev *vd, FILE *out)
{
	const struct vmb_virtio_cfg_field *f = vd->ops->config_fields;
	uint8_t bytes[16];
	char name[48];

	for (; f && f->name; f++) {
		snprintf(name, sizeof(name), "config.%s", f->name);
		if (f->size <= 8 && !(f->size & (f->size - 1))) {
			vmb_regdump(out, name, 8 * f->size,
				    vmb_virtio_config_read(vd, f->off, f->size), NULL);
			continue;
		}
		for (unsigned i = 0; i < f->size && i < sizeof(bytes); i++)
			bytes[i] = (uint8_t)vmb_virtio_config_read(vd, f->off + i, 1);
		vmb_regdump_bytes(out, name, bytes, f->size < sizeof(bytes) ?
				  f->size : sizeof(bytes), ':');
	}
	if (vd->ops->config_fields)
		return;
	for (uint32_t off = 0; off < vd->config_size; off += 16) {
		uint32_t n = vd->config_size - off < 16 ? vd->config_size - off : 16;

		for (uint32_t i = 0; i < n; i++)
			bytes[i] = (uint8_t)vmb_virtio_config_read(vd, off + i, 1);
		snprintf(name, sizeof(name), "Config+0x%02x", off);
		vmb_regdump_bytes(out, name, bytes, n, ' ');
	}
}

void vmb_virtio_mmio_dump(struct vmb_device *dev, FILE *out)
{
	struct mmio *t = find(dev);
	struct vmb_virtio_dev *vd;
	struct vmb_regfield names[64 + 1];
	uint32_t id;

	if (!t && !strcmp(dev->type->name, "virtio-mmio"))
		t = dev->priv;
	if (!t) {
		fprintf(out, "  (no virtio-mmio transport)\n");
		return;
	}
	vd = t->vd;
	if (t->user && t->user != dev)
		vmb_regdump_text(out, "device", "%s (%s)", t->user->name,
				 t->user->type->name);
	if (t->irq_dev != dev)
		vmb_regdump_text(out, "transport", "slot %s at 0x%llx",
				 t->irq_dev->name, (unsigned long long)t->base);
	if (vd)
		pthread_mutex_lock(&vd->lock);
	id = vd ? vd->device_id : 0;
	vmb_regdump(out, "MagicValue", 32, VIRTIO_MMIO_MAGIC, NULL);
	vmb_regdump(out, "Version", 32, VIRTIO_MMIO_VERSION, NULL);
	vmb_regdump_text(out, "DeviceID", "%u  (%s)", id, device_name(id));
	if (!vd)
		return;
	vmb_regdump(out, "Status", 8, vd->status, status_fields);
	/* reg_read has no side effects: the selected halves as the guest
	 * reads them */
	vmb_regdump(out, "DeviceFeaturesSel", 32, t->dev_features_sel, NULL);
	vmb_regdump(out, "DeviceFeatures", 32, reg_read(t, REG_DEVICE_FEATURES), NULL);
	vmb_regdump(out, "DriverFeaturesSel", 32, t->drv_features_sel, NULL);
	features_of(vd, names, sizeof(names) / sizeof(names[0]));
	vmb_regdump(out, "  offered", 64, vmb_virtio_offered(vd), names);
	vmb_regdump(out, "  accepted", 64, vd->driver_features, names);
	vmb_regdump(out, "InterruptStatus", 32, t->isr, isr_fields);
	vmb_regdump(out, "ConfigGeneration", 32, vd->config_generation, NULL);
	vmb_regdump_text(out, "QueueSel", "%u  (QueueNumMax %u)", t->queue_sel,
			 reg_read(t, REG_QUEUE_NUM_MAX));
	for (unsigned q = 0; q < vd->nqueues; q++)
		dump_queue(vd, q, out);
	dump_config(vd, out);
	pthread_mutex_unlock(&vd->lock);
}

/* ---- the slot device type ---------------------------------------------- */

static int slot_create(struct vmb_device *dev, struct vmb_err *err)
{
	struct mmio *t = mmio_new(dev, dev->base, dev->size, err);

	if (!t)
		return -1;
	dev->priv = t;
	return 0;
}

static void slot_reset(struct vmb_device *dev)
{
	struct mmio *t = dev->priv;

	if (!t->vd)
		t->isr = 0; /* else the device's reset clears it */
}

static int slot_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err)
{
	return node(dev, dev->base, dev->size, f, err);
}

static void slot_destroy(struct vmb_device *dev)
{
	struct mmio *t = dev->priv;

	if (!t)
		return;
	list_del(t);
	free(t);
	dev->priv = NULL;
}

static const struct vmb_device_type slot_type = {
	.name = "virtio-mmio",
	.summary = "virtio-mmio transport slot, version 2 (VIRTIO 1.2 §4.2): "
		   "DeviceID 0 until a virtio device (virtio-blk, ...) without "
		   "'base' is placed in it, highest free address first as on QEMU",
	.needs_base = true,
	.default_size = VMB_VIRTIO_MMIO_SIZE,
	.min_irqs = 1,
	.max_irqs = 1,
	.locks_itself = true,
	.create = slot_create,
	.reset = slot_reset,
	.fdt_node = slot_fdt,
	.destroy = slot_destroy,
	.dump = vmb_virtio_mmio_dump,
};

VMB_DEVICE_TYPE(slot_type)
