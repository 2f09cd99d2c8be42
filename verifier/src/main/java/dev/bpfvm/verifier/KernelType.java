package dev.bpfvm.verifier;

import java.util.List;

/**
 * A kernel struct as the verifier sees it through BTF: its name, size and members, enough to
 * check loads through a {@code PTR_TO_BTF_ID} and to type what they yield. The loader's kernel
 * BTF adapts to this; {@link #of} builds one by hand for contexts and tests.
 */
public interface KernelType {
    /** The struct name without {@code struct }, e.g. {@code cgroup}. */
    String name();

    /** Size in bytes. */
    int size();

    /** The members, in offset order. */
    List<Member> members();

    /** The member whose bytes contain [off, off+size), or null (padding, or spanning two). */
    default Member memberAt(int off, int size) {
        for (Member m : members()) {
            if (off >= m.offset() && off + size <= m.offset() + m.size()) {
                return m;
            }
        }
        return null;
    }

    /**
     * How far a pointer loaded from a member is trusted, the kernel's allowlists
     * ({@code BTF_TYPE_SAFE_TRUSTED}, {@code _TRUSTED_OR_NULL}, {@code _RCU}, {@code _RCU_OR_NULL}).
     * Members not listed ({@link #NONE}) yield plain or untrusted pointers.
     */
    enum Trust {
        NONE, TRUSTED, TRUSTED_OR_NULL, RCU, RCU_OR_NULL
    }

    /**
     * One member.
     *
     * @param name    member name
     * @param offset  byte offset
     * @param size    byte size (8 for pointers)
     * @param pointee for a pointer to a struct, the struct; null for a scalar member
     * @param trust   how a pointer loaded from here is trusted
     */
    record Member(String name, int offset, int size, KernelType pointee, Trust trust) {
        public Member {
            java.util.Objects.requireNonNull(name);
            java.util.Objects.requireNonNull(trust);
        }

        public static Member scalar(String name, int offset, int size) {
            return new Member(name, offset, size, null, Trust.NONE);
        }

        public static Member pointer(String name, int offset, KernelType pointee, Trust trust) {
            return new Member(name, offset, 8, pointee, trust);
        }
    }

    /** A struct described by hand. */
    static KernelType of(String name, int size, List<Member> members) {
        return new Simple(name, size, List.copyOf(members));
    }

    /** The plain implementation behind {@link #of}. */
    record Simple(String name, int size, List<Member> members) implements KernelType {
        @Override
        public String toString() {
            return "struct " + name;
        }
    }
}
