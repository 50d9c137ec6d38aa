package dev.numpool.inventory;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RequestBudgetTest {
    @Test
    void aProviderIsAskedAtMostItsRateAndTheBudgetRefillsWithTime() {
        AtomicLong nanos = new AtomicLong();
        RequestBudget budget = new RequestBudget(10, nanos::get);
        assertEquals(10, budget.take(100), "a second's worth at once");
        assertEquals(0, budget.take(100), "then nothing until time passes");
        nanos.addAndGet(Duration.ofMillis(500).toNanos());
        assertEquals(5, budget.take(100));
        nanos.addAndGet(Duration.ofMinutes(5).toNanos());
        assertEquals(10, budget.take(100), "idle time does not pile up beyond a second's worth");
        assertEquals(0, budget.take(3));
        nanos.addAndGet(Duration.ofMillis(200).toNanos());
        assertEquals(2, budget.take(3));
    }

    @Test
    void tokensTakenButNotSpentAreGivenBackUpToTheBurst() {
        AtomicLong nanos = new AtomicLong();
        RequestBudget budget = new RequestBudget(10, nanos::get);
        assertEquals(10, budget.take(100));
        budget.giveBack(7); // only 3 activations were due
        assertEquals(7, budget.take(100));
        budget.giveBack(50);
        assertEquals(10, budget.take(100), "never more than a second's worth");
    }
}
