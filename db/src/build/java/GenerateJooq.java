import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.jooq.codegen.GenerationTool;
import org.jooq.meta.jaxb.Configuration;
import org.jooq.meta.jaxb.Database;
import org.jooq.meta.jaxb.Generate;
import org.jooq.meta.jaxb.Generator;
import org.jooq.meta.jaxb.Jdbc;
import org.jooq.meta.jaxb.Target;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * Generates the jOOQ classes from a real PostgreSQL: starts an embedded server, applies the
 * Flyway migrations, runs jOOQ's generator against it. Run by the db module's build with the
 * Java source launcher (so the generator needs no module of its own).
 *
 * <p>Generation is skipped when the migrations are byte-for-byte those of the last run: the
 * digest of every migration is stamped into the output directory.
 */
public class GenerateJooq {
    public static void main(String[] args) throws Exception {
        Path migrations = Path.of(args[0]);
        Path output = Path.of(args[1]);
        Path stamp = output.resolve(".migrations.sha256");
        String digest = digest(migrations);
        if (Files.exists(stamp) && Files.readString(stamp).equals(digest)) {
            System.out.println("jOOQ classes are up to date with the migrations");
            return;
        }
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
            Flyway.configure()
                    .dataSource(pg.getPostgresDatabase())
                    .locations("filesystem:" + migrations.toAbsolutePath())
                    .load()
                    .migrate();
            GenerationTool.generate(new Configuration()
                    .withJdbc(new Jdbc()
                            .withDriver("org.postgresql.Driver")
                            .withUrl(pg.getJdbcUrl("postgres", "postgres"))
                            .withUser("postgres"))
                    .withGenerator(new Generator()
                            .withDatabase(new Database()
                                    .withName("org.jooq.meta.postgres.PostgresDatabase")
                                    .withInputSchema("public")
                                    .withExcludes("flyway_schema_history|ledger_.*_change|ledger_apply_.*"))
                            .withGenerate(new Generate()
                                    .withJavaTimeTypes(true)
                                    .withRoutines(false))
                            .withTarget(new Target()
                                    .withPackageName("dev.numpool.db.jooq")
                                    .withDirectory(output.toAbsolutePath().toString()))));
        }
        Files.writeString(stamp, digest);
    }

    private static String digest(Path migrations) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (Stream<Path> files = Files.list(migrations)) {
            for (Path file : files.sorted().toList()) {
                sha.update(file.getFileName().toString().getBytes());
                sha.update(Files.readAllBytes(file));
            }
        }
        sha.update(GenerateJooq.class.getName().getBytes());
        return HexFormat.of().formatHex(sha.digest());
    }
}
