#!/bin/sh
# Compiles src/bpf/*.c into src/test/resources/bpf/*.o, where the tests find them.
# The .o files are committed, so CI runs the tests without clang; run this after changing the C
# code (needs clang with the BPF target, e.g. clang-19, and libbpf's headers in /usr/include/bpf).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
CLANG=${CLANG:-clang-19}
arch_inc=/usr/include/$(uname -m)-linux-gnu
for c in "$here"/src/bpf/*.c; do
	name=$(basename "$c" .c)
	(cd "$here/src/bpf" && "$CLANG" -g -O2 -target bpf -mcpu=v3 -I"$arch_inc" \
		-fdebug-prefix-map="$here/src/bpf"=. -fno-ident -c "$name.c" -o "$here/src/test/resources/bpf/$name.o")
	echo "built src/test/resources/bpf/$name.o"
done
