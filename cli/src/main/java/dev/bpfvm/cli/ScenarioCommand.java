package dev.bpfvm.cli;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.scenario.Scenario;
import dev.bpfvm.kernel.scenario.ScenarioException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Runs a scenario script against a fresh emulated kernel. */
@Command(name = "scenario", mixinStandardHelpOptions = true,
        description = {"Runs a scenario script (cgroups, tasks, BPF objects, links, pins, expectations)"
                + " against a fresh emulated kernel.",
                "Exit 0 when every expectation holds, 1 at the first failing line, 2 for script errors."})
final class ScenarioCommand implements Callable<Integer> {
    private final Io io;

    @Parameters(index = "0", paramLabel = "FILE", description = "the scenario script")
    Path file;

    ScenarioCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new CliException("cannot read " + file + ": " + e.getMessage());
        }
        Path dir = file.toAbsolutePath().getParent();
        Scenario s = new Scenario(new EmulatedKernel(), file.toString(), name -> {
            try {
                return Files.readAllBytes(dir.resolve(name));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, io.out());
        try {
            s.run(text);
        } catch (ScenarioException e) {
            io.out().flush();
            io.err().println("bpfvm: " + e.getMessage());
            return e.exitCode();
        }
        return Main.EXIT_OK;
    }
}
