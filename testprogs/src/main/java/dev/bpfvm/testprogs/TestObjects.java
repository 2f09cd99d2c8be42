package dev.bpfvm.testprogs;

import dev.bpfvm.vm.elf.ElfLoader;
import dev.bpfvm.vm.object.ObjectSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * bpfvm's own compiled test objects, from the classpath ({@code /bpf/NAME.o}, built from
 * {@code testprogs/src/bpf} by {@code testprogs/build.sh}): {@code NAME.o} is the
 * {@code -mcpu=v3} build, {@code NAME.v1.o}, {@code NAME.v2.o} and {@code NAME.v4.o} the other
 * builds where their code differs, {@code NAME.nog.o} built without {@code -g},
 * {@code NAME.clang14.o}, {@code NAME.clang15.o}, {@code NAME.clang16.o} built with older compilers where that
 * differs, {@code NAME.vmlinux.o} a program built against a full {@code vmlinux.h}. Objects under
 * Objects bpfvm must refuse are test resources of testprogs ({@code unsupported/}).
 */
public final class TestObjects {
    private TestObjects() {}

    /** Every object's file name, sorted. */
    public static List<String> names() {
        String index = new String(bytes("index.txt"), StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();
        for (String line : index.split("\n")) {
            if (!line.isBlank()) {
                out.add(line.strip());
            }
        }
        return out;
    }

    /** The bytes of {@code name} (e.g. {@code maps.o}). */
    public static byte[] bytes(String name) {
        try (InputStream in = TestObjects.class.getResourceAsStream("/bpf/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test object " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code name} loaded with the default options. */
    public static ObjectSpec load(String name) {
        return ElfLoader.load(name, bytes(name));
    }
}
