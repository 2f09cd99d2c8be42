#!/bin/sh
# Rebuilds the committed test objects of the junit module (src/test/resources/bpf) with clang-19.
# Needs clang-19 and libbpf's headers (/usr/include/bpf). The build uses the committed objects.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src="$here/src/test/bpf"
out="$here/src/test/resources/bpf"
CLANG=${CLANG:-clang-19}
arch_inc=/usr/include/$(uname -m)-linux-gnu
for c in "$src"/*.c; do
	name=$(basename "$c" .c)
	(cd "$src" && "$CLANG" -g -O2 -target bpf -mcpu=v3 -I"$arch_inc" -fdebug-prefix-map="$src"=. -fno-ident \
		-c "$name.c" -o "$out/$name.o")
done
