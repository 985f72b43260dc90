#!/bin/sh
# vmb.1 from the binary's own help, with help2man: "vmb --help" for the
# synopsis and options, and every command's "vmb help COMMAND" in a
# COMMANDS section, so the page cannot drift from the program.
#   sh src/cli/manpage.sh ./vmb OUT.1
set -eu
vmb=${1:?usage: manpage.sh VMB OUT}
out=${2:?usage: manpage.sh VMB OUT}
inc=$out.h2m
{
	echo '[COMMANDS]'
	for c in run dtb check devices machines; do
		echo ".SS \"vmb $c\""
		echo '.nf'
		# roff: escape backslashes; a leading . or ' would be a request
		"$vmb" help "$c" | sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
		echo '.fi'
	done
	echo '[ENVIRONMENT]'
	echo '.TP'
	echo '.B VMB_PATH'
	echo 'Colon-separated directories searched for machine files named on the'
	echo 'command line (vmb run NAME), before the installed machines and the'
	echo 'current directory.'
	echo '[SEE ALSO]'
	echo 'docs/machine-format.md, docs/devices.md and docs/backends.md in the vmb'
	echo 'sources; qemu-system-aarch64(1).'
} >"$inc"
help2man --no-info --section=1 --include="$inc" \
	--name="run virtual machines described as YAML data" \
	--output="$out.tmp" "$vmb"
rm -f "$inc"
mv "$out.tmp" "$out"
