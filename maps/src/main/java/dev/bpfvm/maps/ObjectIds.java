package dev.bpfvm.maps;

import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.spi.BpfMap;
import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ids of maps and programs, the numbers user space sees in place of kernel object pointers: a
 * map-in-map lookup returns the inner map's id and a PROG_ARRAY lookup the program's id, as
 * Linux's {@code map_fd_sys_lookup_elem} does. The {@code byte[]} update of such maps takes the
 * same ids (there are no file descriptors at this level; the emulated kernel's {@code bpf()}
 * translates its fds into objects and calls the typed setters instead).
 *
 * <p>Objects are held weakly: an id does not keep a map or program alive.
 */
public final class ObjectIds {
    private ObjectIds() {}

    private static final Map<Integer, WeakReference<BpfMap>> MAPS = new ConcurrentHashMap<>();
    private static final Map<Integer, WeakReference<Program>> PROGRAMS = new ConcurrentHashMap<>();
    private static final Map<Program, Integer> PROGRAM_IDS = new WeakHashMap<>();
    private static final AtomicInteger NEXT_PROGRAM_ID = new AtomicInteger();

    static void register(BpfMap m) {
        MAPS.put(m.id(), new WeakReference<>(m));
    }

    static void unregister(BpfMap m) {
        MAPS.remove(m.id());
    }

    /** The live map with this id, or null. */
    public static BpfMap map(int id) {
        WeakReference<BpfMap> r = MAPS.get(id);
        BpfMap m = r == null ? null : r.get();
        if (r != null && m == null) {
            MAPS.remove(id);
        }
        return m;
    }

    /** The program's id, given on first request. */
    public static int idOf(Program p) {
        synchronized (PROGRAM_IDS) {
            Integer id = PROGRAM_IDS.get(p);
            if (id == null) {
                id = NEXT_PROGRAM_ID.incrementAndGet();
                PROGRAM_IDS.put(p, id);
                PROGRAMS.put(id, new WeakReference<>(p));
            }
            return id;
        }
    }

    /** The program with this id, or null. */
    public static Program program(int id) {
        WeakReference<Program> r = PROGRAMS.get(id);
        Program p = r == null ? null : r.get();
        if (r != null && p == null) {
            PROGRAMS.remove(id);
        }
        return p;
    }
}
