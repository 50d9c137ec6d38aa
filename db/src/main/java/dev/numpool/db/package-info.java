/**
 * Data infrastructure: the Flyway migrations (the schema's only source), the jOOQ classes
 * generated from them, pooled connections to PostgreSQL and Redis, and the embedded servers the
 * app starts when it is given no {@code DATABASE_URL} or {@code REDIS_URL}.
 *
 * <p>This module owns connections, never business rules: no other module's SQL lives here, and
 * nothing here knows what an activation or a hold means.
 */
package dev.numpool.db;
