/* SPDX-License-Identifier: MIT */
/*
 * Network backend registry and MAC addresses (see net.h).
 */
#include <stdio.h>
#include <string.h>

#include "net/net.h"

static const struct vmb_net_backend_ops *const backends[] = {
#ifdef VMB_SLIRP
	&vmb_net_user,
#endif
	&vmb_net_tap,
};

const struct vmb_net_backend_ops *vmb_net_backend_find(const char *name)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (!strcmp(backends[i]->name, name))
			return backends[i];
	return NULL;
}

void vmb_net_default_mac(const char *machine, const char *device, uint8_t mac[6])
{
	uint32_t h = 2166136261u; /* FNV-1a, 32 bits */
	const char *parts[3] = { machine ? machine : "", "/", device };

	for (int i = 0; i < 3; i++)
		for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++)
			h = (h ^ *p) * 16777619u;
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = 0x00;
	mac[3] = (uint8_t)(h >> 16);
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
}

int vmb_net_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char end;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4],
		   &v[5], &end) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (s[3 * i + 2] != ':' && i < 5)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return mac[0] & 1 ? -1 : 0; /* group bit: not a NIC's own address */
}
