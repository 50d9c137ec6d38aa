package dev.numpool.inventory;

import dev.numpool.db.TestClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CircuitBreakerTest {
    private final TestClock clock = new TestClock();
    private final CircuitBreaker circuit = new CircuitBreaker(3, Duration.ofSeconds(30), clock);

    @Test
    void opensAfterFailuresInARowAndComesBackByItselfThroughOneTrial() {
        circuit.failure();
        circuit.failure();
        assertTrue(circuit.allow(), "two failures are not enough");
        circuit.failure();
        assertEquals(CircuitBreaker.State.OPEN, circuit.state());
        assertFalse(circuit.allow());

        clock.advance(Duration.ofSeconds(30));
        assertEquals(CircuitBreaker.State.HALF_OPEN, circuit.state());
        assertTrue(circuit.allow(), "one trial");
        assertFalse(circuit.allow(), "only one trial at a time");
        circuit.success();
        assertEquals(CircuitBreaker.State.CLOSED, circuit.state());
    }

    @Test
    void aFailedTrialOpensItAgain() {
        for (int i = 0; i < 3; i++) {
            circuit.failure();
        }
        clock.advance(Duration.ofSeconds(31));
        assertTrue(circuit.allow());
        circuit.failure();
        assertEquals(CircuitBreaker.State.OPEN, circuit.state());
    }

    @Test
    void backgroundCallsDoNotTakeTheTrialSlot() {
        for (int i = 0; i < 3; i++) {
            circuit.failure();
        }
        assertFalse(circuit.notOpen());
        clock.advance(Duration.ofSeconds(31));
        assertTrue(circuit.notOpen());
        assertTrue(circuit.notOpen(), "polling may ask again and again");
        assertTrue(circuit.allow(), "the trial is still there for a buy");
    }
}
