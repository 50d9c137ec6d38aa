package dev.numpool.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * An embedded PostgreSQL server on 127.0.0.1, for running Numpool with no database configured
 * and for tests. With a data directory the data survives restarts, crashes of Numpool and crashes
 * of the machine (every commit is flushed to disk); without one it is thrown away on close.
 *
 * <p>PostgreSQL refuses to run as root; the embedded binaries handle that themselves by running
 * under a user namespace, which is why nothing else is needed on these machines.
 */
public final class LocalPostgres implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LocalPostgres.class.getName());
    private static final Duration STARTUP_PATIENCE = Duration.ofSeconds(60);
    private static final Duration SMART_SHUTDOWN_PATIENCE = Duration.ofSeconds(20);
    private static final Duration FAST_SHUTDOWN_PATIENCE = Duration.ofSeconds(10);

    private final EmbeddedPostgres server;

    private LocalPostgres(EmbeddedPostgres server) {
        this.server = server;
    }

    /**
     * Starts a server whose data lives in {@code dataDirectory} (created when missing, kept when
     * present). A server that a killed Numpool left running on the directory is stopped first.
     */
    public static LocalPostgres start(Path dataDirectory) {
        Path directory = dataDirectory.toAbsolutePath().normalize();
        try {
            Files.createDirectories(directory);
            stopLeftoverServer(directory);
            return new LocalPostgres(EmbeddedPostgres.builder()
                    .setDataDirectory(directory)
                    .setCleanDataDirectory(false)
                    // After a power loss the server replays its WAL before it answers; give it time.
                    .setPGStartupWait(STARTUP_PATIENCE)
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("max_connections", "200")
                    // zonky starts every server with -F (fsync off) and synchronous_commit off, which
                    // suits throwaway test servers; this one holds balances, so a commit it reported
                    // must survive a crash of the machine. These -c options come after -F and win.
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on")
                    .start());
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded PostgreSQL in " + directory, e);
        }
    }

    /** Starts a throwaway server (tests): fast rather than durable, since its data dies with it anyway. */
    public static LocalPostgres startTemporary() {
        try {
            return new LocalPostgres(EmbeddedPostgres.builder()
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    .start());
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded PostgreSQL", e);
        }
    }

    /**
     * Stops the PostgreSQL that a killed Numpool left running on {@code directory}: it still holds
     * postmaster.pid, and a new server would refuse the directory. It is asked to shut down (smart,
     * then fast), which writes a checkpoint; it is never killed outright, since a postmaster killed
     * with SIGKILL leaves its backends attached to shared memory. A pid file whose process is dead
     * is left alone: PostgreSQL recognises and replaces a stale one by itself.
     */
    private static void stopLeftoverServer(Path directory) {
        Path pidFile = directory.resolve("postmaster.pid");
        Optional<ProcessHandle> holder = LeftoverProcess.named(pidFile);
        if (holder.isEmpty()) {
            return;
        }
        ProcessHandle postmaster = holder.get();
        if (!isPostmasterOf(postmaster, directory)) {
            throw new IllegalStateException(pidFile + " names process " + postmaster.pid()
                    + ", which is not a PostgreSQL server of this directory; if no PostgreSQL uses "
                    + directory + ", delete that file");
        }
        LOG.log(System.Logger.Level.INFO, () -> "Stopping the PostgreSQL (pid " + postmaster.pid() + ") an earlier run left on " + directory);
        // Smart shutdown (SIGTERM) waits for sessions to end; the dead run's sessions ended with it.
        postmaster.destroy();
        if (LeftoverProcess.awaitExit(postmaster, SMART_SHUTDOWN_PATIENCE)) {
            return;
        }
        // Someone else is still connected (a psql, say): a fast shutdown rolls their work back.
        if (LeftoverProcess.interrupt(postmaster) && LeftoverProcess.awaitExit(postmaster, FAST_SHUTDOWN_PATIENCE)) {
            return;
        }
        throw new IllegalStateException("the PostgreSQL (pid " + postmaster.pid() + ") an earlier run left on " + directory
                + " did not stop within " + SMART_SHUTDOWN_PATIENCE.plus(FAST_SHUTDOWN_PATIENCE).toSeconds() + " s; stop it and start again");
    }

    /** True when {@code process} is a postgres whose -D argument is {@code directory}. */
    private static boolean isPostmasterOf(ProcessHandle process, Path directory) {
        if (!LeftoverProcess.runs(process, "postgres")) {
            return false;
        }
        List<String> arguments = LeftoverProcess.arguments(process);
        int flag = arguments.indexOf("-D");
        return flag >= 0 && flag + 1 < arguments.size() && sameDirectory(Path.of(arguments.get(flag + 1)), directory);
    }

    private static boolean sameDirectory(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + server.getPort() + "/" + database + "?user=postgres";
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
