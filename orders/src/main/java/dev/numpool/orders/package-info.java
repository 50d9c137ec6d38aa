/**
 * Orders: accounts and their API keys, the double-entry ledger, idempotent orders and the
 * activation state machine, and the intake of every SMS providers deliver.
 *
 * <p>Doors, one per concern a caller has: {@link dev.numpool.orders.Accounts} (who is
 * calling with an API key), {@link dev.numpool.orders.Users} (who is signed in on the website:
 * passwords, sessions, and the links mailed to reset a password or verify an email; mailing them
 * is the website's), {@link dev.numpool.orders.Ledger} (what they have),
 * {@link dev.numpool.orders.Orders} (what they bought), {@link dev.numpool.orders.Rentals} (what they rent, reached
 * through {@code Orders.rentals()}), {@link dev.numpool.orders.Webhooks}
 * (where their events go), {@link dev.numpool.orders.Topups} (card top-ups) and
 * {@link dev.numpool.orders.OperatorAudit} (what operators changed). All SQL is in package-private stores, one per concern (accounts,
 * ledger, activations, idempotency keys, intake, upstream, top-ups, webhooks, code templates,
 * the audit log),
 * reached through one {@code Stores} handle that shares a transaction among them. Money moves only as ledger transfers (hold, then post or void), never as
 * edits, and each hold resolves exactly once because the database says so. This module never
 * speaks HTTP: handlers adapt it.
 */
package dev.numpool.orders;
