package io.relay.bench;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * {@code java -jar relay-bench.jar [options]}: runs the load tool and prints the summary table;
 * {@code java -jar relay-bench.jar forwarder [--port P]} runs its baseline server instead, and
 * {@code java -jar relay-bench.jar seconds FILE.hlog} reads a step back second by second ({@link Seconds}).
 */
public final class BenchCommand {

    /** The first argument that starts the {@link Forwarder} instead of the load tool. */
    static final String FORWARDER = "forwarder";

    private BenchCommand() {
    }

    /** The load tool's jar's entry point. */
    public static void main(String[] args) {
        if (args.length > 0 && FORWARDER.equals(args[0])) {
            int status = Forwarder.main(Arrays.copyOfRange(args, 1, args.length));
            if (status >= 0) {
                System.exit(status);
            }
            return; // the forwarder runs until the process is stopped
        }
        if (args.length > 0 && Seconds.COMMAND.equals(args[0])) {
            System.exit(Seconds.run(Arrays.copyOfRange(args, 1, args.length), System.out));
        }
        System.exit(run(args, System.out));
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
            console.println("bench failed: " + e); // the class too: some failures carry no message
            e.printStackTrace(console);
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
