/* SPDX-License-Identifier: MIT */
/* gdb "monitor" commands (qRcmd) of the stub (gdb-monitor.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/device.h"
#include "board/regdump.h"
#include "debug/gdb-monitor.h"
#include "util/statebuf.h"

static void mon_help(struct vmb_vm *vm, bool stopped, const char *arg, FILE *out);

static void mon_info(struct vmb_vm *vm, bool stopped, const char *arg, FILE *out)
{
	vmb_board_print(vm->board, out);
}

static void mon_device(struct vmb_vm *vm, bool stopped, const char *arg, FILE *out)
{
	struct vmb_board *b = vm->board;
	struct vmb_device *d = NULL;

	for (unsigned i = 0; i < b->ndev; i++)
		if (!strcmp(b->dev[i]->name, arg))
			d = b->dev[i];
	if (!d) {
		if (*arg)
			fprintf(out, "no device '%s'; ", arg);
		fprintf(out, "monitor device NAME, NAME one of:");
		for (unsigned i = 0; i < b->ndev; i++)
			fprintf(out, " %s", b->dev[i]->name);
		fputc('\n', out);
		return;
	}
	fprintf(out, "%s: %s at 0x%llx, 0x%llx bytes\n", d->name, d->type->name,
		(unsigned long long)d->base, (unsigned long long)d->size);
	if (vmb_dev_dump(d, out))
		return;
	if (!d->type->save) {
		fprintf(out, "  (the %s model keeps no register state to show)\n",
			d->type->name);
		return;
	}
	{
		struct vmb_state_writer w = { 0 };

		vmb_dev_lock(d);
		d->type->save(d, &w);
		vmb_dev_unlock(d);
		fprintf(out, "  (the %s model has no named register dump; its "
			"state as a snapshot saves it, %zu bytes:)", d->type->name,
			w.len);
		for (size_t i = 0; i < w.len; i++)
			fprintf(out, "%s%02x", i % 16 ? " " : "\n  ", w.buf[i]);
		fputc('\n', out);
		free(w.buf);
	}
}

static void mon_stats(struct vmb_vm *vm, bool stopped, const char *arg, FILE *out)
{
	if (vm->ops->print_stats)
		vm->ops->print_stats(vm, out);
	else
		fprintf(out, "the %s backend keeps no statistics\n", vm->ops->name);
}

/* The caller resets the machine (vmb_gdb_monitor returns true). */
static void mon_reset(struct vmb_vm *vm, bool stopped, const char *arg, FILE *out)
{
	fprintf(out, "machine reset%s\n", stopped ?
		"; it starts again when you continue" : "");
}

static const struct {
	const char *name, *args, *help;
	void (*fn)(struct vmb_vm *vm, bool stopped, const char *arg, FILE *out);
} monitor_cmds[] = {
	{ "help", "", "this list", mon_help },
	{ "info", "", "memory map, interrupts and devices (as vmb check prints them)",
	  mon_info },
	{ "device", "NAME", "a device's type, place and named registers", mon_device },
	{ "stats", "", "exit statistics of the backend", mon_stats },
	{ "reset", "", "reset the machine (devices, images, vCPUs)", mon_reset },
};

static void mon_help(struct vmb_vm *vm, bool stopped, const char *arg, FILE *out)
{
	for (size_t i = 0; i < sizeof(monitor_cmds) / sizeof(monitor_cmds[0]); i++) {
		char usage[32];

		snprintf(usage, sizeof(usage), "%s %s", monitor_cmds[i].name,
			 monitor_cmds[i].args);
		fprintf(out, "monitor %-12s %s\n", usage, monitor_cmds[i].help);
	}
}

bool vmb_gdb_monitor(struct vmb_vm *vm, bool stopped, const char *cmd, FILE *out)
{
	size_t n;

	while (*cmd == ' ')
		cmd++;
	n = strcspn(cmd, " ");
	for (size_t i = 0; i < sizeof(monitor_cmds) / sizeof(monitor_cmds[0]); i++) {
		if (strlen(monitor_cmds[i].name) != n ||
		    strncmp(monitor_cmds[i].name, cmd, n))
			continue;
		cmd += n;
		while (*cmd == ' ')
			cmd++;
		monitor_cmds[i].fn(vm, stopped, cmd, out);
		return monitor_cmds[i].fn == mon_reset;
	}
	fprintf(out, "unknown monitor command '%.*s'; 'monitor help' lists them\n",
		(int)n, cmd);
	return false;
}

