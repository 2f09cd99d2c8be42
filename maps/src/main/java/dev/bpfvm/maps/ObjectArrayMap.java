package dev.bpfvm.maps;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.spi.MapAttr;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The "fd arrays" (PROG_ARRAY, PERF_EVENT_ARRAY, ARRAY_OF_MAPS): an array of kernel objects that
 * user space stores by fd. Here slots hold the objects; the {@code byte[]} side uses
 * {@link ObjectIds} where Linux uses fds, and subclasses offer typed setters. Updates take only
 * {@code BPF_ANY}; a missing index is E2BIG, deleting an empty slot ENOENT, as in Linux.
 */
abstract class ObjectArrayMap<T> extends AbstractMap {
    protected final AtomicReferenceArray<T> slots;

    ObjectArrayMap(MapAttr attr, BpfRuntime runtime) {
        super(attr, runtime);
        this.slots = new AtomicReferenceArray<>(attr.maxEntries());
    }

    protected boolean outOfRange(long index) {
        return index < 0 || index >= slots.length();
    }

    /** The object in slot {@code index}, or null. */
    public T get(int index) {
        return outOfRange(Integer.toUnsignedLong(index)) ? null : slots.get(index);
    }

    /** Stores {@code obj} in slot {@code index} ({@code bpf_fd_array_map_update_elem} with BPF_ANY). */
    public void set(int index, T obj) {
        checkOpen();
        requireWrite();
        if (outOfRange(Integer.toUnsignedLong(index))) {
            throw error(Errno.E2BIG, "index " + Integer.toUnsignedString(index) + " out of range");
        }
        if (obj == null) {
            throw error(Errno.EBADF, "no object to store");
        }
        check(obj);
        T old = slots.getAndSet(index, obj);
        released(old);
    }

    /** Empties slot {@code index}: E2BIG out of range, ENOENT when already empty. */
    public void clear(int index) {
        checkOpen();
        requireWrite();
        if (outOfRange(Integer.toUnsignedLong(index))) {
            throw error(Errno.E2BIG, "index " + Integer.toUnsignedString(index) + " out of range");
        }
        T old = slots.getAndSet(index, null);
        if (old == null) {
            throw error(Errno.ENOENT, "slot " + index + " is empty");
        }
        released(old);
    }

    /** Refuses an object this map cannot hold (EINVAL), as {@code map_fd_get_ptr} does. */
    protected abstract void check(T obj);

    /** Called for an object leaving a slot. */
    protected void released(T old) {}

    /** The object for an id in a user-space value, or null. */
    protected abstract T resolve(int id);

    /** The id user space sees for an object; throw ENOTSUPP where Linux has no sys lookup. */
    protected abstract int idOf(T obj);

    @Override
    protected byte[] doLookup(byte[] key, long flags) {
        int index = u32(key);
        T obj = get(index);
        if (obj == null) {
            throw error(Errno.ENOENT, "slot " + Integer.toUnsignedString(index) + " is empty");
        }
        return u32Bytes(idOf(obj));
    }

    @Override
    protected void doUpdate(byte[] key, byte[] value, long flags) {
        if (flags != BPF_ANY) {
            throw error(Errno.EINVAL, "only BPF_ANY updates " + attr.type().kernelName());
        }
        int index = u32(key);
        if (outOfRange(Integer.toUnsignedLong(index))) {
            throw error(Errno.E2BIG, "index " + Integer.toUnsignedString(index) + " out of range");
        }
        T obj = resolve(u32(value));
        if (obj == null) {
            throw error(Errno.EBADF, "no object with id " + Integer.toUnsignedString(u32(value)));
        }
        set(index, obj);
    }

    @Override
    protected void doDelete(byte[] key) {
        clear(u32(key));
    }

    @Override
    protected byte[] doNextKey(byte[] key) {
        int index = key == null ? -1 : u32(key);
        int max = slots.length();
        if (Integer.compareUnsigned(index, max) >= 0) {
            return u32Bytes(0);
        }
        if (index == max - 1) {
            throw error(Errno.ENOENT, "no next key");
        }
        return u32Bytes(index + 1);
    }

    @Override
    protected void onClose() {
        for (int i = 0; i < slots.length(); i++) {
            T old = slots.getAndSet(i, null);
            if (old != null) {
                released(old);
            }
        }
    }
}
