/* SPDX-License-Identifier: MIT */
/*
 * virtio-mmio transport, Version 2 (VIRTIO 1.2 §4.2, non-legacy layout).
 *
 * A transport is either a slot of a board's "virtio-mmio" slot array (an
 * empty slot answers DeviceID 0, which drivers skip, §4.2.2.2, until a
 * virtio device is plugged into it) or one a virtio device creates for
 * itself when the machine file gives it base and irq. Virtio devices
 * (virtio/virtio.h) call vmb_virtio_mmio_place() from their create() and
 * vmb_virtio_mmio_fdt() from their fdt_node(); they never see registers.
 */
#ifndef VMB_DEVICES_VIRTIO_MMIO_H
#define VMB_DEVICES_VIRTIO_MMIO_H

#include <stdint.h>
#include <stdio.h>

#include "board/board.h"
#include "virtio/virtio.h"

#define VMB_VIRTIO_MMIO_SIZE	0x200

struct vmb_fdt;

/*
 * Give vd a transport on the board: at dev's own base and irq[0] if the
 * machine file sets "base" (its size defaults to 0x200), otherwise in the
 * next free slot of the board's virtio-mmio slot array, taken from the
 * highest address down as QEMU's virt board does (its first -device
 * virtio-*-device lands in the last slot). Errors name the entry.
 */
int vmb_virtio_mmio_place(struct vmb_device *dev, struct vmb_virtio_dev *vd,
			  struct vmb_err *err);

/* The node for a device with its own transport (nothing for a slot,
 * whose node the slot writes). */
int vmb_virtio_mmio_fdt(struct vmb_device *dev, struct vmb_fdt *f, struct vmb_err *err);

/* Detach vd from its transport (device destroy). */
void vmb_virtio_mmio_unplug(struct vmb_device *dev, struct vmb_virtio_dev *vd);

/* Where the transport serving dev is (its own or a slot): base, size and
 * the device whose irq[0] it raises. 0, or -1 if dev has none. */
int vmb_virtio_mmio_where(const struct vmb_device *dev, uint64_t *base, uint64_t *size,
			  const struct vmb_device **irq_dev);

/*
 * Register dump of the transport serving dev (a slot, or a virtio device
 * in a slot or with its own base), for the device types' dump hook
 * (board/device.h): MagicValue..ConfigGeneration of VIRTIO 1.2 §4.2.2 with
 * Status (§2.1), the feature words (§6) and InterruptStatus bits named,
 * the selected halves of the feature registers, and every queue's
 * QueueNum, QueueReady and area GPAs with the device's ring indices. Takes
 * the virtio device's lock itself (the types lock themselves).
 */
void vmb_virtio_mmio_dump(struct vmb_device *dev, FILE *out);

#endif
