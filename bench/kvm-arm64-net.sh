#!/bin/sh
# Networking under nested arm64 KVM, vmb against QEMU: sourced by
# bench/kvm-arm64.sh (BENCH_PARTS "net") inside L1, which has L1's tun and
# bridge modules, /bin/vmb-net (vmb with libslirp) and Debian's
# qemu-system-aarch64 (with its libslirp).
# Two pairs of guests, each pair running side by side so that the
# measurements alternate vmb, QEMU, vmb, QEMU ... in one run:
#   net: user   vmb --nic user,hostfwd=...  against  QEMU -netdev user
#               (libslirp in both); the guest is 10.0.2.15, L1 is 10.0.2.2.
#   net: tap    vmb --nic tap  against  QEMU -netdev tap (no vhost-net in
#               either), both taps on L1's bridge br0 (10.0.3.1).
# Guests: Debian's arm64 kernel, 256 MiB, 1 vCPU, virtio-net on
# virtio-mmio, the module-loading initramfs (tests/nested/mkroot-arm64.sh).
# Each round, for each guest in turn:
#   to guest    the guest's busybox wget fetches NET_MB MiB (default 32)
#               of random data from busybox httpd in L1 (MB/s, timed by
#               the guest's /proc/uptime);
#   from guest  L1's wget fetches NET_MB MiB from httpd in the guest
#               (through hostfwd for user networking; MB/s, timed in L1);
#   ping        the guest pings L1 (user: slirp's gateway answers; tap:
#               br0), NET_PINGS echoes (default 5), the average RTT (ms).
# Medians of RUNS rounds and ratios vmb/QEMU as "BENCH:" lines (throughput
# target >= 1.0, RTT target <= 1.0).
NET_MB=${NET_MB:-32}
NET_PINGS=${NET_PINGS:-5}

net_setup() {
	for m in llc stp bridge tun; do
		insmod /lib/modules/net/$m.ko 2>/dev/null || true
	done
	ifconfig lo 127.0.0.1 up
	brctl addbr br0 2>/dev/null
	ifconfig br0 10.0.3.1 netmask 255.255.255.0 up
	mkdir -p "$WORK/l1www"
	dd if=/dev/urandom of="$WORK/l1www/f" bs=1048576 count="$NET_MB" 2>/dev/null
	httpd -h "$WORK/l1www" -p 8081
}

# Remember the console con_start just opened as SLOT (its stdin on fd
# 4 + SLOT), and switch back to it with net_use SLOT.
net_keep() { # SLOT
	eval "exec $((4 + $1))>&3"
	eval "NET_PID_$1=\$CON_PID NET_OUT_$1=\$CON_OUT NET_NAME_$1=\$CON_NAME"
}

net_use() { # SLOT
	eval "exec 3>&$((4 + $1))"
	eval "CON_PID=\$NET_PID_$1 CON_OUT=\$NET_OUT_$1 CON_NAME=\$NET_NAME_$1"
}

# Run a command line in the guest of the current console, wait for its
# prompt; its output is con_since_mark's.
net_cmd() { # TEXT SECS
	con_mark
	con_send "$1"
	con_wait 'l2# (\[6n)?$' "$2"
}

# Start a guest (CMD...) as SLOT, wait for its shell, give it an address
# (IP, or "dhcp") and start its httpd. 0 when it is ready.
net_guest() { # SLOT NAME IP CMD...
	slot=$1 name=$2 ip=$3
	shift 3
	con_start "$name" "$@"
	net_keep "$slot"
	if ! con_wait 'l2# (\[6n)?$' 900; then
		echo "BENCH: net $name: no shell; last output:"
		tail -n 15 "$CON_OUT" | tr -d '\r'
		return 1
	fi
	sleep 2 # let the line editor settle (see disk_once)
	net_cmd "" 60
	if [ "$ip" = dhcp ]; then
		net_cmd "printf '#!/bin/sh\n[ \"\$1\" = bound ] && ifconfig \$interface \$ip netmask \$subnet && route add default gw \$router\nexit 0\n' >/dhcp; chmod +x /dhcp; ifconfig eth0 up; udhcpc -i eth0 -s /dhcp -t 5 -T 3 -n -q >/dev/null 2>&1; ifconfig eth0 | grep 'inet addr'" 60
	else
		net_cmd "ifconfig eth0 $ip netmask 255.255.255.0 up; ifconfig eth0 | grep 'inet addr'" 60
	fi
	net_cmd "mkdir -p /www; dd if=/dev/urandom of=/www/f bs=1048576 count=$NET_MB 2>/dev/null; httpd -h /www -p 80; echo httpd-up" 120
	if ! con_since_mark | grep -q '^httpd-up'; then
		echo "BENCH: net $name: guest set-up failed"
		return 1
	fi
}

# Put a tap a VMM created on br0 (it appears once the VMM has started).
net_bridge() { # TAP
	i=0
	while ! brctl addif br0 "$1" 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	ifconfig "$1" up
}

# One round on the guest in SLOT: appends "to MB/s", "from MB/s" and
# "rtt ms" lines to $WORK/net-LABEL.
net_round() { # SLOT LABEL GATEWAY FROM-URL
	net_use "$1"
	out=$WORK/net-$2
	net_cmd "a=\$(cut -d' ' -f1 /proc/uptime); wget -q -O /dev/null http://$3:8081/f && echo XFER \$a \$(cut -d' ' -f1 /proc/uptime)" 600
	con_since_mark | awk -v mb="$NET_MB" '/^XFER / && $3 > $2 { printf "to %.1f\n", mb * 1.048576 / ($3 - $2) }' >>"$out"
	t0=$(now_ms)
	if wget -q -O /dev/null "$4"; then
		t1=$(now_ms)
		[ "$t1" -gt "$t0" ] && awk -v mb="$NET_MB" -v ms=$((t1 - t0)) \
			'BEGIN { printf "from %.1f\n", mb * 1048.576 / ms }' >>"$out"
	fi
	net_cmd "ping -c $NET_PINGS $3 | tail -n 1" $((NET_PINGS * 2 + 60))
	con_since_mark | sed -n 's,^round-trip min/avg/max = [0-9.]*/\([0-9.]*\)/.*,rtt \1,p' >>"$out"
	echo "BENCH: net $2 round: $(tail -n 3 "$out" | tr '\n' ' ')"
}

net_stop() { # SLOT
	net_use "$1"
	con_send "poweroff -f"
	con_end 60 >/dev/null
	eval "exec $((4 + $1))>&-"
}

net_report() { # KIND
	echo "BENCH: == $1 networking, medians of $RUNS rounds (MB/s: higher is better; RTT: lower)"
	for k in to:MB/s from:MB/s rtt:ms; do
		name=${k%:*} unit=${k#*:}
		v=$(awk -v k="$name" '$1 == k { print $2 }' "$WORK/net-$1-vmb" 2>/dev/null | median)
		q=$(awk -v k="$name" '$1 == k { print $2 }' "$WORK/net-$1-qemu" 2>/dev/null | median)
		case $name in to) what="to guest" ;; from) what="from guest" ;; *) what="ping RTT" ;; esac
		printf 'BENCH: net %-4s %-10s vmb %8s  qemu %8s %-5s  ratio %s\n' "$1" "$what" \
			"${v:-?}" "${q:-?}" "$unit" \
			"$( [ -n "$v" ] && [ -n "$q" ] && ratio "$v" "$q")"
	done
}

# Both guests of a kind up side by side, RUNS alternating rounds.
net_pair() { # KIND
	kind=$1
	rm -f "$WORK/net-$kind-vmb" "$WORK/net-$kind-qemu"
	guest="-m 256M --kernel $I/Image --initrd $I/l2-boot.cpio.gz --append console=ttyAMA0"
	if [ "$kind" = user ]; then
		# shellcheck disable=SC2086
		net_guest 0 net-user-vmb dhcp vmb-net run $M/virt-gicv3.yaml --accel kvm \
			$guest --nic user,hostfwd=tcp:127.0.0.1:8080-:80 || return
		# shellcheck disable=SC2086
		net_guest 1 net-user-qemu dhcp $QEMU -m 256M -kernel $I/Image \
			-initrd $I/l2-boot.cpio.gz -append console=ttyAMA0 \
			-netdev user,id=n0,hostfwd=tcp:127.0.0.1:8090-:80 \
			-device virtio-net-device,netdev=n0 || { net_stop 0; return; }
		gw=10.0.2.2 url0=http://127.0.0.1:8080/f url1=http://127.0.0.1:8090/f
	else
		# shellcheck disable=SC2086
		( sleep 1; net_bridge tapv ) &
		net_guest 0 net-tap-vmb 10.0.3.2 vmb run $M/virt-gicv3.yaml --accel kvm \
			$guest --nic tap,ifname=tapv || return
		( sleep 1; net_bridge tapq ) &
		# shellcheck disable=SC2086
		net_guest 1 net-tap-qemu 10.0.3.3 $QEMU -m 256M -kernel $I/Image \
			-initrd $I/l2-boot.cpio.gz -append console=ttyAMA0 \
			-netdev tap,id=n0,ifname=tapq,script=no,downscript=no,vhost=off \
			-device virtio-net-device,netdev=n0 || { net_stop 0; return; }
		gw=10.0.3.1 url0=http://10.0.3.2/f url1=http://10.0.3.3/f
	fi
	for i in $(seq "$RUNS"); do
		net_round 0 "$kind-vmb" $gw $url0
		net_round 1 "$kind-qemu" $gw $url1
	done
	net_stop 0
	net_stop 1
	net_report "$kind"
}

net_bench() {
	net_setup
	net_pair user
	net_pair tap
}
