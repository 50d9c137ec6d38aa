package dev.numpool.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;

import javax.sql.DataSource;

/**
 * A migrated PostgreSQL database behind a bounded connection pool.
 *
 * <p>{@link #connect} applies the Flyway migrations before handing out the first connection, so
 * every caller sees the schema the jOOQ classes were generated from.
 */
public final class Database implements AutoCloseable {
    static {
        // jOOQ prints a banner and a "tip of the day" to the log on its first query, on every start.
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
    }

    private final HikariDataSource dataSource;
    private final DSLContext dsl;

    private Database(HikariDataSource dataSource) {
        this.dataSource = dataSource;
        // Statement logging is jOOQ's default and costs CPU on every statement, even when the
        // logger is off; the request timer and PostgreSQL's own logs cover what it would show.
        this.dsl = DSL.using(knownIsolation(dataSource), SQLDialect.POSTGRES, new Settings()
                .withExecuteLogging(false)
                .withRenderSchema(false));
    }

    /**
     * Connects to {@code jdbcUrl} (user and password may be part of it or given separately) and
     * migrates the schema.
     */
    public static Database connect(String jdbcUrl, String user, String password, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        if (user != null && !user.isBlank()) {
            config.setUsername(user);
        }
        if (password != null && !password.isBlank()) {
            config.setPassword(password);
        }
        // Flyway holds one connection for its lock while migrating on another.
        config.setMaximumPoolSize(Math.max(2, poolSize));
        config.setConnectionTimeout(10_000);
        config.setPoolName("numpool");
        HikariDataSource dataSource = new HikariDataSource(config);
        try {
            Flyway.configure()
                    .dataSource(dataSource)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        return new Database(dataSource);
    }

    /**
     * The pool as jOOQ sees it: connections that know their isolation level without asking.
     * pgjdbc answers {@code getTransactionIsolation()} with a round trip ({@code SHOW TRANSACTION
     * ISOLATION LEVEL}), and jOOQ asks at the start of every transaction so that it could restore
     * it. Nothing here changes a connection's isolation through JDBC (a transaction that wants
     * another says so in SQL, which lasts only for that transaction, and the pool resets what JDBC
     * changed), so a connection handed out is at PostgreSQL's default: answering from that saves
     * a round trip per transaction.
     */
    private static DataSource knownIsolation(DataSource pool) {
        return (DataSource) java.lang.reflect.Proxy.newProxyInstance(Database.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    Object result = invoke(pool, method, args);
                    return result instanceof java.sql.Connection c && method.getName().equals("getConnection") ? knownIsolation(c) : result;
                });
    }

    private static java.sql.Connection knownIsolation(java.sql.Connection connection) {
        int[] isolation = {java.sql.Connection.TRANSACTION_READ_COMMITTED};
        return (java.sql.Connection) java.lang.reflect.Proxy.newProxyInstance(Database.class.getClassLoader(),
                new Class<?>[] {java.sql.Connection.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getTransactionIsolation" -> {
                            return isolation[0];
                        }
                        case "setTransactionIsolation" -> isolation[0] = (int) args[0];
                        default -> {
                        }
                    }
                    return invoke(connection, method, args);
                });
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** The jOOQ context over the pool; use {@code dsl().transactionResult(...)} for transactions. */
    public DSLContext dsl() {
        return dsl;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** True when a connection can be taken and answers a trivial query. */
    public boolean ping() {
        try {
            return dsl.selectOne().fetchOne() != null;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
