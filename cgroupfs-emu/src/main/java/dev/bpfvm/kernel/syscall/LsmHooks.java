package dev.bpfvm.kernel.syscall;

import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.kernel.trace.AttachPoint;
import dev.bpfvm.kernel.trace.Tracing;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.btf.KernelBtf;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.object.AttachType;
import dev.bpfvm.vm.object.ProgramType;
import dev.bpfvm.vm.spi.BpfMap;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The BPF LSM hooks of {@code bpf()} (security/security.c, Linux 6.12 argument lists), run where
 * kernel/bpf/syscall.c and token.c call them, with the kernel objects laid out by
 * {@link KernelBtf} in temporary read-only regions:
 * <ul>
 * <li>{@code bpf(cmd, attr, size)}: first in every command (security_bpf in __sys_bpf).</li>
 * <li>{@code bpf_map(map, fmode)}: whenever a map fd is made (bpf_map_new_fd: MAP_CREATE,
 * OBJ_GET, MAP_GET_FD_BY_ID).</li>
 * <li>{@code bpf_prog(prog)}: whenever a program fd is made (bpf_prog_new_fd: PROG_LOAD,
 * OBJ_GET, PROG_GET_FD_BY_ID).</li>
 * <li>{@code bpf_map_create(map, attr, token)}: after the map is allocated, before it gets an id
 * and fd; {@code bpf_prog_load(prog, attr, token)}: before the program gets an id (aux->id 0).
 * token is NULL when none was given or it was ignored.</li>
 * <li>{@code bpf_token_create(token, attr, path)}: after BPF_TOKEN_CREATE's own checks;
 * {@code bpf_token_cmd(token, cmd)}: in bpf_token_allow_cmd, when a command given a token that
 * delegates it decides whether to use it; {@code bpf_token_capable(token, cap)}: in
 * bpf_token_capable with a token, after the namespace capability check passed.</li>
 * </ul>
 * A non-zero return denies. What a denial means is the caller's: the command fails with that
 * errno ({@link #deny}) or, for the token hooks, the token is not used / the capability is not held.
 */
final class LsmHooks {
    static final int FMODE_READ = 1;
    static final int FMODE_WRITE = 2;

    /** Size of the {@code union bpf_attr} prefix the hooks are given. */
    static final int ATTR_SIZE = 128;

    /** The fields of a program the hooks see ({@code struct bpf_prog} and its {@code aux}). */
    record ProgFields(int id, String name, ProgramType type, AttachType expectedAttachType, String attachTo,
                      boolean sleepable, int len) {}

    private final Tracing tracing;
    private final AddressSpace memory;

    LsmHooks(Tracing tracing, AddressSpace memory) {
        this.tracing = tracing;
        this.memory = memory;
    }

    /** Whether any program is attached to {@code lsm/HOOK}. */
    boolean any(String hook) {
        return tracing.has(AttachPoint.Kind.LSM, hook);
    }

    /** Temporary regions of one hook call, dropped after it. */
    private final class Scratch implements AutoCloseable {
        final List<Region> regions = new ArrayList<>();

        long add(String name, byte[] bytes) {
            Region r = memory.register(Region.of(Region.Kind.KERNEL_OBJECT, name, bytes).readOnly().build());
            regions.add(r);
            return r.address(0);
        }

        long string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return add("string", Arrays.copyOf(b, b.length + 1));
        }

        @Override
        public void close() {
            for (Region r : regions) {
                memory.unregister(r);
            }
        }
    }

    private static void put(byte[] b, String struct, String field, int size, long v) {
        AddressSpace.put(b, KernelBtf.offsetOf(struct, field), size, v);
    }

    private static void name(byte[] b, String struct, String field, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(n, 0, b, KernelBtf.offsetOf(struct, field), Math.min(15, n.length));
    }

    private long map(Scratch s, BpfMap m) {
        byte[] b = new byte[KernelBtf.sizeOf("bpf_map")];
        put(b, "bpf_map", "map_type", 4, m.type().value());
        put(b, "bpf_map", "key_size", 4, m.keySize());
        put(b, "bpf_map", "value_size", 4, m.valueSize());
        put(b, "bpf_map", "max_entries", 4, m.maxEntries());
        put(b, "bpf_map", "map_extra", 8, m.attr().mapExtra());
        put(b, "bpf_map", "map_flags", 4, m.flags());
        put(b, "bpf_map", "id", 4, m.id());
        name(b, "bpf_map", "name", m.name() == null ? "" : m.name());
        put(b, "bpf_map", "frozen", 1, m.frozen() ? 1 : 0);
        return s.add("bpf_map " + m.id(), b);
    }

    private long prog(Scratch s, ProgFields p) {
        byte[] aux = new byte[KernelBtf.sizeOf("bpf_prog_aux")];
        put(aux, "bpf_prog_aux", "id", 4, p.id());
        put(aux, "bpf_prog_aux", "sleepable", 1, p.sleepable() ? 1 : 0);
        name(aux, "bpf_prog_aux", "name", p.name());
        if (p.attachTo() != null && !p.attachTo().isEmpty()) {
            put(aux, "bpf_prog_aux", "attach_func_name", 8, s.string(p.attachTo()));
        }
        byte[] b = new byte[KernelBtf.sizeOf("bpf_prog")];
        put(b, "bpf_prog", "pages", 2, 1);
        put(b, "bpf_prog", "type", 4, p.type().value());
        AttachType at = p.expectedAttachType();
        put(b, "bpf_prog", "expected_attach_type", 4, at == null ? 0 : at.value());
        put(b, "bpf_prog", "len", 4, p.len());
        put(b, "bpf_prog", "aux", 8, s.add("bpf_prog_aux " + p.id(), aux));
        return s.add("bpf_prog " + p.id(), b);
    }

    private static long bits(Iterable<? extends Enum<?>> items, java.util.function.ToIntFunction<Object> value) {
        long m = 0;
        for (Object o : items) {
            int v = value.applyAsInt(o);
            if (v >= 0 && v < 64) {
                m |= 1L << v;
            }
        }
        return m;
    }

    private long token(Scratch s, BpfToken t) {
        if (t == null) {
            return 0;
        }
        byte[] ns = new byte[KernelBtf.sizeOf("user_namespace")];
        put(ns, "user_namespace", "level", 4, t.userNsOwner() == 0 ? 0 : 1);
        put(ns, "user_namespace", "owner", 4, t.userNsOwner());
        put(ns, "user_namespace", "group", 4, t.userNsOwner());
        byte[] b = new byte[KernelBtf.sizeOf("bpf_token")];
        put(b, "bpf_token", "userns", 8, s.add("user_namespace", ns));
        BpfToken.Delegation d = t.delegation();
        put(b, "bpf_token", "allowed_cmds", 8, bits(d.cmds(), o -> ((BpfCmd) o).value()));
        put(b, "bpf_token", "allowed_maps", 8, bits(d.maps(), o -> ((MapType) o).value()));
        put(b, "bpf_token", "allowed_progs", 8, bits(d.progs(), o -> ((ProgramType) o).value()));
        put(b, "bpf_token", "allowed_attachs", 8, bits(d.attachs(), o -> ((AttachType) o).value()));
        return s.add("bpf_token", b);
    }

    /**
     * The fields of {@code union bpf_attr} the hooks can read, at Linux's offsets: MAP_CREATE
     * map_type, key_size, value_size, max_entries, map_flags; PROG_LOAD prog_type, prog_flags
     * (BPF_F_SLEEPABLE), prog_name, expected_attach_type; OBJ_PIN/OBJ_GET pathname and
     * file_flags; LINK_CREATE prog_fd, target_fd, attach_type. Everything else reads as zero.
     */
    static byte[] attr(Object attr, long pathAddr) {
        byte[] b = new byte[ATTR_SIZE];
        if (attr instanceof Bpf.WithToken wt) {
            attr = wt.attr();
        }
        if (attr instanceof MapAttr a) {
            AddressSpace.put(b, 0, 4, a.type().value());
            AddressSpace.put(b, 4, 4, a.keySize());
            AddressSpace.put(b, 8, 4, a.valueSize());
            AddressSpace.put(b, 12, 4, a.maxEntries());
            AddressSpace.put(b, 16, 4, a.flags());
        } else if (attr instanceof BpfMap m) {
            AddressSpace.put(b, 0, 4, m.type().value());
            AddressSpace.put(b, 4, 4, m.keySize());
            AddressSpace.put(b, 8, 4, m.valueSize());
            AddressSpace.put(b, 12, 4, m.maxEntries());
            AddressSpace.put(b, 16, 4, m.flags());
        } else if (attr instanceof Bpf.ProgLoad pl) {
            AddressSpace.put(b, 0, 4, pl.type().value());
            AddressSpace.put(b, 44, 4, pl.sleepable() ? 1 << 4 : 0);
            byte[] name = pl.name().getBytes(StandardCharsets.UTF_8);
            System.arraycopy(name, 0, b, 48, Math.min(15, name.length));
            AttachType at = pl.expectedAttachType();
            AddressSpace.put(b, 68, 4, at == null || at == AttachType.NONE ? 0 : at.value());
        } else if (attr instanceof Bpf.ObjPath op) {
            AddressSpace.put(b, 0, 8, pathAddr);
            AddressSpace.put(b, 8, 4, op.fd());
            AddressSpace.put(b, 12, 4, op.fileFlags());
        } else if (attr instanceof String) {
            AddressSpace.put(b, 0, 8, pathAddr);
        } else if (attr instanceof Bpf.LinkCreate lc) {
            AddressSpace.put(b, 0, 4, lc.progFd());
            AddressSpace.put(b, 4, 4, lc.opts() == null ? 0 : lc.opts().cgroupFd());
            AddressSpace.put(b, 8, 4, lc.attachType() == null ? 0 : lc.attachType().value());
        } else if (attr instanceof Bpf.ProgAttach pa) {
            AddressSpace.put(b, 0, 4, pa.targetFd());
            AddressSpace.put(b, 4, 4, pa.progFd());
            AddressSpace.put(b, 8, 4, pa.attachType().value());
            AddressSpace.put(b, 12, 4, pa.flags());
        }
        return b;
    }

    private static String pathOf(Object attr) {
        if (attr instanceof Bpf.WithToken wt) {
            attr = wt.attr();
        }
        return attr instanceof String s ? s : attr instanceof Bpf.ObjPath op ? op.path() : null;
    }

    private long attr(Scratch s, Object attr) {
        String path = pathOf(attr);
        return s.add("bpf_attr", attr(attr, path == null ? 0 : s.string(path)));
    }

    /** security_bpf(cmd, attr, size). */
    int bpf(BpfCmd cmd, Object attr) {
        if (!any("bpf")) {
            return 0;
        }
        try (Scratch s = new Scratch()) {
            return tracing.runLsm("bpf", cmd.value(), attr(s, attr), ATTR_SIZE);
        }
    }

    /** security_bpf_map(map, fmode). */
    int bpfMap(BpfMap m, int fmode) {
        if (!any("bpf_map")) {
            return 0;
        }
        try (Scratch s = new Scratch()) {
            return tracing.runLsm("bpf_map", map(s, m), fmode);
        }
    }

    /** security_bpf_prog(prog). */
    int bpfProg(ProgFields p) {
        if (!any("bpf_prog")) {
            return 0;
        }
        try (Scratch s = new Scratch()) {
            return tracing.runLsm("bpf_prog", prog(s, p));
        }
    }

    /** security_bpf_map_create(map, attr, token). */
    int bpfMapCreate(BpfMap m, Object attr, BpfToken token) {
        if (!any("bpf_map_create")) {
            return 0;
        }
        try (Scratch s = new Scratch()) {
            return tracing.runLsm("bpf_map_create", map(s, m), attr(s, attr), token(s, token));
        }
    }

    /** security_bpf_prog_load(prog, attr, token). */
    int bpfProgLoad(ProgFields p, Object attr, BpfToken token) {
        if (!any("bpf_prog_load")) {
            return 0;
        }
        try (Scratch s = new Scratch()) {
            return tracing.runLsm("bpf_prog_load", prog(s, p), attr(s, attr), token(s, token));
        }
    }

    /** security_bpf_token_create(token, attr, path): path is the bpffs mount's, as a string. */
    int bpfTokenCreate(BpfToken token, String mount) {
        if (!any("bpf_token_create")) {
            return 0;
        }
        try (Scratch s = new Scratch()) {
            return tracing.runLsm("bpf_token_create", token(s, token), attr(s, null), s.string(mount));
        }
    }

    /** security_bpf_token_cmd(token, cmd). */
    int bpfTokenCmd(BpfToken token, BpfCmd cmd) {
        if (!any("bpf_token_cmd")) {
            return 0;
        }
        try (Scratch s = new Scratch()) {
            return tracing.runLsm("bpf_token_cmd", token(s, token), cmd.value());
        }
    }

    /** security_bpf_token_capable(token, cap). */
    int bpfTokenCapable(BpfToken token, int cap) {
        if (!any("bpf_token_capable")) {
            return 0;
        }
        try (Scratch s = new Scratch()) {
            return tracing.runLsm("bpf_token_capable", token(s, token), cap);
        }
    }

    /** Throws the denial of hook {@code hook} (its errno; EPERM for one we do not name) unless {@code ret} is 0. */
    static void deny(String hook, int ret, String what) {
        if (ret == 0) {
            return;
        }
        Errno e = Errno.EPERM;
        if (ret < 0) {
            try {
                e = Errno.of(-ret);
            } catch (IllegalArgumentException unknown) {
                // an errno we do not name: EPERM
            }
        }
        throw new KernelException(e, "lsm/" + hook + " denied " + what + " (" + ret + ")");
    }
}
