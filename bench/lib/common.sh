# Shared by the benchmark scripts (sourced): messages, quoting, statistics.
# The scripts run from the repository's top directory.

die()
{
	printf 'bench: %s\n' "$*" >&2
	exit 1
}

progress()
{
	printf 'bench: %s\n' "$*" >&2
}

kvm_usable()
{
	[[ -c /dev/kvm ]] && (exec 3<>/dev/kvm) 2>/dev/null
}

# quote ARGS... - print ARGS as one command line for sh (and hyperfine -N):
# an argument with characters other than these in single quotes.
quote()
{
	local a out=
	for a in "$@"; do
		if [[ $a =~ ^[A-Za-z0-9_./:=,+@%-]+$ ]]; then
			out+=" $a"
		else
			out+=" '${a//\'/\'\\\'\'}'"
		fi
	done
	printf '%s' "${out# }"
}

# stats - read seconds, one per line; print "MEDIAN MIN MAX N".
stats()
{
	sort -g | awk '{ t[NR] = $1 }
		END { if (NR == 0) exit 1
		      m = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
		      printf("%.6f %.6f %.6f %d\n", m, t[1], t[NR], NR) }'
}

# fmt_t SECONDS - "9.8 ms" or "1.86 s".
fmt_t()
{
	awk -v t="$1" 'BEGIN { if (t < 1) printf("%.1f ms", t * 1000); else printf("%.2f s", t) }'
}
