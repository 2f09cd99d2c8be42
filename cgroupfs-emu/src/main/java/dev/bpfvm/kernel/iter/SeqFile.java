package dev.bpfvm.kernel.iter;

import dev.bpfvm.kernel.KernelException;
import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.btf.KernelBtf;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.Region;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * An open BPF iterator file: Linux's {@code seq_file} read by {@code bpf_seq_read}. Output
 * goes to an 8-page buffer; a read fills it object by object until the reader's size is
 * reached or an object's output does not fit, in which case that object's output is dropped
 * and it is shown again by the next read (so its program runs twice, as in Linux). An object
 * that alone overflows the buffer fails the read with E2BIG. After the last object the
 * program runs once more with a NULL object ({@code in_stop}).
 *
 * <p>The {@code struct seq_file} a program sees ({@code ctx->meta->seq}) is a read-only kernel
 * region whose owner is this object; {@code bpf_seq_printf} and {@code bpf_seq_write} find it
 * there. Not thread-safe: one reader at a time, as a file position is.
 */
public final class SeqFile implements AutoCloseable {
    /** {@code PAGE_SIZE << 3}: the buffer bpf_seq_read allocates. */
    public static final int BUFFER_SIZE = 4096 << 3;
    /** Linux's MAX_ITER_OBJECTS. */
    public static final int MAX_ITER_OBJECTS = 1_000_000;
    /** What {@code cat} asks for per read (coreutils' 128 KiB io_blksize). */
    public static final int CAT_READ_SIZE = 128 * 1024;

    /** The objects an iterator walks, and its program's run per object (seq_operations). */
    public interface Source {
        /** First object of a read at position {@code pos} (then the position is 1), or null at the end. */
        Object start(SeqFile seq, long pos);

        /** The object after {@code p}, or null. */
        Object next(SeqFile seq, Object p);

        /** Runs the program for {@code p} (null: the final in-stop run). Returns 0, or > 0 to skip the output. */
        int show(SeqFile seq, Object p, boolean inStop);

        /** End of a read; {@code p == null} when the walk is complete. */
        default void stop(SeqFile seq, Object p) {
            if (p == null) {
                show(seq, null, true);
            }
        }
    }

    private static final int SEQ_SIZE = KernelBtf.offsetOf("seq_file", "size");
    private static final int SEQ_COUNT = KernelBtf.offsetOf("seq_file", "count");
    private static final int SEQ_INDEX = KernelBtf.offsetOf("seq_file", "index");

    private final AddressSpace memory;
    private final Source source;
    private final Region region;
    private final long sessionId;
    private final byte[] buf = new byte[BUFFER_SIZE];
    private int count;
    private int from;
    private long index;
    private long seqNum;
    private boolean closed;
    private boolean doneStop;

    public SeqFile(AddressSpace memory, Source source, long sessionId) {
        this.memory = memory;
        this.source = source;
        this.sessionId = sessionId;
        byte[] mem = new byte[KernelBtf.sizeOf("seq_file")];
        AddressSpace.put(mem, SEQ_SIZE, 8, BUFFER_SIZE);
        this.region = memory.register(Region.of(Region.Kind.KERNEL_OBJECT, "seq_file", mem).readOnly().owner(this).build());
    }

    /** BPF address of the {@code struct seq_file}. */
    public long address() {
        return region.address(0);
    }

    public long sessionId() {
        return sessionId;
    }

    /** The {@code seq_num} of the object being shown (0 for the first). */
    public long seqNum() {
        return seqNum;
    }

    /** Whether the final NULL run happened (later reads do not run the program again). */
    public boolean doneStop() {
        return doneStop;
    }

    public boolean overflowed() {
        return count == BUFFER_SIZE;
    }

    /** {@code seq_write}: appends, or marks the buffer overflowed; false on overflow. */
    public boolean write(byte[] b, int off, int len) {
        if (count + len < BUFFER_SIZE) {
            System.arraycopy(b, off, buf, count, len);
            count += len;
            sync();
            return true;
        }
        count = BUFFER_SIZE;
        sync();
        return false;
    }

    /** {@code seq_bprintf}-style append of formatted output whose full length is {@code fullLength}. */
    public boolean printed(byte[] bytes, int fullLength) {
        if (count + fullLength < BUFFER_SIZE) {
            System.arraycopy(bytes, 0, buf, count, fullLength);
            count += fullLength;
            sync();
            return true;
        }
        count = BUFFER_SIZE;
        sync();
        return false;
    }

    /** Room left before overflow (what {@code seq_get_buf} offers). */
    public int room() {
        return BUFFER_SIZE - count;
    }

    private void sync() {
        AddressSpace.put(region.data(), SEQ_COUNT, 8, count);
        AddressSpace.put(region.data(), SEQ_INDEX, 8, index);
    }

    /** One {@code read(2)} of up to {@code size} bytes: 0 bytes at the end. KernelException for E2BIG and the source's errors. */
    public byte[] read(int size) {
        if (closed) {
            throw new KernelException(Errno.EBADF, "iterator file is closed");
        }
        if (size <= 0) {
            return new byte[0];
        }
        if (from < count) {
            int n = Math.min(count - from, size);
            byte[] out = Arrays.copyOfRange(buf, from, from + n);
            from += n;
            return out;
        }
        from = 0;
        count = 0;
        sync();
        Object p = source.start(this, index);
        if (p == null) {
            return stop(null, size);
        }
        if (index == 0) {
            index = 1;
        }
        int err = source.show(this, p, false);
        if (err > 0) {
            count = 0;
        } else if (overflowed()) {
            count = 0;
            source.stop(this, p);
            throw new KernelException(Errno.E2BIG, "the output for one object is larger than " + BUFFER_SIZE + " bytes");
        }
        int objects = 0;
        while (true) {
            objects++;
            int offs = count;
            p = source.next(this, p);
            index++;
            if (p == null) {
                break;
            }
            seqNum++;
            if (count >= size) {
                break;
            }
            if (objects >= MAX_ITER_OBJECTS) {
                if (offs == 0) {
                    source.stop(this, p);
                    throw new KernelException(Errno.EAGAIN, "more than " + MAX_ITER_OBJECTS + " objects without output");
                }
                break;
            }
            err = source.show(this, p, false);
            if (err > 0) {
                seqNum--;
                count = offs;
            } else if (overflowed()) {
                count = offs;
                if (offs == 0) {
                    source.stop(this, p);
                    throw new KernelException(Errno.E2BIG, "the output for one object is larger than " + BUFFER_SIZE + " bytes");
                }
                break;
            }
        }
        return stop(p, size);
    }

    private byte[] stop(Object p, int size) {
        int offs = count;
        source.stop(this, p);
        if (p == null) {
            if (!overflowed()) {
                doneStop = true;
            } else {
                count = offs;
                if (offs == 0) {
                    throw new KernelException(Errno.E2BIG, "the final output is larger than " + BUFFER_SIZE + " bytes");
                }
            }
        }
        int n = Math.min(count, size);
        from = n;
        return Arrays.copyOf(buf, n);
    }

    /** Reads to the end, {@code readSize} bytes per read, as {@code cat} does. */
    public byte[] readAll(int readSize) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            byte[] b = read(readSize);
            if (b.length == 0) {
                return out.toByteArray();
            }
            out.write(b, 0, b.length);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            memory.unregister(region);
        }
    }
}
