package dev.bpfvm.vm.exec;

/** Which tier runs a program: the interpreter or compiled JVM bytecode. */
public enum Tier {
    INTERPRETER("interp"), JIT("jit");

    private final String label;

    Tier(String label) {
        this.label = label;
    }

    /** The name used by the CLI ({@code --tier interp|jit}) and in reports. */
    public String label() {
        return label;
    }
}
