package dev.bpfvm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code verify --html} page in a real headless chromium: a click on an instruction shows its state at
 * each visit, the failing instruction is highlighted, the arrow keys move the selection. Skipped, saying how
 * to install them, where chromium or chromedriver is missing.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HtmlExplorerBrowserTest {
    private static final String ARROW_DOWN = "\uE015";

    @TempDir
    Path dir;

    /** One browser for the class: starting chromium takes seconds. */
    private static WebDriver browser;

    @BeforeAll
    static void startBrowser() throws Exception {
        assumeTrue(WebDriver.available(), WebDriver.INSTALL_HINT);
        browser = new WebDriver();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    private Path page(String name, String... args) {
        Path out = dir.resolve(name);
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--html";
        all[args.length + 1] = out.toString();
        CliRun r = CliRun.of(all);
        assertThat(r.err()).isEmpty();
        return out;
    }

    @Test
    void aRejectedProgramHighlightsTheFailingInstructionAndAClickShowsTheStateAtEachVisit() throws Exception {
        Path page = page("core_iter.html", "verify", VerifyCommandTest.CORE, "--prog", "core_iter");
        WebDriver b = browser;
        b.open(page);
        // the failing instruction is highlighted and selected, the path to it marked
        assertThat(b.attribute(b.find("#insn-7"), "class")).isEqualTo("insn on-path failing selected");
        assertThat(b.attribute(b.find("#insn-2"), "class")).isEqualTo("insn on-path");
        assertThat(b.text(b.find("#message"))).isEqualTo(VerifyCommandTest.CORE_ITER);
        assertThat(b.text(b.find("#explain-title"))).isEqualTo("why: return value out of range");

        String insn4 = b.find("#insn-4");
        b.click(insn4);
        assertThat(b.attribute(insn4, "class")).isEqualTo("insn on-path selected");
        assertThat(b.attribute(b.find("#insn-7"), "class")).isEqualTo("insn on-path failing");
        assertThat(b.text(b.find("#state-panel"))).isEqualTo("""
                4: (61) r0 = *(u32 *)(r2 +96)
                core.c:50: return cgrp->level + (int)ctx->meta->seq_num;
                visit 1 of 1 · failing path
                R0_w=0
                R1_w=trusted_ptr_bpf_iter_meta()
                R2_w=trusted_ptr_cgroup()
                R10=fp0
                after: R0_w=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R2_w=trusted_ptr_cgroup()""");

        b.press(ARROW_DOWN);
        assertThat(b.text(b.find("#state-panel"))).startsWith("5: (79) r1 = *(u64 *)(r1 +16)\n");
        assertThat(b.attribute(b.find("#insn-5"), "class")).isEqualTo("insn on-path selected");
    }

    @Test
    void anAcceptedProgramShowsEveryVisitOfAnInstruction() throws Exception {
        Path page = page("xdp_too_far.html", "verify", VerifyCommandTest.TESTRUN, "--prog", "xdp_too_far");
        WebDriver b = browser;
        b.open(page);
        assertThat(b.text(b.find("#verdict"))).isEqualTo("accepted");
        assertThat(b.script("return document.querySelectorAll('.failing, .on-path').length")).isEqualTo(0.0);
        String insn6 = b.find("#insn-6");
        b.click(insn6);
        assertThat(b.text(b.find("#state-panel"))).isEqualTo("""
                6: (95) exit
                testrun.c:120: return err == -22 ? XDP_PASS : XDP_DROP;
                visit 1 of 2
                R0_w=1
                R1_w=scalar(id=1)
                R10=fp0
                visit 2 of 2 · from 4 to 6
                R0=2
                R1=-22
                R10=fp0""");
    }

    @Test
    void severalProgramsShareOnePageWithASelectorThatOpensOnTheFirstRejectedOne() throws Exception {
        Path page = page("core.html", "verify", VerifyCommandTest.CORE, "--all");
        WebDriver b = browser;
        b.open(page);
        assertThat(b.text(b.find("#program-name"))).isEqualTo("core_iter");
        assertThat(b.text(b.find("#program-select"))).isEqualTo(
                "core_reads (accepted)\ncore_poisoned (accepted)\ncore_iter (rejected)");
        b.click(b.find("#program-select option[value='1']"));
        assertThat(b.text(b.find("#program-name"))).isEqualTo("core_poisoned");
        assertThat(b.text(b.find("#verdict"))).isEqualTo("accepted");
        assertThat(b.attribute(b.find("#explain"), "hidden")).isEqualTo("true");
        assertThat(b.text(b.find("#state-panel"))).startsWith("0: ");
    }

    @Test
    void textOfTheProgramIsNeverMarkup() throws Exception {
        Path page = dir.resolve("evil.html");
        java.nio.file.Files.writeString(page, HtmlExplorer.page(java.util.List.of(HtmlExplorerTest.evilProgram())));
        WebDriver b = browser;
        b.open(page);
        assertThat(b.script("return typeof window.pwned")).isEqualTo("undefined");
        assertThat(b.script("return document.querySelectorAll('img, b, i, iframe').length")).isEqualTo(0.0);
        assertThat(b.script("return document.querySelectorAll('script').length")).isEqualTo(2.0);
        assertThat(b.text(b.find("#program-name"))).isEqualTo(HtmlExplorerTest.EVIL);
        b.click(b.find("#insn-0"));
        assertThat(b.text(b.find("#state-panel"))).isEqualTo("""
                0: (b7) r0 = 0 <i>x</i>
                evil.c:1: %s
                visit 1 of 1
                R1=ctx() <b>bold</b>
                R10=fp0
                after: R0_w=0""".formatted(HtmlExplorerTest.EVIL));
    }
}
