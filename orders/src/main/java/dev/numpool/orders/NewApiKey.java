package dev.numpool.orders;

/**
 * A key just created: the only time its {@code secret} exists outside the client. {@code owner} is
 * the account the key opens: for a test key, the test account; {@code duplicateWindow} as in
 * {@link ApiKeyInfo}.
 */
public record NewApiKey(long id, AccountId owner, String label, String prefix, String secret, boolean test, boolean duplicateWindow) {
    @Override
    public String toString() {
        return "NewApiKey[id=" + id + ", prefix=" + prefix + "]";
    }
}
