# Normalise a decompiled device tree for comparison (POSIX awk; mawk-safe).
#
#   dtc -I dtb -O dts -s x.dtb > x.dts
#   awk -f dt-normalise.awk x.dts x.dts | LC_ALL=C sort > x.norm
#
# The file is read twice. Pass 1 maps every phandle value to the path of the
# node that owns it and records each node's "#...-cells" properties. Pass 2
# prints one self-contained line per node ("PATH {}") and per property
# ("PATH: NAME = VALUE"), with:
#  - every phandle cell replaced by the owner's path, "&{/intc@8000000}"
#    (the dts path-reference syntax), found by binding, not by value: cells
#    are walked with the #-cells of the node the specifier points at
#    (clocks, interrupts-extended, msi-parent, *-gpios, ...), interrupt-map
#    entries with this node's #address-cells/#interrupt-cells and the
#    parent's, msi-map/iommu-map as <rid-base phandle base length>;
#    a value no node owns becomes "&{DANGLING:0x...}";
#  - "phandle = <...>" itself printed as "<&self>";
#  - /chosen rng-seed and kaslr-seed (fresh random bytes every boot) shown
#    only by their size.
# So two trees that differ only in phandle numbering or node/property order
# normalise to the same text.

function hexval(s,    i, n, d) {
	s = tolower(s)
	if (s !~ /^0x/)
		return s + 0
	n = 0
	for (i = 3; i <= length(s); i++) {
		d = index("0123456789abcdef", substr(s, i, 1))
		if (d == 0)
			return -1
		n = n * 16 + d - 1
	}
	return n
}

function path_of(depth,    i, p) {
	if (depth == 0)
		return "/"
	p = ""
	for (i = 1; i <= depth; i++)
		p = p "/" name[i]
	return p
}

# Step into node n ("/" resets to the root); path_of(depth) is its path.
function enter(n) {
	if (n == "/")
		depth = 0
	else
		name[++depth] = n
}

# Cells of a "<...>" value into cell[1..ncell]; returns 0 if not cells.
function split_cells(v,    s) {
	if (v !~ /^<[^<>]*>$/)
		return 0
	s = substr(v, 2, length(v) - 2)
	ncell = split(s, cell, /[ \t]+/)
	return 1
}

function ref(c,    k) {
	k = hexval(c)
	if (k in owner)
		return "&{" owner[k] "}"
	return "&{DANGLING:" c "}"
}

# "#name-cells" of the node phandle c points at (default dflt).
function target_cells(c, cname, dflt,    k) {
	k = hexval(c)
	if ((k in owner) && ((owner[k] SUBSEP cname) in cells))
		return cells[owner[k], cname]
	return dflt
}

function join_cells(    i, s) {
	s = "<"
	for (i = 1; i <= ncell; i++)
		s = s (i > 1 ? " " : "") cell[i]
	return s ">"
}

# <phandle args...>... where args = target's #cname.
function rewrite_specifiers(cname,    i, n) {
	i = 1
	while (i <= ncell) {
		n = target_cells(cell[i], cname, 0)
		cell[i] = ref(cell[i])
		i += 1 + n
	}
}

# interrupt-map: <child-unit child-irq phandle parent-unit parent-irq>...
function rewrite_interrupt_map(path,    i, ca, ci, pa, pi) {
	ca = ((path SUBSEP "#address-cells") in cells) ? cells[path, "#address-cells"] : 2
	ci = ((path SUBSEP "#interrupt-cells") in cells) ? cells[path, "#interrupt-cells"] : 1
	i = 1
	while (i + ca + ci <= ncell) {
		i += ca + ci
		pa = target_cells(cell[i], "#address-cells", 0)
		pi = target_cells(cell[i], "#interrupt-cells", 1)
		cell[i] = ref(cell[i])
		i += 1 + pa + pi
	}
}

# Which binding a property's phandles follow: "list" (all cells are
# phandles), "#x-cells" (specifier list), "imap", "idmap", or "".
function kind_of(prop) {
	if (prop == "interrupt-parent" || prop == "cpu" || prop == "cpus" ||
	    prop == "next-level-cache" || prop == "memory-region" ||
	    prop == "cpu-idle-states" || prop == "remote-endpoint" ||
	    prop == "operating-points-v2" || prop == "interrupt-affinity" ||
	    prop == "nvmem-cells" || prop == "l2-cache")
		return "list"
	if (prop == "clocks" || prop == "assigned-clocks" ||
	    prop == "assigned-clock-parents")
		return "#clock-cells"
	if (prop == "interrupts-extended")
		return "#interrupt-cells"
	if (prop == "msi-parent")
		return "#msi-cells"
	if (prop == "resets")
		return "#reset-cells"
	if (prop == "power-domains")
		return "#power-domain-cells"
	if (prop == "dmas")
		return "#dma-cells"
	if (prop == "iommus")
		return "#iommu-cells"
	if (prop == "phys")
		return "#phy-cells"
	if (prop == "mboxes")
		return "#mbox-cells"
	if (prop == "pwms")
		return "#pwm-cells"
	if (prop == "io-channels")
		return "#io-channel-cells"
	if (prop == "thermal-sensors")
		return "#thermal-sensor-cells"
	if (prop == "gpios" || prop == "gpio" || prop ~ /-gpios?$/)
		return "#gpio-cells"
	if (prop == "interrupt-map")
		return "imap"
	if (prop == "msi-map" || prop == "iommu-map")
		return "idmap"
	return ""
}

# One dtc output line: sets ltype ("open", "close", "prop", "other"),
# lname (node or property name) and lvalue (property value, "" if none).
function classify(line,    s, eq) {
	s = line
	sub(/^[ \t]+/, "", s)
	lname = ""; lvalue = ""
	if (s ~ /^};$/) {
		ltype = "close"
	} else if (s ~ / {$/ && s !~ /=/) {
		ltype = "open"
		lname = substr(s, 1, length(s) - 2)
	} else if (s ~ /;$/ && s !~ /^\//) {
		ltype = "prop"
		s = substr(s, 1, length(s) - 1)
		eq = index(s, " = ")
		if (eq) {
			lname = substr(s, 1, eq - 1)
			lvalue = substr(s, eq + 3)
		} else {
			lname = s
		}
	} else {
		ltype = "other"
		lname = s
	}
}

# ---- pass 1 ---------------------------------------------------------------

FNR == NR {
	classify($0)
	if (ltype == "open") {
		enter(lname)
	} else if (ltype == "close") {
		depth--
	} else if (ltype == "prop") {
		p = path_of(depth)
		if ((lname == "phandle" || lname == "linux,phandle") &&
		    split_cells(lvalue))
			owner[hexval(cell[1])] = p
		else if (lname ~ /^#.*-cells$/ && split_cells(lvalue))
			cells[p, lname] = hexval(cell[1])
	}
	next
}

# ---- pass 2 ---------------------------------------------------------------

FNR == 1 { depth = 0 }

{
	classify($0)
	if (ltype == "open") {
		enter(lname)
		print path_of(depth) " {}"
		next
	}
	if (ltype == "close") {
		depth--
		next
	}
	if (ltype == "other") {
		if (lname != "/dts-v1/;" && lname != "")
			print lname
		next
	}
	p = path_of(depth)
	v = lvalue
	k = kind_of(lname)
	if (lname == "phandle" || lname == "linux,phandle") {
		v = "<&self>"
	} else if (p == "/chosen" && (lname == "rng-seed" || lname == "kaslr-seed")) {
		if (split_cells(v))
			v = "<random: " ncell * 4 " bytes>"
	} else if (k != "" && split_cells(v)) {
		if (k == "list") {
			for (i = 1; i <= ncell; i++)
				cell[i] = ref(cell[i])
		} else if (k == "imap") {
			rewrite_interrupt_map(p)
		} else if (k == "idmap") {
			for (i = 2; i <= ncell; i += 4)
				cell[i] = ref(cell[i])
		} else {
			rewrite_specifiers(k)
		}
		v = join_cells()
	}
	print p ": " lname (lvalue == "" ? "" : " = " v)
}
