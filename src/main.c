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
#include "config/devopt.h"
#include "config/spec.h"
#include "hv/hv.h"
#include "vm.h"

static const char main_help[] =
"usage: vmb COMMAND [ARGS]\n"
"\n"
"vmb runs virtual machines described as data: a YAML machine file lists\n"
"the CPUs, memory and devices; vmb builds the board, generates its device\n"
"tree and runs it on KVM, HVF or the Unicorn emulator.\n"
"\n"
"commands:\n"
"  run MACHINE.yaml      boot and run a machine on this terminal\n"
"  dtb MACHINE.yaml      write the machine's generated device tree\n"
"  check MACHINE.yaml    validate a machine, print its memory map, interrupts\n"
"                        and boot plan\n"
"  devices [TYPE]        list device types and their properties\n"
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
"                        region (memory.ram.size on virt); 512M, 2G, ...\n"

static const char run_help[] =
"usage: vmb run MACHINE.yaml [options]\n"
"\n"
"Boot the machine and connect its console UART to this terminal. When stdin\n"
"is a terminal it is put in raw mode: C-a x quits, C-a h lists the escapes,\n"
"C-a C-a sends C-a. The terminal is restored on every exit.\n"
"Guest output goes to stdout; vmb's own messages go to stderr.\n"
"\n"
"options:\n"
"  -a, --accel NAME      backend: auto (default), or one of those below\n"
"      --dtb-out FILE    also write the device tree the guest was given\n"
"      --stats           print run time and backend statistics at exit\n"
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

static const char check_help[] =
"usage: vmb check MACHINE.yaml [options]\n"
"\n"
"Load and validate the machine, build its board and prepare its boot\n"
"without running it, then print the memory map, interrupt table, devices\n"
"and where the boot images and device tree go. Errors are printed as\n"
"FILE:LINE:COL: message, and the exit status is 1.\n"
"\n"
"options:\n"
"  -h, --help            this text\n"
"\n"
MACHINE_OPTS_HELP;

static const char devices_help[] =
"usage: vmb devices [TYPE]\n"
"\n"
"List the device types this vmb knows, with the properties each accepts in\n"
"a machine file (name, kind, default, meaning). With TYPE, only that one.\n"
"Every device also takes the generic keys name, type, base, size, irq,\n"
"trigger (level|edge), count, stride and irq-stride.\n";

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
	OPT_DTB_OUT, OPT_STATS,
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
	{ "help", no_argument, NULL, 'h' }

struct machine_args {
	const char *cmd;
	const char *file;
	struct vmb_override *ov;
	char **owned;       /* "KEY" halves split off --set arguments */
	unsigned nov, nowned;
	int mem_idx;        /* index of the -m override (path filled later) */
	const char **label; /* per override: the option as typed when it was a
			       device shorthand (--drive ...), else NULL */
};

static void add_override(struct machine_args *m, const char *path, const char *value)
{
	m->ov = vmb_realloc(m->ov, (m->nov + 1) * sizeof(*m->ov));
	m->ov[m->nov].path = path;
	m->ov[m->nov].value = value;
	m->label = vmb_realloc(m->label, (m->nov + 1) * sizeof(*m->label));
	m->label[m->nov] = NULL;
	m->nov++;
}

static char *own(struct machine_args *m, char *s)
{
	m->owned = vmb_realloc(m->owned, (m->nowned + 1) * sizeof(*m->owned));
	m->owned[m->nowned++] = s;
	return s;
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

/* Handle one machine option; 1 if it was one, 0 if not, or a usage exit
 * status (negated) on a bad value. */
static int machine_opt(struct machine_args *m, int c, const char *arg)
{
	const char *eq;
	uint64_t v;

	for (size_t i = 0; i < sizeof(shorthands) / sizeof(shorthands[0]); i++) {
		if (c == shorthands[i].opt) {
			add_override(m, shorthands[i].path, arg);
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
		add_override(m, "devices.+", own(m, val));
		m->label[m->nov - 1] = own(m, label);
		return 1;
	}
	switch (c) {
	case 's':
		eq = strchr(arg, '=');
		if (!eq || eq == arg)
			return -usage_error(m->cmd, "--set needs KEY=VALUE, got '%s'", arg);
		add_override(m, own(m, strndup(arg, (size_t)(eq - arg))), eq + 1);
		return 1;
	case OPT_SMP:
		if (vmb_parse_u64(arg, &v) || v == 0)
			return -usage_error(m->cmd, "--smp needs a CPU count of at "
					    "least 1, got '%s'", arg);
		add_override(m, "cpus.count", arg);
		return 1;
	case 'm':
		if (vmb_parse_size(arg, &v) || v == 0)
			return -usage_error(m->cmd, "-m needs a size such as 512M or "
					    "2G, got '%s'", arg);
		m->mem_idx = (int)m->nov;
		add_override(m, NULL, arg);
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
	free(m->label);
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
		const char **rest_label = vmb_zalloc((m->nov + 1) * sizeof(*rest_label));
		unsigned n = 0;
		char *path;

		for (unsigned i = 0; i < m->nov; i++)
			if ((int)i != m->mem_idx) {
				rest_label[n] = m->label[i];
				rest[n++] = m->ov[i];
			}
		s = vmb_spec_load_labeled(m->file, rest, rest_label, n, &err);
		free(rest);
		free(rest_label);
		if (!s) {
			vmb_warn("%s", err.msg);
			return NULL;
		}
		for (unsigned i = 0; i < s->nmem; i++)
			if (s->mem[i].kind == VMB_MEM_RAM &&
			    (!low || s->mem[i].base < low->base))
				low = &s->mem[i];
		if (!low) {
			vmb_warn("-m: machine '%s' has no RAM region to resize",
				 s->name);
			vmb_spec_free(s);
			return NULL;
		}
		path = vmb_zalloc(strlen(low->name) + 16);
		sprintf(path, "memory.%s.size", low->name);
		m->ov[m->mem_idx].path = own(m, path);
		vmb_spec_free(s);
	}
	s = vmb_spec_load_labeled(m->file, m->ov, m->label, m->nov, &err);
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
	m->file = argv[optind];
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
		taken = machine_opt(m, c, optarg);
		if (taken < 0) {
			*rc = -taken;
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

static bool run_opt(void *ctx, int c, const char *arg)
{
	struct vmb_run_opts *o = ctx;

	switch (c) {
	case 'a':
		o->accel = arg;
		return true;
	case OPT_DTB_OUT:
		o->dtb_out = arg;
		return true;
	case OPT_STATS:
		o->stats = true;
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
	for (const struct vmb_hv_ops *const *b = vmb_hv_backends; *b; b++)
		printf("  %-8s %s\n", (*b)->name, (*b)->summary);
}

static int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		MACHINE_LONGOPTS,
		{ "accel", required_argument, NULL, 'a' },
		{ "dtb-out", required_argument, NULL, OPT_DTB_OUT },
		{ "stats", no_argument, NULL, OPT_STATS },
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

	if (machine_cmd_parse(&cmd, &m, argc, argv, &o, &rc)) {
		s = load_machine(&m);
		rc = s ? vmb_vm_run(s, &o) : VMB_EXIT_ERROR;
		vmb_spec_free(s);
	}
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

static int cmd_dtb(int argc, char **argv)
{
	static const struct option longopts[] = {
		MACHINE_LONGOPTS,
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct machine_cmd cmd = {
		"dtb", dtb_help, ":s:m:o:h", longopts, dtb_opt, NULL,
	};
	struct vmb_err err = { "" };
	struct machine_args m;
	const char *out = NULL;
	struct vmb_spec *s;
	int rc;

	if (machine_cmd_parse(&cmd, &m, argc, argv, &out, &rc)) {
		if (!out) {
			rc = usage_error("dtb", "%s: missing -o FILE.dtb", "dtb");
		} else {
			s = load_machine(&m);
			rc = s ? action_status(vmb_vm_write_dtb(s, out, &err), &err) :
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
		{ NULL, 0, NULL, 0 },
	};
	static const struct machine_cmd cmd = {
		"check", check_help, ":s:m:h", longopts, NULL, NULL,
	};
	struct vmb_err err = { "" };
	struct machine_args m;
	struct vmb_spec *s;
	int rc;

	if (machine_cmd_parse(&cmd, &m, argc, argv, NULL, &rc)) {
		s = load_machine(&m);
		rc = s ? action_status(vmb_vm_check(s, stdout, &err), &err) :
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
		{ NULL, 0, NULL, 0 },
	};
	const struct vmb_device_type *const *all;
	unsigned n;
	int c;

	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(devices_help, stdout);
			return 0;
		}
		return bad_option("devices", c, argv);
	}
	if (optind + 1 < argc)
		return usage_error("devices", "unexpected argument '%s'",
				   argv[optind + 1]);
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
	{ "check", cmd_check, check_help },
	{ "devices", cmd_devices, devices_help },
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
		fputs(main_help, stdout);
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
		fputs(main_help, stderr);
		return VMB_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(main_help, stdout);
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
