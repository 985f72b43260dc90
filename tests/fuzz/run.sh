#!/bin/sh
# Run libFuzzer targets for a fixed time each and report, per target,
# executions, execs/s, coverage (edges "cov", features "ft") and corpus size.
#
#   run.sh BUILD_DIR SECONDS NAME:SEEDDIR,SEEDDIR ...
#
# tests/fuzz/NAME.dict, when present, is passed as the libFuzzer dictionary.
# The working corpus is BUILD_DIR/corpus/NAME (kept between runs, seeded
# from tests/fuzz/corpus/NAME, tests/fuzz/regressions/NAME and the extra
# seed directories); crash, leak and timeout inputs go to
# BUILD_DIR/crashes/NAME/. Exits 1 if any target found something: copy the
# input to tests/fuzz/regressions/NAME/ once it is fixed.
set -u
build=$1; secs=$2; shift 2
status=0
for spec in "$@"; do
	name=${spec%%:*}
	seeds=$(printf '%s' "${spec#*:}" | tr ',' ' ')
	bin=$build/fuzz_$name
	corpus=$build/corpus/$name
	crashes=$build/crashes/$name
	log=$build/fuzz_$name.log
	mkdir -p "$corpus" "$crashes"
	dirs=""
	for d in tests/fuzz/corpus/$name tests/fuzz/regressions/$name $seeds; do
		[ -d "$d" ] && dirs="$dirs $d"
	done
	dict=""
	[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
	before=$(ls "$crashes" | wc -l)
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$crashes/" $dict \
		"$corpus" $dirs >"$log" 2>&1
	rc=$?
	found=$(( $(ls "$crashes" | wc -l) - before ))
	last=$(grep -E '^#[0-9]+' "$log" | tail -n1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(printf '%s\n' "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	echo "fuzz: $name: ${execs:-?} execs in ${secs} s, ${rate:-?} exec/s," \
	     "cov ${cov:-?} edges, ft ${ft:-?}, corpus ${corp:-?}, new findings $found" \
	     "(log $log)"
	if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
		status=1
		grep -E 'ERROR: |SUMMARY: |Test unit written' "$log" | head -n 5 | sed 's/^/fuzz:   /'
	fi
done
exit $status
