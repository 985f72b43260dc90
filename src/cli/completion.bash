# bash completion for vmb (installed as
# $(PREFIX)/share/bash-completion/completions/vmb).
# Commands, each command's options (read from "vmb help COMMAND", so they
# follow the binary), machine names from "vmb machines --names" and files
# for MACHINE, backends for --accel, device types for "vmb devices".

_vmb_options() { # COMMAND
	vmb help "$1" 2>/dev/null |
		grep -oE '(^|[ ,])--?[a-zA-Z][-a-zA-Z0-9]*' | tr -d ' ,' | sort -u
}

_vmb() {
	local cur prev cmd words
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	cmd=${COMP_WORDS[1]}
	COMPREPLY=()

	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "run dtb check devices machines help --help --version" -- "$cur"))
		return
	fi
	case $prev in
	-a|--accel)
		COMPREPLY=($(compgen -W "auto kvm emu hvf" -- "$cur")); return ;;
	--serial)
		COMPREPLY=($(compgen -W "stdio pty null file: unix: tcp:" -- "$cur")); return ;;
	--trace)
		COMPREPLY=($(compgen -W "insn insn= mmio=" -- "$cur")); return ;;
	--firmware|--kernel|--initrd|--dtb|--dtb-out|-o|--output)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	-s|--set|--append|--smp|-m|--memory)
		return ;;
	esac
	case $cmd in
	help)
		COMPREPLY=($(compgen -W "run dtb check devices machines help" -- "$cur")) ;;
	devices)
		words=$(vmb devices 2>/dev/null | grep -E '^[a-z0-9]' | cut -d' ' -f1 | grep -v '^[0-9]')
		COMPREPLY=($(compgen -W "$words --help" -- "$cur")) ;;
	machines)
		COMPREPLY=($(compgen -W "--names --help" -- "$cur")) ;;
	run|dtb|check)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$(_vmb_options "$cmd")" -- "$cur"))
		else
			words=$(vmb machines --names 2>/dev/null)
			COMPREPLY=($(compgen -W "$words" -- "$cur") $(compgen -f -X '!*.y*ml' -- "$cur") $(compgen -d -- "$cur"))
		fi ;;
	esac
}
complete -F _vmb vmb
