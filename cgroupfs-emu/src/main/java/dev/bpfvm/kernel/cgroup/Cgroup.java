package dev.bpfvm.kernel.cgroup;

import static dev.bpfvm.kernel.cgroup.Layout.*;

import dev.bpfvm.maps.LocalStorage;
import dev.bpfvm.maps.StorageOwner;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.KernelObject;
import dev.bpfvm.vm.spi.MapType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One cgroup of the v2 hierarchy. Its kernel memory is ONE read-only region of kind
 * {@code KERNEL_OBJECT} laid out by the kernel BTF: {@code struct cgroup} (with {@code self},
 * the {@code cgroup_subsys_state}, at its start), then {@code ancestors[level + 1]}, then its
 * {@code struct kernfs_node}, then the name string. Pointer fields hold BPF addresses:
 * {@code kn}, {@code self.parent}, {@code kn->parent}, {@code kn->name}, {@code ancestors[]},
 * {@code subsys[]} (every controller's css is {@code self}), {@code dom_cgrp}.
 *
 * <p>The tree holds one reference while the cgroup is online; programs take more with
 * {@code bpf_cgroup_acquire}. When the last one goes the region is unregistered and the
 * cgroup's local storage released.
 */
public final class Cgroup extends RefcountedOwner {
    private final CgroupTree tree;
    private final long id;
    private final String name;
    private final Cgroup parent;
    private final int level;
    private final byte[] mem;
    private final Region region;
    private final int knOffset;
    private Map<String, Cgroup> children;      // lazily, by name
    private boolean online = true;
    private int nrTasks;
    private int nrDescendants;
    private Region cssSet;
    private Object rstat;   // per-CPU rstat links, owned by the rstat package

    Cgroup(CgroupTree tree, long id, String name, Cgroup parent, long serial) {
        this.tree = tree;
        this.id = id;
        this.name = name;
        this.parent = parent;
        this.level = parent == null ? 0 : parent.level + 1;
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        int ancestors = CGROUP_ANCESTORS;
        this.knOffset = align8(Math.max(CGROUP_SIZE, ancestors + 8 * (level + 1)));
        int nameOffset = knOffset + KN_SIZE;
        this.mem = new byte[align8(nameOffset + nameBytes.length + 1)];
        System.arraycopy(nameBytes, 0, mem, nameOffset, nameBytes.length);
        AddressSpace space = tree.memory();
        this.region = space.register(
                Region.of(Region.Kind.KERNEL_OBJECT, name.isEmpty() ? "cgroup /" : name, mem).readOnly().owner(this).build());
        long self = region.address(CGROUP_SELF);
        long kn = region.address(knOffset);
        // css
        put(CGROUP_SELF + CSS_CGROUP, 8, region.address(0));
        put(CGROUP_SELF + CSS_ID, 4, id);
        put(CGROUP_SELF + CSS_SERIAL_NR, 8, serial);
        put(CGROUP_SELF + CSS_ONLINE_CNT, 4, 1);
        put(CGROUP_SELF + CSS_PARENT, 8, parent == null ? 0 : parent.cssAddress());
        // cgroup
        put(CGROUP_LEVEL, 4, level);
        put(CGROUP_MAX_DEPTH, 4, Integer.MAX_VALUE);
        put(CGROUP_MAX_DESCENDANTS, 4, Integer.MAX_VALUE);
        put(CGROUP_KN, 8, kn);
        for (int i = 0; i < SUBSYS_COUNT; i++) {
            put(CGROUP_SUBSYS + 8 * i, 8, self);
        }
        put(CGROUP_DOM_CGRP, 8, region.address(0));
        Cgroup c = this;
        for (int l = level; l >= 0; l--, c = c.parent) {
            put(ancestors + 8 * l, 8, c == this ? region.address(0) : c.address());
        }
        // kernfs_node
        put(knOffset + KN_COUNT, 4, 1);
        put(knOffset + KN_PARENT, 8, parent == null ? 0 : parent.kernfsAddress());
        put(knOffset + KN_NAME, 8, region.address(nameOffset));
        put(knOffset + KN_FLAGS, 2, KERNFS_DIR);
        put(knOffset + KN_MODE, 2, 040755);
        put(knOffset + KN_ID, 8, id);
        put(knOffset + KN_PRIV, 8, region.address(0));
    }

    private void put(int offset, int size, long v) {
        AddressSpace.put(mem, offset, size, v);
    }

    public long id() {
        return id;
    }

    public String name() {
        return name;
    }

    public Cgroup parent() {
        return parent;
    }

    public int level() {
        return level;
    }

    /** The path under the cgroup mount: "/" for the root, "/a/b" otherwise. */
    public String path() {
        if (parent == null) {
            return "/";
        }
        StringBuilder sb = new StringBuilder();
        appendPath(sb);
        return sb.toString();
    }

    private void appendPath(StringBuilder sb) {
        if (parent != null) {
            parent.appendPath(sb);
            sb.append('/').append(name);
        }
    }

    /** The ancestor at {@code l} (0 = root) or null outside 0..level. */
    public Cgroup ancestor(int l) {
        if (l < 0 || l > level) {
            return null;
        }
        Cgroup c = this;
        while (c.level > l) {
            c = c.parent;
        }
        return c;
    }

    /** The rstat package's per-CPU links of this cgroup (null until its first update). */
    public Object rstatNode() {
        return rstat;
    }

    /** Sets the rstat links (the rstat package, under its lock). */
    public void rstatNode(Object node) {
        this.rstat = node;
    }

    /** BPF address of this {@code struct cgroup}. */
    public long address() {
        return region.address(0);
    }

    /** BPF address of {@code &cgrp->self}. */
    public long cssAddress() {
        return region.address(CGROUP_SELF);
    }

    /** BPF address of {@code cgrp->kn}. */
    public long kernfsAddress() {
        return region.address(knOffset);
    }

    public Region region() {
        return region;
    }

    /** Children in name order (a snapshot). */
    public synchronized List<Cgroup> children() {
        if (children == null) {
            return List.of();
        }
        List<Cgroup> l = new ArrayList<>(children.values());
        l.sort((a, b) -> Long.compare(a.id, b.id));
        return Collections.unmodifiableList(l);
    }

    synchronized Cgroup child(String n) {
        return children == null ? null : children.get(n);
    }

    synchronized boolean hasChildren() {
        return children != null && !children.isEmpty();
    }

    synchronized void addChild(Cgroup c) {
        if (children == null) {
            children = new HashMap<>(4);
        }
        children.put(c.name, c);
    }

    synchronized void removeChild(Cgroup c) {
        children.remove(c.name);
        if (children.isEmpty()) {
            children = null;
        }
    }

    /** Whether the cgroup is still in the tree (not removed). */
    public synchronized boolean online() {
        return online;
    }

    /** Number of tasks in this cgroup itself. */
    public synchronized int taskCount() {
        return nrTasks;
    }

    public synchronized int descendantCount() {
        return nrDescendants;
    }

    synchronized void adjustDescendants(int d) {
        nrDescendants += d;
        put(CGROUP_NR_DESCENDANTS, 4, nrDescendants);
        put(CGROUP_SELF + CSS_NR_DESCENDANTS, 4, nrDescendants);
    }

    /** The address of this cgroup's {@code css_set} (made on first use). */
    synchronized long cssSetAddress() {
        if (cssSet == null) {
            byte[] b = new byte[CSS_SET_SIZE];
            long self = cssAddress();
            for (int i = 0; i < SUBSYS_COUNT; i++) {
                AddressSpace.put(b, CSS_SET_SUBSYS + 8 * i, 8, self);
            }
            AddressSpace.put(b, CSS_SET_REFCOUNT, 4, 1);
            AddressSpace.put(b, CSS_SET_DFL_CGRP, 8, address());
            cssSet = tree.memory().register(
                    Region.of(Region.Kind.KERNEL_OBJECT, "css_set", b).readOnly().owner(this).build());
            AddressSpace.put(b, CSS_SET_DOM_CSET, 8, cssSet.address(0));
        }
        return cssSet.address(0);
    }

    synchronized void adjustTasks(int d) {
        nrTasks += d;
        cssSetAddress();
        AddressSpace.put(cssSet.data(), CSS_SET_NR_TASKS, 4, nrTasks);
        put(CGROUP_NR_POPULATED_CSETS, 4, nrTasks > 0 ? 1 : 0);
    }

    /** Taken offline by rmdir: drops the tree's reference. */
    void offline() {
        synchronized (this) {
            online = false;
            put(CGROUP_SELF + CSS_ONLINE_CNT, 4, 0);
        }
        release();
    }

    @Override
    String describe() {
        return "cgroup " + id;
    }

    @Override
    void free() {
        tree.released(this);
        Region cs;
        synchronized (this) {
            cs = cssSet;
            cssSet = null;
        }
        releaseStorage();
        AddressSpace space = tree.memory();
        space.unregister(region);
        if (cs != null) {
            space.unregister(cs);
        }
        tree.forget(this);
    }

    @Override
    public MapType storageType() {
        return MapType.CGRP_STORAGE;
    }

    @Override
    public String toString() {
        return "cgroup " + path() + " (id " + id + ")";
    }
}
