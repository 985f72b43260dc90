/* SPDX-License-Identifier: MIT */
/* x87 state conversions (fpu.h). */
#include <string.h>

#include "arch/x86_64/fpu.h"

uint16_t vmb_x86_fpu_tag(uint16_t fsw, uint8_t abridged, const uint8_t fpr[8][16])
{
	unsigned top = (fsw >> 11) & 7;
	uint16_t tag = 0;

	for (unsigned phys = 0; phys < 8; phys++) {
		const uint8_t *v = fpr[(phys - top) & 7];
		unsigned exp = (v[9] & 0x7fu) << 8 | v[8], t = 3;
		uint64_t mant;

		memcpy(&mant, v, 8);
		if (abridged & (1u << phys))
			t = exp == 0x7fff ? 2 : exp == 0 ? (mant ? 2 : 1) :
			    (mant >> 63) ? 0 : 2;
		tag |= (uint16_t)(t << (2 * phys));
	}
	return tag;
}
