package dev.bpfvm.maps;

import java.util.Arrays;

/**
 * LRU bookkeeping of LRU_HASH / LRU_PERCPU_HASH, on element ids with no per-entry objects: doubly
 * linked lists in {@code int[]}s and a "referenced" byte per element. A program lookup only sets
 * the referenced byte (as the kernel's {@code bpf_lru_node_set_ref}); eviction takes the list's
 * tail, giving referenced elements a second chance (moved to the head, reference cleared).
 *
 * <p>With a common LRU there is one list holding up to max_entries elements. With
 * {@code BPF_F_NO_COMMON_LRU} each CPU has its own list of max_entries / cpus elements: an element
 * belongs to the list of the CPU that inserted it, and an insertion on a CPU whose list is full
 * evicts from that list, as Linux's per-CPU LRU lists do.
 *
 * <p>Not synchronized: the map's write lock guards everything but {@link #touch}, whose racy byte
 * store is harmless.
 */
final class LruLists {
    private final int[] prev;
    private final int[] next;
    private final byte[] ref;
    private final short[] listOf;
    private final int[] head;
    private final int[] tail;
    private final int[] count;
    private final int perList;

    LruLists(int capacity, int lists) {
        this.prev = new int[capacity];
        this.next = new int[capacity];
        this.ref = new byte[capacity];
        this.listOf = new short[capacity];
        this.head = new int[lists];
        this.tail = new int[lists];
        this.count = new int[lists];
        this.perList = capacity / lists;
        Arrays.fill(head, -1);
        Arrays.fill(tail, -1);
    }

    int listFor(int cpu) {
        return head.length == 1 ? 0 : cpu;
    }

    boolean full(int list) {
        return count[list] >= perList;
    }

    /** A lookup from a program: mark the element referenced. */
    void touch(int id) {
        if (ref[id] == 0) {
            ref[id] = 1;
        }
    }

    void setRef(int id) {
        ref[id] = 1;
    }

    /** Adds a new element at the head of {@code list}. */
    void add(int id, int list) {
        ref[id] = 0;
        listOf[id] = (short) list;
        linkHead(id, list);
        count[list]++;
    }

    void remove(int id) {
        int list = listOf[id];
        unlink(id, list);
        count[list]--;
    }

    /** The element to evict from {@code list}: second chance for referenced elements. */
    int victim(int list) {
        for (;;) {
            int id = tail[list];
            if (id < 0) {
                return -1;
            }
            if (ref[id] == 0) {
                return id;
            }
            ref[id] = 0;
            unlink(id, list);
            linkHead(id, list);
        }
    }

    private void linkHead(int id, int list) {
        int h = head[list];
        prev[id] = -1;
        next[id] = h;
        if (h >= 0) {
            prev[h] = id;
        } else {
            tail[list] = id;
        }
        head[list] = id;
    }

    private void unlink(int id, int list) {
        int p = prev[id];
        int n = next[id];
        if (p >= 0) {
            next[p] = n;
        } else {
            head[list] = n;
        }
        if (n >= 0) {
            prev[n] = p;
        } else {
            tail[list] = p;
        }
    }

    long footprint() {
        return (long) prev.length * 11;
    }
}
