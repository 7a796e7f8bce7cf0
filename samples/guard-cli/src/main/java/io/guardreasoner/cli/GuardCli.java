package io.guardreasoner.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code guard-cli} command line: parse, replay, classify, eval, bench and convert.
 *
 * <p>Exit codes: 0 when the command did its job (for classify: a decision was made, a fail-policy one included);
 * 2 for bad arguments or configuration, with a message on stderr; 1 for an unexpected error.
 */
@Command(name = "guard-cli", mixinStandardHelpOptions = true, version = "guard-cli 0.1.0",
        description = "GuardReasoner from the command line.",
        subcommands = {ParseCommand.class, ReplayCommand.class, ClassifyCommand.class, EvalCommand.class, BenchCommand.class,
                ConvertCommand.class})
public final class GuardCli {

    /** Exit code for bad arguments or configuration. */
    public static final int BAD_USAGE = 2;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, for tests and embedding. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new GuardCli());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ConfigurationException) {
                commandLine.getErr().println("guard-cli: " + e.getMessage());
                return BAD_USAGE;
            }
            commandLine.getErr().println("guard-cli: unexpected error: " + e);
            e.printStackTrace(commandLine.getErr());
            return 1;
        });
        return cli;
    }

    /** Bad configuration found while running a command: a message for the user, exit code 2. */
    static final class ConfigurationException extends RuntimeException {
        ConfigurationException(String message) {
            super(message);
        }

        ConfigurationException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
