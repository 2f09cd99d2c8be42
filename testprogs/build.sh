#!/bin/sh
# Rebuilds the committed BPF objects of testprogs from src/bpf/*.c with clang-19.
#
#   name.o         -mcpu=v3 (the default build)
#   name.v2.o      -mcpu=v2, kept only where its code differs from v3
#   name.v4.o      -mcpu=v4, kept only where its code differs from v3
#   name.v1.o      -mcpu=v1 (no JMP32, no JLT/JLE/JSLT/JSLE), for the programs that compile for v1,
#                  kept only where its code differs from v2
#   name.nog.o     without -g (no BTF, no line info), for the programs that need no BTF
#   calls.gline.o  -gline-tables-only with clang-14: clang writes BTF FUNCs without prototypes,
#                  which bpfvm (as libbpf) drops, since nothing in calls.c needs BTF. clang-14
#                  writes prototype 0; clang-15 and clang-19 write garbage ids (not reproducible);
#                  clang-16 crashes.
#   name.clang14.o, name.clang15.o, name.clang16.o
#                  the default build with clang-14 / 15 / 16, kept only where what the loader
#                  reads (code, relocations, .BTF, .BTF.ext) differs from the builds kept before
#
# legacy.c is built without -g (no BTF), so it has no nog build; core.c (CO-RE builtins) and
# testrun.c (BTF-defined maps) need -g. maps.c and externs.c without -g are objects bpfvm cannot
# load (BTF-defined maps and externs need BTF): they are kept in src/test/resources/unsupported/
# (test resources, not in index.txt) for the tests of the loader's errors. A compiler that is not
# installed is skipped (its committed objects stay). Programs in src/bpf/vmlinux/ are built against a full
# vmlinux.h dumped from a kernel's BTF ($VMLINUX_H, else /tmp/vmlinux.h, else dumped from
# /sys/kernel/btf/vmlinux with bpftool); the header is never committed.
#
# Needs clang-19 and libbpf's headers (/usr/include/bpf). CI does not run this: it uses the
# committed objects.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src="$here/src/bpf"
out="$here/src/main/resources/bpf"
unsupported="$here/src/test/resources/unsupported"
CLANG=${CLANG:-clang-19}
OBJDUMP=${OBJDUMP:-llvm-objdump-19}

if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "build.sh: $CLANG not found; keeping the committed objects" >&2
	exit 0
fi
mkdir -p "$out"

arch_inc=/usr/include/$(uname -m)-linux-gnu
common="-O2 -target bpf -D__TARGET_ARCH_x86 -I$arch_inc -I. -fdebug-prefix-map=$src=. -fno-ident"

code_of() {
	"$OBJDUMP" -d --no-show-raw-insn "$1" | tail -n +3
}

# what the loader reads: code and relocations (local labels, which older clangs keep as symbols,
# left out), .BTF and .BTF.ext
loader_view() {
	"$OBJDUMP" -dr --no-show-raw-insn "$1" | tail -n +3 | sed -e 's/ <[^>]*>$//' -e '/^[0-9a-f]* <LBB[0-9_]*>:$/d' -e '/^$/d'
	"$OBJDUMP" -s -j .BTF -j .BTF.ext "$1" 2>/dev/null | tail -n +3
}

# keeps $out/$1 only if its loader view differs from each of the other files given
keep_if_new() {
	new=$1; shift
	for old in "$@"; do
		if [ -f "$out/$old" ] && [ "$(loader_view "$out/$new")" = "$(loader_view "$out/$old")" ]; then
			rm "$out/$new"
			return
		fi
	done
}

build() {   # build NAME.c with FLAGS into $out
	name=$1; shift
	(cd "$src" && "$CLANG" $common "$@" -mcpu=v3 -c "$name.c" -o "$out/$name.o")
	for v in v2 v4; do
		(cd "$src" && "$CLANG" $common "$@" -mcpu=$v -c "$name.c" -o "$out/$name.$v.o")
		if [ "$(code_of "$out/$name.$v.o")" = "$(code_of "$out/$name.o")" ]; then
			rm "$out/$name.$v.o"
		fi
	done
	# v1: compared with the v2 build (v3 where v2 was the same)
	v2=$name.v2.o
	[ -f "$out/$v2" ] || v2=$name.o
	if (cd "$src" && "$CLANG" $common "$@" -mcpu=v1 -c "$name.c" -o "$out/$name.v1.o" 2>/dev/null); then
		if [ "$(code_of "$out/$name.v1.o")" = "$(code_of "$out/$v2")" ]; then
			rm "$out/$name.v1.o"
		fi
	else
		rm -f "$out/$name.v1.o"
		echo "build.sh: $name.c does not compile for -mcpu=v1; no $name.v1.o" >&2
	fi
}

build_nog() {   # NAME.c without -g into $2 (relative to $out)
	(cd "$src" && "$CLANG" $common -mcpu=v3 -c "$1.c" -o "$(cd "$out" && realpath -m "$2")")
}

for f in "$src"/*.c; do
	name=$(basename "$f" .c)
	case $name in
	legacy) build "$name" ;;
	*) build "$name" -g ;;
	esac
	case $name in
	calls | globals | sections) build_nog "$name" "$name.nog.o" ;;
	maps | externs) mkdir -p "$unsupported" && build_nog "$name" "$unsupported/$name.nog.o" ;;
	esac
	if [ "$name" = calls ] && command -v clang-14 >/dev/null 2>&1; then
		(cd "$src" && clang-14 $common -gline-tables-only -mcpu=v3 -c "$name.c" -o "$out/$name.gline.o")
	fi
done

# older compilers: the default build of each program, kept where it differs from the clang-19
# build and from the older compilers' builds kept before it
older=
for cc in clang-14 clang-15 clang-16; do
	tag=$(echo "$cc" | tr -d -)
	if ! command -v "$cc" >/dev/null 2>&1; then
		echo "build.sh: $cc not found; keeping the committed *.$tag.o" >&2
		older="$older $tag"
		continue
	fi
	for f in "$src"/*.c; do
		name=$(basename "$f" .c)
		g=-g
		[ "$name" = legacy ] && g=
		(cd "$src" && "$cc" $common $g -mcpu=v3 -c "$name.c" -o "$out/$name.$tag.o")
		prev="$name.o"
		for t in $older; do
			prev="$prev $name.$t.o"
		done
		keep_if_new "$name.$tag.o" $prev
	done
	older="$older $tag"
done

# the benchmark programs: v3 and v4 only (v4 kept where its code differs), clang-19 only
for f in "$src"/bench/*.c; do
	name=$(basename "$f" .c)
	for v in v3 v4; do
		o="$out/bench_$name.o"
		[ $v = v4 ] && o="$out/bench_$name.v4.o"
		# from $src, so that the file names in the debug info (bench/NAME.c) lead clang to the
		# source text it puts into the BTF line info
		(cd "$src" && "$CLANG" $common -g -mcpu=$v -c "bench/$name.c" -o "$o")
	done
	if [ "$(code_of "$out/bench_$name.v4.o")" = "$(code_of "$out/bench_$name.o")" ]; then
		rm "$out/bench_$name.v4.o"
	fi
done

vmlinux_h=${VMLINUX_H:-/tmp/vmlinux.h}
if [ ! -s "$vmlinux_h" ] && command -v bpftool >/dev/null 2>&1 && [ -r /sys/kernel/btf/vmlinux ]; then
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$vmlinux_h"
fi
if [ -s "$vmlinux_h" ]; then
	inc=$(dirname "$vmlinux_h")
	for f in "$src"/vmlinux/*.c; do
		name=$(basename "$f" .c)
		(cd "$src/vmlinux" && "$CLANG" $common -g -I"$inc" -fdebug-prefix-map="$src/vmlinux=." -fdebug-prefix-map="$inc=vmlinux-btf" \
			-mcpu=v3 -c "$name.c" -o "$out/$name.vmlinux.o")
	done
else
	echo "build.sh: no vmlinux.h; keeping the committed *.vmlinux.o" >&2
fi
(cd "$out" && ls *.o | sort > index.txt)
ls -l "$out"
