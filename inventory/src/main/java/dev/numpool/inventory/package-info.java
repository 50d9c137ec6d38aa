/**
 * Inventory: where numbers come from. It owns the catalogue (services and countries), the
 * providers that sell numbers and deliver their SMS (the built-in simulator first), the offers
 * with their live stock and sell prices, and the router that picks a provider for an order and
 * fails over to the next one.
 *
 * <p>{@link dev.numpool.inventory.Inventory} is the only door. Inventory never touches money or
 * activations: it sells a {@link dev.numpool.inventory.Lease} on a number and hands every SMS it
 * receives to the listener the orders module installs.
 */
package dev.numpool.inventory;
