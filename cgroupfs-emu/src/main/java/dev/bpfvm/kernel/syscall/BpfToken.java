package dev.bpfvm.kernel.syscall;

import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramType;
import dev.bpfvm.vm.spi.MapType;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * A BPF token (Linux 6.9+, kernel/bpf/token.c): made by {@code BPF_TOKEN_CREATE} from the root
 * of a bpffs instance mounted with {@code delegate_*} options, it carries that mount's
 * delegation and its user namespace. A command given a token may use the delegated
 * capabilities when the command, map type, or program type and attach type are delegated.
 *
 * <p>User namespaces are modelled simply: a bpffs instance belongs to the user namespace
 * owned by one uid ({@link #userNsOwner()}; 0 is the initial namespace). A process whose uid is
 * that owner counts as inside that namespace with every capability there (as the creator of a
 * user namespace has); processes of other uids are in the initial namespace.
 */
public final class BpfToken extends Refcounted {
    /** The {@code delegate_cmds/maps/progs/attachs} mount options of a bpffs instance. */
    public record Delegation(Set<BpfCmd> cmds, Set<MapType> maps, Set<ProgramType> progs, Set<AttachType> attachs) {
        public static final Delegation NONE = new Delegation(Set.of(), Set.of(), Set.of(), Set.of());

        public Delegation {
            cmds = Set.copyOf(cmds);
            maps = Set.copyOf(maps);
            progs = Set.copyOf(progs);
            attachs = Set.copyOf(attachs);
        }

        /** Everything delegated ({@code delegate_*=any}). */
        public static Delegation any() {
            return new Delegation(EnumSet.allOf(BpfCmd.class), EnumSet.allOf(MapType.class),
                    EnumSet.allOf(ProgramType.class), EnumSet.allOf(AttachType.class));
        }

        /**
         * Parses mount options as bpffs does: a comma-separated list of
         * {@code delegate_cmds=...}, {@code delegate_maps=...}, {@code delegate_progs=...},
         * {@code delegate_attachs=...}, each value {@code any} or colon-separated kernel names
         * without their prefix ({@code map_create:prog_load}, {@code hash}, {@code xdp},
         * {@code trace_fentry}), case-insensitive. EINVAL on an unknown option or name.
         */
        public static Delegation parse(String options) {
            Set<BpfCmd> c = EnumSet.noneOf(BpfCmd.class);
            Set<MapType> m = EnumSet.noneOf(MapType.class);
            Set<ProgramType> p = EnumSet.noneOf(ProgramType.class);
            Set<AttachType> a = EnumSet.noneOf(AttachType.class);
            for (String opt : options.split(",")) {
                if (opt.isBlank()) {
                    continue;
                }
                int eq = opt.indexOf('=');
                String key = eq < 0 ? opt.trim() : opt.substring(0, eq).trim();
                String value = eq < 0 ? "" : opt.substring(eq + 1).trim();
                switch (key) {
                    case "delegate_cmds":
                        names(value, BpfCmd.class, BpfCmd::valueOf, c, key);
                        break;
                    case "delegate_maps":
                        names(value, MapType.class, MapType::valueOf, m, key);
                        break;
                    case "delegate_progs":
                        names(value, ProgramType.class, ProgramType::valueOf, p, key);
                        break;
                    case "delegate_attachs":
                        names(value, AttachType.class, AttachType::valueOf, a, key);
                        a.remove(AttachType.NONE);
                        break;
                    default:
                        throw new KernelException(Errno.EINVAL, "bpf: unknown mount option '" + key + "'");
                }
            }
            return new Delegation(c, m, p, a);
        }

        private static <E extends Enum<E>> void names(String value, Class<E> type, Function<String, E> of,
                                                      Set<E> into, String key) {
            if (value.equalsIgnoreCase("any")) {
                into.addAll(EnumSet.allOf(type));
                return;
            }
            for (String n : value.split(":")) {
                try {
                    into.add(of.apply(n.trim().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new KernelException(Errno.EINVAL, "bpf: " + key + ": unknown name '" + n + "'");
                }
            }
        }

        /** bpf_token_allow_prog_type: the program type and its expected attach type (0 when none) both delegated. */
        public boolean allowsProg(ProgramType type, AttachType attach) {
            AttachType at = attach == null || attach == AttachType.NONE ? AttachType.CGROUP_INET_INGRESS : attach;
            return progs.contains(type) && attachs.contains(at);
        }
    }

    private final String mount;
    private final int userNsOwner;
    private final Delegation delegation;

    BpfToken(String mount, int userNsOwner, Delegation delegation) {
        this.mount = mount;
        this.userNsOwner = userNsOwner;
        this.delegation = delegation;
    }

    /** The bpffs mount the token was made from. */
    public String mount() {
        return mount;
    }

    /** The uid owning the token's user namespace (0: the initial one). */
    public int userNsOwner() {
        return userNsOwner;
    }

    public Delegation delegation() {
        return delegation;
    }

    /** bpf_token_allow_cmd. */
    public boolean allowsCmd(BpfCmd cmd) {
        return delegation.cmds().contains(cmd);
    }

    @Override
    public String kind() {
        return "token";
    }

    @Override
    public int id() {
        return 0;
    }

    @Override
    protected void free() {
        // nothing held
    }
}
