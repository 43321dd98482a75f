#!/usr/bin/env bash
# install-deps.sh - install, with apt-get, the Debian packages that Bothy
# needs to build, test, demo and benchmark, and only those that are missing.
#
# Usage: scripts/install-deps.sh [--with-sources]
#   --with-sources  also make sure that every Debian `deb` entry of the
#                   machine has a `deb-src` entry for the same suites, so
#                   that `apt-get source` works (lwIP comes that way).
#
# Idempotent: when everything is installed it prints so and changes nothing;
# `apt-get update` runs at most once, and only when something is missing.
# Runs as root, or through sudo otherwise.
set -euo pipefail

# What the build, the tests and the demo cannot do without.
REQUIRED=(
	build-essential # gcc, make, libc headers
	binutils        # ld, strip, objcopy
	qemu-system-x86 # --vmm qemu and the TCG tests
	musl-tools      # musl-gcc, for static test programs
	musl-dev
	busybox-static  # a real static program for the demo
	cpio            # initrds
	groff-base      # tests/docs: the man page renders
	lua5.4          # Debian's own dynamic programs, run by the tests
	sqlite3
	python3
	pkg-config      # finds libslirp
	libslirp-dev    # the monitor's user networking (--net slirp)
	dpkg-dev        # dpkg-source, for apt-get source lwip
	xz-utils
	nginx-light     # Debian servers the network tests run
	lighttpd
	redis-server
	redis-tools     # redis-benchmark
	wrk             # HTTP load from the host
	netcat-openbsd  # nc, for the echo demo
	iproute2        # ip netns / tap for the tap backend tests
)
# Nice to have: installed when the archive has them, skipped otherwise.
OPTIONAL=(
	clang-format # make format
	hyperfine    # bench/ uses it when present
)

# Where apt's configuration lives; a test may point this at a copy.
APT_ETC=${APT_ETC:-/etc/apt}
# Which repository URIs get a deb-src entry: the distribution's own archive.
SRC_URI_RE=${SRC_URI_RE:-'/(debian|debian-security|debian-ports|ubuntu)/?$'}

log() { printf 'install-deps: %s\n' "$*"; }
die() { printf 'install-deps: %s\n' "$*" >&2; exit 1; }

# as_root CMD... - run CMD as root (directly, or through sudo).
as_root()
{
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		die "not root and no sudo: cannot run $*"
	fi
}

apt_get()
{
	as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -y \
		-o DPkg::Lock::Timeout=300 "$@" </dev/null
}

# installed PKG - true when dpkg says PKG is installed.
installed()
{
	local status
	status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
	[[ $status == "install ok installed" ]]
}

# missing PKG... - print the packages among PKG... that are not installed.
missing()
{
	local p
	for p in "$@"; do
		installed "$p" || printf '%s\n' "$p"
	done
}

# available PKG - true when the package lists offer a candidate for PKG.
available()
{
	local cand
	cand=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }')
	[[ -n $cand && $cand != "(none)" ]]
}

# lists_empty - true when apt has never downloaded package lists.
lists_empty()
{
	! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null
}

# add_deb_src_deb822 FILE - in each stanza of the deb822 FILE whose Types
# has `deb` but not `deb-src` and whose URIs are the distribution's archive,
# add `deb-src` to Types (same URIs, suites and components, by construction).
# Prints the number of stanzas changed. See sources.list(5), "DEB822-STYLE".
add_deb_src_deb822()
{
	local file=$1 tmp n
	tmp=$(mktemp)
	n=$(awk -v re="$SRC_URI_RE" -v out="$tmp" '
		function flush(   i, want) {
			want = has_deb && !has_src && uri_ok
			for (i = 1; i <= nl; i++) {
				if (want && i == types_line)
					lines[i] = lines[i] " deb-src"
				print lines[i] > out
			}
			changed += want
			nl = 0; has_deb = has_src = uri_ok = types_line = 0
		}
		/^[ \t]*$/ { flush(); print > out; next }
		{
			lines[++nl] = $0
			if (tolower($1) == "types:") {
				types_line = nl
				for (i = 2; i <= NF; i++) {
					has_deb += ($i == "deb")
					has_src += ($i == "deb-src")
				}
			}
			if (tolower($1) == "uris:")
				for (i = 2; i <= NF; i++)
					uri_ok += ($i ~ re)
		}
		END { flush(); print changed + 0 }
	' "$file")
	if [[ $n -gt 0 ]]; then
		as_root cp "$tmp" "$file"
	fi
	rm -f "$tmp"
	echo "$n"
}

# add_deb_src_list FILE - for each active one-line `deb` entry of FILE whose
# URI is the distribution's archive and that has no `deb-src` twin, append
# the twin. Prints the number of entries added. See sources.list(5).
add_deb_src_list()
{
	local file=$1 add
	add=$(awk -v re="$SRC_URI_RE" '
		function rest(   s) {
			s = $0; sub(/^[ \t]*deb(-src)?[ \t]+/, "", s); return s
		}
		$1 == "deb-src" { have[rest()] = 1 }
		$1 == "deb" {
			uri = $2
			if (uri ~ /^\[/)
				for (i = 2; i <= NF; i++)
					if ($i ~ /\]$/) { uri = $(i + 1); break }
			if (uri ~ re)
				want[++n] = rest()
		}
		END {
			for (i = 1; i <= n; i++)
				if (!(want[i] in have))
					print "deb-src " want[i]
		}
	' "$file")
	if [[ -n $add ]]; then
		printf '%s\n' "$add" | as_root tee -a "$file" >/dev/null
		wc -l <<<"$add"
	else
		echo 0
	fi
}

# ensure_deb_src - give every distribution `deb` entry its `deb-src` twin.
# Prints how many entries it added (0 when nothing was missing).
ensure_deb_src()
{
	local f total=0 n
	for f in "$APT_ETC"/sources.list "$APT_ETC"/sources.list.d/*.list; do
		[[ -f $f ]] || continue
		n=$(add_deb_src_list "$f")
		[[ $n -eq 0 ]] || log "added $n deb-src entries to $f" >&2
		total=$((total + n))
	done
	for f in "$APT_ETC"/sources.list.d/*.sources; do
		[[ -f $f ]] || continue
		n=$(add_deb_src_deb822 "$f")
		[[ $n -eq 0 ]] || log "added deb-src to $n stanzas of $f" >&2
		total=$((total + n))
	done
	echo "$total"
}

# sources_indexed - true when apt has downloaded some source index.
sources_indexed()
{
	compgen -G '/var/lib/apt/lists/*_Sources*' >/dev/null
}

main()
{
	local with_sources=0 need_update=0 p
	local -a req opt want_opt=()
	for arg in "$@"; do
		case $arg in
		--with-sources) with_sources=1 ;;
		-h | --help)
			sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
			exit 0
			;;
		*) die "unknown argument: $arg (try --help)" ;;
		esac
	done

	if [[ $with_sources -eq 1 ]]; then
		[[ $(ensure_deb_src) -eq 0 ]] || need_update=1
		sources_indexed || need_update=1
	fi

	mapfile -t req < <(missing "${REQUIRED[@]}")
	mapfile -t opt < <(missing "${OPTIONAL[@]}")
	# An optional package is worth an update only if the archive has it
	# (or apt knows nothing yet); otherwise every run would update again.
	for p in "${opt[@]}"; do
		if lists_empty || available "$p"; then
			want_opt+=("$p")
		fi
	done
	if [[ ${#req[@]} -gt 0 || ${#want_opt[@]} -gt 0 ]]; then
		need_update=1
	fi
	if [[ $need_update -eq 0 ]]; then
		log "all packages present (${REQUIRED[*]} ${OPTIONAL[*]})"
		return 0
	fi

	log "apt-get update"
	apt_get update
	if [[ ${#req[@]} -gt 0 ]]; then
		log "installing: ${req[*]}"
		apt_get install --no-install-recommends "${req[@]}"
	fi
	for p in "${want_opt[@]}"; do
		if available "$p"; then
			log "installing (optional): $p"
			apt_get install --no-install-recommends "$p" ||
				log "could not install optional $p; continuing"
		else
			log "optional $p is not in the archive; skipped"
		fi
	done
	mapfile -t req < <(missing "${REQUIRED[@]}")
	[[ ${#req[@]} -eq 0 ]] || die "still missing after install: ${req[*]}"
	log "done"
}

main "$@"
