package dev.numpool.inventory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Our balances at the upstreams, for operators: an account that runs dry stops selling without a
 * word (sms-activate answers NO_BALANCE, 5sim "not enough user balance", and routing fails over
 * as for any failure), so the console shows each balance and warns below the provider's
 * {@code low-balance}. Read from every provider at once, each within its client's own timeout,
 * and kept a minute, so a page viewed often asks each upstream once a minute at most.
 */
final class AccountBalances {
    private static final Logger LOG = Logger.getLogger(AccountBalances.class.getName());
    static final Duration KEPT = Duration.ofMinutes(1);

    private final Providers providers;
    private final Map<String, Long> lowMicros;
    private final Clock clock;
    private volatile Read last = new Read(Instant.MIN, List.of());
    private final AtomicBoolean refreshing = new AtomicBoolean();

    private record Read(Instant at, List<Inventory.ProviderBalance> balances) {
    }

    AccountBalances(Providers providers, Map<String, Long> lowMicros, Clock clock) {
        this.providers = providers;
        this.lowMicros = Map.copyOf(lowMicros);
        this.clock = clock;
    }

    /**
     * See {@link Inventory#providerBalances}. The first call waits for a reading; later ones get
     * the last reading at once and, when it is over a minute old, start a new one in the
     * background: a page is never held by a slow upstream more than once.
     */
    List<Inventory.ProviderBalance> balances() {
        Read read = last;
        if (clock.instant().isBefore(read.at().plus(KEPT))) {
            return read.balances();
        }
        if (read.at().equals(Instant.MIN)) {
            synchronized (this) {
                if (last.at().equals(Instant.MIN)) {
                    last = readNow();
                }
                return last.balances();
            }
        }
        if (refreshing.compareAndSet(false, true)) {
            Thread.ofVirtual().name("provider-balances").start(() -> {
                try {
                    last = readNow();
                } finally {
                    refreshing.set(false);
                }
            });
        }
        return read.balances();
    }

    private Read readNow() {
        Instant now = clock.instant();
        List<Inventory.ProviderBalance> read = new ArrayList<>();
        try (ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Optional<Provider.AccountBalance>>> asked = new ArrayList<>();
            List<Provider> all = providers.all();
            for (Provider p : all) {
                asked.add(calls.submit(p::accountBalance));
            }
            for (int i = 0; i < all.size(); i++) {
                String name = all.get(i).name();
                Optional<Provider.AccountBalance> balance;
                try {
                    balance = asked.get(i).get();
                } catch (ExecutionException e) {
                    LOG.log(Level.WARNING, name + " threw on accountBalance", e.getCause());
                    balance = Optional.of(new Provider.AccountBalance.Unknown("provider error"));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return last;
                }
                long low = lowMicros.getOrDefault(name, 0L);
                balance.ifPresent(b -> read.add(switch (b) {
                    case Provider.AccountBalance.Known known -> new Inventory.ProviderBalance(name, Optional.of(known.micros()),
                            Optional.empty(), low, known.micros() < low);
                    case Provider.AccountBalance.Unknown unknown -> new Inventory.ProviderBalance(name, Optional.empty(),
                            Optional.of(unknown.reason()), low, false);
                }));
            }
        }
        return new Read(now, List.copyOf(read));
    }
}
