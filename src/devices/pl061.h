/* SPDX-License-Identifier: MIT */
/*
 * PL061 GPIO inputs driven from the host side (power button).
 */
#ifndef VMB_DEVICES_PL061_H
#define VMB_DEVICES_PL061_H

#include <stdbool.h>

#include "board/board.h"

/* The pin QEMU's virt board wires its power button to (gpio-keys node:
 * gpios = <&pl061 3 0>, linux,code = 116 KEY_POWER). */
#define VMB_PL061_POWER_PIN 3

/*
 * Drive external input pin 0..7 of a pl061 device to level (0/1); the
 * pin's interrupt logic runs as for a real input. Takes the device lock,
 * so call it from outside this device's callbacks (signal thread, monitor). Ignored
 * for pins >= 8 or if dev is not a pl061.
 */
void vmb_pl061_set_input(struct vmb_device *dev, unsigned pin, int level);

/*
 * Press (pressed = true: pin 3 high) or release the power button. A guest
 * using the gpio-keys binding sees KEY_POWER; release it again after about
 * 100 ms, as QEMU's gpio-key does.
 */
void vmb_pl061_power_button(struct vmb_device *dev, bool pressed);

#endif
