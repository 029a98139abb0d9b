package io.relay.bench;

import java.io.PrintStream;

/** {@code java -jar relay.jar bench [options]}: runs the load tool and prints the summary table. */
public final class BenchCommand {

    private BenchCommand() {
    }

    /** Runs with the given arguments; returns the process exit status. */
    public static int run(String[] args, PrintStream console) {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (BenchOptions.HelpRequested help) {
            console.print(BenchOptions.HELP);
            return 0;
        } catch (IllegalArgumentException e) {
            console.println("bench: " + e.getMessage());
            console.print(BenchOptions.HELP);
            return 2;
        }
        try {
            BenchResult result = run(options, console);
            return result.errors == 0 && result.steps.stream().allMatch(s -> s.lost() == 0) ? 0 : 1;
        } catch (Exception e) {
            console.println("bench failed: " + e.getMessage());
            return 1;
        }
    }

    /** Runs the load described by {@code options}, prints the summary and writes the report when asked. */
    public static BenchResult run(BenchOptions options, PrintStream console) throws Exception {
        BenchResult result = new LoadRun(options, console).run();
        console.println();
        console.print(result.table());
        console.print(result.footer());
        if (options.out() != null) {
            Report.write(result, options.out());
            console.println("report written to " + options.out());
        }
        return result;
    }
}
