package dev.bpfvm.maps;

import dev.bpfvm.vm.BpfException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.MapAttr;
import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code BPF_MAP_TYPE_CGRP_STORAGE} and {@code BPF_MAP_TYPE_TASK_STORAGE}: one value per owning
 * object, created on demand by programs ({@code bpf_cgrp_storage_get} with
 * {@code BPF_LOCAL_STORAGE_GET_F_CREATE}) and freed with the owner ({@link LocalStorage#release})
 * or the map. Each value is a small region of its own.
 *
 * <p>User space names owners by fd in Linux; the {@code byte[]} commands therefore fail with
 * EBADF here, and the owner-typed {@link #lookup(StorageOwner, long)}, {@link #update(StorageOwner,
 * byte[], long)} and {@link #delete(StorageOwner)} do the same checks with an owner object.
 */
public final class LocalStorageMap extends AbstractMap {
    /** BPF_LOCAL_STORAGE_GET_F_CREATE. */
    public static final long BPF_LOCAL_STORAGE_GET_F_CREATE = 1;

    private final ValueLayout layout;
    private final Set<LocalStorage> owners = ConcurrentHashMap.newKeySet();

    LocalStorageMap(MapAttr attr, BpfRuntime runtime) {
        super(attr, runtime);
        this.layout = new ValueLayout(attr.valueSize(), attr.spinLockOffset());
    }

    private void checkOwner(StorageOwner owner) {
        if (owner.storageType() != attr.type()) {
            throw new BpfException(Errno.EINVAL, "map '" + attr.name() + "' is a " + attr.type().kernelName()
                    + ": it cannot store values for " + owner);
        }
    }

    private LocalStorage.Elem newElem() {
        byte[] data = new byte[layout.stride];
        Region r = register(Region.of(Region.Kind.MAP_VALUE, attr.name(), data, 0, layout.size).perms(programPerms()));
        return new LocalStorage.Elem(data, r);
    }

    /** Called by {@link LocalStorage#release} for this map's element of a departing owner. */
    void dropped(LocalStorage ls, LocalStorage.Elem e) {
        owners.remove(ls);
        unregister(e.region);
    }

    /** Creates the element of {@code owner}, or returns the existing one; null if the owner is gone. */
    private LocalStorage.Elem create(LocalStorage ls, byte[] src, int s) {
        synchronized (ls) {
            LocalStorage.Elem e = ls.get(this);
            if (e != null) {
                return e;
            }
            e = newElem();
            if (src != null) {
                layout.copy(src, s, e.data, 0);
            }
            if (!ls.put(this, e)) {
                unregister(e.region);
                return null;
            }
            owners.add(ls);
            return e;
        }
    }

    private boolean remove(LocalStorage ls) {
        LocalStorage.Elem e = ls.remove(this);
        if (e == null) {
            return false;
        }
        dropped(ls, e);
        return true;
    }

    // ---- program side ---------------------------------------------------------------------------

    /**
     * {@code bpf_cgrp_storage_get} / {@code bpf_task_storage_get}: the address of the owner's
     * value, created (from {@code value}, or zeroed when 0) with F_CREATE; 0 when absent, when the
     * owner is null or gone, or for unknown flags.
     */
    public long get(ExecContext ctx, StorageOwner owner, long value, long flags) {
        if ((flags & ~BPF_LOCAL_STORAGE_GET_F_CREATE) != 0 || owner == null) {
            return 0;
        }
        checkOwner(owner);
        LocalStorage ls = owner.localStorage();
        LocalStorage.Elem e = ls.get(this);
        if (e == null && (flags & BPF_LOCAL_STORAGE_GET_F_CREATE) != 0) {
            if (!programMayWrite()) {
                return 0;
            }
            byte[] src = null;
            int s = 0;
            if (value != 0) {
                Region r = readable(value, layout.size);
                src = r.data();
                s = off(r, value);
            }
            e = create(ls, src, s);
        }
        return e == null ? 0 : e.region.address();
    }

    /** {@code bpf_cgrp_storage_delete} / {@code bpf_task_storage_delete}: 0, -ENOENT, or -EINVAL for no owner. */
    public long delete(ExecContext ctx, StorageOwner owner) {
        if (owner == null) {
            return Errno.EINVAL.negative();
        }
        checkOwner(owner);
        if (!programMayWrite()) {
            return Errno.EPERM.negative();
        }
        return remove(owner.localStorage()) ? 0 : Errno.ENOENT.negative();
    }

    // ---- user side, by owner --------------------------------------------------------------------

    /** {@code BPF_MAP_LOOKUP_ELEM} for an owner: a copy of its value (ENOENT if none). */
    public byte[] lookup(StorageOwner owner, long flags) {
        checkOpen();
        if ((flags & ~BPF_F_LOCK) != 0) {
            throw error(Errno.EINVAL, "invalid lookup flags " + hex(flags));
        }
        requireRead();
        checkLockFlag(flags);
        checkOwner(owner);
        LocalStorage.Elem e = owner.localStorage().get(this);
        if (e == null) {
            throw error(Errno.ENOENT, "no storage for " + owner);
        }
        byte[] out = new byte[layout.size];
        if ((flags & BPF_F_LOCK) != 0) {
            layout.copyLocked(e.data, 0, out, 0, false);
        } else {
            layout.copy(e.data, 0, out, 0);
        }
        layout.clearSpecial(out, 0);
        return out;
    }

    /** {@code BPF_MAP_UPDATE_ELEM} for an owner ({@code bpf_local_storage_update}). */
    public void update(StorageOwner owner, byte[] value, long flags) {
        checkOpen();
        requireWrite();
        checkLockFlag(flags);
        checkValue(value);
        checkOwner(owner);
        if (Long.compareUnsigned(flags & ~BPF_F_LOCK, BPF_EXIST) > 0) {
            throw error(Errno.EINVAL, "invalid update flags " + hex(flags));
        }
        LocalStorage ls = owner.localStorage();
        synchronized (ls) {
            LocalStorage.Elem e = ls.get(this);
            long op = flags & ~BPF_F_LOCK;
            if (e == null && op == BPF_EXIST) {
                throw error(Errno.ENOENT, "no storage for " + owner);
            }
            if (e != null && op == BPF_NOEXIST) {
                throw error(Errno.EEXIST, "storage exists for " + owner);
            }
            if (e == null) {
                if (create(ls, value, 0) == null) {
                    throw error(Errno.ENOENT, owner + " is gone");
                }
                return;
            }
            if ((flags & BPF_F_LOCK) != 0) {
                layout.copyLocked(value, 0, e.data, 0, true);
            } else {
                layout.copy(value, 0, e.data, 0);
            }
        }
    }

    /** {@code BPF_MAP_DELETE_ELEM} for an owner. */
    public void delete(StorageOwner owner) {
        checkOpen();
        requireWrite();
        checkOwner(owner);
        if (!remove(owner.localStorage())) {
            throw error(Errno.ENOENT, "no storage for " + owner);
        }
    }

    /** Number of owners with a value in this map. */
    public int size() {
        return owners.size();
    }

    @Override
    protected void onClose() {
        for (LocalStorage ls : new ArrayList<>(owners)) {
            ls.remove(this);
        }
        owners.clear();
    }

    // ---- user side, by fd: there are no fds here -------------------------------------------------

    private BpfException noFds() {
        return error(Errno.EBADF, "local storage is keyed by a cgroup or pidfd: use the owner-typed methods");
    }

    @Override
    protected byte[] doLookup(byte[] key, long flags) {
        throw noFds();
    }

    @Override
    protected void doUpdate(byte[] key, byte[] value, long flags) {
        throw noFds();
    }

    @Override
    protected void doDelete(byte[] key) {
        throw noFds();
    }

    @Override
    protected byte[] doNextKey(byte[] key) {
        throw error(Errno.ENOTSUPP, "local storage maps cannot be iterated");
    }
}
