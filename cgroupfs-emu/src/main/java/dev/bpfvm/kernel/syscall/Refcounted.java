package dev.bpfvm.kernel.syscall;

/**
 * A refcounted object of the {@code bpf()} world: a map, a program, a link, or an open
 * iterator file. References are fds, bpffs pins, links (on their program) and programs (on
 * the maps they use); the object is freed when the last one goes.
 */
public abstract class Refcounted {
    private int refs;
    private boolean freed;

    /** What kind of object: "map", "prog", "link", "iter". */
    public abstract String kind();

    /** The object's id ({@code *_GET_NEXT_ID}), 0 for objects without one. */
    public abstract int id();

    /** Frees the object's resources; called once, when the last reference goes. */
    protected abstract void free();

    public synchronized int refs() {
        return refs;
    }

    public synchronized boolean freed() {
        return freed;
    }

    synchronized boolean tryGet() {
        if (freed) {
            return false;
        }
        refs++;
        return true;
    }

    void get() {
        if (!tryGet()) {
            throw new IllegalStateException(kind() + " " + id() + " already freed");
        }
    }

    void put() {
        boolean last;
        synchronized (this) {
            if (refs == 0) {
                throw new IllegalStateException(kind() + " " + id() + " released more often than taken");
            }
            last = --refs == 0;
            if (last) {
                freed = true;
            }
        }
        if (last) {
            free();
        }
    }
}
