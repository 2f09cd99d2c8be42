package dev.bpfvm.verifier.explain;

/**
 * The common kinds of verifier rejection, each with a one-paragraph explanation and a fix idiom in C.
 */
public enum RejectionKind {
    NULL_CHECK_MISSING("null check missing",
            "A pointer that may be NULL is dereferenced. Helpers such as bpf_map_lookup_elem and "
                    + "bpf_ringbuf_reserve, and kernel pointers marked _or_null, return NULL when there is "
                    + "nothing to give, so the verifier refuses any access through the pointer until a "
                    + "comparison with NULL has ruled that case out on the path taken.",
            """
            struct value *v = bpf_map_lookup_elem(&map, &key);
            if (!v)
                return 0;
            v->count++;"""),
    MAP_BOUNDS_CHECK_MISSING("bounds check missing (map value)",
            "An access through a map value pointer may fall outside the value. The verifier knows the "
                    + "value size of the map and the range of every offset added to the pointer; an offset "
                    + "or index that is not provably within [0, value_size - access size] is refused.",
            """
            if (idx >= sizeof(v->slots) / sizeof(v->slots[0]))
                return 0;
            v->slots[idx]++;"""),
    PACKET_BOUNDS_CHECK_MISSING("bounds check missing (packet)",
            "Packet data is read or written without first proving that the bytes lie before data_end. "
                    + "The verifier only allows packet accesses within a range established by comparing "
                    + "data plus the access length against data_end on the path taken.",
            """
            void *data = (void *)(long)ctx->data;
            void *data_end = (void *)(long)ctx->data_end;
            struct ethhdr *eth = data;
            if ((void *)(eth + 1) > data_end)
                return XDP_PASS;"""),
    INDEX_MAY_BE_NEGATIVE("index not bounded",
            "A variable used as an offset or size has no proven lower or upper bound, for example a "
                    + "signed value that may be negative or an unsigned value of unknown size. The verifier "
                    + "needs both bounds of every value that is added to a pointer or passed as a size.",
            """
            __u32 i = idx;          /* unsigned: never negative */
            if (i >= MAX_ENTRIES)   /* or: i &= MAX_ENTRIES - 1; */
                return 0;"""),
    UNINITIALISED_STACK("uninitialised stack",
            "Stack memory is read, or passed to a helper, before it has been written. The verifier "
                    + "tracks every stack byte and refuses to let the program or a helper read bytes the "
                    + "program never stored, since they would leak whatever the kernel left there.",
            """
            struct key k = {};      /* or __builtin_memset(&k, 0, sizeof(k)); */
            k.pid = pid;
            v = bpf_map_lookup_elem(&map, &k);"""),
    UNINITIALISED_REGISTER("uninitialised register",
            "A register is read before anything was written to it on this path. At entry only R1 (the "
                    + "context) and R10 (the frame pointer) are set, and a helper call clobbers R1 to R5.",
            """
            /* keep values needed after a call in variables the compiler can spill,
             * and give every variable a value on every path */
            __u64 v = 0;"""),
    UNRELEASED_REFERENCE("unreleased reference",
            "The program can reach an exit while still holding an acquired reference, such as a socket "
                    + "from bpf_sk_lookup_tcp, a ring buffer record from bpf_ringbuf_reserve or a task from "
                    + "bpf_task_from_pid. Every path from the acquire to an exit must release it exactly once.",
            """
            struct bpf_sock *sk = bpf_sk_lookup_tcp(ctx, &t, sizeof(t.ipv4), -1, 0);
            if (!sk)
                return 0;
            /* ... use sk ... */
            bpf_sk_release(sk);     /* on every path, including early returns */"""),
    LOOP_NOT_BOUNDED("loop not bounded",
            "A loop could not be shown to terminate: either the verifier came back to an instruction in "
                    + "a state identical to an earlier one, or the loop has a back-edge in a program that "
                    + "may not have loops. The loop counter must change towards a constant bound that the "
                    + "verifier can see.",
            """
            for (int i = 0; i < 64 && i < n; i++) {   /* constant upper bound */
                /* ... */
            }
            /* or: bpf_loop(n, callback, &ctx, 0); */"""),
    UNKNOWN_HELPER("unknown helper",
            "The program calls a helper number that this kernel does not have. The object was built "
                    + "against newer helper definitions than the kernel it is loaded into.",
            """
            /* use a helper the target kernel has, or guard the call: */
            if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_ringbuf_output))
                bpf_ringbuf_output(&rb, &e, sizeof(e), 0);"""),
    HELPER_NOT_ALLOWED("helper not allowed for the program type",
            "The helper exists but is not available to this program type: each program type has its "
                    + "own set of helpers, chosen by what its context and attach point make safe.",
            """
            /* pick the helper of this program type, e.g. in a socket filter: */
            bpf_skb_load_bytes(skb, off, &buf, sizeof(buf));   /* not bpf_probe_read_kernel */
            /* or change SEC("...") to a program type that has the helper */"""),
    BAD_RETURN_VALUE("return value out of range",
            "The value in R0 at exit is outside the range the program type allows, for example a "
                    + "cgroup program that must return 0 or 1. The verifier uses the proven range of R0, "
                    + "so a value computed at run time must be clamped.",
            """
            return ret ? 1 : 0;     /* return only the values the hook accepts */"""),
    WRONG_ARGUMENT_TYPE("wrong argument type",
            "A helper or kfunc argument has the wrong kind of value: the log names the register, what "
                    + "it holds (scalar, fp, map_value, ...) and what the function expects. A plain number "
                    + "was often passed where a pointer to the stack, a map or the context is needed.",
            """
            __u32 key = 0;
            v = bpf_map_lookup_elem(&map, &key);   /* &key, not key */"""),
    PROGRAM_TOO_LARGE("program too large",
            "The verifier gave up after processing one million instructions: the program has too many "
                    + "paths, usually from large unrolled loops or many independent branches, so the "
                    + "states do not prune.",
            """
            #pragma unroll          /* remove this, and bound the loop instead */
            /* move repeated work into a __noinline function or a bpf_loop callback */
            bpf_loop(n, step, &ctx, 0);"""),
    INVALID_CONTEXT_ACCESS("invalid context access",
            "The program reads or writes a context field at an offset or size the program type does "
                    + "not allow, or through a context pointer that was modified by arithmetic.",
            """
            __u32 len = skb->len;   /* read fields by name from the original ctx pointer */""");

    private final String title;
    private final String paragraph;
    private final String fix;

    RejectionKind(String title, String paragraph, String fix) {
        this.title = title;
        this.paragraph = paragraph;
        this.fix = fix;
    }

    /** A short title, e.g. {@code null check missing}. */
    public String title() {
        return title;
    }

    /** The one-paragraph plain-English explanation. */
    public String paragraph() {
        return paragraph;
    }

    /** The fix idiom in C, one or more lines without a trailing newline. */
    public String fix() {
        return fix;
    }
}
