/* SPDX-License-Identifier: MIT */
/*
 * Finding machines by name, and "vmb machines".
 *
 * A MACHINE argument that names an existing file is used as it is.
 * Otherwise NAME (or NAME.yaml) is looked up, first match wins, in:
 *   1. each directory of $VMB_PATH (colon-separated, as $PATH);
 *   2. the install's share directory, found from the executable:
 *      BINDIR/../share/vmb/machines (so "make install PREFIX=P" gives
 *      P/bin/vmb, which finds P/share/vmb/machines wherever P is);
 *   3. the current directory, then its machines/ (a source tree);
 *   4. machines/ beside the executable (./vmb run virt from elsewhere).
 */
#ifndef VMB_CLI_MACHINES_H
#define VMB_CLI_MACHINES_H

/*
 * The machine file for arg: arg itself if it names an existing file, else
 * the first NAME.yaml on the search path (malloc'd; free it). NULL if
 * nothing matches; then the caller reports arg as given (the file's own
 * "cannot open" error).
 */
char *vmb_machine_find(const char *arg);

/* "vmb machines [--names]": every machine on the search path with its
 * description (the machine file's "description:"), or only the names. */
int vmb_cmd_machines(int argc, char **argv);

extern const char vmb_machines_help[];

#endif
