/* SPDX-License-Identifier: MIT */
/*
 * gdb "monitor" commands of the stub (qRcmd): help, info (the machine as
 * `vmb check` prints it), device NAME (type, place, register state),
 * stats (the backend's exit statistics), reset. stopped: the debugger
 * holds the machine. Output, one line or more, goes to out; an unknown
 * command says so there. Returns true for reset, which the caller
 * performs (the stub: gdbstub.c, reset_machine), false otherwise.
 */
#ifndef VMB_DEBUG_GDB_MONITOR_H
#define VMB_DEBUG_GDB_MONITOR_H

#include <stdbool.h>
#include <stdio.h>

#include "hv/hv.h"

bool vmb_gdb_monitor(struct vmb_vm *vm, bool stopped, const char *cmd, FILE *out);

#endif
