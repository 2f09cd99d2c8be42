package dev.bpfvm.vm.mem;

/**
 * A piece of memory a BPF program may address: a stack, a context, a packet, map values, a
 * global section, caller-supplied memory, an emulated kernel object. Bytes live in
 * {@code data[base .. base+length)}.
 *
 * <p>A region may be an array of elements ({@code stride > 0}): then an access must stay inside
 * one element's first {@code elemSize} bytes (an ARRAY map's values are one region this way,
 * stored contiguously, yet a program cannot run from one value into the next).
 *
 * <p>A region with {@link RegionHooks} has its loads and stores handled by code (context field
 * rewrites such as {@code skb->data}).
 */
public final class Region {
    public static final int READ = 1;
    public static final int WRITE = 2;
    public static final int RW = READ | WRITE;

    public enum Kind {
        STACK("stack"), CTX("ctx"), PACKET("packet"), MAP_VALUE("map_value"), GLOBAL("global"),
        MEMORY("mem"), KERNEL_OBJECT("kernel"), MAP("map"), CODE("code"), RINGBUF("ringbuf");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    final byte[] data;
    final int base;
    final int length;
    final int perms;
    final int stride;
    final int elemSize;
    /** {@code stride - 1} when the stride is a power of two (offsets within an element by a mask), else -1. */
    final int strideMask;
    final RegionHooks hooks;
    private final Kind kind;
    private final String name;
    private final Object owner;
    /** Index in the address space, set on registration. */
    volatile int index;

    private Region(Builder b) {
        this.data = b.data;
        this.base = b.base;
        this.length = b.length;
        this.perms = b.perms;
        this.stride = b.stride;
        this.elemSize = b.elemSize;
        this.strideMask = b.stride > 0 && (b.stride & (b.stride - 1)) == 0 ? b.stride - 1 : -1;
        this.hooks = b.hooks;
        this.kind = b.kind;
        this.name = b.name;
        this.owner = b.owner;
    }

    public static Builder of(Kind kind, String name, byte[] data) {
        return new Builder(kind, name, data, 0, data.length);
    }

    public static Builder of(Kind kind, String name, byte[] data, int base, int length) {
        return new Builder(kind, name, data, base, length);
    }

    /** A region with no bytes (a map object, code): its address is a handle, never dereferenced. */
    public static Builder handle(Kind kind, String name, Object owner) {
        return new Builder(kind, name, new byte[0], 0, 0).perms(0).owner(owner);
    }

    public Kind kind() {
        return kind;
    }

    public String name() {
        return name;
    }

    public Object owner() {
        return owner;
    }

    public byte[] data() {
        return data;
    }

    public int base() {
        return base;
    }

    public int length() {
        return length;
    }

    public int perms() {
        return perms;
    }

    public boolean readable() {
        return (perms & READ) != 0;
    }

    public boolean writable() {
        return (perms & WRITE) != 0;
    }

    public int stride() {
        return stride;
    }

    public int elemSize() {
        return elemSize;
    }

    /**
     * The offset of byte {@code off} (not negative) within its element: {@code off % stride},
     * by a mask when the stride is a power of two. Only for a region of elements.
     */
    public int withinElement(int off) {
        int m = strideMask;
        return m >= 0 ? off & m : off % stride;
    }

    public RegionHooks hooks() {
        return hooks;
    }

    /** The region's index in its address space (0 while unregistered). */
    public int index() {
        return index;
    }

    /** The BPF address of byte {@code offset} of this region. */
    public long address(int offset) {
        return AddressSpace.address(index, offset);
    }

    public long address() {
        return address(0);
    }

    @Override
    public String toString() {
        return kind.label() + " '" + name + "' (" + length + " bytes)";
    }

    public static final class Builder {
        private final Kind kind;
        private final String name;
        private final byte[] data;
        private final int base;
        private final int length;
        private int perms = RW;
        private int stride;
        private int elemSize;
        private RegionHooks hooks;
        private Object owner;

        private Builder(Kind kind, String name, byte[] data, int base, int length) {
            if (base < 0 || length < 0 || base + length > data.length || base + length < 0) {
                throw new IllegalArgumentException("bad region bounds base=" + base + " length=" + length);
            }
            this.kind = kind;
            this.name = name;
            this.data = data;
            this.base = base;
            this.length = length;
        }

        public Builder perms(int p) {
            this.perms = p;
            return this;
        }

        public Builder readOnly() {
            return perms(READ);
        }

        /** Elements of {@code elemSize} usable bytes every {@code stride} bytes. */
        public Builder elements(int strideBytes, int elemSizeBytes) {
            if (strideBytes <= 0 || elemSizeBytes <= 0 || elemSizeBytes > strideBytes) {
                throw new IllegalArgumentException("bad element layout");
            }
            this.stride = strideBytes;
            this.elemSize = elemSizeBytes;
            return this;
        }

        public Builder hooks(RegionHooks h) {
            this.hooks = h;
            return this;
        }

        public Builder owner(Object o) {
            this.owner = o;
            return this;
        }

        public Region build() {
            return new Region(this);
        }
    }
}
