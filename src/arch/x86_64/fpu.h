/* SPDX-License-Identifier: MIT */
/* x87 state conversions shared by backends and debuggers (fpu.c). */
#ifndef VMB_ARCH_X86_64_FPU_H
#define VMB_ARCH_X86_64_FPU_H

#include <stdint.h>

/*
 * The full x87 tag word (Intel SDM Vol. 1 §8.1.7: two bits per physical
 * register, 00 valid, 01 zero, 10 special, 11 empty) from the FXSAVE
 * abridged tag (one "not empty" bit per physical register, Vol. 1
 * §10.5.1.1), the status word (TOP, bits 13:11) and the registers in
 * stack order as FXSAVE stores them (fpr[i] is ST(i), 80 bits in 16
 * bytes, in physical register (TOP + i) mod 8). Non-empty registers are
 * classified from their value: exponent and mantissa 0 zero; exponent
 * all ones, denormal (exponent 0) or J bit clear special; else valid.
 */
uint16_t vmb_x86_fpu_tag(uint16_t fsw, uint8_t abridged, const uint8_t fpr[8][16]);

#endif
