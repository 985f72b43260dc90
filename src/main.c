/* SPDX-License-Identifier: MIT */
/*
 * vmb command line: argument parsing, help text and dispatch to vm.c.
 *
 *   vmb run MACHINE.yaml [options]     boot and run a machine
 *   vmb dtb MACHINE.yaml -o FILE.dtb   write its generated device tree
 *   vmb check MACHINE.yaml             validate, print map and boot plan
 *   vmb devices [TYPE]                 device types and their properties
 *   vmb help [COMMAND], --help, --version
 *
 * Exit statuses are listed in vm.h and in "vmb --help". Usage errors print
 * one line and a hint, and exit 64 (EX_USAGE).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/device.h"
#include "cli/machines.h"
#include "config/devopt.h"
#include "config/spec.h"
#include "cli/cli.h"
#include "hv/hv.h"
#include "vm.h"

static const char main_help[] =
"usage: vmb COMMAND [ARGS]\n"
"\n"
"vmb runs virtual machines described as data: a YAML machine file lists\n"
"the CPUs, memory and devices; vmb builds the board, generates its device\n"
"tree and runs it on a backend: KVM, or the Unicorn emulator (arm64\n"
"firmware and bare-metal programs). What this binary can run on this host\n"
"is listed at the end.\n"
"\n"
"MACHINE is a machine file, or the name of one on the search path\n"
"($VMB_PATH, the installed machines, the current directory; see\n"
"'vmb help machines').\n"
"\n"
"commands:\n"
"  run MACHINE.yaml      boot and run a machine on this terminal\n"
"  dtb MACHINE.yaml      write the machine's generated device tree\n"
"  acpi MACHINE.yaml     write an x86_64 machine's generated ACPI tables\n"
"  check MACHINE.yaml    validate a machine, print its memory map, interrupts\n"
"                        and boot plan\n"
"  devices [TYPE]        list device types and their properties\n"
"  machines              list the machines found by name (vmb run virt)\n"
"  resolve MACHINE.yaml  write the machine as one self-contained, pinned file\n"
"  pack MACHINE.yaml     write a bundle (NAME.vmb): the machine and its images\n"
"  unpack NAME.vmb       extract a bundle ('vmb run NAME.vmb' runs one)\n"
"  schema                print the JSON Schema of machine files\n"
"  help [COMMAND]        this text, or a command's help\n"
"\n"
"options:\n"
"  -h, --help            this text\n"
"  -V, --version         print the version\n"
"\n"
"exit status:\n"
"  0    the guest powered off, or you quit with C-a x\n"
"  1    configuration or host error\n"
"  2    guest fault (a crash report is printed on stderr)\n"
"  64   usage error\n"
"  128+N  stopped by signal N (after a clean shutdown)\n"
"\n"
"Run 'vmb help COMMAND' for a command's options.\n";

/* The help text, then what this build can run on this host. */
static void print_main_help(FILE *out)
{
	fputs(main_help, out);
	fputc('\n', out);
	vmb_hv_print_host(out);
}

/* Options shared by every command that loads a machine. */
#define MACHINE_OPTS_HELP \
"machine options (each is a --set shorthand; later ones win):\n" \
"  -s, --set KEY=VALUE   override a machine-file value; KEY is a dotted path\n" \
"                        of map keys, list indexes or entry names, e.g.\n" \
"                        devices.uart0.base=0x9000000, cpus.count=2,\n" \
"                        memory.ram.size=1G; [a, b] gives a list. Paths in\n" \
"                        values are relative to the current directory.\n" \
"      --firmware FILE   --set boot.firmware=FILE\n" \
"      --kernel FILE     --set boot.kernel=FILE\n" \
"      --initrd FILE     --set boot.initrd=FILE\n" \
"      --dtb FILE        --set boot.dtb=FILE (use FILE, not a generated tree)\n" \
"      --append CMDLINE  --set boot.cmdline=CMDLINE\n" \
"      --smp N           --set cpus.count=N\n" \
"  -m, --memory SIZE     --set memory.NAME.size=SIZE for the lowest RAM\n" \
"                        region (memory.ram.size on virt); 512M, 2G, ...\n" \
"      --deterministic   --set determinism.enabled=true: seeded device\n" \
"                        tree and entropy, RTC from determinism.rtc-start,\n" \
"                        virtual clock under emu (docs/backends.md)\n"

static const char run_help[] =
"usage: vmb run MACHINE.yaml|NAME.vmb [options]\n"
"\n"
"Boot the machine and connect its console UART to this terminal. When stdin\n"
"is a terminal it is put in raw mode: C-a x quits, C-a h lists the escapes,\n"
"C-a C-a sends C-a. The terminal is restored on every exit.\n"
"Guest output goes to stdout; vmb's own messages go to stderr.\n"
"A bundle (NAME.vmb, from 'vmb pack') runs on a private extracted copy,\n"
"removed at exit: what the guest writes to its disks is not kept (use\n"
"'vmb unpack' for that). Every machine command takes a bundle.\n"
"\n"
"options:\n"
"  -a, --accel NAME      backend: auto (default), or one of those below\n"
"      --dtb-out FILE    also write the device tree the guest was given\n"
"      --stats           print run time and backend statistics at exit\n"
"      --serial DEV      connect the next UART (in board order) to DEV:\n"
"                        stdio, pty, null, file:PATH,\n"
"                        unix:PATH[,server][,nowait],\n"
"                        tcp:HOST:PORT[,server][,nowait]; repeat for more\n"
"                        UARTs. Default: the first UART on stdio. A server\n"
"                        waits for its first client unless nowait.\n"
"      --trace WHAT      execution traces (docs/debugging.md); repeat, or\n"
"                        give a comma list (mmio=FILE last):\n"
"                        insn[=N]  keep each vCPU's last N instructions (64)\n"
"                                  and show them in crash reports (emu only:\n"
"                                  KVM does not see each instruction)\n"
"                        mmio=FILE log every device access (MMIO, port I/O)\n"
"                                  to FILE ('-': stderr), one line each:\n"
"                                  time vcpu device:register R|W width value\n"
"                                  address device-type\n"
"      --gdb DEV         serve a gdb remote stub on DEV: tcp:HOST:PORT or\n"
"                        unix:PATH (gdb-multiarch: target remote HOST:PORT)\n"
"      --gdb-wait        with --gdb: start stopped until the debugger\n"
"                        continues or steps (QEMU's -S); see docs/debugging.md\n"
"  -v, --verbose         print the backend, entry point and stop reason\n"
"  -h, --help            this text\n"
"\n"
MACHINE_OPTS_HELP
"\n"
"exit status: 0 guest powered off or C-a x; 1 configuration or host error;\n"
"2 guest fault (crash report on stderr); 64 usage error; 128+N signal N.\n"
"\n"
"examples:\n"
"  vmb run machines/virt.yaml --firmware u-boot.bin\n"
"  vmb run machines/virt.yaml --firmware u-boot.bin --drive disk.img,ro\n"
"  vmb run machines/virt.yaml --kernel Image --initrd initrd.img \\\n"
"      --append 'console=ttyAMA0' -m 1G --smp 2 --accel kvm\n";

static const char dtb_help[] =
"usage: vmb dtb MACHINE.yaml -o FILE.dtb [options]\n"
"\n"
"Write the device tree vmb generates for the machine (as for a firmware\n"
"boot: no initrd in /chosen). 'vmb run --dtb-out' writes the exact tree a\n"
"boot used. Decompile with: dtc -I dtb -O dts FILE.dtb\n"
"\n"
"options:\n"
"  -o, --output FILE     where to write it ('-' for stdout); required\n"
"  -h, --help            this text\n"
"\n"
MACHINE_OPTS_HELP;

static const char acpi_help[] =
"usage: vmb acpi MACHINE.yaml -o DIR [options]\n"
"\n"
"Write the ACPI tables vmb generates for an x86_64 machine (RSDP, XSDT,\n"
"FADT, DSDT, MADT), as a boot places them at 0xe0000, to DIR/SIG.dat.\n"
"Disassemble with: iasl -d DIR/*.dat\n"
"\n"
"options:\n"
"  -o, --output DIR      directory for the tables (created); required\n"
"  -h, --help            this text\n"
"\n"
MACHINE_OPTS_HELP;

static const char check_help[] =
"usage: vmb check MACHINE.yaml [options]\n"
"\n"
"Load and validate the machine, build its board and prepare its boot\n"
"without running it, then print the memory map, interrupt table, devices\n"
"and where the boot images and device tree go. Errors are printed as\n"
"FILE:LINE:COL: message, and the exit status is 1.\n"
"\n"
"options:\n"
"  -a, --accel NAME      validate for this backend as 'vmb run --accel NAME'\n"
"                        would (default auto: some backend must be able to\n"
"                        run it here; none: the machine alone, e.g. an\n"
"                        x86_64 board on a host without KVM); every backend\n"
"                        is listed with whether it can run the machine here,\n"
"                        and why not\n"
"      --json            print it as JSON instead: machine, memory-map,\n"
"                        io-ports, interrupts, devices (with properties as\n"
"                        the device sees them), boot, determinism, backends\n"
"                        (can-run, why-not)\n"
"  -h, --help            this text\n"
"\n"
MACHINE_OPTS_HELP;

static const char devices_help[] =
"usage: vmb devices [--json] [TYPE]\n"
"\n"
"List the device types this vmb knows, with the properties each accepts in\n"
"a machine file (name, kind, default, meaning). With TYPE, only that one.\n"
"Every device also takes the generic keys name, type, base, size, irq,\n"
"trigger (level|edge), count, stride and irq-stride. --json prints the\n"
"same as JSON (kinds, defaults, enum choices, which name files).\n";

static const char help_help[] =
"usage: vmb help [COMMAND]\n"
"\n"
"Print vmb's help, or COMMAND's.\n";

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fputs("vmb: ", stderr);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'vmb %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
	return VMB_EXIT_USAGE;
}

/* ---- machine options --------------------------------------------------- */

enum {
	OPT_FIRMWARE = 256, OPT_KERNEL, OPT_INITRD, OPT_DTB, OPT_APPEND, OPT_SMP,
	OPT_DTB_OUT, OPT_STATS, OPT_SERIAL, OPT_DETERMINISTIC, OPT_JSON,
	OPT_GDB, OPT_GDB_WAIT,
	OPT_DEVOPT = 0x1000, /* + index of a device shorthand (config/devopt.h) */
};

#define MACHINE_LONGOPTS \
	{ "set", required_argument, NULL, 's' },                \
	{ "firmware", required_argument, NULL, OPT_FIRMWARE },  \
	{ "kernel", required_argument, NULL, OPT_KERNEL },      \
	{ "initrd", required_argument, NULL, OPT_INITRD },      \
	{ "dtb", required_argument, NULL, OPT_DTB },            \
	{ "append", required_argument, NULL, OPT_APPEND },      \
	{ "smp", required_argument, NULL, OPT_SMP },            \
	{ "memory", required_argument, NULL, 'm' },             \
	{ "deterministic", no_argument, NULL, OPT_DETERMINISTIC }, \
	{ "help", no_argument, NULL, 'h' }

struct machine_args {
	const char *cmd;
	const char *file;
	struct vmb_override *ov;
	const char **typed; /* ov[i] as typed ("--smp 2"), NULL for --set */
	char **owned;       /* "KEY" halves split off --set arguments */
	unsigned nov, nowned;
	char *bundle;       /* NAME.vmb: machine.yaml of its extracted copy */
	int mem_idx;        /* index of the -m override (path filled later) */
};

static char *own(struct machine_args *m, char *s)
{
	m->owned = vmb_realloc(m->owned, (m->nowned + 1) * sizeof(*m->owned));
	m->owned[m->nowned++] = s;
	return s;
}

/* The option just parsed as the user typed it ("--smp 2", "-m2G",
 * "--memory=2G"), so that errors about its value name it. getopt leaves
 * optarg pointing at argv[optind - 1] when the value was a word of its own. */
static const char *typed_option(struct machine_args *m, char **argv, const char *arg)
{
	char *s;

	if (optind < 2 || arg != argv[optind - 1])
		return argv[optind - 1];
	s = vmb_zalloc(strlen(argv[optind - 2]) + strlen(arg) + 2);
	sprintf(s, "%s %s", argv[optind - 2], arg);
	return own(m, s);
}

static void add_override(struct machine_args *m, const char *path, const char *value,
			 const char *typed)
{
	m->ov = vmb_realloc(m->ov, (m->nov + 1) * sizeof(*m->ov));
	m->typed = vmb_realloc(m->typed, (m->nov + 1) * sizeof(*m->typed));
	m->ov[m->nov].path = path;
	m->ov[m->nov].value = value;
	m->typed[m->nov] = typed;
	m->nov++;
}

/* The options that stand for one --set KEY=VALUE each. */
static const struct {
	int opt;
	const char *path;
} shorthands[] = {
	{ OPT_FIRMWARE, "boot.firmware" },
	{ OPT_KERNEL, "boot.kernel" },
	{ OPT_INITRD, "boot.initrd" },
	{ OPT_DTB, "boot.dtb" },
	{ OPT_APPEND, "boot.cmdline" },
};

/*
 * Handle one machine option; 1 if it was one, 0 if not, or a usage exit
 * status (negated) when it is malformed. Values are not checked here: the
 * loader checks them exactly as the same value in a file, and its messages
 * name the option as typed (one message and exit status whichever way a
 * value was given).
 */
static int machine_opt(struct machine_args *m, int c, const char *arg, char **argv)
{
	const char *eq;

	for (size_t i = 0; i < sizeof(shorthands) / sizeof(shorthands[0]); i++) {
		if (c == shorthands[i].opt) {
			add_override(m, shorthands[i].path, arg,
				     typed_option(m, argv, arg));
			return 1;
		}
	}
	if (c >= OPT_DEVOPT && c < OPT_DEVOPT + (int)vmb_devopt_count()) {
		struct vmb_err err;
		char *val;

		if (!arg)
			arg = ""; /* a shorthand without a value (--rng) */
		val = vmb_devopt_expand((unsigned)(c - OPT_DEVOPT), arg, &err);

		if (!val)
			return -usage_error(m->cmd, "%s", err.msg);
		char *label = vmb_zalloc(strlen(arg) + 32);

		sprintf(label, "--%s%s%s", vmb_devopt_get((unsigned)(c - OPT_DEVOPT))->name,
			*arg ? " " : "", arg);
		add_override(m, "devices.+", own(m, val), own(m, label));
		return 1;
	}
	switch (c) {
	case 's':
		eq = strchr(arg, '=');
		if (!eq || eq == arg)
			return -usage_error(m->cmd, "--set needs KEY=VALUE, got '%s'", arg);
		add_override(m, own(m, strndup(arg, (size_t)(eq - arg))), eq + 1,
			     NULL);
		return 1;
	case OPT_DETERMINISTIC:
		add_override(m, "determinism.enabled", "true", "--deterministic");
		return 1;
	case OPT_SMP:
		add_override(m, "cpus.count", arg, typed_option(m, argv, arg));
		return 1;
	case 'm':
		m->mem_idx = (int)m->nov;
		add_override(m, NULL, arg, typed_option(m, argv, arg));
		return 1;
	}
	return 0;
}

static void machine_args_free(struct machine_args *m)
{
	for (unsigned i = 0; i < m->nowned; i++)
		free(m->owned[i]);
	free(m->owned);
	free(m->ov);
	free(m->typed);
	vmb_bundle_close(m->bundle);
}

/*
 * Load the machine with the overrides. -m names "the lowest RAM region",
 * which is only known once the file is read, so that case loads twice.
 */
static struct vmb_spec *load_machine(struct machine_args *m)
{
	struct vmb_err err = { "" };
	struct vmb_spec *s;

	if (m->mem_idx >= 0) {
		const struct vmb_mem_spec *low = NULL;
		struct vmb_override *rest = vmb_zalloc((m->nov + 1) * sizeof(*rest));
		const char **typed = vmb_zalloc((m->nov + 1) * sizeof(*typed));
		unsigned n = 0;
		char *path;

		for (unsigned i = 0; i < m->nov; i++)
			if ((int)i != m->mem_idx) {
				typed[n] = m->typed[i];
				rest[n++] = m->ov[i];
			}
		s = vmb_spec_load_typed(m->file, rest, typed, n, &err);
		free(rest);
		free(typed);
		if (!s) {
			vmb_warn("%s", err.msg);
			return NULL;
		}
		for (unsigned i = 0; i < s->nmem; i++)
			if (s->mem[i].kind == VMB_MEM_RAM &&
			    (!low || s->mem[i].base < low->base))
				low = &s->mem[i];
		if (!low) {
			vmb_warn("%s: machine '%s' has no RAM region to resize",
				 m->typed[m->mem_idx], s->name);
			vmb_spec_free(s);
			return NULL;
		}
		path = vmb_zalloc(strlen(low->name) + 16);
		sprintf(path, "memory.%s.size", low->name);
		m->ov[m->mem_idx].path = own(m, path);
		vmb_spec_free(s);
	}
	s = vmb_spec_load_typed(m->file, m->ov, m->typed, m->nov, &err);
	if (!s)
		vmb_warn("%s", err.msg);
	return s;
}

/* Positional MACHINE.yaml after getopt: exactly one. */
static int take_machine_file(struct machine_args *m, int argc, char **argv)
{
	if (optind >= argc)
		return usage_error(m->cmd, "%s: missing MACHINE.yaml", m->cmd);
	if (optind + 1 < argc)
		return usage_error(m->cmd, "unexpected argument '%s'", argv[optind + 1]);
	/* a name on the machine search path (cli/machines.h) */
	m->file = vmb_machine_find(argv[optind]);
	if (!m->file && !strchr(argv[optind], '/')) {
		vmb_warn("'%s' is neither a file nor a machine on the search "
			 "path (see 'vmb machines')", argv[optind]);
		return VMB_EXIT_ERROR;
	}
	m->file = m->file ? own(m, (char *)m->file) : argv[optind];
	return 0;
}

/* getopt_long returned ':' (missing value) or '?' (unknown option); opterr
 * is 0, so say it ourselves, once, in vmb's format. */
static int bad_option(const char *cmd, int c, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";
	char shortopt[3] = { '-', (char)optopt, 0 };

	/* For a short option in a cluster ("-vq"), argv[optind - 1] is the
	 * cluster; name the letter instead. */
	if (strncmp(arg, "--", 2) && optopt && optopt < 256)
		arg = shortopt;
	if (c == ':')
		return usage_error(cmd, "option '%s' needs a value", arg);
	return usage_error(cmd, "unknown option '%s'", arg);
}

/* A command that loads a machine (run, dtb, check). */
struct machine_cmd {
	const char *name;
	const char *help;
	const char *shortopts;          /* getopt_long's, with ":s:m:" and "h" */
	const struct option *longopts;  /* MACHINE_LONGOPTS and its own */
	/* Take one of the command's own options; false if c is not one. */
	bool (*opt)(void *ctx, int c, const char *arg);
	void (*more_help)(void);        /* printed after help, or NULL */
};

/* A command's options plus the device shorthands (--drive, ...); free(). */
static struct option *with_devopts(const struct option *base)
{
	unsigned n = 0, k = vmb_devopt_count();
	struct option *all;

	while (base[n].name)
		n++;
	all = vmb_zalloc((n + k + 1) * sizeof(*all));
	memcpy(all, base, n * sizeof(*all));
	for (unsigned i = 0; i < k; i++)
		all[n + i] = (struct option){ vmb_devopt_get(i)->name,
			vmb_devopt_get(i)->has_arg ? required_argument : no_argument,
			NULL, OPT_DEVOPT + (int)i };
	return all;
}

/*
 * Parse a machine command's options and its MACHINE.yaml into m (free it
 * with machine_args_free in every case). Returns true to go on, or false
 * with *rc the exit status: 0 after --help, or a usage error's.
 */
static bool machine_cmd_parse(const struct machine_cmd *cmd, struct machine_args *m,
			      int argc, char **argv, void *ctx, int *rc)
{
	int c, taken;
	struct option *longopts = with_devopts(cmd->longopts);

	*m = (struct machine_args){ .cmd = cmd->name, .mem_idx = -1 };
	while ((c = getopt_long(argc, argv, cmd->shortopts, longopts, NULL)) != -1) {
		taken = machine_opt(m, c, optarg, argv);
		if (taken < 0) {
			*rc = -taken;
			free(longopts);
			return false;
		}
		if (taken || (cmd->opt && cmd->opt(ctx, c, optarg)))
			continue;
		if (c == 'h') {
			fputs(cmd->help, stdout);
			vmb_devopt_help(stdout);
			if (cmd->more_help)
				cmd->more_help();
			*rc = 0;
			free(longopts);
			return false;
		}
		*rc = bad_option(cmd->name, c, argv);
		free(longopts);
		return false;
	}
	free(longopts);
	*rc = take_machine_file(m, argc, argv);
	if (!*rc && vmb_is_bundle(m->file) && !strcmp(cmd->name, "resolve")) {
		/* Its files would be named in a directory removed at exit. */
		vmb_warn("resolve: '%s' is a bundle, whose machine.yaml is resolved "
			 "already: 'vmb unpack' it to get the file and its images",
			 m->file);
		*rc = VMB_EXIT_ERROR;
	} else if (!*rc && vmb_is_bundle(m->file)) {
		/* NAME.vmb: a private extracted copy (cli/bundle.h), removed
		 * by machine_args_free. */
		struct vmb_err err = { "" };

		m->bundle = vmb_bundle_open(m->file, &err);
		if (!m->bundle) {
			vmb_warn("%s", err.msg);
			*rc = VMB_EXIT_ERROR;
		}
		m->file = m->bundle;
	}
	return !*rc;
}

/* Exit status of a command's action on a loaded machine (0 or -1 with err). */
static int action_status(int rc, const struct vmb_err *err)
{
	if (!rc)
		return 0;
	vmb_warn("%s", err->msg);
	return VMB_EXIT_ERROR;
}

/* ---- commands ---------------------------------------------------------- */

/* --trace: parsed as it comes; the first error is a usage error once the
 * options are read (run_opt cannot return a status). */
enum { OPT_TRACE = 0x800 };
static struct vmb_err run_trace_err;

static bool run_opt(void *ctx, int c, const char *arg)
{
	struct vmb_run_opts *o = ctx;

	switch (c) {
	case OPT_TRACE:
		if (!run_trace_err.msg[0])
			vmb_trace_parse(arg, &o->trace, &run_trace_err);
		return true;
	case 'a':
		o->accel = arg;
		return true;
	case OPT_DTB_OUT:
		o->dtb_out = arg;
		return true;
	case OPT_STATS:
		o->stats = true;
		return true;
	case OPT_SERIAL: {
		const char **list = vmb_realloc((void *)o->serial,
						(o->nserial + 1) * sizeof(*list));

		list[o->nserial++] = arg;
		o->serial = list;
		return true;
	}
	case OPT_GDB:
		o->gdb = arg;
		return true;
	case OPT_GDB_WAIT:
		o->gdb_wait = true;
		return true;
	case 'v':
		o->verbose = true;
		return true;
	}
	return false;
}

static void run_list_backends(void)
{
	printf("\nbackends (auto tries them in this order):\n");
	for (const struct vmb_hv_ops *const *b = vmb_hv_backends; *b; b++) {
		char label[32];

		snprintf(label, sizeof(label), "%s%s%s%s", (*b)->name,
			 (*b)->host ? " (" : "", (*b)->host ? (*b)->host : "",
			 (*b)->host ? " host)" : "");
		printf("  %-18s %s\n", label, (*b)->summary);
	}
}

static int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		MACHINE_LONGOPTS,
		{ "accel", required_argument, NULL, 'a' },
		{ "dtb-out", required_argument, NULL, OPT_DTB_OUT },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "serial", required_argument, NULL, OPT_SERIAL },
		{ "trace", required_argument, NULL, OPT_TRACE },
		{ "gdb", required_argument, NULL, OPT_GDB },
		{ "gdb-wait", no_argument, NULL, OPT_GDB_WAIT },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct machine_cmd cmd = {
		"run", run_help, ":s:m:a:vh", longopts, run_opt, run_list_backends,
	};
	struct vmb_run_opts o = { .accel = "auto" };
	struct machine_args m;
	struct vmb_spec *s;
	int rc;

	if (!machine_cmd_parse(&cmd, &m, argc, argv, &o, &rc)) {
		/* --help or a usage error: rc says which */
	} else if (run_trace_err.msg[0]) {
		rc = usage_error("run", "%s", run_trace_err.msg);
	} else if (o.gdb_wait && !o.gdb) {
		rc = usage_error("run", "%s", "--gdb-wait needs --gdb tcp:HOST:PORT "
				 "or unix:PATH");
	} else {
		s = load_machine(&m);
		rc = s ? vmb_vm_run(s, &o) : VMB_EXIT_ERROR;
		vmb_spec_free(s);
	}
	free((void *)o.serial);
	machine_args_free(&m);
	return rc;
}

static bool dtb_opt(void *ctx, int c, const char *arg)
{
	if (c != 'o')
		return false;
	*(const char **)ctx = arg;
	return true;
}

/* For commands whose help text lives in src/cli/. */
static void machine_opts_help(void)
{
	fputs("\n" MACHINE_OPTS_HELP, stdout);
}

/* A command that loads a machine and writes one output file (-o). */
static int machine_out_cmd(const struct machine_cmd *cmd, int argc, char **argv,
			   const char *def_out,
			   int (*act)(const struct vmb_spec *, const char *,
				      struct vmb_err *))
{
	struct vmb_err err = { "" };
	struct machine_args m;
	const char *out = def_out;
	struct vmb_spec *s;
	int rc;

	if (machine_cmd_parse(cmd, &m, argc, argv, &out, &rc)) {
		if (!out) {
			rc = usage_error(cmd->name, "%s: missing -o FILE", cmd->name);
		} else {
			s = load_machine(&m);
			rc = s ? action_status(act(s, out, &err), &err) :
				 VMB_EXIT_ERROR;
			vmb_spec_free(s);
		}
	}
	machine_args_free(&m);
	return rc;
}

static const struct option out_longopts[] = {
	MACHINE_LONGOPTS,
	{ "output", required_argument, NULL, 'o' },
	{ NULL, 0, NULL, 0 },
};

static int cmd_dtb(int argc, char **argv)
{
	static const struct machine_cmd cmd = {
		"dtb", dtb_help, ":s:m:o:h", out_longopts, dtb_opt, NULL,
	};

	return machine_out_cmd(&cmd, argc, argv, NULL, vmb_vm_write_dtb);
}

static int cmd_pack(int argc, char **argv)
{
	static const struct machine_cmd cmd = {
		"pack", vmb_pack_help, ":s:m:o:h", out_longopts, dtb_opt,
		machine_opts_help,
	};

	return machine_out_cmd(&cmd, argc, argv, NULL, vmb_pack);
}

static int cmd_resolve(int argc, char **argv)
{
	static const struct machine_cmd cmd = {
		"resolve", vmb_resolve_help, ":s:m:o:h", out_longopts, dtb_opt,
		machine_opts_help,
	};

	return machine_out_cmd(&cmd, argc, argv, "-", vmb_resolve_to_file);
}

struct check_opts {
	const char *accel;
	bool json;
};

static bool check_opt(void *ctx, int c, const char *arg)
{
	struct check_opts *o = ctx;

	if (c == 'a')
		o->accel = arg;
	else if (c == OPT_JSON)
		o->json = true;
	else
		return false;
	return true;
}

static int cmd_acpi(int argc, char **argv)
{
	static const struct option longopts[] = {
		MACHINE_LONGOPTS,
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct machine_cmd cmd = {
		"acpi", acpi_help, ":s:m:o:h", longopts, dtb_opt, NULL,
	};
	struct vmb_err err = { "" };
	struct machine_args m;
	const char *out = NULL;
	struct vmb_spec *s;
	int rc;

	if (machine_cmd_parse(&cmd, &m, argc, argv, &out, &rc)) {
		if (!out) {
			rc = usage_error("acpi", "%s: missing -o DIR", "acpi");
		} else {
			s = load_machine(&m);
			rc = s ? action_status(vmb_vm_write_acpi(s, out, &err), &err) :
				 VMB_EXIT_ERROR;
			vmb_spec_free(s);
		}
	}
	machine_args_free(&m);
	return rc;
}

static int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		MACHINE_LONGOPTS,
		{ "accel", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	static const struct machine_cmd cmd = {
		"check", check_help, ":s:m:a:h", longopts, check_opt, NULL,
	};
	struct vmb_err err = { "" };
	struct machine_args m;
	struct check_opts o = { .accel = "auto" };
	struct vmb_spec *s;
	int rc;

	if (machine_cmd_parse(&cmd, &m, argc, argv, &o, &rc)) {
		s = load_machine(&m);
		rc = s ? action_status(o.json ? vmb_check_json(s, stdout, &err) :
				       vmb_vm_check(s, o.accel, stdout, &err), &err) :
			 VMB_EXIT_ERROR;
		vmb_spec_free(s);
	}
	machine_args_free(&m);
	return rc;
}

static const char *prop_kind(const struct vmb_prop_desc *p, char *buf, size_t len)
{
	size_t off = 0;

	switch (p->kind) {
	case VMB_PROP_U64: return "number";
	case VMB_PROP_SIZE: return "size";
	case VMB_PROP_BOOL: return "bool";
	case VMB_PROP_STR: return "string";
	case VMB_PROP_PATH: return "path";
	case VMB_PROP_LIST: return "list";
	case VMB_PROP_ENUM:
		buf[0] = '\0';
		for (const char *const *c = p->choices; c && *c && off < len; c++)
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
						c == p->choices ? "" : "|", *c);
		return buf;
	}
	return "?";
}

static void print_type(const struct vmb_device_type *t)
{
	char kind[128], size[32];

	printf("%s\n    %s\n", t->name, t->summary ? t->summary : "");
	if (t->needs_base) {
		if (t->default_size) {
			vmb_format_size(t->default_size, size, sizeof(size));
			printf("    base: required; size: %s by default\n", size);
		} else {
			printf("    base, size: required\n");
		}
	}
	if (t->max_irqs > t->min_irqs)
		printf("    irq: %u to %u lines\n", t->min_irqs, t->max_irqs);
	else if (t->max_irqs)
		printf("    irq: %u line%s\n", t->min_irqs, t->min_irqs == 1 ? "" : "s");
	for (const struct vmb_prop_desc *p = t->props; p && p->name; p++)
		printf("    %-16s %-12s %-10s %s\n", p->name,
		       prop_kind(p, kind, sizeof(kind)), p->def ? p->def : "-",
		       p->help ? p->help : "");
}

static int cmd_devices(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	const struct vmb_device_type *const *all;
	bool json = false;
	unsigned n;
	int c;

	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(devices_help, stdout);
			return 0;
		}
		if (c == OPT_JSON) {
			json = true;
			continue;
		}
		return bad_option("devices", c, argv);
	}
	if (optind + 1 < argc)
		return usage_error("devices", "unexpected argument '%s'",
				   argv[optind + 1]);
	if (json && vmb_devices_json(stdout, optind < argc ? argv[optind] : NULL)) {
		vmb_warn("unknown device type '%s' (see 'vmb devices')", argv[optind]);
		return VMB_EXIT_ERROR;
	}
	if (json)
		return 0;
	if (optind < argc) {
		const struct vmb_device_type *t = vmb_device_type_find(argv[optind]);

		if (!t) {
			vmb_warn("unknown device type '%s' (see 'vmb devices')",
				 argv[optind]);
			return VMB_EXIT_ERROR;
		}
		print_type(t);
		return 0;
	}
	all = vmb_device_types(&n);
	printf("%u device type%s (properties: name, kind, default, meaning)\n\n",
	       n, n == 1 ? "" : "s");
	for (unsigned i = 0; i < n; i++) {
		print_type(all[i]);
		if (i + 1 < n)
			putchar('\n');
	}
	return 0;
}

static int cmd_help(int argc, char **argv);

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "run", cmd_run, run_help },
	{ "dtb", cmd_dtb, dtb_help },
	{ "resolve", cmd_resolve, vmb_resolve_help },
	{ "pack", cmd_pack, vmb_pack_help },
	{ "unpack", vmb_cmd_unpack, vmb_unpack_help },
	{ "schema", vmb_cmd_schema, vmb_schema_help },
	{ "acpi", cmd_acpi, acpi_help },
	{ "check", cmd_check, check_help },
	{ "devices", cmd_devices, devices_help },
	{ "machines", vmb_cmd_machines, vmb_machines_help },
	{ "help", cmd_help, help_help },
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c;
	char *sub[] = { NULL, "--help", NULL };

	if (argc < 2) {
		print_main_help(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(help_help, stdout);
		return 0;
	}
	if (argc > 2)
		return usage_error("help", "unexpected argument '%s'", argv[2]);
	c = find_command(argv[1]);
	if (!c)
		return usage_error(NULL, "unknown command '%s'", argv[1]);
	if (c->fn == cmd_help) {
		fputs(help_help, stdout);
		return 0;
	}
	/* Through the command itself, so "run" lists its backends too. */
	sub[0] = argv[1];
	optind = 0;
	opterr = 0;
	return c->fn(2, sub);
}

int main(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		print_main_help(stderr);
		return VMB_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		print_main_help(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("vmb %s\n", VMB_VERSION);
		return 0;
	}
	c = find_command(argv[1]);
	if (!c) {
		if (argv[1][0] == '-')
			return usage_error(NULL, "unknown option '%s'", argv[1]);
		return usage_error(NULL, "unknown command '%s'", argv[1]);
	}
	/* Each command parses its own options from argv[1] on; optind = 0
	 * makes glibc's getopt start afresh. */
	optind = 0;
	opterr = 0;
	return c->fn(argc - 1, argv + 1);
}
