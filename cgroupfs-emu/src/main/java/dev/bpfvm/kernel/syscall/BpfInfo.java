package dev.bpfvm.kernel.syscall;

/** What {@code BPF_OBJ_GET_INFO_BY_FD} returns, per object kind. */
public sealed interface BpfInfo {
    int id();

    /** {@code struct bpf_map_info}'s main fields. */
    record Map(int id, String type, String name, int keySize, int valueSize, int maxEntries, int flags, boolean frozen)
            implements BpfInfo {}

    /** {@code struct bpf_prog_info}'s main fields; {@code insns} counts 8-byte slots. */
    record Prog(int id, String type, String name, String attachType, String attachTo, boolean sleepable, int insns,
                int[] mapIds) implements BpfInfo {}

    /** {@code struct bpf_link_info}: type "tracing" or "iter", the program, and what it is attached to. */
    record Link(int id, String type, int progId, String target, boolean detached) implements BpfInfo {}
}
