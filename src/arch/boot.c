/* SPDX-License-Identifier: MIT */
#include "arch/boot.h"

int vmb_boot_prepare(struct vmb_board *b, struct vmb_boot_state *st,
		     struct vmb_err *err)
{
	switch (b->arch) {
	case VMB_ARCH_ARM64:
		return vmb_boot_prepare_arm64(b, st, err);
	case VMB_ARCH_X86_64:
		return vmb_boot_prepare_x86_64(b, st, err);
	}
	return vmb_errf(err, NULL, "unsupported architecture");
}
