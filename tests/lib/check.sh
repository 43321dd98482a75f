# shellcheck shell=bash disable=SC2153 # NAME, KIND... come from parse_spec
# Running a case natively and under bothy, and judging the result.
# Sourced by tests/run.sh. Expects ROOT, OUT, BOTHY and the helpers of
# common.sh and cases.sh.
#
# Every job takes: BACKEND VARIANT PROG SPEC. PROG is the program's path,
# SPEC its case line. A job's stdout is its report (see tally).

# run_native DIR PROG: run the parsed case natively, with only its
# variables in the environment; DIR gets out, err and status. The subshell
# swallows the shell's own "Segmentation fault" message. A share= or
# initrd= case runs on a host directory instead (tests/lib/fs.sh); DIR
# also gets the share's manifest, "tree".
run_native() {
	local dir=$1 prog=${PROG:-$2} in host=''
	local -a args=("${ARGS[@]}") pre=()
	in=$(input_path "$STDIN")
	mkdir -p "$dir"
	fs_guest_dir
	if [[ -n $FS_GUEST ]]; then
		host=$(fs_host_dir "$dir")
		fs_map_args "$FS_GUEST" "$host"
		((FS_RO == 0)) || mapfile -d '' pre < <(fs_ro_prefix "$host")
	fi
	(
		ulimit -c 0
		[[ -z $host ]] || umask 022
		st=0
		t0=$(now_ms)
		timeout -k 5 30 "${pre[@]}" env -i "${ENVS[@]}" "$prog" "${ARGS[@]}" <"$in" \
			>"$dir/out" 2>"$dir/err" || st=$?
		echo $(($(now_ms) - t0)) >"$dir/ms"
		echo "$st" >"$dir/status"
	) 2>/dev/null
	ARGS=("${args[@]}")
	if [[ -n $host ]]; then
		fs_unmap_file "$FS_GUEST" "$host" "$dir/out"
		fs_unmap_file "$FS_GUEST" "$host" "$dir/err"
		[[ -z $SHARE ]] || fs_manifest "$host" >"$dir/tree"
	fi
	fs_normalize_out "$dir"
}

# now_ms: the host's monotonic-enough wall clock in milliseconds.
now_ms() {
	local t=$EPOCHREALTIME
	echo $((${t%.*} * 1000 + 10#${t#*.} / 1000))
}

# same_runs DIR1 DIR2: did two runs give the same results (stdout, status,
# and the share's tree and stderr where the case compares them)?
same_runs() {
	local f
	for f in out status tree err.cmp; do
		[[ -e $1/$f || -e $2/$f ]] || continue
		cmp -s "$1/$f" "$2/$f" || return 1
	done
}

# native_job BACKEND VARIANT PROG SPEC: the reference run, done twice; a
# case whose two native runs differ is marked unstable (a broken test). A
# case that cannot run natively here gets a "skip" file with the reason.
native_job() {
	local variant=$2 prog=$3 dir
	parse_spec "$4"
	dir=$OUT/native/$variant/$NAME
	rm -rf -- "$dir"
	mkdir -p "$dir"
	fs_guest_dir
	if ((FS_RO)) && [[ -n $FS_RO_MISSING ]]; then
		echo "$FS_RO_MISSING" >"$dir/skip"
		return 0
	fi
	run_native "$dir" "$prog"
	run_native "$dir/again" "$prog"
	same_runs "$dir" "$dir/again" || touch "$dir/unstable"
}

# backend_timeout BACKEND: seconds allowed for one bothy run (the case's
# timeout= if it has one).
backend_timeout() {
	if [[ -n ${TIMEOUT:-} ]]; then
		echo "$TIMEOUT"
		return 0
	fi
	case $1 in
	qemu) echo 60 ;;
	*) echo 30 ;;
	esac
}

# run_bothy BACKEND DIR PROG: run the parsed case under bothy; DIR gets
# out, err and status (124 = timed out), and for a share its manifest.
run_bothy() {
	local backend=$1 dir=$2 prog=${PROG:-$3} in st=0 e t0 host='' v
	local -a cmd=("$BOTHY")
	in=$(input_path "$STDIN")
	mkdir -p "$dir"
	if [[ $KIND == cli ]]; then
		cmd+=("${ARGS[@]}")
	else
		cmd+=(run --vmm "$backend")
		[[ -z $CPUS ]] || cmd+=(--cpus "$CPUS")
		for e in "${ENVS[@]}"; do
			cmd+=(-e "$e")
		done
		for v in "${VOLS[@]}"; do
			cmd+=(-v "$v:ro")
		done
		[[ -z $ROOTDIR ]] || cmd+=(--root "$ROOTDIR")
		fs_guest_dir
		if [[ -n $SHARE ]]; then
			host=$(fs_host_dir "$dir")
			cmd+=(-v "$host:$FS_GUEST$( ((FS_RO == 0)) || echo :ro)")
		elif [[ -n $INITRD ]]; then
			cmd+=(--initrd "$(fs_initrd_path "$TREE" "$FS_GUEST")")
		fi
		[[ $KIND == bad || $KIND == kfault ]] || cmd+=("$prog")
		cmd+=("${ARGS[@]}")
	fi
	t0=$(now_ms)
	timeout -k 5 "$(backend_timeout "$backend")" "${cmd[@]}" <"$in" >"$dir/out" \
		2>"$dir/err" || st=$?
	echo $(($(now_ms) - t0)) >"$dir/ms"
	echo "$st" >"$dir/status"
	[[ -z $host ]] || fs_manifest "$host" >"$dir/tree"
	fs_normalize_out "$dir"
}

# signal_name STATUS: "SIGSEGV" for a shell status of 128 + SIGSEGV.
signal_name() {
	local name
	((($1) > 128)) || return 0
	name=$(kill -l $(($1 - 128)) 2>/dev/null) || return 0
	echo "SIG$name"
}

# how_stdout_differs NATIVE_OUT BOTHY_OUT: one line saying where.
how_stdout_differs() {
	local msg
	msg=$(cmp -- "$1" "$2" 2>&1 | head -n 1) || true
	case $msg in
	*"EOF on $2 which is empty"*) echo "stdout is empty" ;;
	*"EOF on $2"*) echo "stdout stops early:${msg##*"$2"}" ;;
	*"EOF on $1"*) echo "stdout is longer than native's:${msg##*"$1"}" ;;
	*" differ: "*) echo "stdout differs at ${msg##* differ: }" ;;
	*) echo "stdout differs: $msg" ;;
	esac
}

# problems_vs_native NATIVE DIR: the differences between a bothy run and
# the native run, one per line (none when they agree).
problems_vs_native() {
	local nat=$1 dir=$2 nst st sig
	nst=$(<"$nat/status")
	st=$(<"$dir/status")
	[[ -e $nat/unstable ]] && echo "the two native runs differ: the test is not deterministic"
	grep -q ': FAILED' "$nat/out" && echo "a check FAILED natively: the test is broken (see $nat/out)"
	[[ $nst == 124 ]] && echo "the native run timed out"
	[[ -n $EXPECT && $nst != "$EXPECT" ]] && echo "the native run exited $nst, want expect=$EXPECT"
	[[ $st == 124 ]] && echo "timed out"
	[[ $st == "$nst" ]] || echo "exit status $st, native $nst"
	cmp -s "$nat/out" "$dir/out" || how_stdout_differs "$nat/out" "$dir/out"
	if (($(<"$nat/ms") < MIN_MS)); then
		echo "the native run took $(<"$nat/ms") ms, less than min_ms=$MIN_MS"
	fi
	if (($(<"$dir/ms") < MIN_MS)); then
		echo "ran for $(<"$dir/ms") ms of host time, less than min_ms=$MIN_MS: the guest clock runs fast"
	fi
	if [[ -e $nat/tree ]] && ! cmp -s "$nat/tree" "$dir/tree"; then
		echo "the host tree after the run differs from native's:"
		{ diff -u --label native --label bothy "$nat/tree" "$dir/tree" || true; } |
			sed -n '3,12p' | cut -c1-150 | sed 's/^/  /'
	fi
	if [[ -e $nat/err.cmp ]] && ! cmp -s "$nat/err.cmp" "$dir/err.cmp"; then
		echo "stderr differs from native's (err=same):"
		{ diff -u --label native --label bothy "$nat/err.cmp" "$dir/err.cmp" || true; } |
			sed -n '3,8p' | cut -c1-150 | sed 's/^/  /'
	fi
	[[ $KIND == fault ]] || return 0
	sig=$(signal_name "$nst")
	if [[ -z $sig ]]; then
		echo "the native run was not killed by a signal (status $nst)"
	elif [[ $(grep -c -- "$sig" "$dir/err") != 1 ]]; then
		echo "stderr has no single line naming $sig"
	elif ! grep -- "$sig" "$dir/err" | grep -q '^bothy: '; then
		echo "the line naming $sig does not start with 'bothy: '"
	fi
}

# problems_refused DIR: a bad program or command line must end with the
# expected status and exactly one stderr line starting "bothy: ".
problems_refused() {
	local dir=$1 st lines
	st=$(<"$dir/status")
	lines=$(wc -l <"$dir/err")
	[[ $st == 124 ]] && echo "timed out"
	[[ $st == "$EXPECT" ]] || echo "exit status $st, want $EXPECT"
	[[ $lines == 1 ]] || echo "stderr has $lines lines, want 1"
	head -n 1 "$dir/err" | grep -q '^bothy: ' || echo "stderr does not start with 'bothy: '"
}

# problems_kernel_fault BACKEND DIR: a fault inside the kernel must end
# with the expected status, a report naming the page fault, and, under the
# KVM monitor, a backtrace symbolized from the kernel ELF (kmain).
problems_kernel_fault() {
	local backend=$1 dir=$2 st
	st=$(<"$dir/status")
	[[ $st == 124 ]] && echo "timed out"
	[[ $st == "$EXPECT" ]] || echo "exit status $st, want $EXPECT"
	grep -q 'page fault' "$dir/err" || echo "stderr does not name the page fault"
	if [[ $backend == kvm ]] && ! grep -q ' kmain+0x' "$dir/err"; then
		echo "no symbolized kmain frame in the report"
	fi
}

# bothy_job BACKEND VARIANT PROG SPEC: run the case under bothy, compare,
# and print its report.
bothy_job() {
	local backend=$1 variant=$2 prog=$3 id dir nat problems
	parse_spec "$4"
	id=$variant/$NAME
	dir=$OUT/results/$backend/$id
	nat=$OUT/native/$id
	rm -rf -- "$dir"
	if [[ -e $nat/skip ]]; then
		result SKIP "$backend" "$id" "$(<"$nat/skip")"
		return 0
	fi
	run_bothy "$backend" "$dir" "$prog"
	case $KIND in
	bad | cli) problems=$(problems_refused "$dir") ;;
	kfault) problems=$(problems_kernel_fault "$backend" "$dir") ;;
	*) problems=$(problems_vs_native "$nat" "$dir") ;;
	esac
	verdict "$backend" "$id" "$problems" && return 0
	if [[ $KIND != bad && $KIND != cli && $KIND != kfault ]] && ! cmp -s "$nat/out" "$dir/out"; then
		{ diff -u --label native --label bothy "$nat/out" "$dir/out" || true; } |
			sed -n '3,14p' | cut -c1-160 | sed 's/^/    /'
	fi
	if [[ -s $dir/err ]]; then
		detail "stderr (last lines):"
		detail_file "$dir/err" 6
	fi
}

# native_check_job VARIANT SPEC: the "native" backend: judge the test
# itself, from its two native runs (no bothy run).
native_check_job() {
	local id nat problems=() line
	parse_spec "$2"
	id=$1/$NAME
	nat=$OUT/native/$id
	if [[ -e $nat/skip ]]; then
		result SKIP native "$id" "$(<"$nat/skip")"
		return 0
	fi
	[[ -e $nat/unstable ]] && problems+=("the two native runs differ: the test is not deterministic")
	grep -q ': FAILED' "$nat/out" && problems+=("a check FAILED (see $nat/out)")
	[[ $(<"$nat/status") == 124 ]] && problems+=("timed out")
	[[ -z $EXPECT || $(<"$nat/status") == "$EXPECT" ]] ||
		problems+=("exit status $(<"$nat/status"), want expect=$EXPECT")
	if ((${#problems[@]} == 0)); then
		result PASS native "$id"
		return 0
	fi
	result FAIL native "$id"
	for line in "${problems[@]}"; do
		detail "$line"
	done
	detail_file "$nat/out" 6
}
