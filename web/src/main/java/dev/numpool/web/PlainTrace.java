package dev.numpool.web;

import dev.numpool.inventory.RoutingTrace;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A routing trace in a customer's words (issue 17): how many providers had numbers, which were
 * tried and what became of each, and why the number came from the one it came from. Providers are
 * named as the operator configures them to be shown ({@code display-name}), otherwise by letter
 * ("Provider A"): their real names are the operator's business. The console shows the raw trace.
 */
final class PlainTrace {
    private PlainTrace() {
    }

    static String words(RoutingTrace trace, Function<String, Optional<String>> displayName) {
        Map<String, String> names = new LinkedHashMap<>();
        trace.considered().forEach(c -> name(names, c.provider(), displayName));
        trace.attempts().forEach(a -> name(names, a.provider(), displayName));
        StringBuilder out = new StringBuilder("<p>");
        int withNumbers = trace.considered().size();
        out.append(withNumbers == 0 ? "No provider had a number for this offer."
                : withNumbers == 1 ? "One provider had numbers for this offer." : withNumbers + " providers had numbers for this offer.");
        Optional<RoutingTrace.Attempt> bought = trace.attempts().stream().filter(a -> a.outcome().equals("bought")).findFirst();
        long triedBefore = trace.attempts().stream().takeWhile(a -> !a.outcome().equals("bought")).filter(a -> !a.outcome().startsWith("skipped")).count();
        if (bought.isPresent()) {
            out.append(" We bought your number from ").append(Html.escape(names.get(bought.get().provider())))
                    .append(triedBefore == 0 ? ", the one with the best price per delivered code." : ", after " + triedBefore
                            + (triedBefore == 1 ? " other could not sell one." : " others could not sell one."));
        }
        out.append("</p>");
        if (trace.attempts().size() > 1 || bought.isEmpty() && !trace.attempts().isEmpty()) {
            out.append("<ol class=\"attempts\">");
            for (RoutingTrace.Attempt a : trace.attempts()) {
                out.append("<li>").append(Html.escape(names.get(a.provider()))).append(": ").append(Html.escape(outcome(a.outcome()))).append("</li>");
            }
            out.append("</ol>");
        }
        return out.toString();
    }

    private static void name(Map<String, String> names, String provider, Function<String, Optional<String>> displayName) {
        if (!names.containsKey(provider)) {
            long lettered = names.values().stream().filter(n -> n.startsWith(LETTERED)).count();
            names.put(provider, displayName.apply(provider).orElse(LETTERED + (char) ('A' + Math.min(25, lettered))));
        }
    }

    private static final String LETTERED = "Provider ";

    private static String outcome(String outcome) {
        if (outcome.equals("bought")) {
            return "sold us your number";
        }
        if (outcome.equals("no_numbers")) {
            return "had no numbers left";
        }
        if (outcome.equals("skipped: circuit open")) {
            return "skipped: it has been failing, so we did not wait for it";
        }
        if (outcome.startsWith("skipped: paused")) {
            return "skipped: taken out of service for now by our team";
        }
        if (outcome.equals("failed: timeout")) {
            return "did not answer in time";
        }
        return "could not sell one";
    }
}
