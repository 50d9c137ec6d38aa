package dev.numpool.web;

import dev.numpool.inventory.RoutingTrace;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** A routing trace as a customer reads it: counts and outcomes in words, providers by the name the operator shows, else by letter. */
class PlainTraceTest {
    private static final Map<String, String> SHOWN = Map.of("upstream-c", "Northwind Numbers");
    private static final Texts EN = Texts.of(Texts.Language.EN);

    @Test
    void aFailoverIsToldInWordsWithoutTheProvidersRealNames() {
        RoutingTrace trace = new RoutingTrace(List.of(
                new RoutingTrace.Candidate("upstream-b", 500_000, 10, 90, "closed"),
                new RoutingTrace.Candidate("upstream-c", 600_000, 10, 90, "closed"),
                new RoutingTrace.Candidate("simulator", 700_000, 10, 90, "closed")), List.of(
                new RoutingTrace.Attempt("upstream-a", "skipped: paused by an operator", 0),
                new RoutingTrace.Attempt("upstream-b", "failed: timeout", 2_000),
                new RoutingTrace.Attempt("upstream-c", "bought", 120)), "first provider to sell after failing over");
        String words = PlainTrace.words(EN, trace, p -> Optional.ofNullable(SHOWN.get(p)));
        assertEquals("<p>3 providers had numbers for this offer. We bought your number from Northwind Numbers, after 1 other could not sell one.</p>"
                + "<ol class=\"attempts\"><li>Provider C: skipped: taken out of service for now by our team</li>"
                + "<li>Provider A: did not answer in time</li><li>Northwind Numbers: sold us your number</li></ol>", words);
        assertFalse(words.contains("upstream") || words.contains("simulator"), "no real name");

        // In Russian: the count with its plural form, the providers lettered in Russian.
        assertEquals("<p>Номера для этого предложения были у 3 поставщиков. Ваш номер продал Northwind Numbers; до него 1 другой поставщик не смог "
                + "продать номер.</p><ol class=\"attempts\"><li>Поставщик C — пропущен: наша команда временно вывела его из работы</li>"
                + "<li>Поставщик A — не ответил вовремя</li><li>Northwind Numbers — продал нам ваш номер</li></ol>",
                PlainTrace.words(Texts.of(Texts.Language.RU), trace, p -> Optional.ofNullable(SHOWN.get(p))));
    }

    @Test
    void theFirstChoiceAndNoNumbersAreToldPlainly() {
        assertEquals("<p>One provider had numbers for this offer. We bought your number from Provider A, the one with the best price per delivered code.</p>",
                PlainTrace.words(EN, new RoutingTrace(List.of(new RoutingTrace.Candidate("simulator", 500_000, 3, 90, "closed")),
                        List.of(new RoutingTrace.Attempt("simulator", "bought", 3)), "lowest"), p -> Optional.empty()));
        assertEquals("<p>No provider had a number for this offer.</p>",
                PlainTrace.words(EN, new RoutingTrace(List.of(), List.of(), "no provider reports stock"), p -> Optional.empty()));
    }
}
