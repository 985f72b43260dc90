/* SPDX-License-Identifier: MIT */
/*
 * The "determinism:" section of a machine file:
 *
 *   determinism:
 *     enabled: true                  # default when the section is there
 *     seed: 42                       # default 0
 *     rtc-start: 2024-01-01T00:00:00Z  # or Unix seconds; default 2000-01-01
 *
 * A null or absent section leaves determinism off. What each backend does
 * with it is in docs/backends.md.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config/loader.h"

static const char *const det_keys[] = { "enabled", "seed", "rtc-start", NULL };

int vmb_parse_utc(const char *s, int64_t *out)
{
	struct tm tm = { 0 };
	int n = -1, mday;
	time_t t;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n < 0 || s[n] || strlen(s) != 20)
		return -1;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	mday = tm.tm_mday;
	t = timegm(&tm); /* normalises 2023-02-30 to March 2: reject that */
	if (t < 0 || tm.tm_mday != mday)
		return -1;
	*out = t;
	return 0;
}

void vmb_format_utc(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int rtc_start(const struct vmb_node *v, int64_t *out, struct vmb_err *err)
{
	uint64_t secs;

	if (!v->quoted && !vmb_parse_u64(v->scalar, &secs)) {
		if (secs > INT32_MAX * 2ull)
			return vmb_errf(err, &v->loc, "rtc-start %" PRIu64 " is too "
					"large, expected Unix seconds up to %llu",
					secs, INT32_MAX * 2ull);
		*out = (int64_t)secs;
		return 0;
	}
	if (vmb_parse_utc(v->scalar, out))
		return vmb_errf(err, &v->loc, "bad rtc-start '%s': expected UTC "
				"time as YYYY-MM-DDTHH:MM:SSZ or Unix seconds",
				v->scalar);
	return 0;
}

int vmb_spec_build_determinism(struct vmb_spec *s, struct vmb_err *err)
{
	const struct vmb_node *n = vmb_node_get(s->root, "determinism");
	const struct vmb_node *v;
	struct vmb_det_spec *d = &s->det;
	bool on = true;
	int rc;

	d->seed = 0;
	d->rtc_start = VMB_DET_RTC_START_DEFAULT;
	if (!n || vmb_node_is_null(n))
		return 0;
	d->loc = n->loc;
	if (n->kind != VMB_NODE_MAP)
		return vmb_errf(err, &n->loc, "wrong type for 'determinism': "
				"expected a mapping, got %s", vmb_node_kind_name(n));
	if (vmb_node_check_keys(n, det_keys, "determinism", err))
		return -1;
	rc = vmb_node_get_bool(n, "enabled", &on, err);
	if (rc < 0 || vmb_node_get_u64(n, "seed", &d->seed, err) < 0)
		return -1;
	v = vmb_node_get(n, "rtc-start");
	if (v && !vmb_node_is_null(v)) {
		if (v->kind != VMB_NODE_SCALAR)
			return vmb_errf(err, &v->loc, "wrong type for 'rtc-start': "
					"expected a time, got %s",
					vmb_node_kind_name(v));
		if (rtc_start(v, &d->rtc_start, err))
			return -1;
	}
	d->enabled = on;
	return 0;
}
