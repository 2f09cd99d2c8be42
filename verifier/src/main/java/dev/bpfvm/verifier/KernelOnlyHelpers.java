package dev.bpfvm.verifier;

import dev.bpfvm.vm.spi.ArgType;
import dev.bpfvm.vm.spi.HelperFunction;
import dev.bpfvm.vm.spi.HelperProto;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.RetType;
import java.util.List;

/**
 * Prototypes (Linux 6.12's {@code bpf_func_proto}s) of helpers Linux has and bpfvm does not run,
 * so that {@code bpfvm verify} checks a program calling them as Linux would instead of rejecting
 * it with {@code unknown func}. Only for verification: a program that is loaded to run still
 * gets {@code unknown func} for them (the runtime's registry does not have them), and their
 * function, should one ever be called, returns {@code -EOPNOTSUPP}.
 *
 * <p>Kernel arg flavours the SPI lacks are written with their nearest SPI type and refined by
 * name in {@link CallCheck}: {@code ARG_PTR_TO_SOCK_COMMON} as {@link ArgType#PTR_TO_SOCKET}
 * ({@code sk_fullsock}, {@code tcp_sock}, {@code get_listener_sock}), {@code ARG_PTR_TO_FIXED_SIZE_MEM}
 * as {@link ArgType#PTR_TO_LONG}/{@link ArgType#PTR_TO_INT}, {@code RET_PTR_TO_TCP_SOCK_OR_NULL}
 * and {@code RET_PTR_TO_SOCK_COMMON_OR_NULL} as {@link RetType#PTR_TO_SOCKET_OR_NULL}.
 */
public final class KernelOnlyHelpers {
    private KernelOnlyHelpers() {}

    private static final long EOPNOTSUPP = -95;
    private static final HelperFunction NOT_RUN = (ctx, r1, r2, r3, r4, r5) -> EOPNOTSUPP;

    private static HelperSpec h(int id, String name, RetType ret, boolean gpl, boolean sleepable, ArgType... args) {
        return new HelperSpec(id, name, new HelperProto(ret, List.of(args), gpl, sleepable), NOT_RUN);
    }

    private static final List<HelperSpec> ALL = List.of(
            h(34, "bpf_get_hash_recalc", RetType.INTEGER, false, false, ArgType.PTR_TO_CTX),
            h(39, "bpf_skb_pull_data", RetType.INTEGER, false, false, ArgType.PTR_TO_CTX, ArgType.ANYTHING),
            h(40, "bpf_csum_update", RetType.INTEGER, false, false, ArgType.PTR_TO_CTX, ArgType.ANYTHING),
            h(43, "bpf_skb_change_head", RetType.INTEGER, false, false, ArgType.PTR_TO_CTX, ArgType.ANYTHING,
                    ArgType.ANYTHING),
            h(46, "bpf_get_socket_cookie", RetType.INTEGER, false, false, ArgType.PTR_TO_CTX),
            h(67, "bpf_get_stack", RetType.INTEGER, true, false, ArgType.PTR_TO_CTX, ArgType.PTR_TO_UNINIT_MEM,
                    ArgType.CONST_SIZE_OR_ZERO, ArgType.ANYTHING),
            h(69, "bpf_fib_lookup", RetType.INTEGER, true, false, ArgType.PTR_TO_CTX, ArgType.PTR_TO_MEM,
                    ArgType.CONST_SIZE, ArgType.ANYTHING),
            h(81, "bpf_get_local_storage", RetType.PTR_TO_MAP_VALUE, false, false, ArgType.CONST_MAP_PTR,
                    ArgType.ANYTHING),
            h(84, "bpf_sk_lookup_tcp", RetType.PTR_TO_SOCKET_OR_NULL, false, false, ArgType.PTR_TO_CTX,
                    ArgType.PTR_TO_RDONLY_MEM, ArgType.CONST_SIZE_OR_ZERO, ArgType.ANYTHING, ArgType.ANYTHING),
            h(85, "bpf_sk_lookup_udp", RetType.PTR_TO_SOCKET_OR_NULL, false, false, ArgType.PTR_TO_CTX,
                    ArgType.PTR_TO_RDONLY_MEM, ArgType.CONST_SIZE_OR_ZERO, ArgType.ANYTHING, ArgType.ANYTHING),
            h(86, "bpf_sk_release", RetType.INTEGER, false, false, ArgType.PTR_TO_SOCKET),
            h(95, "bpf_sk_fullsock", RetType.PTR_TO_SOCKET_OR_NULL, false, false, ArgType.PTR_TO_SOCKET),
            h(96, "bpf_tcp_sock", RetType.PTR_TO_SOCKET_OR_NULL, false, false, ArgType.PTR_TO_SOCKET),
            h(98, "bpf_get_listener_sock", RetType.PTR_TO_SOCKET_OR_NULL, false, false, ArgType.PTR_TO_SOCKET),
            h(99, "bpf_skc_lookup_tcp", RetType.PTR_TO_SOCKET_OR_NULL, false, false, ArgType.PTR_TO_CTX,
                    ArgType.PTR_TO_RDONLY_MEM, ArgType.CONST_SIZE_OR_ZERO, ArgType.ANYTHING, ArgType.ANYTHING),
            h(105, "bpf_strtol", RetType.INTEGER, false, false, ArgType.PTR_TO_RDONLY_MEM, ArgType.CONST_SIZE,
                    ArgType.ANYTHING, ArgType.PTR_TO_LONG),
            h(106, "bpf_strtoul", RetType.INTEGER, false, false, ArgType.PTR_TO_RDONLY_MEM, ArgType.CONST_SIZE,
                    ArgType.ANYTHING, ArgType.PTR_TO_LONG),
            h(122, "bpf_get_netns_cookie", RetType.INTEGER, false, false, ArgType.PTR_TO_CTX_OR_NULL),
            h(141, "bpf_get_task_stack", RetType.INTEGER, true, false, ArgType.PTR_TO_BTF_ID,
                    ArgType.PTR_TO_UNINIT_MEM, ArgType.CONST_SIZE_OR_ZERO, ArgType.ANYTHING),
            h(148, "bpf_copy_from_user", RetType.INTEGER, false, true, ArgType.PTR_TO_UNINIT_MEM,
                    ArgType.CONST_SIZE_OR_ZERO, ArgType.ANYTHING),
            h(163, "bpf_check_mtu", RetType.INTEGER, true, false, ArgType.PTR_TO_CTX, ArgType.ANYTHING,
                    ArgType.PTR_TO_INT, ArgType.ANYTHING, ArgType.ANYTHING));

    /** Every helper of this table. */
    public static List<HelperSpec> all() {
        return ALL;
    }

    /** A new registry with {@code base}'s helpers and, for numbers it lacks, this table's. */
    public static HelperRegistry with(HelperRegistry base) {
        HelperRegistry out = new HelperRegistry();
        for (HelperSpec s : ALL) {
            out.register(s);
        }
        for (HelperSpec s : base.all()) {
            out.register(s);
        }
        return out;
    }
}
