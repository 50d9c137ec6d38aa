package dev.numpool.orders;

/** A key just created: the only time its {@code secret} exists outside the client. */
public record NewApiKey(long id, AccountId owner, String label, String prefix, String secret) {
    @Override
    public String toString() {
        return "NewApiKey[id=" + id + ", prefix=" + prefix + "]";
    }
}
