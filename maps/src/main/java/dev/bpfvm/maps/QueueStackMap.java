package dev.bpfvm.maps;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.ExecContext;
import dev.bpfvm.vm.mem.Region;
import dev.bpfvm.vm.spi.MapAttr;
import dev.bpfvm.vm.spi.MapType;
import java.util.Arrays;

/**
 * {@code BPF_MAP_TYPE_QUEUE} (FIFO) and {@code BPF_MAP_TYPE_STACK} (LIFO): keyless maps of up to
 * max_entries values in a ring of max_entries + 1 slots, as Linux's. Programs push, pop and peek
 * with copies; users push with update, peek with lookup and pop with lookup-and-delete. Pushing
 * with {@code BPF_EXIST} into a full map drops the oldest element.
 */
final class QueueStackMap extends AbstractMap {
    private final boolean stack;
    private final int valueSize;
    private final int size;          // max_entries + 1
    private final byte[] elements;
    private int head;
    private int tail;

    QueueStackMap(MapAttr attr, BpfRuntime runtime) {
        super(attr, runtime);
        this.stack = attr.type() == MapType.STACK;
        this.valueSize = attr.valueSize();
        this.size = attr.maxEntries() + 1;
        this.elements = new byte[(int) bytesNeeded(attr)];
    }

    static long bytesNeeded(MapAttr attr) {
        return (Integer.toUnsignedLong(attr.maxEntries()) + 1) * Integer.toUnsignedLong(attr.valueSize());
    }

    private boolean empty() {
        return head == tail;
    }

    private boolean full() {
        int h = head + 1;
        if (h >= size) {
            h = 0;
        }
        return h == tail;
    }

    private synchronized long push(byte[] src, int s, long flags) {
        boolean replace = (flags & BPF_EXIST) != 0;
        if ((flags & BPF_NOEXIST) != 0 || Long.compareUnsigned(flags, BPF_EXIST) > 0) {
            return Errno.EINVAL.negative();
        }
        if (full()) {
            if (!replace) {
                return Errno.E2BIG.negative();
            }
            if (++tail >= size) {
                tail = 0;
            }
        }
        System.arraycopy(src, s, elements, head * valueSize, valueSize);
        if (++head >= size) {
            head = 0;
        }
        return 0;
    }

    /** Pop or peek into {@code dst}; an empty map zeroes {@code dst} and returns -ENOENT. */
    private synchronized long get(byte[] dst, int d, boolean delete) {
        if (empty()) {
            Arrays.fill(dst, d, d + valueSize, (byte) 0);
            return Errno.ENOENT.negative();
        }
        int index;
        if (stack) {
            index = head - 1;
            if (index < 0) {
                index = size - 1;
            }
        } else {
            index = tail;
        }
        System.arraycopy(elements, index * valueSize, dst, d, valueSize);
        if (delete) {
            if (stack) {
                head = index;
            } else if (++tail >= size) {
                tail = 0;
            }
        }
        return 0;
    }

    // ---- program side ---------------------------------------------------------------------------

    @Override
    public long pushElem(ExecContext ctx, long value, long flags) {
        if (!programMayWrite()) {
            return Errno.EPERM.negative();
        }
        Region r = readable(value, valueSize);
        return push(r.data(), off(r, value), flags);
    }

    @Override
    public long popElem(ExecContext ctx, long value) {
        if (!programMayWrite()) {
            return Errno.EPERM.negative();
        }
        Region r = writable(value, valueSize);
        return get(r.data(), off(r, value), true);
    }

    @Override
    public long peekElem(ExecContext ctx, long value) {
        Region r = writable(value, valueSize);
        return get(r.data(), off(r, value), false);
    }

    @Override
    public long updateElem(ExecContext ctx, long key, long value, long flags) {
        return Errno.EINVAL.negative();
    }

    @Override
    public long deleteElem(ExecContext ctx, long key) {
        return Errno.EINVAL.negative();
    }

    // ---- user side ------------------------------------------------------------------------------

    @Override
    protected byte[] doLookup(byte[] key, long flags) {
        byte[] out = new byte[valueSize];
        check(get(out, 0, false));
        return out;
    }

    @Override
    protected void doUpdate(byte[] key, byte[] value, long flags) {
        check(push(value, 0, flags));
    }

    @Override
    protected void doDelete(byte[] key) {
        throw error(Errno.EINVAL, "queue and stack elements cannot be deleted by key");
    }

    @Override
    protected byte[] doNextKey(byte[] key) {
        throw error(Errno.EINVAL, "queue and stack maps have no keys");
    }

    @Override
    protected byte[] doLookupAndDelete(byte[] key, long flags) {
        if (flags != 0) {
            throw error(Errno.EINVAL, "invalid flags " + hex(flags));
        }
        byte[] out = new byte[valueSize];
        check(get(out, 0, true));
        return out;
    }
}
