package dev.bpfvm.kernel.scenario;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.kernel.iter.CgroupIterOrder;
import dev.bpfvm.kernel.load.MapView;
import dev.bpfvm.kernel.syscall.Bpf;
import dev.bpfvm.kernel.syscall.BpfInfo;
import dev.bpfvm.kernel.syscall.BpfProcess;
import dev.bpfvm.kernel.testrun.TestRunOptions;
import dev.bpfvm.kernel.testrun.TestRunResult;
import dev.bpfvm.vm.Errno;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * A scenario script run against an {@link EmulatedKernel}: one command per line, {@code #}
 * comments. Commands:
 *
 * <pre>
 * cgroup mkdir PATH | cgroup rmdir PATH | cgroup attach PATH PID
 * task spawn PID [comm=NAME] [uid=N] [gid=N] [cgroup=PATH]
 * load OBJ.o [as NAME] [token=FD] [map_extra=MAP:CGROUP_PATH|MAP:N]   map_extra: set before the map is
 *                              created (a CGROUP_STATS map's initial cgroup: its path, or an id)
 * attach NAME/PROG [cgroup=PATH] [order=self|pre|post|up] [map=NAME/MAP]   prints "link ID"
 *                              (map=: LINK_CREATE's target_fd, e.g. a CGROUP_STATS map for its aggregator)
 * pin link NAME/PROG|#LINKID PATH | pin map NAME/MAP PATH | pin prog NAME/PROG PATH | pin fd FD PATH | bpffs mkdir PATH
 * cat PATH | map dump NAME/MAP | map update NAME/MAP key-hex=HEX value-hex=HEX | run NAME/PROG [data-hex=HEX]
 * tracepoint fire NAME ARGS... | cpu K
 * expect TEXT | expect-error ERRNO
 * user add NAME uid=N [gid=N] [caps=CAP_BPF,...] [cgroup=PATH] [pid=N]   a login shell of that user
 * as NAME | as root            following commands run as that user's process (root: pid 1)
 * chown PATH USER|UID [gid=N] | chmod PATH OCTAL
 * sysctl kernel.unprivileged_bpf_disabled=N
 * map create NAME type=TYPE [token=FD] [flags=F:F..]   MAP_CREATE (4-byte key and value, 16 entries); prints "fd N"
 *                              flags: rdonly, wronly, rdonly_prog, wronly_prog (BPF_F_*)
 * map lookup NAME/MAP|FD key-hex=HEX     MAP_LOOKUP_ELEM; prints "value: HEX BYTES"
 * (map update also takes an FD instead of NAME/MAP)
 * bpffs mount PATH userns=USER|UID [delegate_cmds=A:B] [delegate_maps=..] [delegate_progs=..] [delegate_attachs=..]
 * token create PATH            BPF_TOKEN_CREATE from that bpffs; prints "fd N"
 * obj get PATH [flags=rdonly|wronly]     BPF_OBJ_GET with file_flags; prints "fd N"
 * umask OCTAL                  the acting process's umask (default 022), for pins and mkdir
 * unlink PATH                  unlink(2) of a bpffs pin or empty directory (sticky bit obeyed)
 * (user add also takes groups=GID:GID.. : supplementary groups)
 * </pre>
 *
 * The first {@code user}, {@code chown}, {@code chmod} or {@code sysctl} command turns on the
 * permission model (capabilities, file modes, Linux's bpf() checks).
 *
 * In {@code expect TEXT}, {@code \n} stands for a newline.
 *
 * Cgroup paths may be given under the mount ({@code /sys/fs/cgroup/a}) or relative to it
 * ({@code a}, {@code /a}). Every command's output is written to the output; {@code expect}
 * checks the previous command's. A command that fails must be followed by {@code expect-error}
 * with its errno, or the scenario fails there. The script's process is pid 1 (root).
 */
public final class Scenario {
    private final EmulatedKernel kernel;
    private final String file;
    private final Function<String, byte[]> objects;
    private final Bpf bpf;
    private BpfProcess proc;
    private final Map<String, Integer> users = new LinkedHashMap<>();
    private int nextUserPid = 1000;
    private final Map<String, Bpf.LoadedObject> loaded = new HashMap<>();
    private final Map<String, Integer> lastLink = new HashMap<>();
    private final Map<Integer, Integer> linkFds = new LinkedHashMap<>();
    private final Appendable out;

    /**
     * @param kernel  the kernel to act on
     * @param file    the script's name, for messages
     * @param objects reads an object file named in {@code load} (relative names resolve against the script's folder); may throw UncheckedIOException
     * @param out     where command output goes
     */
    public Scenario(EmulatedKernel kernel, String file, Function<String, byte[]> objects, Appendable out) {
        this.kernel = kernel;
        this.file = file;
        this.objects = objects;
        this.out = out;
        this.bpf = kernel.bpf();
        this.proc = bpf.process(EmulatedKernel.INIT_PID);
    }

    public EmulatedKernel kernel() {
        return kernel;
    }

    /** The objects loaded so far, by scenario name. */
    public Map<String, Bpf.LoadedObject> objects() {
        return Map.copyOf(loaded);
    }

    /** Runs the whole script. Throws ScenarioException at the first failed expectation or script error. */
    public void run(String script) {
        String[] lines = script.split("\n", -1);
        String lastOutput = "";
        KernelException lastError = null;
        int lastLine = 0;
        String lastCommand = null;
        for (int i = 0; i < lines.length; i++) {
            int n = i + 1;
            String line = stripComment(lines[i]).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] w = line.split("\\s+");
            if (w[0].equals("expect")) {
                String text = line.substring("expect".length()).strip().replace("\\n", "\n");
                if (lastCommand == null) {
                    throw script(n, "expect without a previous command");
                }
                if (lastError != null) {
                    throw fail(lastLine, "'" + lastCommand + "' failed: " + lastError.getMessage());
                }
                if (!lastOutput.contains(text)) {
                    throw fail(n, "expected output containing '" + text + "', got '" + lastOutput.strip() + "'");
                }
                continue;
            }
            if (w[0].equals("expect-error")) {
                if (w.length != 2) {
                    throw script(n, "usage: expect-error ERRNO");
                }
                Errno want;
                try {
                    want = Errno.valueOf(w[1].toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw script(n, "unknown errno '" + w[1] + "'");
                }
                if (lastCommand == null) {
                    throw script(n, "expect-error without a previous command");
                }
                if (lastError == null) {
                    throw fail(n, "expected '" + lastCommand + "' to fail with " + want + ", but it succeeded");
                }
                if (lastError.errno() != want) {
                    throw fail(n, "expected " + want + ", got " + lastError.getMessage());
                }
                lastError = null;
                continue;
            }
            if (lastError != null) {
                throw fail(lastLine, "'" + lastCommand + "' failed: " + lastError.getMessage());
            }
            lastCommand = line;
            lastLine = n;
            lastOutput = "";
            try {
                lastOutput = execute(n, w);
                emit(lastOutput);
            } catch (KernelException e) {
                lastError = e;
            } catch (ScenarioException e) {
                throw e;
            } catch (RuntimeException e) {
                throw script(n, "'" + line + "': " + e.getMessage());
            }
        }
        if (lastError != null) {
            throw fail(lastLine, "'" + lastCommand + "' failed: " + lastError.getMessage());
        }
    }

    private static String stripComment(String l) {
        int h = l.indexOf('#');
        // '#' starts a comment only at the start of a word ("#3" link ids are words of their own)
        while (h >= 0) {
            boolean wordStart = h == 0 || Character.isWhitespace(l.charAt(h - 1));
            boolean linkId = h + 1 < l.length() && Character.isDigit(l.charAt(h + 1));
            if (wordStart && !linkId) {
                return l.substring(0, h);
            }
            h = l.indexOf('#', h + 1);
        }
        return l;
    }

    private void emit(String s) {
        try {
            out.append(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ScenarioException script(int line, String msg) {
        return new ScenarioException(file, line, false, msg);
    }

    private ScenarioException fail(int line, String msg) {
        return new ScenarioException(file, line, true, msg);
    }

    private static String cgroupPath(String p) {
        if (p.equals(EmulatedKernel.CGROUP_MOUNT) || p.startsWith(EmulatedKernel.CGROUP_MOUNT + "/")) {
            return p;
        }
        return EmulatedKernel.CGROUP_MOUNT + (p.startsWith("/") ? p : "/" + p);
    }

    /** The id of the cgroup at {@code path} (a script error if there is none). */
    private long cgroupId(int line, String path) {
        try {
            return kernel.cgroup(cgroupPath(path)).id();
        } catch (KernelException e) {
            throw script(line, "no cgroup " + path + " (" + e.errno() + ")");
        }
    }

    /** key=value options from words {@code from..}; unknown keys are a script error. */
    private Map<String, String> options(int line, String[] w, int from, String... allowed) {
        Map<String, String> m = new HashMap<>();
        for (int i = from; i < w.length; i++) {
            int eq = w[i].indexOf('=');
            String k = eq < 0 ? w[i] : w[i].substring(0, eq);
            if (eq < 0 || !List.of(allowed).contains(k)) {
                throw script(line, "unexpected '" + w[i] + "' (options: " + String.join("=, ", allowed) + "=)");
            }
            m.put(k, w[i].substring(eq + 1));
        }
        return m;
    }

    private int number(int line, String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw script(line, "not a number: '" + s + "'");
        }
    }

    private void need(int line, String[] w, int count, String usage) {
        if (w.length < count) {
            throw script(line, "usage: " + usage);
        }
    }

    private Bpf.LoadedObject object(int line, String name) {
        Bpf.LoadedObject o = loaded.get(name);
        if (o == null) {
            throw script(line, "no object loaded as '" + name + "'");
        }
        return o;
    }

    /** NAME/PROG → program fd. */
    private int progFd(int line, String ref) {
        int slash = ref.indexOf('/');
        if (slash < 0) {
            throw script(line, "expected NAME/PROG, got '" + ref + "'");
        }
        Integer fd = object(line, ref.substring(0, slash)).progFds().get(ref.substring(slash + 1));
        if (fd == null) {
            throw script(line, "object '" + ref.substring(0, slash) + "' has no program '" + ref.substring(slash + 1) + "'");
        }
        return fd;
    }

    private int mapFd(int line, String ref) {
        int slash = ref.indexOf('/');
        if (slash < 0) {
            throw script(line, "expected NAME/MAP, got '" + ref + "'");
        }
        Integer fd = object(line, ref.substring(0, slash)).mapFds().get(ref.substring(slash + 1));
        if (fd == null) {
            throw script(line, "object '" + ref.substring(0, slash) + "' has no map '" + ref.substring(slash + 1) + "'");
        }
        return fd;
    }

    /** NAME/MAP (a loaded object's map) or a plain fd number. */
    private int mapRef(int line, String ref) {
        return ref.chars().allMatch(Character::isDigit) && !ref.isEmpty() ? number(line, ref) : mapFd(line, ref);
    }

    /** {@code rdonly:wronly:rdonly_prog:wronly_prog} as BPF_F_* bits (empty: 0). */
    private int mapFlags(int line, String list) {
        int f = 0;
        for (String x : list.split(":")) {
            switch (x.toLowerCase(Locale.ROOT)) {
                case "":
                    break;
                case "rdonly":
                    f |= dev.bpfvm.vm.spi.MapAttr.BPF_F_RDONLY;
                    break;
                case "wronly":
                    f |= dev.bpfvm.vm.spi.MapAttr.BPF_F_WRONLY;
                    break;
                case "rdonly_prog":
                    f |= dev.bpfvm.vm.spi.MapAttr.BPF_F_RDONLY_PROG;
                    break;
                case "wronly_prog":
                    f |= dev.bpfvm.vm.spi.MapAttr.BPF_F_WRONLY_PROG;
                    break;
                default:
                    throw script(line, "unknown flag '" + x + "' (rdonly, wronly, rdonly_prog, wronly_prog)");
            }
        }
        return f;
    }

    private String execute(int n, String[] w) {
        String cmd = w[0] + (w.length > 1 ? " " + w[1] : "");
        switch (cmd) {
            case "cgroup mkdir": {
                need(n, w, 3, "cgroup mkdir PATH");
                kernel.mkdir(cgroupPath(w[2]));
                return "";
            }
            case "cgroup rmdir": {
                need(n, w, 3, "cgroup rmdir PATH");
                kernel.rmdir(cgroupPath(w[2]));
                return "";
            }
            case "cgroup attach": {
                need(n, w, 4, "cgroup attach PATH PID");
                kernel.write(cgroupPath(w[2]) + "/cgroup.procs", Integer.toString(number(n, w[3])));
                return "";
            }
            case "task spawn": {
                need(n, w, 3, "task spawn PID [comm=NAME] [uid=N] [gid=N] [cgroup=PATH]");
                int pid = number(n, w[2]);
                Map<String, String> o = options(n, w, 3, "comm", "uid", "gid", "cgroup");
                int uid = number(n, o.getOrDefault("uid", "0"));
                int gid = number(n, o.getOrDefault("gid", Integer.toString(uid)));
                kernel.spawn(pid, o.getOrDefault("comm", "task" + pid), uid, gid,
                        cgroupPath(o.getOrDefault("cgroup", "/")));
                return "";
            }
            case "bpffs mkdir": {
                need(n, w, 3, "bpffs mkdir PATH");
                kernel.bpffsMkdir(w[2]);
                return "";
            }
            case "user add": {
                need(n, w, 4, "user add NAME uid=N [gid=N] [groups=GID:GID..] [caps=CAP_BPF,...] [cgroup=PATH] [pid=N]");
                Map<String, String> o = options(n, w, 3, "uid", "gid", "groups", "caps", "cgroup", "pid");
                if (!o.containsKey("uid")) {
                    throw script(n, "user add needs uid=N");
                }
                if (users.containsKey(w[2]) || w[2].equals("root")) {
                    throw script(n, "user " + w[2] + " exists");
                }
                int uid = number(n, o.get("uid"));
                int gid = number(n, o.getOrDefault("gid", o.get("uid")));
                int pid = o.containsKey("pid") ? number(n, o.get("pid")) : nextUserPid++;
                var caps = dev.bpfvm.kernel.security.Capability.parseList(o.getOrDefault("caps", ""));
                var privs = kernel.privileges();
                var t = kernel.spawn(pid, w[2], uid, gid, cgroupPath(o.getOrDefault("cgroup", "/")));
                privs.setCaps(t, caps);
                if (o.containsKey("groups")) {
                    java.util.Set<Integer> groups = new java.util.TreeSet<>();
                    for (String g : o.get("groups").split(":")) {
                        groups.add(number(n, g));
                    }
                    privs.setGroups(t, groups);
                }
                users.put(w[2], pid);
                return "";
            }
            case "map create": {
                need(n, w, 4, "map create NAME type=TYPE [token=FD] [flags=F:F..]");
                Map<String, String> o = options(n, w, 3, "type", "token", "flags");
                if (!o.containsKey("type")) {
                    throw script(n, "map create needs type=TYPE");
                }
                dev.bpfvm.vm.spi.MapType type;
                try {
                    type = dev.bpfvm.vm.spi.MapType.valueOf(o.get("type").toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw script(n, "unknown map type '" + o.get("type") + "'");
                }
                int token = o.containsKey("token") ? number(n, o.get("token")) : 0;
                int flags = mapFlags(n, o.getOrDefault("flags", ""));
                int fd = bpf.mapCreate(proc, dev.bpfvm.vm.spi.MapAttr.builder(type, 4, 4, 16).name(w[2]).flags(flags)
                        .build(), token);
                return "fd " + fd + "\n";
            }
            case "bpffs mount": {
                String usage = "bpffs mount PATH userns=USER|UID [delegate_cmds=..] [delegate_maps=..] [delegate_progs=..] [delegate_attachs=..]";
                need(n, w, 4, usage);
                Map<String, String> o = options(n, w, 3, "userns", "delegate_cmds", "delegate_maps", "delegate_progs",
                        "delegate_attachs");
                if (!o.containsKey("userns")) {
                    throw script(n, "usage: " + usage);
                }
                String u = o.remove("userns");
                int owner = u.equals("root") ? 0 : users.containsKey(u) ? kernel.task(users.get(u)).uid() : number(n, u);
                StringBuilder opts = new StringBuilder();
                o.forEach((k, v) -> opts.append(k).append('=').append(v).append(','));
                bpf.mountBpffs(proc, w[2], owner, dev.bpfvm.kernel.syscall.BpfToken.Delegation.parse(opts.toString()));
                return "";
            }
            case "token create": {
                need(n, w, 3, "token create PATH");
                return "fd " + bpf.tokenCreate(proc, w[2]) + "\n";
            }
            case "obj get": {
                need(n, w, 3, "obj get PATH [flags=rdonly|wronly]");
                Map<String, String> o = options(n, w, 3, "flags");
                return "fd " + bpf.objGet(proc, w[2], mapFlags(n, o.getOrDefault("flags", ""))) + "\n";
            }
            case "map lookup": {
                need(n, w, 4, "map lookup NAME/MAP|FD key-hex=HEX");
                Map<String, String> o = options(n, w, 3, "key-hex");
                if (!o.containsKey("key-hex")) {
                    throw script(n, "usage: map lookup NAME/MAP|FD key-hex=HEX");
                }
                return "value: " + bytes(bpf.mapLookupElem(proc, mapRef(n, w[2]), hex(n, o.get("key-hex")), 0)) + "\n";
            }
            case "pin link": {
                need(n, w, 4, "pin link NAME/PROG|#LINKID PATH");
                int fd;
                if (w[2].startsWith("#")) {
                    Integer f = linkFds.get(number(n, w[2].substring(1)));
                    if (f == null) {
                        throw script(n, "no link " + w[2] + " made by this scenario");
                    }
                    fd = f;
                } else {
                    progFd(n, w[2]);
                    Integer f = lastLink.get(w[2]);
                    if (f == null) {
                        throw script(n, "program " + w[2] + " has no link yet (attach it first)");
                    }
                    fd = f;
                }
                bpf.objPin(proc, fd, w[3]);
                return "";
            }
            case "pin fd": {
                need(n, w, 4, "pin fd FD PATH");
                bpf.objPin(proc, number(n, w[2]), w[3]);
                return "";
            }
            case "pin prog": {
                need(n, w, 4, "pin prog NAME/PROG PATH");
                bpf.objPin(proc, progFd(n, w[2]), w[3]);
                return "";
            }
            case "pin map": {
                need(n, w, 4, "pin map NAME/MAP PATH");
                bpf.objPin(proc, mapFd(n, w[2]), w[3]);
                return "";
            }
            case "map update": {
                need(n, w, 5, "map update NAME/MAP|FD key-hex=HEX value-hex=HEX");
                Map<String, String> o = options(n, w, 3, "key-hex", "value-hex");
                if (!o.containsKey("key-hex") || !o.containsKey("value-hex")) {
                    throw script(n, "usage: map update NAME/MAP key-hex=HEX value-hex=HEX");
                }
                bpf.mapUpdateElem(proc, mapRef(n, w[2]), hex(n, o.get("key-hex")), hex(n, o.get("value-hex")), 0);
                return "";
            }
            case "map dump": {
                need(n, w, 3, "map dump NAME/MAP");
                mapFd(n, w[2]);
                String name = w[2].substring(w[2].indexOf('/') + 1);
                return dump(object(n, w[2].substring(0, w[2].indexOf('/'))).object().map(name));
            }
            case "tracepoint fire": {
                need(n, w, 4, "tracepoint fire NAME PATH [PID]");
                kernel.fire(w[2], cgroupPath(w[3]), w.length > 4 ? number(n, w[4]) : 0);
                return "";
            }
            default:
                break;
        }
        switch (w[0]) {
            case "load": {
                String usage = "load OBJ.o [as NAME] [token=FD] [map_extra=MAP:CGROUP_PATH|MAP:NUMBER ...]";
                need(n, w, 2, usage);
                int token = 0;
                Map<String, Long> mapExtra = new LinkedHashMap<>();
                String[] a = w;
                while (a.length > 2 && a[a.length - 1].contains("=")) {
                    String opt = a[a.length - 1];
                    if (opt.startsWith("token=")) {
                        token = number(n, opt.substring(6));
                    } else if (opt.startsWith("map_extra=") && opt.indexOf(':') > 10) {
                        String map = opt.substring(10, opt.indexOf(':'));
                        String v = opt.substring(opt.indexOf(':') + 1);
                        mapExtra.put(map, v.matches("[0-9]+") ? Long.parseLong(v) : cgroupId(n, v));
                    } else {
                        throw script(n, "usage: " + usage);
                    }
                    a = java.util.Arrays.copyOf(a, a.length - 1);
                }
                String name = a.length >= 4 && a[2].equals("as") ? a[3] : baseName(a[1]);
                if (a.length != 2 && (a.length != 4 || !a[2].equals("as"))) {
                    throw script(n, "usage: " + usage);
                }
                if (loaded.containsKey(name)) {
                    throw script(n, "an object is already loaded as '" + name + "'");
                }
                byte[] bytes;
                try {
                    bytes = objects.apply(w[1]);
                } catch (UncheckedIOException e) {
                    throw script(n, "cannot read " + w[1] + ": " + e.getCause().getMessage());
                }
                loaded.put(name, bpf.objectLoad(proc, w[1], bytes, token, mapExtra));
                return "";
            }
            case "attach": {
                need(n, w, 2, "attach NAME/PROG [cgroup=PATH] [order=self|pre|post|up] [map=NAME/MAP]");
                int pfd = progFd(n, w[1]);
                Map<String, String> o = options(n, w, 2, "cgroup", "order", "map");
                Bpf.LinkOpts opts = Bpf.LinkOpts.NONE;
                if (o.containsKey("map")) {
                    opts = Bpf.LinkOpts.target(mapFd(n, o.get("map")));
                }
                int cgFd = 0;
                if (o.containsKey("cgroup") || o.containsKey("order")) {
                    CgroupIterOrder order = CgroupIterOrder.ofWord(o.getOrDefault("order", "pre"));
                    if (o.containsKey("cgroup")) {
                        cgFd = bpf.openCgroup(proc, cgroupPath(o.get("cgroup")));
                    }
                    opts = Bpf.LinkOpts.cgroupIter(cgFd, 0, order);
                }
                try {
                    int lfd = bpf.attachAuto(proc, pfd, opts);
                    BpfInfo.Link info = bpf.linkInfo(proc, lfd);
                    lastLink.put(w[1], lfd);
                    linkFds.put(info.id(), lfd);
                    return "link " + info.id() + "\n";
                } finally {
                    if (cgFd != 0) {
                        bpf.close(proc, cgFd);
                    }
                }
            }
            case "cat": {
                need(n, w, 2, "cat PATH");
                return kernel.cat(w[1]);
            }
            case "run": {
                need(n, w, 2, "run NAME/PROG [data-hex=HEX]");
                int pfd = progFd(n, w[1]);
                Map<String, String> o = options(n, w, 2, "data-hex");
                TestRunOptions tro = TestRunOptions.defaults().withCpu(kernel.cpu());
                if (o.containsKey("data-hex")) {
                    tro = tro.withData(hex(n, o.get("data-hex")));
                }
                TestRunResult r = bpf.progTestRun(proc, pfd, tro);
                return "retval " + r.retval() + "\n";
            }
            case "as": {
                need(n, w, 2, "as NAME|root");
                int pid;
                if (w[1].equals("root")) {
                    pid = EmulatedKernel.INIT_PID;
                } else {
                    Integer p = users.get(w[1]);
                    if (p == null) {
                        throw script(n, "no user '" + w[1] + "' (user add it first)");
                    }
                    pid = p;
                }
                kernel.actAs(pid);
                proc = bpf.process(pid);
                return "";
            }
            case "chown": {
                need(n, w, 3, "chown PATH USER|UID [gid=N]");
                Map<String, String> o = options(n, w, 3, "gid");
                int uid;
                int gid;
                if (users.containsKey(w[2])) {
                    var t = kernel.task(users.get(w[2]));
                    uid = t.uid();
                    gid = t.gid();
                } else if (w[2].equals("root")) {
                    uid = 0;
                    gid = 0;
                } else {
                    uid = number(n, w[2]);
                    gid = -1;
                }
                if (o.containsKey("gid")) {
                    gid = number(n, o.get("gid"));
                }
                kernel.chown(anyPath(w[1]), uid, gid);
                return "";
            }
            case "chmod": {
                need(n, w, 3, "chmod PATH OCTAL");
                int mode;
                try {
                    mode = Integer.parseInt(w[2], 8);
                } catch (NumberFormatException e) {
                    throw script(n, "not an octal mode: '" + w[2] + "'");
                }
                kernel.chmod(anyPath(w[1]), mode);
                return "";
            }
            case "sysctl": {
                need(n, w, 2, "sysctl kernel.unprivileged_bpf_disabled=N");
                String prefix = "kernel.unprivileged_bpf_disabled=";
                if (!w[1].startsWith(prefix)) {
                    throw script(n, "only kernel.unprivileged_bpf_disabled=N is emulated");
                }
                kernel.sysctlUnprivilegedBpfDisabled(number(n, w[1].substring(prefix.length())));
                return "";
            }
            case "umask": {
                need(n, w, 2, "umask OCTAL");
                int mask;
                try {
                    mask = Integer.parseInt(w[1], 8);
                } catch (NumberFormatException e) {
                    throw script(n, "not an octal mask: '" + w[1] + "'");
                }
                kernel.privileges().setUmask(kernel.actor(), mask);
                return "";
            }
            case "unlink": {
                need(n, w, 2, "unlink PATH");
                kernel.bpffsUnlink(w[1]);
                return "";
            }
            case "cpu": {
                need(n, w, 2, "cpu K");
                kernel.cpu(number(n, w[1]));
                return "";
            }
            default:
                throw script(n, "unknown command '" + String.join(" ", w) + "'");
        }
    }

    /** A bpffs path as is; anything else a cgroup path. */
    private static String anyPath(String p) {
        return dev.bpfvm.kernel.syscall.Bpffs.on(p) ? p : cgroupPath(p);
    }

    private static String baseName(String path) {
        String b = path.substring(path.lastIndexOf('/') + 1);
        return b.endsWith(".o") ? b.substring(0, b.length() - 2) : b;
    }

    private byte[] hex(int line, String s) {
        if (s.length() % 2 != 0) {
            throw script(line, "odd number of hex digits");
        }
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) {
            int hi = Character.digit(s.charAt(2 * i), 16);
            int lo = Character.digit(s.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) {
                throw script(line, "not hex: '" + s + "'");
            }
            b[i] = (byte) (hi << 4 | lo);
        }
        return b;
    }

    /** One line per entry, bpftool style: {@code key: 01 00 ... value: ...}; per-CPU maps list each CPU. */
    static String dump(MapView m) {
        StringBuilder sb = new StringBuilder();
        for (MapView.Entry e : m.entries()) {
            sb.append("key: ").append(bytes(e.key()));
            if (m.perCpu()) {
                List<byte[]> cpus = m.splitPerCpu(e.value());
                for (int c = 0; c < cpus.size(); c++) {
                    sb.append(c == 0 ? "  " : " ").append("cpu").append(c).append(": ").append(bytes(cpus.get(c)));
                }
            } else {
                sb.append("  value: ").append(bytes(e.value()));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String bytes(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < b.length; i++) {
            sb.append(i == 0 ? "" : " ").append(String.format("%02x", b[i] & 0xff));
        }
        return sb.toString();
    }
}
