package dev.numpool.db;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The process behind a server's pid file: how an embedded server left running by a Numpool that
 * was killed (kill -9, the OOM killer) is found and stopped on the next start. The pid file is only
 * a hint, since pids are reused; callers check what the process runs before signalling it.
 */
final class LeftoverProcess {
    private LeftoverProcess() {
    }

    /** The live process whose pid is the first line of {@code pidFile}; empty when the file or the process is gone. */
    static Optional<ProcessHandle> named(Path pidFile) {
        return firstLine(pidFile)
                .flatMap(LeftoverProcess::parsePid)
                .flatMap(ProcessHandle::of)
                .filter(ProcessHandle::isAlive);
    }

    /**
     * True when the process runs the executable {@code program} (its file name, or that name with a
     * suffix such as a version). An executable deleted since it started (a cleaned-up temporary
     * directory) still counts: Linux then reports its path with " (deleted)" appended.
     */
    static boolean runs(ProcessHandle process, String program) {
        return process.info().command()
                .map(command -> Path.of(command.replace(" (deleted)", "")).getFileName().toString())
                .filter(name -> name.equals(program) || name.startsWith(program + "-"))
                .isPresent();
    }

    /** The process's arguments, without the executable; empty when the system does not tell. */
    static List<String> arguments(ProcessHandle process) {
        return process.info().arguments().map(List::of).orElse(List.of());
    }

    /** Waits at most {@code patience} for the process to end; true when it has. */
    static boolean awaitExit(ProcessHandle process, Duration patience) {
        try {
            process.onExit().get(patience.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !process.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /**
     * Sends SIGINT, which Java cannot send itself. PostgreSQL reads it as "fast shutdown": open
     * transactions are rolled back and a checkpoint is written, as {@code pg_ctl stop} does by
     * default. False when the signal could not be sent.
     */
    static boolean interrupt(ProcessHandle process) {
        try {
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return kill.waitFor(5, TimeUnit.SECONDS) && kill.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Optional<String> firstLine(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream().findFirst();
        } catch (IOException e) {
            // Missing, or removed by its server between our look and our read: nothing is left over.
            return Optional.empty();
        }
    }

    private static Optional<Long> parsePid(String line) {
        try {
            long pid = Long.parseLong(line.strip());
            return pid > 0 ? Optional.of(pid) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
