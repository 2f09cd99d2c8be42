#!/bin/sh
# Rebuilds the committed BPF objects of testprogs from src/bpf/*.c with clang-19.
#
#   name.o     -mcpu=v3 (the default build)
#   name.v2.o  -mcpu=v2, kept only where its code differs from v3
#   name.v4.o  -mcpu=v4, kept only where its code differs from v3
#
# legacy.c is built without -g (no BTF). Programs in src/bpf/vmlinux/ are built against a full
# vmlinux.h dumped from a kernel's BTF ($VMLINUX_H, else /tmp/vmlinux.h, else dumped from
# /sys/kernel/btf/vmlinux with bpftool); the header is never committed.
#
# Needs clang-19 and libbpf's headers (/usr/include/bpf). CI does not run this: it uses the
# committed objects.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src="$here/src/bpf"
out="$here/src/main/resources/bpf"
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

build() {   # build NAME.c with FLAGS into $out
	name=$1; shift
	(cd "$src" && "$CLANG" $common "$@" -mcpu=v3 -c "$name.c" -o "$out/$name.o")
	for v in v2 v4; do
		(cd "$src" && "$CLANG" $common "$@" -mcpu=$v -c "$name.c" -o "$out/$name.$v.o")
		if [ "$(code_of "$out/$name.$v.o")" = "$(code_of "$out/$name.o")" ]; then
			rm "$out/$name.$v.o"
		fi
	done
}

for f in "$src"/*.c; do
	name=$(basename "$f" .c)
	case $name in
	legacy) build "$name" ;;
	*) build "$name" -g ;;
	esac
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
