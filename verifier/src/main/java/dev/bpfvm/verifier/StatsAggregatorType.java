package dev.bpfvm.verifier;

import dev.bpfvm.vm.Errno;
import dev.bpfvm.vm.object.MapSpec;
import dev.bpfvm.vm.object.ObjectSpec;
import dev.bpfvm.vm.object.ProgramSpec;
import dev.bpfvm.vm.spi.HelperSpec;
import dev.bpfvm.vm.spi.MapType;

/**
 * bpfvm's {@code BPF_PROG_TYPE_CGROUP_STATS_AGG} (0x1000, {@code SEC("cgroup_stats_agg/MAP")}):
 * the aggregator a CGROUP_STATS map with struct values calls to combine a child's total into
 * its parent's value. Its context is {@code struct bpf_cgroup_stats_agg { void *parent; const
 * void *child; }}: two pointers to value_size bytes of the map named in the section, the
 * parent's writable, the child's read-only. It reads the context only, with 8-byte loads; it
 * may call the base helpers (not bpf_cgroup_stats_update) and must return 0.
 */
final class StatsAggregatorType implements ProgramTypeRules {
    /** {@code offsetof(struct bpf_cgroup_stats_agg, parent)}. */
    static final int PARENT = 0;
    /** {@code offsetof(struct bpf_cgroup_stats_agg, child)}. */
    static final int CHILD = 8;

    private final int valueSize;

    StatsAggregatorType(int valueSize) {
        this.valueSize = valueSize;
    }

    /**
     * The rules for aggregator {@code spec} of {@code object}: typed by the CGROUP_STATS map its
     * section names.
     *
     * @throws VerifierException (EINVAL) when the object has no CGROUP_STATS map of that name
     */
    static StatsAggregatorType of(ObjectSpec object, ProgramSpec spec) {
        for (MapSpec m : object.maps()) {
            if (m.name().equals(spec.attachTo()) && m.type() == MapType.CGROUP_STATS) {
                return new StatsAggregatorType(m.valueSize());
            }
        }
        String msg = "SEC(\"" + spec.section() + "\"): the object has no CGROUP_STATS map '" + spec.attachTo() + "'";
        throw new VerifierException(msg + "\n", msg, Errno.EINVAL, -1, spec.name(), null);
    }

    /** The value size the context's pointers were typed with. */
    int valueSize() {
        return valueSize;
    }

    @Override
    public String name() {
        return "cgroup_stats_agg";
    }

    @Override
    public String kernelType() {
        return "BPF_PROG_TYPE_CGROUP_STATS_AGG";
    }

    @Override
    public ContextAccess contextAccess(int off, int size, boolean write, boolean ldsx, boolean privileged) {
        if (write || size != 8 || ldsx) {
            return null;
        }
        if (off == PARENT) {
            return ContextAccess.mem(0, valueSize);
        }
        if (off == CHILD) {
            return ContextAccess.mem(RegState.RDONLY, valueSize);
        }
        return null;
    }

    @Override
    public int[] returnRange() {
        return new int[] {0, 0};
    }

    @Override
    public boolean helperAllowed(HelperSpec helper, boolean privileged) {
        return HelperAvailability.allowed(helper, privileged);
    }

    @Override
    public String toString() {
        return name() + " (" + kernelType() + ", value_size " + valueSize + ")";
    }
}
