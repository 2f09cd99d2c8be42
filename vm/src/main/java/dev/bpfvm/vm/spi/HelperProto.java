package dev.bpfvm.vm.spi;

import java.util.List;

/**
 * What the verifier needs to know of a helper, like the kernel's {@code struct bpf_func_proto}.
 *
 * @param ret       the return type
 * @param args      argument types r1.. (at most 5)
 * @param gplOnly   callable only from GPL-compatible programs
 * @param sleepable callable only from sleepable programs
 */
public record HelperProto(RetType ret, List<ArgType> args, boolean gplOnly, boolean sleepable) {
    public HelperProto {
        args = List.copyOf(args);
        if (args.size() > 5) {
            throw new IllegalArgumentException("at most 5 arguments");
        }
    }

    public static HelperProto of(RetType ret, ArgType... args) {
        return new HelperProto(ret, List.of(args), false, false);
    }
}
