#!/bin/sh
# Nested arm64 KVM networking tests, run in L1 (busybox sh) by tests.sh
# (or alone: sh /nested/net-tests.sh after sourcing nothing) with the static
# aarch64 vmb on /dev/kvm: two L2 guests (Debian's arm64 kernel with its
# virtio_net module, initramfs l2-boot.cpio.gz) on tap devices vmb creates
# (--nic tap,ifname=...), bridged in L1 to br0 (10.0.3.1). Guest A pings
# guest B, fetches a file from B's busybox httpd and compares its md5sum
# with B's; L1 also fetches it. Prints "VMBTEST:" lines like tests.sh.
# Needs in /lib/modules/net: llc, stp, bridge, tun (L1's kernel modules,
# put there by tests/nested/net-modules.sh).
# "net: user" (libslirp) runs with /bin/vmb-net, a vmb that links Debian's
# shared libslirp (tests/nested/build-arm64-dyn.sh): a third L2 guest gets
# 10.0.2.15 with udhcpc; wget in L1 through hostfwd 127.0.0.1:8080 reaches
# busybox httpd in the guest; the guest's wget of 10.0.2.2:8081 reaches an
# httpd in L1 on 127.0.0.1. (busybox 1.35's static wget segfaults with
# -T here, in L1 and L2 alike: timeouts come from timeout/con_wait.)
. /nested/lib.sh

M=/machines
I=/images
T_LINUX=${T_LINUX:-600}
L2_PROMPT='l2# (\[6n)?$'

for m in llc stp bridge tun; do
	insmod /lib/modules/net/$m.ko 2>/dev/null || true
done
ifconfig lo 127.0.0.1 up # L1's /init leaves loopback down
brctl addbr br0 && ifconfig br0 10.0.3.1 netmask 255.255.255.0 up ||
	fail net-bridge "cannot set up br0"

# Start a guest on tap NAME with MAC; wait for its shell and attach the tap.
guest() { # CONNAME TAP MAC
	con_start "$1" vmb run $M/virt-gicv3.yaml --accel kvm -m 256M \
		--kernel $I/Image --initrd $I/l2-boot.cpio.gz --append "console=ttyAMA0" \
		--nic "tap,ifname=$2,mac=$3"
	i=0
	while ! brctl addif br0 "$2" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	ifconfig "$2" up
	if ! con_wait "$L2_PROMPT" "$T_LINUX"; then
		fail "net-$1-boot" "no L2 shell within $T_LINUX s"
		return 1
	fi
	pass "net-$1-boot" "$(( $(now_ms) - CON_T0 )) ms"
}

# --- guest B: 10.0.3.3, serves a random file ---------------------------------
if guest b tap1 52:54:00:00:03:03; then
	con_mark
	con_send "ifconfig eth0 10.0.3.3 netmask 255.255.255.0 up; mkdir -p /www; dd if=/dev/urandom of=/www/f bs=1024 count=768 2>/dev/null; md5sum /www/f; httpd -h /www -p 80"
	con_wait "$L2_PROMPT" 60
	# (.*: a kernel message can land on the same console line)
	md5b=$(con_since_mark | sed -n 's,^\([0-9a-f]\{32\}\)  /www/f.*,\1,p' | head -n 1)
	B_PID=$CON_PID B_OUT=$CON_OUT
	exec 4>&3 # keep B's console open while A runs
	l1=$(wget -q -O - http://10.0.3.3/f 2>/dev/null | md5sum | cut -d' ' -f1)
	if [ -n "$md5b" ] && [ "$l1" = "$md5b" ]; then
		pass net-l1-fetch-from-guest "md5 $l1"
	else
		fail net-l1-fetch-from-guest "L1 got md5 '$l1', guest has '$md5b'"
	fi

	# --- guest A: 10.0.3.2, pings B and fetches the file ------------------
	if guest a tap0 52:54:00:00:03:02; then
		con_mark
		con_send "ifconfig eth0 10.0.3.2 netmask 255.255.255.0 up; ping -c 3 10.0.3.3"
		if con_wait ' 0% packet loss' 60; then
			pass net-guest-ping-guest
		else
			fail net-guest-ping-guest "no reply from 10.0.3.3"
		fi
		con_wait "$L2_PROMPT" 30
		con_mark
		con_send "wget -q -O /f http://10.0.3.3/f && md5sum /f"
		con_wait "$L2_PROMPT" 120
		md5a=$(con_since_mark | sed -n 's,^\([0-9a-f]\{32\}\)  /f.*,\1,p' | head -n 1)
		if [ -n "$md5a" ] && [ "$md5a" = "$md5b" ]; then
			pass net-guest-file-transfer "768 KiB, md5 $md5a"
		else
			fail net-guest-file-transfer "guest A got md5 '$md5a', B has '$md5b'"
		fi
		con_send "poweroff -f"
		con_end 60
		[ "$CON_STATUS" = 0 ] && pass net-a-poweroff || fail net-a-poweroff "status $CON_STATUS"
	fi
	CON_PID=$B_PID CON_OUT=$B_OUT CON_NAME=b
	exec 3>&4 4>&-
	con_send "poweroff -f"
	con_end 60
	[ "$CON_STATUS" = 0 ] && pass net-b-poweroff || fail net-b-poweroff "status $CON_STATUS"
fi

# --- net: user ----------------------------------------------------------------
if [ -x /bin/vmb-net ]; then
	mkdir -p /tmp/l1www
	echo hello-from-l1 >/tmp/l1www/index.html
	httpd -h /tmp/l1www -p 127.0.0.1:8081
	con_start user vmb-net run $M/virt-gicv3.yaml --accel kvm -m 256M \
		--kernel $I/Image --initrd $I/l2-boot.cpio.gz --append "console=ttyAMA0" \
		--nic user,hostfwd=tcp:127.0.0.1:8080-:80
	if con_wait "$L2_PROMPT" "$T_LINUX"; then
		pass net-user-boot "$(( $(now_ms) - CON_T0 )) ms"
		con_mark
		# busybox udhcpc has no default script in this initramfs: a small one.
		con_send "printf '#!/bin/sh\n[ \"\$1\" = bound ] && ifconfig \$interface \$ip netmask \$subnet && route add default gw \$router\nexit 0\n' >/dhcp; chmod +x /dhcp; ifconfig eth0 up; udhcpc -i eth0 -s /dhcp -t 5 -T 3 -n -q; ifconfig eth0"
		if con_wait 'inet addr:10\.0\.2\.15' 60; then
			pass net-user-udhcpc "10.0.2.15"
		else
			fail net-user-udhcpc "no 10.0.2.15 lease"
		fi
		con_wait "$L2_PROMPT" 30
		con_mark
		con_send "mkdir -p /www; echo hello-from-l2 >/www/index.html; httpd -h /www -p 80; echo httpd-up"
		con_wait '^httpd-up' 30
		got=$(timeout 60 wget -q -O - http://127.0.0.1:8080/ 2>&1)
		if [ "$got" = hello-from-l2 ]; then
			pass net-user-hostfwd "L1 wget 127.0.0.1:8080 -> guest httpd"
		else
			fail net-user-hostfwd "L1 got '$got'"
		fi
		con_mark
		con_send "wget -q -O - http://10.0.2.2:8081/"
		if con_wait '^hello-from-l1' 60; then
			pass net-user-guest-to-host "guest wget 10.0.2.2:8081 -> L1 httpd"
		else
			fail net-user-guest-to-host "no answer from 10.0.2.2:8081"
		fi
		con_wait "$L2_PROMPT" 30
		con_send "poweroff -f"
		con_end 60
		[ "$CON_STATUS" = 0 ] && pass net-user-poweroff || fail net-user-poweroff "status $CON_STATUS"
	else
		fail net-user-boot "no L2 shell within $T_LINUX s"
		con_end 5
	fi
else
	fail net-user "no /bin/vmb-net (tests/nested/build-arm64-dyn.sh)"
fi
