# shellcheck shell=bash disable=SC2034 # FS_GUEST, FS_RO are read by check.sh
# File-system cases: prepared trees, host directories shared with the
# guest (`bothy run -v`), initrds, and what is compared after such a run.
# Sourced by tests/run.sh and by the tests/fs/*.sh scripts. Expects ROOT
# and OUT.
#
# Case options (see tests/lib/cases.sh) that use this file:
#   share=GUESTDIR[:ro]  the run gets a fresh host directory H, shared with
#                        `-v H:GUESTDIR[:ro]` (the kvm backend only: QEMU
#                        cannot serve the share). Natively every argument
#                        that is GUESTDIR or starts with GUESTDIR/ (also
#                        after "KEY=", as in dd if=) becomes H..., H in
#                        stdout and stderr becomes GUESTDIR again, and
#                        ":ro" is a read-only bind mount of H in a private
#                        mount namespace (unshare -m; needs root). After
#                        the run the tree in H (fs_manifest) must match
#                        the native one.
#   initrd=GUESTDIR      the tree (tree=) goes into a cpio at GUESTDIR and
#                        bothy gets `--initrd`; natively as share= without
#                        the tree comparison (changes stay in the guest).
#   tree=NAME            H starts as a copy of the prepared tree NAME
#                        (fs_make_trees); without it H starts empty.
#   out=sorted|tar       stdout is compared sorted (readdir order is not
#                        specified), or as a tar archive: its member list
#                        and the manifest of what it extracts to.
#   err=same             stderr must match too (lines starting "bothy: "
#                        are dropped first).

FS_TREES=$OUT/fs/trees
# Files older than this (2010-01-01) keep their mtime in a manifest; newer
# ones show as "new" (made during the run).
FS_OLD=1262304000

# fs_make_trees: the prepared trees under $FS_TREES/NAME/. "small": about
# 40 files in a few directories, a 200 KiB file, symlinks, odd modes and
# fixed mtimes under t/; beside it t.tar (t as a tar archive), t.tgz (the
# same, gzipped), data.gz and
# an empty directory x/ to extract into.
fs_make_trees() {
	local d=$FS_TREES/small i
	rm -rf -- "$d"
	mkdir -p "$d/t/d1/d2/d3" "$d/t/d4" "$d/t/empty-dir" "$d/x"
	awk 'BEGIN { for (i = 1; i <= 400; i++) printf "line %d of the text file, word%d\n", i, i % 7 }' \
		>"$d/t/text.txt"
	awk 'BEGIN { for (i = 0; i < 25600; i++) printf "%07x\n", (i * 2654435761) % 268435456 }' \
		>"$d/t/big.bin" # 25600 * 8 bytes = 200 KiB
	printf 'alpha\n' >"$d/t/a.txt"
	printf 'bravo\nbravo\n' >"$d/t/b.txt"
	: >"$d/t/empty"
	printf 'spaces in the name\n' >"$d/t/name with spaces.txt"
	printf '#!/bin/sh\necho hi\n' >"$d/t/run.sh"
	printf 'private\n' >"$d/t/private"
	for i in 01 02 03 04 05 06 07 08 09 10 11 12; do
		seq 1 "$((10#$i * 10))" >"$d/t/d1/f$i.txt"
	done
	for i in 1 2 3 4 5 6 7 8; do
		printf 'file %s two levels down\n' "$i" >"$d/t/d1/d2/g$i"
	done
	printf 'deep\n' >"$d/t/d1/d2/d3/deep.txt"
	for i in 1 2 3 4 5 6; do
		head -c $((i * 1000)) "$d/t/big.bin" >"$d/t/d4/part$i.dat"
	done
	ln -s a.txt "$d/t/link"
	ln -s d1/d2 "$d/t/dirlink"
	ln -s ../text.txt "$d/t/d4/up"
	ln -s missing "$d/t/dangling"
	ln "$d/t/b.txt" "$d/t/d4/b-hardlink"
	chmod 0755 "$d/t/run.sh"
	chmod 0600 "$d/t/private"
	chmod 0700 "$d/t/d4"
	seq 1 3000 | gzip -n -9 >"$d/data.gz"
	# Every entry gets its own fixed time, one minute apart.
	i=0
	while IFS= read -r -d '' p; do
		touch -h -d "@$((946684800 + i * 60))" "$d/$p"
		i=$((i + 1))
	done < <(cd "$d" && find t x data.gz -depth -print0 | LC_ALL=C sort -z)
	tar -C "$d" --sort=name --format=ustar --numeric-owner --owner=0 --group=0 \
		-cf "$d/t.tar" t
	gzip -n -9 <"$d/t.tar" >"$d/t.tgz"
	touch -d @946684800 "$d/t.tar" "$d/t.tgz" "$d"
}

# tree_files NAME PREFIX: the regular files of tree NAME's t/, as PREFIX/t/...
# (sorted), for case lines that list them: -- sha256sum $(tree_files small /work)
# (names with a space are left out: the case line splits the list on spaces).
tree_files() {
	(cd "$FS_TREES/$1" && find t -type f ! -name '* *' | LC_ALL=C sort) | sed "s|^|$2/|"
}

# fs_initrd_path NAME GUESTDIR: where the cpio of tree NAME at GUESTDIR goes.
fs_initrd_path() {
	echo "$FS_TREES/$1$(echo "$2" | tr / _).cpio"
}

# fs_make_initrd NAME GUESTDIR: pack tree NAME as GUESTDIR/... in a cpio
# (newc), the directories above it included; prints its path.
fs_make_initrd() {
	local cpio stage
	cpio=$(fs_initrd_path "$1" "$2")
	stage=$cpio.d
	rm -rf -- "$stage"
	mkdir -p "$stage$2"
	cp -a "$FS_TREES/$1/." "$stage$2/"
	(cd "$stage" && find "${2#/}" -depth -print | LC_ALL=C sort |
		cpio -o -H newc --quiet) >"$cpio"
	rm -rf -- "$stage"
	echo "$cpio"
}

# fs_host_dir DIR: make DIR/share, a fresh copy of the case's tree (or
# empty); prints its path.
fs_host_dir() {
	local h=$1/share
	rm -rf -- "$h"
	mkdir -p "$h"
	[[ -z $TREE ]] || cp -a "$FS_TREES/$TREE/." "$h/"
	echo "$h"
}

# fs_guest_dir: set FS_GUEST to the guest directory of the parsed case
# (share= or initrd=; empty if neither) and FS_RO to 1 for ":ro", else 0.
fs_guest_dir() {
	FS_GUEST=${SHARE:-$INITRD} FS_RO=0
	if [[ $FS_GUEST == *:ro ]]; then
		FS_RO=1
		FS_GUEST=${FS_GUEST%:ro}
	fi
}

# fs_make_initrds CASES: the cpio of every initrd= case (CASES as
# all_cases prints them).
fs_make_initrds() {
	local spec
	local -A made=()
	while IFS=$'\t' read -r _ _ spec; do
		parse_spec "$spec"
		[[ -n $INITRD && -z ${made["$TREE $INITRD"]:-} ]] || continue
		fs_make_initrd "$TREE" "$INITRD" >/dev/null
		made["$TREE $INITRD"]=1
	done <<<"$1"
}

# fs_map_args GUESTDIR HOSTDIR: rewrite ARGS for a native run: an
# argument that is GUESTDIR or starts with GUESTDIR/, also after a
# "KEY=" (dd if=/work/f), gets HOSTDIR instead.
fs_map_args() {
	local i a key
	for i in "${!ARGS[@]}"; do
		a=${ARGS[i]} key=
		if [[ $a == [a-z]*=/* ]]; then
			key=${a%%=*}=
			a=${a#*=}
		fi
		if [[ $a == "$1" || $a == "$1"/* ]]; then
			ARGS[i]=$key$2${a#"$1"}
		fi
	done
}

# fs_unmap_file GUESTDIR HOSTDIR FILE: write HOSTDIR back as GUESTDIR.
fs_unmap_file() {
	[[ -s $3 ]] || return 0
	G=$1 H=$2 perl -pi -e 's/\Q$ENV{H}\E/$ENV{G}/g' -- "$3"
}

# fs_manifest DIR: one line per entry under DIR, sorted by path: the path,
# its type, mode, owner and link count; for files the size, the mtime (or
# "new" for files made after FS_OLD) and the SHA-256; for symlinks the
# target and mtime. Directory sizes and times are left out (they depend
# on the file system and on temporary names).
fs_manifest() {
	(
		cd "$1" || exit 1
		awk -F '\t' -v old="$FS_OLD" '
			FILENAME == ARGV[1] { sum[$2] = $1; next }
			{
				t = $5 + 0 < old ? $5 : "new"
				if ($2 == "d")
					printf "%s/ %s %s %s\n", $1, $3, $4, $6
				else if ($2 == "l")
					printf "%s -> %s %s %s %s\n", $1, $8, $4, $6, t
				else if ($2 == "f")
					printf "%s %s %s %s size %s %s %s\n", $1, $3, $4, $6, $7, t, sum[$1]
				else
					printf "%s type %s %s %s\n", $1, $2, $3, $4
			}' \
			<(find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum |
				sed 's|^\([0-9a-f]*\)  \./|\1\t|') \
			<(find . -mindepth 1 -printf '%P\t%y\t%#m\t%U:%G\t%T@\t%n\t%s\t%l\n' | LC_ALL=C sort)
	)
}

# fs_normalize_out DIR: apply out= to DIR/out (the raw stdout is kept as
# DIR/out.raw), and err= to DIR/err (into DIR/err.cmp).
fs_normalize_out() {
	local dir=$1 x
	if [[ $ERR_MODE == same ]]; then
		grep -v '^bothy: ' "$dir/err" >"$dir/err.cmp" || true
	fi
	case $OUT_MODE in
	'') return 0 ;;
	sorted)
		mv -- "$dir/out" "$dir/out.raw"
		LC_ALL=C sort "$dir/out.raw" >"$dir/out"
		;;
	tar)
		mv -- "$dir/out" "$dir/out.raw"
		x=$dir/untar
		rm -rf -- "$x"
		mkdir -p "$x"
		if tar -tf "$dir/out.raw" >"$dir/out.list" 2>&1 &&
			tar -xf "$dir/out.raw" -C "$x" --numeric-owner 2>>"$dir/out.list"; then
			{
				echo "members:"
				LC_ALL=C sort "$dir/out.list"
				echo "extracted:"
				fs_manifest "$x"
			} >"$dir/out"
		else
			{
				echo "not a tar archive:"
				head -n 3 "$dir/out.list"
			} >"$dir/out"
		fi
		;;
	*) die "case '$NAME': unknown out=$OUT_MODE" ;;
	esac
}

# fs_ro_missing: why a read-only share cannot be made natively (empty if
# it can): a bind mount in a private mount namespace needs root.
fs_ro_missing() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/bothy-ro.XXXXXX")
	# shellcheck disable=SC2016 # expanded by that sh
	if ! unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" &&
		! touch "$1/x" 2>/dev/null' _ "$d" >/dev/null 2>&1; then
		echo "a read-only share needs a read-only bind mount natively (unshare -m, as root)"
	fi
	rm -rf -- "$d"
}

# fs_ro_prefix HOSTDIR: the command words that run the rest with HOSTDIR
# bind-mounted read-only over itself.
fs_ro_prefix() {
	# shellcheck disable=SC2016 # expanded by that sh
	printf '%s\0' unshare -m sh -c \
		'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && shift && exec "$@"' \
		_ "$1"
}

# --- For the tests/fs/*.sh scripts -------------------------------------
# A script is run by tests/run.sh (which exports ROOT, OUT, BOTHY,
# BOTHY_TEST_FILTER and KVM_MISSING) or by hand after a tests/run.sh
# build. It prints one result line per case, "PASS|FAIL|SKIP  kvm  fs/NAME".

# fs_script_case NAME FUNCTION: script_case (tests/lib/script.sh) for the
# case "kvm fs/NAME": the shares need the KVM monitor.
fs_script_case() {
	script_case kvm "fs/$1" "$2"
}

# fs_guest_program NAME: a built guest program (musl or glibc variant).
fs_guest_program() {
	local v
	for v in musl glibc; do
		[[ -x $OUT/$v/$1 ]] && echo "$OUT/$v/$1" && return 0
	done
	echo "$OUT/musl/$1 is missing: run tests/run.sh first" >&2
	return 1
}
