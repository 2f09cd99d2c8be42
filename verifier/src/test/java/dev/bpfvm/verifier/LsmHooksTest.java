package dev.bpfvm.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** LSM return ranges for hooks the emulated kernel BTF does not describe (Linux 6.12's hook lists). */
class LsmHooksTest {
    private static int[] range(String hook) {
        return ProgramTypes.btfTracing("lsm", hook, KernelTypes.emulated()).returnRange();
    }

    @Test
    void voidHooksMayReturnAnything() {
        assertThat(range("file_free_security")).isNull();
    }

    @Test
    void boolHooksReturnZeroOrOne() {
        assertThat(range("audit_rule_known")).containsExactly(0, 1);
    }

    @Test
    void otherHooksReturnZeroOrAnErrno() {
        assertThat(range("some_hook_bpfvm_does_not_know")).containsExactly(-4095, 0);
    }

    @Test
    void disabledHooksAreListed() {
        assertThat(BtfTracing.LSM_DISABLED_HOOKS).contains("getprocattr", "setprocattr", "ismaclabel");
    }
}
