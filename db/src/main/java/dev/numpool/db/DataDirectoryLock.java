package dev.numpool.db;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A node's claim on a data directory, held for as long as it runs. Starting embedded servers
 * stops whatever stale server the directory's pid files name (a node killed with -9 leaves them
 * running); without this claim a second node on the same directory would take the first one's
 * live servers for stale ones and stop them. The operating system lets go of the lock when the
 * process dies, however it dies, so a restart after a crash is never refused.
 */
public final class DataDirectoryLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the directory (creating it when missing), or fails at once when a running node has it. */
    public static DataDirectoryLock take(Path directory) {
        Path file = directory.toAbsolutePath().normalize().resolve("numpool.lock");
        FileChannel channel = null;
        try {
            Files.createDirectories(directory);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return new DataDirectoryLock(channel, lock);
            }
        } catch (OverlappingFileLockException e) {
            // this very process has it already (a second node started in one JVM)
        } catch (IOException e) {
            closeQuietly(channel);
            throw new IllegalStateException("cannot lock the data directory " + directory.toAbsolutePath() + " (" + e.getMessage() + ")", e);
        }
        closeQuietly(channel);
        throw new IllegalStateException("another Numpool is running on the data directory " + directory.toAbsolutePath()
                + "; stop it, or give this one its own NUMPOOL_DATA_DIR");
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing held through it
            }
        }
    }
}
