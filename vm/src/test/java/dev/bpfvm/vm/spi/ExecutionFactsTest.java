package dev.bpfvm.vm.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.mem.AddressSpace;
import dev.bpfvm.vm.mem.Region;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The execution-context facts helpers read: TaskView, TracingArgs, runtime services. */
class ExecutionFactsTest {
    @Test
    void fixedTaskAnswersByCgroupLevel() {
        TaskView t = new TaskView.Fixed(10, 9, 1000, 1001, "worker", 0x5_0000_0000L, new long[] {1, 7, 12});
        assertThat(t.cgroupId()).isEqualTo(12);
        assertThat(t.cgroupLevel()).isEqualTo(2);
        assertThat(t.cgroupAncestorId(0)).isEqualTo(1);
        assertThat(t.cgroupAncestorId(1)).isEqualTo(7);
        assertThat(t.cgroupAncestorId(2)).isEqualTo(12);
        assertThat(t.taskAddress()).isEqualTo(0x5_0000_0000L);
        TaskView none = new TaskView.Fixed(1, 1, 0, 0, "init");
        assertThat(none.cgroupId()).isEqualTo(0);
        assertThat(none.cgroupLevel()).isEqualTo(0);
        assertThat(none.taskAddress()).isEqualTo(0);
        assertThat(t).isEqualTo(new TaskView.Fixed(10, 9, 1000, 1001, "worker", 0x5_0000_0000L, new long[] {1, 7, 12}));
        assertThat(t.toString()).isEqualTo("task 10/9 'worker' uid=1000 gid=1001 cgroup=[1, 7, 12]");
    }

    @Test
    void commBytesAreCutTo15() {
        assertThat(new TaskView.Fixed(1, 1, 0, 0, "0123456789abcdefXYZ").commBytes())
                .isEqualTo("0123456789abcde".getBytes(StandardCharsets.US_ASCII));
        assertThat(new TaskView.Fixed(1, 1, 0, 0, "0123456789abcde").commBytes()).hasSize(15);
        assertThat(new TaskView.Fixed(1, 1, 0, 0, "sh").commBytes()).containsExactly('s', 'h');
    }

    @Test
    void tracingArgsLayout() {
        AddressSpace mem = new AddressSpace();
        TracingArgs a = TracingArgs.exit(mem, "fexit/f", 0xffffffff81000000L, -1, 5, 6);
        Region r = a.region();
        assertThat(r.kind()).isEqualTo(Region.Kind.CTX);
        assertThat(r.owner()).isSameAs(a);
        assertThat(r.length()).isEqualTo(40);
        assertThat(mem.load(r.address(0), 8)).isEqualTo(0xffffffff81000000L);
        assertThat(mem.load(r.address(8), 8)).isEqualTo(2);
        assertThat(mem.load(a.ctx(), 8)).isEqualTo(5);
        assertThat(mem.load(a.ctx() + 8, 8)).isEqualTo(6);
        assertThat(mem.load(a.ctx() + 16, 8)).isEqualTo(-1);
        a.returnValue(3);
        assertThat(mem.load(a.ctx() + 16, 8)).isEqualTo(3);
        assertThat(a.hasReturnValue()).isTrue();
        TracingArgs e = TracingArgs.entry(mem, "fentry/f", 0);
        assertThat(e.hasReturnValue()).isFalse();
        assertThat(e.region().length()).isEqualTo(24);
        assertThat(mem.load(e.ctx(), 8)).isEqualTo(0);   // the (unused) return slot
    }

    @Test
    void runtimeServicesAreMadeOncePerRuntime() {
        BpfRuntime rt = new BpfRuntime(new HelperRegistry());
        AtomicInteger made = new AtomicInteger();
        StringBuilder a = rt.service(StringBuilder.class, () -> {
            made.incrementAndGet();
            return new StringBuilder("a");
        });
        StringBuilder b = rt.service(StringBuilder.class, () -> new StringBuilder("b"));
        assertThat(b).isSameAs(a);
        assertThat(made.get()).isEqualTo(1);
        assertThat(new BpfRuntime(new HelperRegistry()).service(StringBuilder.class, () -> new StringBuilder("c"))
                .toString()).isEqualTo("c");
    }
}
