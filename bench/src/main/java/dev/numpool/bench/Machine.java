package dev.numpool.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * How busy the machine and the node under test are, read from {@code /proc}: the load average,
 * and the CPU time of Numpool's JVM and of its embedded PostgreSQL and Redis, whose time the
 * JVM's own counters do not include. Redis is a child of the JVM; PostgreSQL's postmaster is
 * not (pg_ctl daemonizes it), so it is found by its data directory on its command line.
 */
final class Machine {
    private final OptionalLong pid;
    private final Optional<String> dataDir;
    private final long clockTicksPerSecond;

    Machine(OptionalLong pid, Optional<String> dataDir, long clockTicksPerSecond) {
        this.pid = pid;
        this.dataDir = dataDir;
        this.clockTicksPerSecond = clockTicksPerSecond;
    }

    /** CPU time used so far, in nanoseconds; -1 where unknown. */
    record Sample(long atNanos, long jvmCpuNanos, long treeCpuNanos, long benchCpuNanos, String loadAverage) {
    }

    Sample sample() {
        long jvm = -1;
        long tree = -1;
        if (pid.isPresent()) {
            jvm = cpuNanos(pid.getAsLong());
            tree = Stream.concat(ProcessHandle.of(pid.getAsLong()).stream(), postgres())
                    .flatMap(h -> Stream.concat(Stream.of(h), h.descendants()))
                    .mapToLong(ProcessHandle::pid).distinct()
                    .map(p -> Math.max(0, cpuNanos(p))).sum();
        }
        return new Sample(System.nanoTime(), jvm, tree, benchCpuNanos(), loadAverage());
    }

    /** CPU used between two samples, as a percentage of one core (200 % is both cores of this machine). */
    static String percent(long fromCpu, long toCpu, long fromNanos, long toNanos) {
        if (fromCpu < 0 || toCpu < 0 || toNanos <= fromNanos) {
            return "?";
        }
        return String.format("%.0f", 100.0 * (toCpu - fromCpu) / (toNanos - fromNanos));
    }

    static String jvmPercent(Sample from, Sample to) {
        return percent(from.jvmCpuNanos(), to.jvmCpuNanos(), from.atNanos(), to.atNanos());
    }

    /** Numpool's JVM plus its embedded PostgreSQL and Redis. */
    static String treePercent(Sample from, Sample to) {
        return percent(from.treeCpuNanos(), to.treeCpuNanos(), from.atNanos(), to.atNanos());
    }

    /** This load generator, which shares the machine's cores with the node. */
    static String benchPercent(Sample from, Sample to) {
        return percent(from.benchCpuNanos(), to.benchCpuNanos(), from.atNanos(), to.atNanos());
    }

    /** The processes started with the node's data directory on their command line. */
    private Stream<ProcessHandle> postgres() {
        if (dataDir.isEmpty()) {
            return Stream.empty();
        }
        return ProcessHandle.allProcesses().filter(h -> {
            try {
                return Files.readString(Path.of("/proc/" + h.pid() + "/cmdline")).contains(dataDir.get());
            } catch (IOException | RuntimeException e) {
                return false; // gone already
            }
        });
    }

    /** utime + stime of one process (fields 14 and 15 of its stat line, after the parenthesized name). */
    private long cpuNanos(long processId) {
        try {
            String stat = Files.readString(Path.of("/proc/" + processId + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            return ticks * 1_000_000_000L / clockTicksPerSecond;
        } catch (IOException | RuntimeException e) {
            return -1; // gone, or not Linux
        }
    }

    private static long benchCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** The 1-minute load average. */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }
}
