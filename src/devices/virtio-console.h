/* SPDX-License-Identifier: MIT */
/*
 * virtio-console and the console UARTs: a machine with a virtio-console
 * entry that wants the console (console: true, its default) gives it the
 * console, and UARTs with console: true leave it alone. This makes
 * `--console virtio` (one added entry) and its machine-file equivalent (a
 * virtio-console entry) work on any board without naming its UART.
 */
#ifndef VMB_DEVICES_VIRTIO_CONSOLE_H
#define VMB_DEVICES_VIRTIO_CONSOLE_H

#include <stdbool.h>

struct vmb_spec;

/* Does spec have a virtio-console entry without console: false? */
bool vmb_virtio_console_wanted(const struct vmb_spec *spec);

#endif
