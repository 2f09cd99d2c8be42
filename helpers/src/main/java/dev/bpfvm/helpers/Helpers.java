package dev.bpfvm.helpers;

import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.KfuncRegistry;
import java.util.function.ToIntFunction;

/**
 * The helpers module's entry point: registries filled with every helper and generic kfunc
 * bpfvm has. Each call returns a new registry, which the caller may extend or override
 * (registering a spec with a number already present replaces it).
 */
public final class Helpers {
    private Helpers() {}

    /** Every helper, by kernel number. */
    public static HelperRegistry defaultRegistry() {
        HelperRegistry r = new HelperRegistry();
        StandardHelpers.register(r);      // #5 ktime_get_ns, #6 trace_printk
        ProbeReadHelpers.register(r);     // #4, #45, #112-#115 probe_read*
        CpuHelpers.register(r);           // #7 get_prandom_u32, #8 get_smp_processor_id, #42 get_numa_node_id
        TaskHelpers.register(r);          // #14-#16, #35, #80, #123, #158 current task and cgroup
        TimeHelpers.register(r);          // #118 jiffies64, #125 ktime_get_boot_ns, #160 ktime_get_coarse_ns
        StringHelpers.register(r);        // #165 snprintf, #182 strncmp
        LoopHelpers.register(r);          // #181 loop
        TracingHelpers.register(r);       // #174 get_attach_cookie, #183-#185 get_func_arg/ret/arg_cnt
        MapHelpers.register(r);
        DynptrHelpers.register(r);        // #197-#203 dynptrs over local memory and ring buffer records
        return r;
    }

    /** The generic kfuncs ({@link GenericKfuncs}) with their placeholder BTF ids. */
    public static KfuncRegistry defaultKfuncs() {
        return GenericKfuncs.register(new KfuncRegistry());
    }

    /** The generic kfuncs with the BTF ids the emulated kernel's BTF gives their names. */
    public static KfuncRegistry defaultKfuncs(ToIntFunction<String> btfIdOf) {
        return GenericKfuncs.register(new KfuncRegistry(), btfIdOf);
    }
}
